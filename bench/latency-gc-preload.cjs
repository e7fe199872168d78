// Loaded into the broker by bench/latency-gc.mjs (NODE_OPTIONS=--require). Two ways to record
// V8's GCs, written as JSON to LATENCY_GC_OUT when the broker exits:
// * LATENCY_GC_RECORD=observer (the default): every GC from perf_hooks 'gc' entries, as [start ns
//   on CLOCK_MONOTONIC, duration µs, kind]. CLOCK_MONOTONIC is the clock of loadgen's LAT_DUMP, so
//   the pauses line up with each message's scheduled and receive times. Node makes ~4.3 KB of
//   old-generation garbage per entry delivered to an observer: this record adds to what it measures.
// * LATENCY_GC_RECORD=profiler: v8.GCProfiler, which accumulates outside the JavaScript heap, cut
//   into segments at each SIGUSR2 (the bench sends one before and one after each rate's run): per
//   segment [end ns on CLOCK_MONOTONIC, [[duration µs, kind], ...], heap at the cut (heapAtCut)]. No GC times, so no episodes;
//   the record adds nothing to the old generation. (A stopped GCProfiler keeps recording natively
//   until a mark-compact collects its object: a few segments are fine, a drain loop is not.)
// LATENCY_GC_OBSERVERS=off drops 'gc' from every PerformanceObserver's entry types (the
// nodejs_gc_duration_seconds observer included): the broker without its GC metric's garbage.
// LATENCY_GC_PROMOTED=1 (profiler record only): V8's sampling heap profile (one sample per 1 KiB)
// of the last segment, objects that a scavenge collected left out: what survived scavenges, i.e.
// reached the old generation (or was still young when the segment closed), as [bytes, site] by
// allocation site (function file:line:column, three callers), in LATENCY_GC_OUT.promoted.
// LATENCY_GC_V8_FLAGS (e.g. '--trace-gc'): V8 flags set before the broker loads (V8 flags are
// refused in NODE_OPTIONS); what V8 prints lands in the broker's output (--keep DIR: broker.log).
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const { PerformanceObserver, performance } = require('node:perf_hooks');

const out = process.env.LATENCY_GC_OUT;
if (process.env.LATENCY_GC_V8_FLAGS) v8.setFlagsFromString(process.env.LATENCY_GC_V8_FLAGS);
const KIND = { Scavenge: 1, MinorMarkSweep: 2, MarkSweepCompact: 4, IncrementalMarking: 8, ProcessWeakCallbacks: 16 };
const observe = PerformanceObserver.prototype.observe;
if (process.env.LATENCY_GC_OBSERVERS === 'off') {
  PerformanceObserver.prototype.observe = function observeWithoutGc(options = {}) {
    const types = options.entryTypes ?? [options.type];
    if (!types.includes('gc')) return observe.call(this, options);
    const rest = types.filter((type) => type !== 'gc');
    const { type, ...others } = options;
    if (rest.length > 0) observe.call(this, { ...others, entryTypes: rest });
  };
}
let record;
if (process.env.LATENCY_GC_RECORD === 'profiler') {
  const segments = [];
  const sampler = process.env.LATENCY_GC_PROMOTED === '1' ? promotedSampler() : null;
  let profiler = new v8.GCProfiler();
  profiler.start();
  process.on('SIGUSR2', () => {
    sampler?.cut();
    const next = new v8.GCProfiler();
    next.start();
    const { statistics } = profiler.stop();
    profiler = next;
    segments.push([Number(process.hrtime.bigint()), statistics.map((gc) => [Math.round(gc.cost), KIND[gc.gcType] ?? 0]), heapAtCut()]);
  });
  record = segments;
} else {
  const originNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
  const gcs = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([Number(originNs + BigInt(Math.round(e.startTime * 1e6))), Math.round(e.duration * 1e3), e.detail?.kind ?? 0]);
  });
  observe.call(observer, { entryTypes: ['gc'] });
  record = gcs;
}
process.on('exit', () => {
  if (out) fs.writeFileSync(out, JSON.stringify(record));
});

/** The heap at a cut (profiler record): the young generation's capacity (both semi-spaces) and the old space's size and use, bytes. */
function heapAtCut() {
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s]));
  return { newSpace: spaces.new_space?.space_size ?? 0, oldSize: spaces.old_space?.space_size ?? 0, oldUsed: spaces.old_space?.space_used_size ?? 0 };
}

/** Samples between two cuts (restarted at each: the last segment's profile is what stays). */
function promotedSampler() {
  const session = new (require('node:inspector').Session)();
  session.connect();
  let sites = [];
  const start = () => session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
  start();
  process.on('exit', () => {
    if (out) fs.writeFileSync(`${out}.promoted`, JSON.stringify(sites));
  });
  return {
    cut() {
      session.post('HeapProfiler.stopSampling', (error, result) => {
        if (error) throw error;
        const bytes = new Map();
        const walk = (node, callers) => {
          const f = node.callFrame;
          const here = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
          const site = [here, ...callers.slice(0, 3)].join(' < ');
          if (node.selfSize > 0) bytes.set(site, (bytes.get(site) ?? 0) + node.selfSize);
          for (const child of node.children) walk(child, [here, ...callers]);
        };
        walk(result.profile.head, []);
        sites = [...bytes].map(([site, n]) => [n, site]).sort((a, b) => b[0] - a[0]);
      });
      start();
    },
  };
}
