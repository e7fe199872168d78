#!/usr/bin/env node
// Peak RSS of a broker receiving Produce frames larger than a batch-memory slab (2 MiB):
//
//   node bench/large-frames-rss.mjs [--baseline DIR] [--reps N] [--messages N] [--size BYTES]
//
// Per run: a fresh broker of this checkout (and of DIR, interleaved, with --baseline) with
// MAX_MEMORY=32MB in memory mode (as bench/offload-rss.mjs) and MESSAGE_MAX_BYTES=8MB; after
// 1.5 s idle, the C load generator produces --messages (default 100) messages of --size bytes
// (default 3,000,000: each its own batch and its own frame, larger than a slab, so each is a
// one-off region of src/storage/batch-memory.ts), linger.ms=0, while VmRSS is sampled every
// 50 ms. Prints per run the growth of the peak over the idle RSS, the growth left 300 ms after
// the load, and the throughput; then the medians. Needs the load generator (bench/run.mjs builds
// it into bench/.build).
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchArgs, median, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const USAGE = 'usage: node bench/large-frames-rss.mjs [--baseline DIR] [--reps N] [--messages N] [--size BYTES]';
const opts = benchArgs(USAGE, { reps: 3, baseline: null, messages: 100, size: 3_000_000 }, { numbers: ['reps', 'messages', 'size'], strings: ['baseline'] });
const ROOT = new URL('..', import.meta.url).pathname;
const sides = [['this', ROOT], ...(opts.baseline === null ? [] : [['baseline', opts.baseline]])];
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const growth = Object.fromEntries(sides.map(([name]) => [name, []]));
const rates = Object.fromEntries(sides.map(([name]) => [name, []]));

for (let rep = 0; rep < opts.reps; rep++) {
  for (const [name, root] of sides) {
    const broker = await startBlink({ root, env: { MAX_MEMORY: '32MB', MESSAGE_MAX_BYTES: '8MB', RETENTION: '1h', STORAGE_MODE: 'memory', LOG_LEVEL: 'warn' } });
    try {
      await sleep(1500);
      const idle = rssMiB(broker.child.pid);
      let peak = idle;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(broker.child.pid))), 50);
      const args = ['-b', broker.bootstrap, '-t', `large-${rep}`, '-C', '-n', opts.messages, '-s', opts.size, '-a', 1, '-l', 0, '-B', 8_000_000, '-z', 'none', '-X', 'message.max.bytes=8000000'];
      const result = await runLoadgen('produce', args, 120);
      await sleep(300);
      clearInterval(sampler);
      const after = rssMiB(broker.child.pid);
      console.log(`${name.padEnd(8)} idle ${idle.toFixed(1)} MiB, peak growth ${(peak - idle).toFixed(1)} MiB, left after ${(after - idle).toFixed(1)} MiB; ${result.mb_per_s} MB/s`);
      growth[name].push(peak - idle);
      rates[name].push(result.mb_per_s);
    } finally {
      await stopBlink(broker);
    }
  }
}
for (const [name] of sides) console.log(`${name.padEnd(8)} median of ${opts.reps}: peak growth ${median(growth[name]).toFixed(1)} MiB, ${median(rates[name]).toFixed(1)} MB/s`);
