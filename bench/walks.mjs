#!/usr/bin/env node
// Walks over a whole memory tier: time and JavaScript heap allocated per walk, for a partition
// of many single-record batches (linger.ms=0 clients).
//
//   node bench/walks.mjs [--baseline DIR] [--reps N] [--batches 1000000] [--walk-reps 5] [--size 100]
//
// Per run: a fresh Node process (the checkout's Node 24, --expose-gc) loads the storage classes
// of this checkout (and of DIR, interleaved, with --baseline) from dist-test/ (build them with
// `npx tsc -p tsconfig.json`), directly, without a broker: a memory-mode partition (the unit
// tests' unlimited accountant) filled with --batches batches of one record of --size bytes each,
// copied into the accountant's pooled slabs as the produce path stores them. Record timestamps
// (CreateTime) climb by 1 ms a batch with up to 50 ms of seeded jitter (out of order), append
// times by 1 ms a batch. A fake cold tier reports one segment ending at the middle of the
// tier, as if half of it were offloaded and not yet evicted (an upper bound: eviction follows
// the write), for the walks that read it. Walks, each run twice to warm up, then --walk-reps
// times after a forced full GC; per walk the median time and heap allocated (v8.GCProfiler's
// before/after figures, as bench/alloc-preload.cjs):
//   list-offsets early / middle / latest / beyond  ListOffsets by timestamp (offsetForTimestamp)
//                  for the timestamp 1 % in, half way, the largest one, and past every one
//   list-offsets rewritten  the latest one again, each run after the log cleaner rewrote a batch
//                  (the same bytes, through PartitionLog.replaceMemoryBatch, untimed): no summary
//                  of the max timestamps cached from an earlier look-up holds then
//   max-timestamp  ListOffsets -3 (offsetOfMaxTimestamp)
//   retention keep the retention service's loop over retentionUnits that frees nothing
//   retention half the same loop deciding to free the older half by time (the decision only:
//                  the log start is not moved, so every rep walks the same tier)
//   log-dirs       DescribeLogDirs' size of the partition (partitionSizeBytes), the memory below
//                  the fake segment's end walked
//   offload select the offloader's selection of one round (1 MiB) past an in-flight half
//                  (offloadedUpTo at the middle)
// Prints per run and the medians over runs. Not a timed test: what a walk costs, not a check.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, median } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const USAGE = 'usage: node bench/walks.mjs [--baseline DIR] [--reps N] [--batches 1000000] [--walk-reps 5] [--size 100]';
const WALKS = ['list-offsets early', 'list-offsets middle', 'list-offsets latest', 'list-offsets beyond', 'list-offsets rewritten', 'max-timestamp', 'retention keep', 'retention half', 'log-dirs', 'offload select'];

if (process.argv[2] === '--child') {
  await child(process.argv[3], JSON.parse(process.argv[4]));
} else {
  parent();
}

function parent() {
  const opts = benchArgs(USAGE, { baseline: null, reps: 3, batches: 1_000_000, 'walk-reps': 5, size: 100 }, { numbers: ['reps', 'batches', 'walk-reps', 'size'], strings: ['baseline'] });
  const sides = [{ name: 'this', root: ROOT }];
  if (opts.baseline !== null) sides.push({ name: 'baseline', root: path.resolve(opts.baseline) });
  const results = new Map(sides.map((side) => [side.name, []]));
  for (let rep = 0; rep < opts.reps; rep++) {
    // Alternate which side goes first, so drift in the machine's load hits both.
    const order = rep % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const nodeBin = fs.existsSync(path.join(ROOT, 'node_modules/.bin/node')) ? path.join(ROOT, 'node_modules/.bin/node') : process.execPath;
      const run = spawnSync(nodeBin, ['--expose-gc', fileURLToPath(import.meta.url), '--child', side.root, JSON.stringify(opts)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (run.status !== 0) throw new Error(`${side.name} run failed (${run.status}): ${run.stderr}`);
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1));
      results.get(side.name).push(result);
      console.log(`run ${rep + 1} ${side.name}: fill ${result.fillMs.toFixed(0)} ms, ${result.batches} batches, ${WALKS.map((w) => `${w} ${fmtMs(result.walks[w].ms)}/${fmtBytes(result.walks[w].bytes)}`).join(', ')}`);
    }
  }
  for (const walk of WALKS) {
    const seen = new Set([...results.values()].flat().map((r) => JSON.stringify(r.walks[walk].answer)));
    if (seen.size !== 1) throw new Error(`${walk}: the runs answered differently: ${[...seen].join(', ')}`);
  }
  console.log(`\nmedians of ${opts.reps} runs (each the median of ${opts['walk-reps']} walks), ${opts.batches} single-record batches of ${opts.size} B values:`);
  console.log(`| walk | ${sides.map((s) => `${s.name} time | ${s.name} allocated`).join(' | ')} |`);
  console.log(`|---|${sides.map(() => '---|---').join('|')}|`);
  for (const walk of WALKS) {
    const cells = sides.map((side) => {
      const runs = results.get(side.name);
      return `${fmtMs(median(runs.map((r) => r.walks[walk].ms)))} | ${fmtBytes(median(runs.map((r) => r.walks[walk].bytes)))}`;
    });
    console.log(`| ${walk} | ${cells.join(' | ')} |`);
  }
}

function fmtMs(ms) {
  return ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(3)} ms`;
}

function fmtBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${Math.round(bytes)} B`;
}

