#!/usr/bin/env node
// How much of the end-to-end latency tail lines up with the broker's GC pauses (issue 13).
// Starts the Blink of a checkout as `npm start` does (plus bench/latency-gc-preload.cjs through
// NODE_OPTIONS), waits 1 s after ready as bench/run.mjs does, runs the latency rows of
// bench/run.mjs (`loadgen latency`, 100 B, linger.ms=0, acks=1, fetch.wait.max.ms=1) with
// LAT_DUMP, stops the broker and prints per rate: the percentiles, V8's GCs in the run's window
// by kind (count, total and longest pause), and the messages at or above the p99 grouped into
// episodes (late messages scheduled < 5 ms apart), with how many of them fall in an episode that a
// GC pause overlaps, and how many left the producer thread (librdkafka's produce call) already
// half their latency late: the client's side, not the broker's. One broker, one run per rate:
// repeat it, the machine is shared.
// --gc-record profiler records the GCs with v8.GCProfiler instead of a perf_hooks observer (whose
// entries are old-generation garbage: the default record adds to what it counts): counts and
// pauses per run, no episodes. --gc-observers off starts the broker with no 'gc' observer at all
// (nodejs_gc_duration_seconds stays at zero): what that metric costs.
// --promoted 1 (with --gc-record profiler): what survived the scavenges of the last rate's run, by
// allocation site (V8's sampling heap profile in the broker, ~1 KiB a sample): the 15 largest.
// LATENCY_GC_V8_FLAGS='--trace-gc' (environment) sets V8 flags in the broker; with --keep DIR its
// output is in DIR/broker.log.
// Per rate it also prints what the broker's threads did per message over the loadgen run (its set-up
// included), from /proc: CPU (schedstat) of the main thread and of the others, time runnable but
// waiting for a CPU, voluntary context switches (the main thread's sleeps: event-loop wake-ups) and
// involuntary ones (taken off the CPU by another thread: a client thread its write woke, or another
// process), read and write system calls (/proc/PID/io): counts that a busy machine disturbs less
// than the percentiles.
// --warm throughput first runs bench/run.mjs's four throughput rows on the broker (produce 1,000,000 x
// 100 B and 300,000 x 1 KiB, consume 1,000,000 x 100 B and 300,000 x 1 KiB from a hot set), as a
// full bench/run.mjs does before its latency rows; --warm none (default): the latency rows on a
// fresh broker, as `bench/run.mjs --only latency` runs them.
//
//   node bench/latency-gc.mjs [--dir CHECKOUT] [--rates 1000,10000] [--secs 10] [--keep DIR]
//                             [--gc-record observer|profiler] [--gc-observers on|off] [--promoted 1]
//                             [--warm none|throughput]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildLoadgen, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const opt = { dir: path.join(HERE, '..'), rates: '1000,10000', secs: '10', keep: null, 'gc-record': 'observer', 'gc-observers': 'on', promoted: '0', warm: 'none' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in opt) || argv[i + 1] === undefined) {
    console.error('usage: node bench/latency-gc.mjs [--dir CHECKOUT] [--rates 1000,10000] [--secs 10] [--keep DIR] [--gc-record observer|profiler] [--gc-observers on|off] [--promoted 1] [--warm none|throughput]');
    process.exit(64);
  }
  opt[key] = argv[++i];
}
const promoted = opt.promoted === '1';
if (!['observer', 'profiler'].includes(opt['gc-record']) || !['on', 'off'].includes(opt['gc-observers']) || (promoted && opt['gc-record'] !== 'profiler') || !['none', 'throughput'].includes(opt.warm)) {
  console.error('bench: --gc-record is observer or profiler, --gc-observers on or off, --warm none or throughput; --promoted 1 goes with --gc-record profiler');
  process.exit(64);
}
const profiled = opt['gc-record'] === 'profiler';
const KIND = { 1: 'scavenge', 2: 'minor-ms', 4: 'mark-compact', 8: 'incremental', 16: 'weak-cb' };
const work = opt.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'blink-latency-gc-'));
fs.mkdirSync(work, { recursive: true });
buildLoadgen(console.error);

