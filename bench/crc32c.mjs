#!/usr/bin/env node
// CRC-32C alone: Blink's addon (native/crc32c.c, dist/native/crc32c.node from `npm run build`),
// its portable table code, and @node-rs/crc32 (the fallback), in GiB/s of this process's CPU time
// (user + system, so that other work on the machine counts less) and ns per call, per size.
//
//   node bench/crc32c.mjs [--reps 5] [--sizes 1048576,65536,16384,1024,100] [--ms 200]
//
// Per size and implementation, --reps measurements of --ms of CPU time each on one random
// buffer (after a warm-up of one), interleaved: every implementation once, then again. Prints
// each measurement's median and range. The produce path checks ~1 MB batches at a time
// (bench/README.md, "what bounds produce now"). Not a test: src/record-format/crc32c.ts's unit
// test checks the results.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, median } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node bench/crc32c.mjs [--reps 5] [--sizes 1048576,65536,16384,1024,100] [--ms 200]';
const opts = benchArgs(USAGE, { reps: 5, sizes: '1048576,65536,16384,1024,100', ms: 200 }, { numbers: ['reps', 'ms'], strings: ['sizes'], integers: { ms: [1, 60_000] } });
const sizes = opts.sizes.split(',').map(Number);
if (sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 1 << 30)) {
  process.stderr.write(`bench: --sizes must be byte counts from 1 to 1 GiB\n${USAGE}\n`);
  process.exit(64);
}

const require = createRequire(import.meta.url);
const addonPath = path.join(ROOT, 'dist', 'native', 'crc32c.node');
if (!existsSync(addonPath)) {
  process.stderr.write(`bench: ${addonPath} is missing: npm run build (with a C compiler)\n`);
  process.exit(1);
}
const addon = require(addonPath);
const implementations = [
  [`blink${addon.accelerated ? '' : ' (no crc32 instruction here)'}`, addon.crc32c],
  ['blink portable', addon.crc32cPortable],
  ['@node-rs/crc32', require('@node-rs/crc32').crc32c],
];

/** Calls per measurement so that one takes about --ms of CPU, from a short trial. */
function callsFor(fn, data) {
  let calls = 1;
  for (;;) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn(data);
    const { user, system } = process.cpuUsage(start);
    if (user + system >= 20_000) return Math.max(1, Math.round((calls * opts.ms * 1000) / (user + system)));
    calls *= 4;
  }
}

function measure(fn, data, calls) {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn(data);
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

console.log(`CRC-32C, CPU time of one thread (node ${process.version}, ${opts.reps} reps of ~${opts.ms} ms each)`);
console.log(`${'size'.padStart(9)}  ${'implementation'.padEnd(16)} ${'GiB/s'.padStart(7)} ${'range'.padStart(15)} ${'ns/call'.padStart(10)}`);
for (const size of sizes) {
  const data = randomBytes(size);
  const plans = implementations.map(([name, fn]) => ({ name, fn, calls: callsFor(fn, data), seconds: [] }));
  for (let rep = 0; rep < opts.reps; rep++) {
    for (const plan of plans) plan.seconds.push(measure(plan.fn, data, plan.calls) / plan.calls);
  }
  for (const { name, seconds } of plans) {
    const rate = (s) => size / s / 2 ** 30;
    const rates = seconds.map(rate);
    console.log(
      `${String(size).padStart(9)}  ${name.padEnd(16)} ${rate(median(seconds)).toFixed(2).padStart(7)} ${`${Math.min(...rates).toFixed(2)}-${Math.max(...rates).toFixed(2)}`.padStart(15)} ${(median(seconds) * 1e9).toFixed(0).padStart(10)}`,
    );
  }
}