async function child(root, opts) {
  const v8 = await import('node:v8');
  const load = (file) => import(pathToFileURL(path.join(root, 'dist-test', file)).href);
  const { PartitionLog } = await load('src/storage/partition-log.js');
  const { ProducerStateTable } = await load('src/storage/producer-state.js');
  const { unlimitedAccountant } = await load('test/support/storage.js');
  const { encodeRecordBatch } = await load('src/record-format/record-batch-encoder.js');
  const { offsetForTimestamp, offsetOfMaxTimestamp } = await load('src/storage/timestamp-index.js');
  const { retentionUnits, retainedBytes, isExpired, exceedsRetentionBytes, isFullyConsumed } = await load('src/retention/retention-policy.js');
  const { partitionSizeBytes } = await load('src/cluster-admin/log-dirs.service.js');
  const { Offloader } = await load('src/wal/offloader.js');

  const n = opts.batches;
  const T0 = 1_700_000_000_000;
  const half = Math.floor(n / 2);
  // A fake cold tier: one segment of the offsets below the middle (only segments() is read).
  const segmentBytes = { value: 0 };
  const cold = {
    segments: () => [{ baseOffset: 0, nextOffset: half, sizeBytes: segmentBytes.value, maxTimestamp: T0 + half, lastAppendTimeMs: T0 + half }],
    findBatchByTimestamp: () => Promise.resolve(null),
  };
  const accountant = unlimitedAccountant();
  const log = new PartitionLog('walks', 0, accountant, { cold, durable: false, producers: new ProducerStateTable(), logStartOffset: 0, highWatermark: 0 });
  const template = encodeRecordBatch([{ key: null, value: Buffer.alloc(opts.size, 0x61), headers: [], timestampMs: T0 }]);
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  let largest = -1;
  const fillStart = performance.now();
  for (let i = 0; i < n; i++) {
    const pooled = accountant.memory.alloc(template.length);
    template.copy(pooled);
    const ts = T0 + i + Math.floor(random() * 50);
    largest = Math.max(largest, ts);
    pooled.writeBigInt64BE(BigInt(i), 0);
    pooled.writeBigInt64BE(BigInt(ts), 27);
    pooled.writeBigInt64BE(BigInt(ts), 35);
    log.append({ baseOffset: i, lastOffset: i, buffer: pooled, appendTimeMs: T0 + i });
    accountant.memory.release(pooled);
    if (i < half) segmentBytes.value += template.length;
  }
  const fillMs = performance.now() - fillStart;
  log.offloadedUpTo = half;

  const sync = (value) => {
    if (value instanceof Promise) throw new Error('a memory walk answered asynchronously');
    return value;
  };
  const sweep = (retentionMs, nowMs) => {
    let retained = retainedBytes(log);
    let newStart = log.logStartOffset;
    for (const unit of retentionUnits(log)) {
      if (!(isExpired(unit, retentionMs, nowMs) || exceedsRetentionBytes(retained, -1) || isFullyConsumed(unit, log.fetchedUpTo))) break;
      newStart = unit.lastOffset + 1;
      retained -= unit.sizeBytes;
    }
    return newStart;
  };
  const offloader = new Offloader({ all: () => [{ partitions: [log] }] }, { durable: false }, null, accountant);
  const nowMs = T0 + n;
  const expect = (name, got, want) => {
    if (got !== want) throw new Error(`${name}: ${got}, expected ${want}`);
  };
  const walks = {
    'list-offsets early': () => sync(offsetForTimestamp(log, T0 + Math.floor(n / 100) + 50)).offset,
    'list-offsets middle': () => sync(offsetForTimestamp(log, T0 + half + 50)).offset,
    'list-offsets latest': () => sync(offsetForTimestamp(log, largest)).offset,
    'list-offsets beyond': () => sync(offsetForTimestamp(log, largest + 1)).offset,
    'list-offsets rewritten': () => sync(offsetForTimestamp(log, largest)).offset,
    'max-timestamp': () => sync(offsetOfMaxTimestamp(log)).timestamp,
    'retention keep': () => sweep(7 * 86_400_000, nowMs),
    'retention half': () => sweep(n - half, nowMs),
    'log-dirs': () => partitionSizeBytes(log),
    'offload select': () => offloader.selectOldest(1024 * 1024).get(log)?.length ?? 0,
  };
  // Before each run of a walk (untimed): the log cleaner rewrites one batch (with the same bytes), which a cached summary must forget.
  const middle = log.memoryBatchHolding(half);
  const prepare = { 'list-offsets rewritten': () => log.replaceMemoryBatch(middle, middle) };
  const answers = {};
  const out = {};
  for (const [name, walk] of Object.entries(walks)) {
    answers[name] = walk();
    walk(); // a second warm-up: the loops are optimized by then
    const ms = [];
    const bytes = [];
    for (let r = 0; r < opts['walk-reps']; r++) {
      prepare[name]?.();
      globalThis.gc();
      const profiler = new v8.GCProfiler();
      const usedAtStart = v8.getHeapStatistics().used_heap_size;
      profiler.start();
      const start = performance.now();
      const answer = walk();
      ms.push(performance.now() - start);
      const usedNow = v8.getHeapStatistics().used_heap_size;
      const { statistics } = profiler.stop();
      let allocated = 0;
      let left = usedAtStart;
      for (const gc of statistics) {
        allocated += gc.beforeGC.heapStatistics.usedHeapSize - left;
        left = gc.afterGC.heapStatistics.usedHeapSize;
      }
      bytes.push(allocated + usedNow - left);
      expect(name, answer, answers[name]);
    }
    out[name] = { ms: median(ms), bytes: median(bytes), answer: answers[name], msEach: ms.map((x) => Math.round(x * 1000) / 1000) };
  }
  // The answers both sides must agree on (a walk that answers differently is not the same walk).
  expect('retention half', answers['retention half'], half);
  expect('retention keep', answers['retention keep'], 0);
  console.log(JSON.stringify({ batches: log.batchCount, fillMs, walks: out }));
}