const gcFile = path.join(work, 'gc.json');
const broker = await startBlink({
  root: path.resolve(opt.dir),
  env: {
    LOG_LEVEL: 'warn',
    MAX_MEMORY: '4GB',
    RETENTION: '1h',
    LATENCY_GC_OUT: gcFile,
    LATENCY_GC_RECORD: opt['gc-record'],
    LATENCY_GC_OBSERVERS: opt['gc-observers'],
    LATENCY_GC_PROMOTED: promoted ? '1' : '0',
    LATENCY_GC_V8_FLAGS: process.env.LATENCY_GC_V8_FLAGS ?? '',
    NODE_OPTIONS: `--require ${path.join(HERE, 'latency-gc-preload.cjs')}`,
  },
});
/** Profiler record: the broker closes a segment of its GC record (latency-gc-preload.cjs). */
const cut = async () => {
  if (!profiled) return;
  broker.child.kill('SIGUSR2');
  await sleep(100);
};
await sleep(1000);
const dumps = [];
try {
  if (opt.warm === 'throughput') await warmUp(broker.bootstrap);
  for (const rate of opt.rates.split(',').map(Number)) {
    const dump = path.join(work, `lat${rate}.txt`);
    process.env.LAT_DUMP = dump;
    await cut();
    const before = threadCounts(broker.child.pid);
    const r = await runLoadgen('latency', ['-b', broker.bootstrap, '-t', `lat${rate}`, '-C', '-r', rate, '-d', opt.secs, '-s', 100, '-a', 1, '-l', 0, '-w', 1], 120);
    const counts = perMessage(before, threadCounts(broker.child.pid), r.n);
    await cut();
    dumps.push({ rate, dump, sendLagMaxUs: r.send_lag_max_us, counts });
  }
} finally {
  delete process.env.LAT_DUMP;
  await stopBlink(broker);
  if (opt.keep !== null) fs.writeFileSync(path.join(work, 'broker.log'), broker.output());
}
const gcs = JSON.parse(fs.readFileSync(gcFile, 'utf8'));
dumps.forEach(({ rate, dump, sendLagMaxUs, counts }, i) => {
  report(rate, dump, sendLagMaxUs, profiled ? gcs[2 * i + 1][1] : null);
  const c = counts;
  console.log(
    `  broker per message: CPU main ${c.mainCpuUs.toFixed(1)} µs, other threads ${c.otherCpuUs.toFixed(1)} µs; runnable, waiting for a CPU ${c.runqUs.toFixed(1)} µs; ` +
      `context switches voluntary ${c.voluntary.toFixed(3)} (main ${c.mainVoluntary.toFixed(3)}), involuntary ${c.involuntary.toFixed(3)} (main ${c.mainInvoluntary.toFixed(3)}); system calls read ${c.reads.toFixed(3)}, write ${c.writes.toFixed(3)}`,
  );
  // The young generation V8 gave the window (it grows it only at a mark-compact; the idle trim shrinks it) and the old space.
  if (!profiled) return;
  const heaps = [gcs[2 * i][2], gcs[2 * i + 1][2]];
  const mib = (bytes) => (bytes / 1048576).toFixed(1);
  console.log(`  heap at the window's start / end: young generation ${heaps.map((h) => mib(h.newSpace)).join(' / ')} MiB, old space ${heaps.map((h) => `${mib(h.oldUsed)} of ${mib(h.oldSize)}`).join(' / ')} MiB`);
});
if (promoted) {
  const sites = JSON.parse(fs.readFileSync(`${gcFile}.promoted`, 'utf8'));
  const total = sites.reduce((n, [bytes]) => n + bytes, 0);
  console.log(`survived scavenges in the last run (sampled): ${total.toLocaleString('en-US')} B; largest sites:`);
  for (const [bytes, site] of sites.slice(0, 15)) console.log(`  ${bytes.toLocaleString('en-US').padStart(11)}  ${site}`);
}
if (opt.keep === null) fs.rmSync(work, { recursive: true, force: true });

/** Per thread of process `pid`: CPU and run-queue time (ns, schedstat), context switches; the process's read and write system calls. */
function threadCounts(pid) {
  const threads = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const [cpuNs, runqNs] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      const status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const count = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)[1]);
      threads.set(tid, { cpuNs, runqNs, voluntary: count('voluntary_ctxt_switches'), involuntary: count('nonvoluntary_ctxt_switches') });
    } catch {
      // the thread ended meanwhile
    }
  }
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)[1]);
  return { main: String(pid), threads, reads: field('syscr'), writes: field('syscw') };
}

/** What happened between two `threadCounts`, per message (threads that ended meanwhile are not counted). */
function perMessage(from, to, messages) {
  const sum = { mainCpuUs: 0, otherCpuUs: 0, runqUs: 0, voluntary: 0, involuntary: 0, mainVoluntary: 0, mainInvoluntary: 0 };
  for (const [tid, t] of to.threads) {
    const f = from.threads.get(tid) ?? { cpuNs: 0, runqNs: 0, voluntary: 0, involuntary: 0 };
    const main = tid === to.main;
    sum[main ? 'mainCpuUs' : 'otherCpuUs'] += (t.cpuNs - f.cpuNs) / 1e3;
    sum.runqUs += (t.runqNs - f.runqNs) / 1e3;
    sum.voluntary += t.voluntary - f.voluntary;
    sum.involuntary += t.involuntary - f.involuntary;
    if (main) {
      sum.mainVoluntary += t.voluntary - f.voluntary;
      sum.mainInvoluntary += t.involuntary - f.involuntary;
    }
  }
  const out = { reads: (to.reads - from.reads) / messages, writes: (to.writes - from.writes) / messages };
  for (const [key, value] of Object.entries(sum)) out[key] = value / messages;
  return out;
}

