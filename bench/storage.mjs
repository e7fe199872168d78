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

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { benchArgs, buildLoadgen, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS_DIR = path.join(HERE, 'results');
const USAGE = `usage: node bench/storage.mjs [--quick] [--only fetch|produce|recovery] [--cold] [--timeout SECS]
  --quick          small workloads (a smoke run; its figures are not worth quoting)
  --cold           recovery: also measure with the page cache dropped first (root: /proc/sys/vm/drop_caches)
  --only NAME      run one of the three measurements
  --timeout SECS   time limit of each load-generator run (default 300)`;

const opts = benchArgs(USAGE, { quick: false, only: null, timeout: 300, cold: false }, { flags: ['quick', 'cold'], numbers: ['timeout'], strings: ['only'] });
const MSG = 1024;
const W = opts.quick
  ? { fetchN: 150_000, produceN: 50_000, recoveryBytes: 128 * 1024 * 1024 }
  : { fetchN: 500_000, produceN: 300_000, recoveryBytes: 1024 * 1024 * 1024 };
const PRODUCER = ['-a', '-1', '-l', '5', '-B', '1000000', '-z', 'none'];
const READY_TIMEOUT_MS = 120_000;
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

/** Starts (or restarts, with `reuse`) a broker; resolves once /health/ready is 200, with the time that took. */
const startBroker = (env, reuse) => startBlink({ root: ROOT, env: { LOG_LEVEL: 'info', RETENTION: '1d', ...env }, reuse, readyTimeoutMs: READY_TIMEOUT_MS });
const stopBroker = stopBlink;
const loadgen = (mode, args) => runLoadgen(mode, args, opts.timeout);

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

buildLoadgen(log);
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
