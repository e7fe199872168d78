#!/usr/bin/env node
// What draining v8.GCProfiler on a timer costs in a process without mark-compacts (issue 13: a
// GC metric fed from it instead of a perf_hooks observer). GCProfiler.stop() returns the record
// but does not remove the profiler's GC callbacks: they go on writing heap statistics (~4-6 KB
// of JSON per GC) into the stopped profiler's native buffer until its object is collected, and
// one that lived through two scavenges is in the old generation: only a mark-compact collects it.
// This allocates short-lived objects (scavenges only), drains every --every ms (stop, start a new
// profiler, count the GCs) and prints per second the GCs, mark-compacts, RSS and CPU;
// --every 0 runs no profiler at all (the baseline).
//
//   node bench/gc-profiler-drain.mjs [--every 1000] [--secs 20]
import { GCProfiler } from 'node:v8';
import { benchArgs } from './lib.mjs';

const opts = benchArgs('usage: node bench/gc-profiler-drain.mjs [--every MS] [--secs N]', { every: 1000, secs: 20 }, { numbers: ['every', 'secs'] });
let profiler = null;
let gcs = 0;
let markCompacts = 0;
function drain() {
  const next = new GCProfiler();
  next.start();
  const stopped = profiler;
  profiler = next;
  if (stopped === null) return;
  for (const { gcType } of stopped.stop().statistics) {
    gcs++;
    if (gcType === 'MarkSweepCompact') markCompacts++;
  }
}
if (opts.every > 0) {
  drain();
  setInterval(drain, opts.every);
}
let sink = [];
const start = performance.now();
const cpu0 = process.cpuUsage();
let shown = 0;
// ~5 MB of short-lived objects per 10 ms turn: a scavenge every turn or two, nothing promoted for long.
const churn = () => {
  for (let i = 0; i < 50_000; i++) {
    sink.push({ i, s: `x${i}` });
    if (sink.length > 100) sink = [];
  }
  const secs = Math.floor((performance.now() - start) / 1000);
  if (secs > shown) {
    shown = secs;
    const { user, system } = process.cpuUsage(cpu0);
    console.log(`${secs} s: GCs ${gcs} (mark-compacts ${markCompacts}), RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB, CPU ${((user + system) / 1000).toFixed(0)} ms`);
  }
  if (secs < opts.secs) setTimeout(churn, 10);
  else process.exit(0);
};
churn();
