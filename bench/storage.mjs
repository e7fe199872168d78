#!/usr/bin/env node
// Blink storage benchmark: `npm run bench:storage [-- --quick]`. See bench/README.md ("Storage").
//
// Three measurements, each on a FRESH broker (started as `npm start` does) on free loopback ports with a temporary
// RECORD_STORAGE_PATH, driven by the same C load generator as bench/run.mjs (bench/loadgen.c):
//   1. fetch throughput from the WAL tier: memory mode, MAX_MEMORY=64MB, a topic of N x 1 KiB
//      (N x 1 KiB >> 64 MB, so most of it is offloaded to segment files), consumed from offset 0;
//      the same workload with MAX_MEMORY=4GB (everything in memory) as the reference;
//   2. durable-mode produce throughput for fsync always / interval / never (acks=all), and memory
//      mode as the reference;
//   3. recovery time of 1 GiB: durable mode (fsync never, to fill it fast), 1 GiB of 1 KiB
//      messages, SIGKILL, restart; from spawn to GET /health/ready = 200, and the broker's own
//      "recovered ... in X ms" log line. With SEGMENT_BYTES=2047MB the whole GiB is one last
//      segment that recovery reads and checks batch by batch (CRC-32C): the worst case. Then the
//      same with SEGMENT_BYTES=128MB (sealed segments open from their index, the last is scanned).
// Prints a table, then ONE JSON line (last line of stdout); the JSON also goes to
// bench/results/storage-<time>.json. Node built-ins only; every child and wait is bounded.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { blinkStartCommand, freePorts } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const LOADGEN_SRC = path.join(HERE, 'loadgen.c');
const LOADGEN = path.join(HERE, '.build', 'loadgen');
const RESULTS_DIR = path.join(HERE, 'results');
const USAGE = `usage: node bench/storage.mjs [--quick] [--only fetch|produce|recovery] [--cold] [--timeout SECS]
  --quick          small workloads (a smoke run; its figures are not worth quoting)
  --cold           recovery: also measure with the page cache dropped first (root: /proc/sys/vm/drop_caches)
  --only NAME      run one of the three measurements
  --timeout SECS   time limit of each load-generator run (default 300)`;

const opts = { quick: false, only: null, timeout: 300, cold: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--quick') opts.quick = true;
  else if (a === '--only') opts.only = process.argv[++i];
  else if (a === '--cold') opts.cold = true;
  else if (a === '--timeout') opts.timeout = Number(process.argv[++i]);
  else if (a === '-h' || a === '--help') {
    console.log(USAGE);
    process.exit(0);
  } else {
    process.stderr.write(`bench: unknown argument ${a}\n${USAGE}\n`);
    process.exit(64);
  }
}
const MSG = 1024;
const W = opts.quick
  ? { fetchN: 150_000, produceN: 50_000, recoveryBytes: 128 * 1024 * 1024 }
  : { fetchN: 500_000, produceN: 300_000, recoveryBytes: 1024 * 1024 * 1024 };
const PRODUCER = ['-a', '-1', '-l', '5', '-B', '1000000', '-z', 'none'];
const READY_TIMEOUT_MS = 120_000;
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function buildLoadgen() {
  if (fs.existsSync(LOADGEN) && fs.statSync(LOADGEN).mtimeMs >= fs.statSync(LOADGEN_SRC).mtimeMs) return;
  fs.mkdirSync(path.dirname(LOADGEN), { recursive: true });
  log('building bench/.build/loadgen');
  const cmd = `cc -O2 -g -Wall -Wextra -std=gnu11 $(pkg-config --cflags rdkafka) -o '${LOADGEN}.tmp' '${LOADGEN_SRC}' $(pkg-config --libs rdkafka) -lpthread`;
  execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  fs.renameSync(`${LOADGEN}.tmp`, LOADGEN);
}


function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Starts (or restarts, with `reuse`) a broker; resolves once /health/ready is 200, with the time that took. */
async function startBroker(env, reuse) {
  const [kafkaPort, restPort] = reuse ? [reuse.kafkaPort, reuse.restPort] : await freePorts(2);
  const storage = reuse?.storage ?? fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-storage-'));
  const { nodeBin, args } = blinkStartCommand(ROOT);
  const t0 = performance.now();
  const child = spawn(nodeBin, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      BROKER_PORTS: String(kafkaPort),
      REST_PORT: String(restPort),
      KAFKA_HOSTNAME: '127.0.0.1',
      ADVERTISED_HOSTNAME: '127.0.0.1',
      RECORD_STORAGE_PATH: storage,
      LOG_LEVEL: 'info',
      RETENTION: '1d',
      ...env,
    },
  });
  live.add(child);
  let output = '';
  const keep = (d) => (output = (output + d).slice(-200_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  while (!exited && performance.now() - t0 < READY_TIMEOUT_MS) {
    if ((await httpStatus(`http://127.0.0.1:${restPort}/health/ready`)) === 200) {
      return { child, kafkaPort, restPort, storage, readyMs: performance.now() - t0, output: () => output, bootstrap: `127.0.0.1:${kafkaPort}` };
    }
    await sleep(5);
  }
  child.kill('SIGKILL');
  throw new Error(`broker not ready: ${output.slice(-2000)}`);
}

async function stopBroker(broker, { signal = 'SIGTERM', keepData = false } = {}) {
  const gone = new Promise((res) => (broker.child.exitCode !== null || broker.child.signalCode !== null ? res() : broker.child.once('exit', res)));
  broker.child.kill(signal);
  await Promise.race([gone, sleep(15_000).then(() => broker.child.kill('SIGKILL'))]);
  await gone;
  if (!keepData) fs.rmSync(broker.storage, { recursive: true, force: true });
}

/** Runs loadgen; resolves with its last JSON line (throws unless ok). */
function loadgen(mode, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(LOADGEN, [mode, ...args.map(String), '-T', String(opts.timeout)], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.timeout + 15) * 1000);
    child.once('close', () => {
      clearTimeout(timer);
      live.delete(child);
      const last = stdout.trim().split('\n').at(-1);
      try {
        const result = JSON.parse(last);
        if (result.ok) return resolve(result);
      } catch {
        /* fall through */
      }
      reject(new Error(`loadgen ${mode} failed: ${last} ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

async function metrics(broker) {
  return new Promise((resolve) => {
    http.get(`http://127.0.0.1:${broker.restPort}/prometheus`, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        const value = (name) => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2] ?? NaN);
        resolve({ inMemory: value('blink_in_memory_queue_size_bytes'), disk: value('blink_current_disk_space_bytes'), offloaded: value('blink_offloaded_batch_count') });
      });
    }).on('error', () => resolve({}));
  });
}

