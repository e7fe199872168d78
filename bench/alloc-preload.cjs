// Loaded into the broker by bench/alloc.mjs (NODE_OPTIONS=--require). The first SIGUSR2 opens a
// window, the second closes it and writes ALLOC_OUT (JSON; the probe waits for the file):
//   allocatedBytes  JavaScript heap allocated in the window: what every GC found in use before it
//                   ran, less what the previous one left (v8.GCProfiler's before/after figures),
//                   plus the growth since the last GC; exact up to the objects V8 allocates
//                   straight into old space between two GCs and frees before the next (none here)
//   gcs             the window's GCs by kind (count, total pause µs)
//   profile         with ALLOC_SAMPLE=BYTES: V8's sampling heap profile of the window, every
//                   allocated object sampled (those collected by scavenges and mark-compacts too),
//                   one sample per BYTES on average: where the bytes were allocated
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const inspector = require('node:inspector');

const out = process.env.ALLOC_OUT;
// ALLOC_V8_FLAGS (e.g. '--no-turbo-inlining --no-maglev-inlining'): V8 flags set before the broker
// loads, for a profile that names the inlined functions where they allocate (their totals change).
if (process.env.ALLOC_V8_FLAGS) v8.setFlagsFromString(process.env.ALLOC_V8_FLAGS);
const sampleBytes = Number(process.env.ALLOC_SAMPLE ?? 0);
let window = null;

process.on('SIGUSR2', () => {
  if (window === null) open();
  else close();
});

function open() {
  const session = sampleBytes > 0 ? new inspector.Session() : null;
  if (session !== null) {
    session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: sampleBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const profiler = new v8.GCProfiler();
  // The starting point: what is in use now (the GC list starts after this).
  window = { session, profiler, usedAtStart: v8.getHeapStatistics().used_heap_size, startedAt: performance.now() };
  profiler.start();
}

function close() {
  const { session, profiler, usedAtStart, startedAt } = window;
  window = null;
  const usedNow = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let allocated = 0;
  let left = usedAtStart;
  const gcs = {};
  for (const gc of statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - left;
    left = gc.afterGC.heapStatistics.usedHeapSize;
    const kind = (gcs[gc.gcType] ??= { n: 0, pauseUs: 0 });
    kind.n++;
    kind.pauseUs += Math.round(gc.cost);
  }
  allocated += usedNow - left;
  const result = { allocatedBytes: allocated, windowMs: performance.now() - startedAt, gcs, profile: null };
  const write = () => {
    const tmp = `${out}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(result));
    fs.renameSync(tmp, out);
  };
  if (session === null) return write();
  session.post('HeapProfiler.stopSampling', (err, answer) => {
    if (!err) result.profile = answer.profile;
    session.disconnect();
    write();
  });
}
