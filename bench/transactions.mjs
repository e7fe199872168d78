#!/usr/bin/env node
// Blink transactions benchmark: `npm run bench:transactions [-- --reps N] [-- --quick] [-- --durable]`.
// See bench/README.md ("Transactions").
//
// On a FRESH broker (started as `npm start` starts it) per repetition, on free loopback ports with a temporary
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

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, buildLoadgen, median, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS_DIR = path.join(HERE, 'results');
const USAGE = `usage: node bench/transactions.mjs [--reps N] [--quick] [--durable] [--timeout SECS]
  --reps N         repetitions, each on a fresh broker (default 3; --quick: 1)
  --quick          small workloads (a smoke run; its figures are not worth quoting)
  --durable        STORAGE_MODE=durable (fsync interval) instead of memory mode
  --timeout SECS   time limit of each load-generator run (default 180)`;

const opts = benchArgs(USAGE, { reps: null, quick: false, durable: false, timeout: 180 }, { flags: ['quick', 'durable'], numbers: ['reps', 'timeout'] });
const N = opts.quick ? 20_000 : 200_000;
const SIZE = 100;
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

const WORKLOADS = [
  { name: 'idempotent produce', mode: 'produce', args: ['-a', 'all', '-l', '5', '-X', 'enable.idempotence=true'] },
  { name: 'transactions of 100', mode: 'txn', args: ['-k', '100', '-l', '0'] },
  { name: 'transactions of 1000', mode: 'txn', args: ['-k', '1000', '-l', '0'] },
];

/** A fresh broker for one repetition. */
const startBroker = () =>
  startBlink({ root: ROOT, env: { LOG_LEVEL: 'warn', MAX_MEMORY: '4GB', RETENTION: '1h', STORAGE_MODE: opts.durable ? 'durable' : 'memory' } });
const loadgen = (mode, args) => runLoadgen(mode, args, opts.timeout);

async function main() {
  buildLoadgen(log);
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
      await stopBlink(broker);
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
