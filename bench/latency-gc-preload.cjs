// Loaded into the broker by bench/latency-gc.mjs (NODE_OPTIONS=--require): every GC V8 reports
// (perf_hooks 'gc' entries), as [start ns on CLOCK_MONOTONIC, duration µs, kind], written as
// JSON to LATENCY_GC_OUT when the broker exits. CLOCK_MONOTONIC is the clock of loadgen's
// LAT_DUMP, so the pauses line up with each message's scheduled and receive times.
'use strict';
const fs = require('node:fs');
const { PerformanceObserver, performance } = require('node:perf_hooks');

const out = process.env.LATENCY_GC_OUT;
const originNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([Number(originNs + BigInt(Math.round(e.startTime * 1e6))), Math.round(e.duration * 1e3), e.detail?.kind ?? 0]);
}).observe({ entryTypes: ['gc'] });
process.on('exit', () => {
  if (out) fs.writeFileSync(out, JSON.stringify(gcs));
});
