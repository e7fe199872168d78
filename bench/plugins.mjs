#!/usr/bin/env node
// Plugin overhead benchmark: `npm run bench:plugins` (builds dist/ and plugins/build/ first).
//
// Two measurements, each for a trivial plugin of both worlds (plugins/test/trivial-plugin.wat:
// record-plugin, on-record returns true; plugins/test/trivial-transformer.wat:
// record-transformer, every verdict keep), with 1 and 1,000 records (11-byte values) per batch:
//
// 1. per-record overhead of the plugin step, in process: PluginService.filter() on one batch,
//    timed over many batches after a warm-up, minus the same with no plugin configured.
//    This is the work the produce path adds: copying the records section, one postMessage to
//    the plugin worker, parsing there, one call per record (record-plugin) or per batch
//    (record-transformer) through the canonical ABI, and the answer back.
// 2. added produce latency: real brokers (started as `npm start` does), one per plugin and one with
//    none, all started first; one connection per broker sends hand-built Produce v3
//    requests (acks=1) one after the other and times each round trip. The brokers take
//    turns in short rounds (only one is sent to at a time), so a change in the machine's
//    background load hits all of them alike. Added p50 = p50(plugin) - p50(no plugin).
//
// Prints a table and, as the LAST stdout line, one JSON object.
// Usage: node bench/plugins.mjs [--batches N] [--requests N]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { crc32c } from '@node-rs/crc32';
import { benchArgs, blinkStartCommand } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PLUGINS = { 'record-plugin': 'trivial-plugin', 'record-transformer': 'trivial-transformer' };
const BATCH_SIZES = [1, 1000];

const opts = benchArgs(
  'usage: node bench/plugins.mjs [--batches N] [--requests N]',
  { batches: 3000, requests: 3000 },
  { numbers: ['batches', 'requests'], integers: { batches: [1, 10_000_000], requests: [1, 10_000_000] } },
);
const BATCHES = opts.batches;
const REQUESTS = opts.requests;

// ---------------------------------------------------------------- record batches