/** bench/run.mjs's throughput rows (its producer settings and sizes), before the latency rows as in a full run. */
async function warmUp(bootstrap) {
  const producer = ['-a', 1, '-l', 5, '-B', 1_000_000, '-z', 'none'];
  for (const [topic, n, size, seed] of [['warm100', 1_000_000, 100, 30_000], ['warm1k', 300_000, 1024, 3_500]]) {
    await runLoadgen('produce', ['-b', bootstrap, '-t', topic, '-C', '-n', n, '-s', size, ...producer], 120);
    await runLoadgen('produce', ['-b', bootstrap, '-t', `${topic}-hot`, '-C', '-n', seed, '-s', size, ...producer], 120);
    await runLoadgen('consume', ['-b', bootstrap, '-t', `${topic}-hot`, '-n', n, '-R', '-X', 'fetch.wait.max.ms=1'], 120);
  }
}

/** `runGcs`, with the profiler record: the run's GCs as [duration µs, kind] (no times, no episodes). */
function report(rate, dump, sendLagMaxUs, runGcs) {
  const rows = fs.readFileSync(dump, 'utf8').trim().split('\n').map((line) => line.split(' ').map(Number)); // seq scheduled received sent
  const sorted = rows.map(([, s, r]) => r - s).sort((a, b) => a - b);
  const pct = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const us = (ns) => Math.round(ns / 1e3).toLocaleString('en-US');
  const from = rows[0][1];
  const to = rows.reduce((last, [, , r]) => Math.max(last, r), 0); // no spread: --secs 30 at 10,000/s is 300,000 rows
  const inWindow = runGcs?.map(([d, k]) => [null, d, k]) ?? gcs.filter(([start]) => start >= from && start <= to);
  console.log(`@${rate}/s: p50 ${us(pct(0.5))} p99 ${us(pct(0.99))} p99.9 ${us(pct(0.999))} max ${us(sorted.at(-1))} µs; producer send lag max ${Math.round(sendLagMaxUs).toLocaleString('en-US')} µs`);
  // The window's first second on a broker that has not run this load yet (JIT, young generation sizing): how much of the tail it holds.
  const later = rows.filter(([, s]) => s - from >= 1e9).map(([, s, r]) => r - s).sort((a, b) => a - b);
  const tail = rows.filter(([, s, r]) => r - s >= pct(0.99));
  const firstSecondLate = tail.filter(([, s]) => s - from < 1e9).length;
  const laterPct = (q) => later[Math.min(later.length - 1, Math.ceil(q * later.length) - 1)];
  console.log(`  without the first second: p99 ${us(laterPct(0.99))} p99.9 ${us(laterPct(0.999))} µs; ${firstSecondLate} of the ${tail.length} messages >= p99 were scheduled in the first second`);
  const kinds = {};
  for (const [, d, k] of inWindow) {
    const s = (kinds[KIND[k] ?? k] ??= { n: 0, totalUs: 0, maxUs: 0 });
    s.n++;
    s.totalUs += d;
    s.maxUs = Math.max(s.maxUs, d);
  }
  console.log(`  GCs: ${Object.entries(kinds).map(([k, s]) => `${k} ${s.n} (${s.totalUs.toLocaleString('en-US')} µs, longest ${s.maxUs.toLocaleString('en-US')})`).join('; ') || 'none'}`);
  if (runGcs) return;
  const threshold = pct(0.99);
  const episodes = [];
  let producerLate = 0;
  for (const [, s, r, sent] of rows) {
    if (r - s < threshold) continue;
    if (sent - s >= (r - s) / 2) producerLate++;
    const e = episodes.at(-1);
    if (e && s - e.last < 5e6) Object.assign(e, { n: e.n + 1, last: s, end: Math.max(e.end, r), worst: Math.max(e.worst, r - s), lag: Math.max(e.lag, sent - s) });
    else episodes.push({ first: s, last: s, end: r, n: 1, worst: r - s, lag: sent - s });
  }
  let explained = 0;
  for (const e of episodes) {
    e.gc = inWindow.filter(([start, d]) => start <= e.end && start + d * 1e3 >= e.first - 1e6);
    if (e.gc.length > 0) explained += e.n;
  }
  const late = episodes.reduce((n, e) => n + e.n, 0);
  console.log(`  ${late} messages >= p99 in ${episodes.length} episodes; ${explained} of them in an episode a GC pause overlaps; ${producerLate} sent half their latency late`);
  for (const e of [...episodes].sort((a, b) => b.n - a.n).slice(0, 5)) {
    const pauses = e.gc.map(([start, d, k]) => `${KIND[k] ?? k} ${d.toLocaleString('en-US')} µs at ${((start - e.first) / 1e6).toFixed(1)} ms`).join(', ');
    console.log(`    t+${((e.first - from) / 1e6).toFixed(0)} ms: ${e.n} messages over ${((e.last - e.first) / 1e6).toFixed(1)} ms, worst ${us(e.worst)} µs, producer up to ${us(e.lag)} µs late; ${pauses || 'no GC'}`);
  }
}
