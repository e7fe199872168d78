#!/usr/bin/env node
// Blink transactions benchmark: `npm run bench:transactions [-- --reps N] [-- --quick] [-- --durable]`.
// See bench/README.md ("Transactions").
//
// On a FRESH broker (dist/main.js) per repetition, on free loopback ports with a temporary
// RECORD_STORAGE_PATH, the C load generator (bench/loadgen.c, librdkafka) produces the same N x
// 100 B messages to one partition three ways, each on a topic of its own:
//   1. plain idempotent produce (enable.idempotence=true, acks=all): the reference;
//   2. transactions of 100 messages (init_transactions once, then begin / 100 x produce / commit,
//      each commit awaited before the next transaction begins);
//   3. transactions of 1,000 messages.
// Each transaction costs AddPartitionsToTxn and EndTxn round trips and one marker per partition,
// so small transactions pay them often. Prints min / median / max per workload, then ONE JSON line
// (the last line of stdout), also written to bench/results/transactions-<time>.json.
// Node built-ins only; every child process and every wait has a time limit.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePorts } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const LOADGEN_SRC = path.join(HERE, 'loadgen.c');
const LOADGEN = path.join(HERE, '.build', 'loadgen');
const RESULTS_DIR = path.join(HERE, 'results');
const USAGE = `usage: node bench/transactions.mjs [--reps N] [--quick] [--durable] [--timeout SECS]
  --reps N         repetitions, each on a fresh broker (default 3; --quick: 1)
  --quick          small workloads (a smoke run; its figures are not worth quoting)
  --durable        STORAGE_MODE=durable (fsync interval) instead of memory mode
  --timeout SECS   time limit of each load-generator run (default 180)`;

const opts = { reps: null, quick: false, durable: false, timeout: 180 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--quick') opts.quick = true;
  else if (a === '--durable') opts.durable = true;
  else if (a === '--reps') opts.reps = Number(process.argv[++i]);
  else if (a === '--timeout') opts.timeout = Number(process.argv[++i]);
  else if (a === '-h' || a === '--help') {
    console.log(USAGE);
    process.exit(0);
  } else {
    process.stderr.write(`bench: unknown argument ${a}\n${USAGE}\n`);
    process.exit(64);
  }
}
opts.reps ??= opts.quick ? 1 : 3;
if (!Number.isInteger(opts.reps) || opts.reps < 1 || opts.reps > 50) {
  process.stderr.write('bench: --reps must be 1..50\n');
  process.exit(64);
}
const N = opts.quick ? 20_000 : 200_000;
const SIZE = 100;
const READY_TIMEOUT_MS = 60_000;
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

const WORKLOADS = [
  { name: 'idempotent produce', mode: 'produce', args: ['-a', 'all', '-l', '5', '-X', 'enable.idempotence=true'] },
  { name: 'transactions of 100', mode: 'txn', args: ['-k', '100', '-l', '0'] },
  { name: 'transactions of 1000', mode: 'txn', args: ['-k', '1000', '-l', '0'] },
];

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

async function startBroker() {
  const [kafkaPort, restPort] = await freePorts(2);
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-txn-'));
  const nodeBin = path.join(ROOT, 'node_modules', '.bin', 'node');
  const child = spawn(fs.existsSync(nodeBin) ? nodeBin : process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      BROKER_PORTS: String(kafkaPort),
      REST_PORT: String(restPort),
      KAFKA_HOSTNAME: '127.0.0.1',
      ADVERTISED_HOSTNAME: '127.0.0.1',
      RECORD_STORAGE_PATH: storage,
      LOG_LEVEL: 'warn',
      MAX_MEMORY: '4GB',
      RETENTION: '1h',
      STORAGE_MODE: opts.durable ? 'durable' : 'memory',
    },
  });
  live.add(child);
  let output = '';
  const keep = (d) => (output = (output + d).slice(-100_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  const t0 = performance.now();
  while (!exited && performance.now() - t0 < READY_TIMEOUT_MS) {
    if ((await httpStatus(`http://127.0.0.1:${restPort}/health/ready`)) === 200) return { child, storage, bootstrap: `127.0.0.1:${kafkaPort}` };
    await sleep(10);
  }
  child.kill('SIGKILL');
  throw new Error(`broker not ready: ${output.slice(-2000)}`);
}

async function stopBroker(broker) {
  const gone = new Promise((res) => (broker.child.exitCode !== null || broker.child.signalCode !== null ? res() : broker.child.once('exit', res)));
  broker.child.kill('SIGTERM');
  await Promise.race([gone, sleep(15_000).then(() => broker.child.kill('SIGKILL'))]);
  await gone;
  fs.rmSync(broker.storage, { recursive: true, force: true });
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
        /* reported below */
      }
      reject(new Error(`loadgen ${mode} failed: ${last} ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main() {
  buildLoadgen();
  const results = Object.fromEntries(WORKLOADS.map((w) => [w.name, []]));
  for (let rep = 0; rep < opts.reps; rep++) {
    const broker = await startBroker();
    try {
      for (const [i, w] of WORKLOADS.entries()) {
        const result = await loadgen(w.mode, ['-b', broker.bootstrap, '-t', `txn-bench-${i}-r${rep}`, '-C', '-n', N, '-s', SIZE, ...w.args]);
        results[w.name].push(result);
        log(`rep ${rep + 1}: ${w.name}: ${result.msgs_per_s.toFixed(0)} msg/s${result.txns_per_s ? `, ${result.txns_per_s.toFixed(1)} txn/s` : ''}`);
      }
    } finally {
      await stopBroker(broker);
    }
  }
  const reference = median(results['idempotent produce'].map((r) => r.msgs_per_s));
  const summary = WORKLOADS.map((w) => {
    const rates = results[w.name].map((r) => r.msgs_per_s);
    const txns = results[w.name].map((r) => r.txns_per_s).filter((t) => t !== undefined);
    return {
      workload: w.name,
      msgs_per_s: { min: Math.min(...rates), median: median(rates), max: Math.max(...rates) },
      txns_per_s_median: txns.length > 0 ? median(txns) : null,
      vs_idempotent: median(rates) / reference,
    };
  });
  console.log(`${N} x ${SIZE} B, one partition, ${opts.durable ? 'durable mode (fsync interval)' : 'memory mode'}, ${opts.reps} repetition(s)`);
  console.log('workload               msg/s min   median      max   txn/s median  vs idempotent');
  for (const s of summary) {
    const cells = [s.msgs_per_s.min, s.msgs_per_s.median, s.msgs_per_s.max].map((v) => v.toFixed(0).padStart(9));
    console.log(`${s.workload.padEnd(22)}${cells.join('')}   ${(s.txns_per_s_median === null ? '-' : s.txns_per_s_median.toFixed(1)).padStart(10)}   ${(s.vs_idempotent * 100).toFixed(0).padStart(10)}%`);
  }
  const json = { n: N, size: SIZE, mode: opts.durable ? 'durable' : 'memory', reps: opts.reps, summary, runs: results };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `transactions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(json, null, 2));
  console.log(JSON.stringify(json));
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(1);
});