function zigzag(n) {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** An uncompressed magic-2 batch of `count` records: key "k<i>", 11-byte value. */
function buildBatch(count) {
  const records = [];
  for (let i = 0; i < count; i++) {
    const key = Buffer.from(`k${i}`);
    const value = Buffer.from('hello world');
    const body = Buffer.concat([Buffer.from([0, 0, ...zigzag(i), ...zigzag(key.length)]), key, Buffer.from(zigzag(value.length)), value, Buffer.from([0])]);
    records.push(Buffer.from(zigzag(body.length)), body);
  }
  const recordBytes = Buffer.concat(records);
  const header = Buffer.alloc(61);
  header.writeInt32BE(49 + recordBytes.length, 8);
  header.writeInt32BE(-1, 12);
  header.writeInt8(2, 16);
  header.writeInt32BE(count - 1, 23);
  header.writeBigInt64BE(BigInt(Date.now()), 27);
  header.writeBigInt64BE(BigInt(Date.now()), 35);
  header.writeBigInt64BE(-1n, 43);
  header.writeInt16BE(-1, 51);
  header.writeInt32BE(-1, 53);
  header.writeInt32BE(count, 57);
  const batch = Buffer.concat([header, recordBytes]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// ---------------------------------------------------------------- 1. in process

const noop = () => undefined;
const NO_METRICS = { called: noop, recordsRefused: noop, recordsRewritten: noop, callFailed: noop, restarted: noop, reloaded: noop, loaded: noop };

async function service(pluginName) {
  const { loadSettings } = await import(path.join(ROOT, 'dist/config/settings.js'));
  const { PluginService } = await import(path.join(ROOT, 'dist/plugins/plugin.service.js'));
  const { WasmRuntime } = await import(path.join(ROOT, 'dist/plugins/wasm-runtime.js'));
  const { PluginFiles } = await import(path.join(ROOT, 'dist/plugins/plugin-files.js'));
  const { SystemClock } = await import(path.join(ROOT, 'dist/common/clock.js'));
  const paths = pluginName === null ? '' : path.join(ROOT, 'plugins/build', `${pluginName}.wasm`);
  // A cwd without config/settings.yaml: the defaults plus these variables only.
  const config = loadSettings({ argv: [], env: { PLUGIN_PATHS: paths, PLUGIN_TIMEOUT: '10s' }, cwd: '/nonexistent-dir-for-bench' });
  const files = new PluginFiles();
  files.watch = () => noop;
  const plugins = new PluginService(config, new WasmRuntime(), files, NO_METRICS, new SystemClock());
  await plugins.onModuleInit();
  return plugins;
}

/** Microseconds of one filter() of a `count`-record batch: mean and p50 over many batches. */
async function filterMicros(plugins, count) {
  const batch = buildBatch(count);
  const batches = Math.max(50, Math.round(BATCHES / Math.sqrt(count)));
  for (let i = 0; i < Math.min(500, batches); i++) await plugins.filter('bench', 0, batch);
  const times = [];
  for (let i = 0; i < batches; i++) {
    const started = process.hrtime.bigint();
    const result = await plugins.filter('bench', 0, batch);
    times.push(Number(process.hrtime.bigint() - started) / 1000);
    if (result.kind !== 'store') throw new Error(`unexpected ${JSON.stringify(result)}`);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { mean, p50: percentile(times.sort((a, b) => a - b), 50) };
}

async function inProcess() {
  const baseline = await service(null);
  const base = Object.fromEntries(await Promise.all(BATCH_SIZES.map(async (n) => [n, await filterMicros(baseline, n)])));
  const rows = [];
  for (const [world, name] of Object.entries(PLUGINS)) {
    const plugins = await service(name);
    for (const n of BATCH_SIZES) {
      const micros = await filterMicros(plugins, n);
      rows.push({
        world,
        records: n,
        batchMeanMicros: micros.mean,
        batchP50Micros: micros.p50,
        perRecordMeanNanos: ((micros.mean - base[n].mean) * 1000) / n,
        perRecordP50Nanos: ((micros.p50 - base[n].p50) * 1000) / n,
      });
    }
    await plugins.onApplicationShutdown();
  }
  return rows;
}

// ---------------------------------------------------------------- 2. real broker

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startBroker(pluginName) {
  const [kafkaPort, restPort] = [await freePort(), await freePort()];
  const storage = mkdtempSync(path.join(os.tmpdir(), 'blink-bench-plugins-'));
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME, BROKER_PORTS: String(kafkaPort), REST_PORT: String(restPort),
    KAFKA_HOSTNAME: '127.0.0.1', ADVERTISED_HOSTNAME: '127.0.0.1', RECORD_STORAGE_PATH: storage, LOG_LEVEL: 'warn',
    MAX_MEMORY: '4GB', RETENTION: '1h', PLUGIN_TIMEOUT: '10s',
    PLUGIN_PATHS: pluginName === null ? '' : path.join(ROOT, 'plugins/build', `${pluginName}.wasm`),
  };
  const { nodeBin, args, env: startEnv } = blinkStartCommand(ROOT);
  const child = spawn(nodeBin, args, { cwd: ROOT, env: { ...env, ...startEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('broker not ready in 30 s');
    try {
      const response = await fetch(`http://127.0.0.1:${restPort}/health/ready`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(storage, { recursive: true, force: true });
  };
  return { kafkaPort, stop };
}

function produceV3(correlationId, topic, batch) {
  const topicBytes = Buffer.from(topic);
  const clientId = Buffer.from('bench');
  const parts = [
    Buffer.from([0, 0, 0, 3]), Buffer.alloc(4), Buffer.from([0, clientId.length]), clientId,
    Buffer.from([0xff, 0xff, 0, 1, 0, 0, 0x27, 0x10, 0, 0, 0, 1, 0, topicBytes.length]), topicBytes,
    Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]), Buffer.alloc(4), batch,
  ];
  parts[1].writeInt32BE(correlationId);
  parts[7].writeInt32BE(batch.length);
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** A connection that sends one Produce v3 at a time and times its round trip. */
async function producer(port) {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let pending = Buffer.alloc(0);
  let waiter = null;
  let correlationId = 0;
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    if (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
      pending = pending.subarray(4 + frame.length);
      waiter?.(frame);
    }
  });
  return {
    /** Microseconds of each of `requests` sequential produces of a `count`-record batch. */
    async roundTrips(topic, count, requests) {
      const times = [];
      for (let i = 0; i < requests; i++) {
        const request = produceV3(correlationId++, topic, buildBatch(count));
        const started = process.hrtime.bigint();
        const frame = await new Promise((resolve) => {
          waiter = resolve;
          socket.write(request);
        });
        times.push(Number(process.hrtime.bigint() - started) / 1000);
        // correlation id, topics 1, name, partitions 1, index, error code
        const errorCode = frame.readInt16BE(4 + 4 + 2 + topic.length + 4 + 4);
        if (errorCode !== 0) throw new Error(`produce error ${errorCode}`);
      }
      return times;
    },
    close: () => socket.destroy(),
  };
}

const ROUNDS = 6;

async function brokerLatency() {
  const labels = [['none', null], ...Object.entries(PLUGINS)];
  const brokers = [];
  const results = {};
  try {
    for (const [label, plugin] of labels) brokers.push({ label, broker: await startBroker(plugin) });
    for (const entry of brokers) entry.producer = await producer(entry.broker.kafkaPort);
    for (const n of BATCH_SIZES) {
      const times = Object.fromEntries(labels.map(([label]) => [label, []]));
      for (const { producer: p } of brokers) await p.roundTrips(`bench-${n}`, n, Math.min(300, REQUESTS)); // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        for (const { label, producer: p } of brokers) times[label].push(...(await p.roundTrips(`bench-${n}`, n, Math.ceil(REQUESTS / ROUNDS))));
      }
      for (const [label] of labels) {
        const sorted = times[label].sort((a, b) => a - b);
        results[`${label}/${n}`] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
      }
    }
  } finally {
    for (const { producer: p, broker } of brokers) {
      p?.close();
      await broker.stop();
    }
  }
  const rows = [];
  for (const world of Object.keys(PLUGINS)) {
    for (const n of BATCH_SIZES) {
      const base = results[`none/${n}`];
      const own = results[`${world}/${n}`];
      rows.push({ world, records: n, p50Micros: own.p50, p99Micros: own.p99, baseP50Micros: base.p50, addedP50Micros: own.p50 - base.p50 });
    }
  }
  return rows;
}

// ---------------------------------------------------------------- main

const overhead = await inProcess();
const latency = await brokerLatency();
const fmt = (n) => n.toFixed(1).padStart(9);
console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('\n1. plugin step in process (PluginService.filter), minus the same without plugins');
console.log('world               records   µs/batch p50   (mean)   ns/record p50   (mean)');
for (const r of overhead) {
  console.log(`${r.world.padEnd(20)}${String(r.records).padStart(7)} ${fmt(r.batchP50Micros)} ${fmt(r.batchMeanMicros)}  ${fmt(r.perRecordP50Nanos)} ${fmt(r.perRecordMeanNanos)}`);
}
console.log('\n2. produce round trip on a real broker (Produce v3, acks=1, one connection), µs');
console.log('world               records   p50 none   p50 plugin   p99 plugin   added p50');
for (const r of latency) {
  console.log(`${r.world.padEnd(20)}${String(r.records).padStart(7)} ${fmt(r.baseP50Micros)}  ${fmt(r.p50Micros)}    ${fmt(r.p99Micros)}   ${fmt(r.addedP50Micros)}`);
}
console.log(JSON.stringify({ node: process.version, batches: BATCHES, requests: REQUESTS, overhead, latency }));