const rows = [];
const row = (name, unit, value, note = '') => {
  rows.push({ name, unit, value, note });
  log(`${name}: ${value} ${unit} ${note}`);
};

async function fetchFromWal() {
  for (const [label, maxMemory] of [['memory tier', '4GB'], ['WAL tier', '64MB']]) {
    const broker = await startBroker({ MAX_MEMORY: maxMemory });
    try {
      const b = ['-b', broker.bootstrap, '-t', 'fetch-bench'];
      await loadgen('produce', [...b, '-C', '-n', W.fetchN, '-s', MSG, ...PRODUCER]);
      await sleep(500);
      const m = await metrics(broker);
      const consumed = await loadgen('consume', [...b, '-n', W.fetchN]);
      row(`consume 1 KiB from the ${label}`, 'MB/s', consumed.mb_per_s.toFixed(1), `(${consumed.msgs_per_s.toFixed(0)} msg/s; ${(m.disk / 1e6).toFixed(0)} MB on disk, ${(m.inMemory / 1e6).toFixed(0)} MB in memory)`);
    } finally {
      await stopBroker(broker);
    }
  }
}

async function durableProduce() {
  const modes = [['memory mode', { STORAGE_MODE: 'memory', MAX_MEMORY: '4GB' }], ...['always', 'interval', 'never'].map((f) => [`durable, fsync ${f}`, { STORAGE_MODE: 'durable', FSYNC: f, MAX_MEMORY: '4GB' }])];
  for (const [label, env] of modes) {
    const broker = await startBroker(env);
    try {
      const result = await loadgen('produce', ['-b', broker.bootstrap, '-t', 'produce-bench', '-C', '-n', W.produceN, '-s', MSG, ...PRODUCER]);
      row(`produce 1 KiB acks=all, ${label}`, 'MB/s', result.mb_per_s.toFixed(1), `(${result.msgs_per_s.toFixed(0)} msg/s)`);
    } finally {
      await stopBroker(broker);
    }
  }
}

async function recovery() {
  const n = Math.floor(W.recoveryBytes / MSG);
  // 2047MB: the largest segment.bytes (an int32), so the whole GiB stays in the one last segment.
  for (const [label, segment] of [['all in the last segment (scanned)', '2047MB'], ['128 MiB segments (index) + last scanned', '128MB']]) {
    const env = { STORAGE_MODE: 'durable', FSYNC: 'never', MAX_MEMORY: '256MB', SEGMENT_BYTES: segment };
    const first = await startBroker(env);
    await loadgen('produce', ['-b', first.bootstrap, '-t', 'recovery-bench', '-C', '-n', n, '-s', MSG, ...PRODUCER]);
    const onDisk = (await metrics(first)).disk;
    await stopBroker(first, { signal: 'SIGKILL', keepData: true });
    for (const cache of opts.cold ? ['warm', 'cold'] : ['warm']) {
      if (cache === 'cold') execFileSync('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches']);
      const second = await startBroker(env, first);
      const line = /recovered .* in (\d+) ms/.exec(second.output());
      row(`recovery of ${(onDisk / 2 ** 30).toFixed(2)} GiB, ${label}, ${cache} page cache`, 'ms', Math.round(second.readyMs), `(spawn to ready; recovery itself ${line?.[1] ?? '?'} ms)`);
      await stopBroker(second, { signal: 'SIGKILL', keepData: cache === 'warm' && opts.cold });
    }
  }
}

buildLoadgen();
const started = new Date();
const steps = { fetch: fetchFromWal, produce: durableProduce, recovery };
for (const [name, step] of Object.entries(steps)) {
  if (opts.only !== null && opts.only !== name) continue;
  log(`--- ${name}`);
  await step();
}
const width = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) console.log(`${r.name.padEnd(width)}  ${String(r.value).padStart(8)} ${r.unit.padEnd(4)} ${r.note}`);
const summary = { started: started.toISOString(), quick: opts.quick, machine: `${os.cpus().length} cpus, ${os.cpus()[0]?.model}`, rows };
fs.mkdirSync(RESULTS_DIR, { recursive: true });
fs.writeFileSync(path.join(RESULTS_DIR, `storage-${started.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(summary, null, 2));
console.log(JSON.stringify(summary));
