#!/usr/bin/env node
// What a partition's columns (src/storage/memory-batches.ts) leave behind as they grow: P
// partitions each grow from empty to N single-record batches (all in one shared slab, so only
// the columns allocate), then drop them all; R rounds. Prints, per checkout, the RSS and the
// memory held in ArrayBuffers / SharedArrayBuffers (process.memoryUsage().arrayBuffers) at the
// peak of each round and after, V8's external memory, and the mark-compacts V8 ran, with no
// collection forced. One child process per checkout and repetition, interleaved with --baseline.
//
//   node bench/column-growth.mjs [--baseline DIR] [--partitions 100] [--batches 200000] [--rounds 3] [--reps 3]
// Not a timed test: bytes and collections, not speed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, median } from './lib.mjs';

/** The checkout this script is in ('this' of the A/B). */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const opts = benchArgs(
  'usage: node bench/column-growth.mjs [--baseline DIR] [--partitions 100] [--batches 200000] [--rounds 3] [--reps 3]',
  { baseline: null, partitions: 100, batches: 200_000, rounds: 3, reps: 3, child: null },
  { numbers: ['partitions', 'batches', 'rounds', 'reps'], strings: ['baseline', 'child'] },
);
const MiB = 2 ** 20;

if (opts.child !== null) {
  const { PerformanceObserver } = await import('node:perf_hooks');
  const { getHeapStatistics } = await import('node:v8');
  const { MemoryBatches } = await import(path.join(opts.child, 'dist/storage/memory-batches.js'));
  let markCompacts = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.detail.kind === 4) markCompacts++;
  }).observe({ entryTypes: ['gc'] });
  const slab = Buffer.from(new SharedArrayBuffer(1 << 16));
  const partitions = Array.from({ length: opts.partitions }, () => new MemoryBatches());
  const at = () => ({ rss: process.memoryUsage().rss / MiB, arrayBuffers: process.memoryUsage().arrayBuffers / MiB, external: getHeapStatistics().external_memory / MiB });
  const rounds = [];
  for (let round = 0; round < opts.rounds; round++) {
    for (const batches of partitions) for (let n = 0; n < opts.batches; n++) batches.push(n, n, slab.subarray(0, 70), n);
    await new Promise((resolve) => setImmediate(resolve));
    const peak = at();
    const columns = partitions.reduce((sum, batches) => sum + batches.columnBytes, 0) / MiB;
    for (const batches of partitions) {
      while (batches.count > 0) batches.shift();
      batches.settle();
    }
    await new Promise((resolve) => setImmediate(resolve));
    rounds.push({ columns, peak, after: at() });
  }
  console.log(JSON.stringify({ rounds, markCompacts }));
  process.exit(0);
}

const targets = [{ name: 'this', dir: ROOT }, ...(opts.baseline ? [{ name: path.basename(opts.baseline), dir: path.resolve(opts.baseline) }] : [])];
const results = new Map(targets.map((t) => [t.name, []]));
for (let rep = 0; rep < opts.reps; rep++) {
  for (const target of rep % 2 === 0 ? targets : [...targets].reverse()) {
    const args = [fileURLToPath(import.meta.url), '--child', target.dir, '--partitions', opts.partitions, '--batches', opts.batches, '--rounds', opts.rounds].map(String);
    const out = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').at(-1));
    const last = out.rounds.at(-1);
    const row = { peakRss: Math.max(...out.rounds.map((r) => r.peak.rss)), peakBuffers: Math.max(...out.rounds.map((r) => r.peak.arrayBuffers)), afterRss: last.after.rss, afterBuffers: last.after.arrayBuffers, peakExternal: Math.max(...out.rounds.map((r) => r.peak.external)), columns: last.columns, markCompacts: out.markCompacts };
    results.get(target.name).push(row);
    console.log(`rep ${rep + 1} ${target.name}: columns held ${row.columns.toFixed(1)} MiB; peak RSS ${row.peakRss.toFixed(1)}, in array buffers ${row.peakBuffers.toFixed(1)}, external ${row.peakExternal.toFixed(1)} MiB; after the last drop RSS ${row.afterRss.toFixed(1)}, in array buffers ${row.afterBuffers.toFixed(1)} MiB; mark-compacts ${row.markCompacts}`);
  }
}
console.log(`\nmedians of ${opts.reps} (${opts.partitions} partitions x ${opts.batches} batches, ${opts.rounds} rounds):`);
for (const [name, rows] of results) {
  const m = (key) => median(rows.map((r) => r[key]));
  console.log(`  ${name}: columns held ${m('columns').toFixed(1)} MiB; peak RSS ${m('peakRss').toFixed(1)} MiB, in array buffers ${m('peakBuffers').toFixed(1)}, external ${m('peakExternal').toFixed(1)}; after RSS ${m('afterRss').toFixed(1)}, in array buffers ${m('afterBuffers').toFixed(1)}; mark-compacts ${m('markCompacts')}`);
}
