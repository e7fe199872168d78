// Loaded into a broker through NODE_OPTIONS=--require (bench/rss-trace.mjs says how): every
// 100 ms one line of the process's memory to RSS_TRACE_DIR/trace-<pid>.log (RSS, anonymous RSS,
// glibc's main heap [heap] from /proc/self/smaps, V8's spaces, the old space's used and free
// bytes, array buffers, external memory, active handles), and one line per V8 GC (its kind).
// The first line is the process's working directory (which checkout it runs). Only in a process
// started as dist/start.js or dist/main.js: NODE_OPTIONS also reaches the bench and its tools.
// Diagnostic only: the GC observer and the sampling allocate a little in the broker.
'use strict';
if (/(start|main)\.js$/.test(process.argv[1] ?? '') && process.env.RSS_TRACE_DIR) {
  const fs = require('node:fs');
  const path = require('node:path');
  const v8 = require('node:v8');
  const { PerformanceObserver } = require('node:perf_hooks');
  const out = fs.openSync(path.join(process.env.RSS_TRACE_DIR, `trace-${process.pid}.log`), 'w');
  const t0 = Date.now();
  fs.writeSync(out, `cwd ${process.cwd()}\n`);
  const line = (text) => fs.writeSync(out, `${Date.now() - t0} ${text}\n`);
  const kib = (bytes) => Math.round(bytes / 1024);
  const statusKiB = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? -1);
  const brkKiB = () => {
    const smaps = fs.readFileSync('/proc/self/smaps', 'utf8');
    const at = smaps.indexOf('[heap]');
    return at < 0 ? 0 : Number(/Rss:\s+(\d+)/.exec(smaps.slice(at))[1]);
  };
  setInterval(() => {
    const usage = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name.replace('_space', ''), s]));
    const fields = {
      rss: kib(usage.rss),
      anon: statusKiB('RssAnon'),
      brk: brkKiB(),
      phys: kib(v8.getHeapStatistics().total_physical_size),
      old: kib(spaces.old.physical_space_size),
      oldUsed: kib(spaces.old.space_used_size),
      oldAvail: kib(spaces.old.space_available_size),
      new: kib(spaces.new.physical_space_size),
      code: kib(spaces.code.physical_space_size),
      ab: kib(usage.arrayBuffers),
      ext: kib(usage.external),
      handles: process.getActiveResourcesInfo().length,
    };
    line(`M ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }, 100).unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) line(`GC kind=${entry.detail?.kind}`);
  }).observe({ entryTypes: ['gc'] });
}
