#!/usr/bin/env node
// JavaScript heap per batch held in the memory tier, and whether max_memory bounds it when
// every batch holds one small record (linger.ms=0 clients).
//
//   node bench/batch-heap.mjs [--baseline DIR] [--reps N] [--max-memory 64MB] [--size 100]
//                             [--batches 200000] [--over 3]
//
// Per run: a fresh broker (memory mode, MAX_MEMORY=--max-memory) of this checkout (and of DIR,
// interleaved, with --baseline), loaded with bench/batch-heap-preload.cjs; loadgen produces
// --batches messages of --size bytes with linger.ms=0 and batch.size=1 (librdkafka then sends
// one record per batch; the batch count /allocated reports is checked), acks=1. Heap used is
// read after two forced full collections (SIGUSR2 to the preload) when idle, after the first
// load (below the high water: the heap per stored batch = heap growth / batches stored), and
// after producing --over times as much again (past the high water: what the memory tier holds
// once relief has offloaded, and the heap it costs). The heap counted is V8's heap used plus
// its external memory (ArrayBuffers other than the pool's SharedArrayBuffer slabs: the
// memory tier's columns, memory-batches.ts, live there); both are printed. Prints per run and
// the medians.
// Not a timed test: heap bytes, not speed. Needs librdkafka (bench/loadgen.c).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { benchArgs, buildLoadgen, median, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const USAGE = 'usage: node bench/batch-heap.mjs [--baseline DIR] [--reps N] [--max-memory 64MB] [--size 100] [--batches 200000] [--over 3]';
const opts = benchArgs(USAGE, { baseline: null, reps: 3, 'max-memory': '64MB', size: 100, batches: 200_000, over: 3 }, { numbers: ['reps', 'size', 'batches', 'over'], strings: ['baseline', 'max-memory'] });
const MIB = 1024 * 1024;
buildLoadgen(console.error);

async function allocated(broker) {
  const res = await fetch(`${broker.rest}/allocated`);
  const body = await res.json();
  return body.memoryTier;
}

/** Heap after two full collections in the broker, with the memory tier's figures. */
async function quietPoint(broker, out) {
  await sleep(300);
  fs.rmSync(out, { force: true });
  broker.child.kill('SIGUSR2');
  for (let i = 0; i < 200 && !fs.existsSync(out); i++) await sleep(25);
  const heap = JSON.parse(fs.readFileSync(out, 'utf8'));
  return { ...heap, ...(await allocated(broker)) };
}

async function produce(broker, topic, n, create = false) {
  await runLoadgen('produce', ['-b', broker.bootstrap, '-t', topic, '-n', n, '-s', opts.size, '-a', 1, '-l', 0, '-B', 1, ...(create ? ['-C'] : [])], 300);
}

async function oneRun(root) {
  const out = path.join(os.tmpdir(), `blink-batch-heap-${process.pid}.json`);
  const broker = await startBlink({
    root,
    env: { LOG_LEVEL: 'warn', STORAGE_MODE: 'memory', MAX_MEMORY: opts['max-memory'], RETENTION: '1h', KAFKA_CFG_NUM_PARTITIONS: '1', BATCH_HEAP_OUT: out, NODE_OPTIONS: `--require ${path.join(HERE, 'batch-heap-preload.cjs')}` },
  });
  try {
    await sleep(1000);
    const topic = `batch-heap-${Date.now()}`;
    await produce(broker, topic, 1, true); // the topic exists, the producer path is warm
    const idle = await quietPoint(broker, out);
    await produce(broker, topic, opts.batches);
    const loaded = await quietPoint(broker, out);
    await produce(broker, topic, opts.batches * opts.over);
    const over = await quietPoint(broker, out);
    return { idle, loaded, over };
  } finally {
    await stopBlink(broker);
    fs.rmSync(out, { force: true });
  }
}

function describe(r) {
  const batches = r.loaded.storedBatches - r.idle.storedBatches;
  const onHeap = (r.loaded.heapUsed - r.idle.heapUsed) / batches;
  const external = (r.loaded.external - r.idle.external) / batches;
  const perBatch = onHeap + external;
  const bytesPerBatch = (r.loaded.storedBytes - r.idle.storedBytes) / batches;
  const overHeap = (r.over.heapUsed - r.idle.heapUsed + r.over.external - r.idle.external) / MIB;
  return { batches, perBatch, onHeap, external, bytesPerBatch, overBatches: r.over.storedBatches, overBytes: r.over.storedBytes / MIB, overHeap, overSum: r.over.storedBytes / MIB + overHeap };
}

const sides = [['this', ROOT], ...(opts.baseline ? [['baseline', path.resolve(opts.baseline)]] : [])];
const results = Object.fromEntries(sides.map(([name]) => [name, []]));
for (let rep = 0; rep < opts.reps; rep++) {
  for (const [name, root] of sides) {
    const d = describe(await oneRun(root));
    results[name].push(d);
    console.log(
      `${name.padEnd(8)} ${d.batches} batches of ${d.bytesPerBatch.toFixed(0)} B: heap +${d.perBatch.toFixed(1)} B/batch (${d.onHeap.toFixed(1)} V8 heap + ${d.external.toFixed(1)} external); ` +
        `after ${opts.over}x more: tier ${d.overBatches} batches ${d.overBytes.toFixed(1)} MiB + heap growth ${d.overHeap.toFixed(1)} MiB = ${d.overSum.toFixed(1)} MiB (max_memory ${opts['max-memory']})`,
    );
  }
}
for (const [name] of sides) {
  const runs = results[name];
  const m = (key) => median(runs.map((r) => r[key]));
  console.log(
    `${name.padEnd(8)} median of ${runs.length}: heap ${m('perBatch').toFixed(1)} B per stored batch (${m('onHeap').toFixed(1)} + ${m('external').toFixed(1)} external; batch ${m('bytesPerBatch').toFixed(0)} B); ` +
      `past the high water: tier ${m('overBytes').toFixed(1)} MiB in ${m('overBatches')} batches, heap growth ${m('overHeap').toFixed(1)} MiB, sum ${m('overSum').toFixed(1)} MiB`,
  );
}
