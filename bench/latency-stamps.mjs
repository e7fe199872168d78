#!/usr/bin/env node
// What each message's end-to-end latency is made of (issue 13): runs the latency row of
// bench/run.mjs (`loadgen latency`, 100 B, linger.ms=0, acks=1, fetch.wait.max.ms=1, both clients in
// one process) against a fresh Blink of a checkout started as `npm start` does, with
// bench/latency-stamps-preload.cjs in the broker (NODE_OPTIONS=--require), which stamps each message
// where it crosses the broker's sockets, and joins those stamps by sequence number with loadgen's
// LAT_DUMP (scheduled, handed to librdkafka, received; all CLOCK_MONOTONIC). Per message:
//   a  producer side: scheduled -> the broker's read that completed the Produce frame carrying it
//      (a1: scheduled -> loadgen's producer thread handed it to librdkafka; a2: the rest);
//   d  waiting for a Fetch: the Fetch whose answer carried it was read after the Produce (the
//      consumer had no Fetch parked, its previous answer on the way): that Fetch's read - the Produce's;
//   b  broker: the later of the two reads -> the answer's bytes handed to the TCP handle (b0) ->
//      that call returned (bw: the write system call; on loopback it delivers to the reader);
//   c  consumer side: returned -> received by loadgen (librdkafka's thread, its queue, the poll).
// a + d + b + c = the latency. Printed per run, for all messages and for the late ones (latency >
// --late-us), p50 and p99 of each part, its share of the summed latency and how many messages it
// is the largest part of; the late episodes (late messages scheduled < 1 ms apart) by the largest
// part of each one's worst message; then, over the union of the late messages' a2 intervals and of
// their b intervals, what the broker's main thread was doing: off the CPU (with --perf on: preempted while runnable, asleep, woken but waiting for a
// CPU: sched_switch / sched_wakeup of the broker's main thread from `perf record -k
// CLOCK_MONOTONIC`), in a GC (V8's 'gc' entries), in a socket write, in a read callback, or other
// (promise continuations, timers, the event loop's other phases). Also per message from /proc: the
// main thread's CPU and its time runnable but waiting for a CPU (schedstat). The last lines: the
// medians over the runs. --perf alternate: every other run under perf (perf itself costs: compare).
// --perf cores: every run under a system-wide record of every thread's sched_switch / sched_wakeup
// (costs more), which adds, over the union of the late messages' a1 intervals (loadgen's producer
// thread late to hand them to librdkafka), what held the 2 cores (the broker's main thread, its
// other threads, librdkafka's threads, loadgen's poll thread, the producer thread itself, idle,
// other processes) and the producer thread's own state (asleep: its timer had not fired or it
// slept elsewhere; runnable, waiting for a core; running).
// --stamps alternate: every other run without the preload (and without perf): the loadgen figures
// and the broker's CPU alone, to see what the stamps cost. --warm 1000 first runs the 1,000 msg/s
// row on the same broker, untimed, as bench/run.mjs does before its 10,000/s row (0: a fresh broker).
// --node-options OPTS: more NODE_OPTIONS for the broker (e.g. '--v8-pool-size=1'), stamped or not.
//
//   node bench/latency-stamps.mjs [--dir CHECKOUT] [--rate 10000] [--secs 10] [--runs 5]
//                                 [--late-us 1000] [--perf off|on|alternate|cores] [--stamps on|alternate] [--warm 1000]
//                                 [--keep DIR] [--json FILE]
//   node bench/latency-stamps.mjs --again KEPT_DIR [--late-us 1000]   (the runs kept by --keep, analysed again)
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { benchArgs, buildLoadgen, median, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const USAGE =
  'usage: node bench/latency-stamps.mjs [--dir CHECKOUT] [--rate 10000] [--secs 10] [--runs 5] [--late-us 1000] [--perf off|on|alternate|cores] [--stamps on|alternate] [--warm 1000] [--node-options OPTS] [--keep DIR] [--json FILE] [--again KEPT_DIR]';
const opt = benchArgs(
  USAGE,
  { dir: path.join(HERE, '..'), rate: 10000, secs: 10, runs: 5, 'late-us': 1000, perf: 'off', stamps: 'on', warm: 1000, 'node-options': '', keep: null, json: null, again: null },
  { numbers: ['rate', 'secs', 'runs', 'late-us', 'warm'], strings: ['dir', 'perf', 'stamps', 'node-options', 'keep', 'json', 'again'], integers: { runs: [1, 100] }, choices: { perf: ['off', 'on', 'alternate', 'cores'], stamps: ['on', 'alternate'] } },
);
const rate = Number(opt.rate);
const lateNs = Number(opt['late-us']) * 1e3;
const PARTS = ['a', 'a1', 'a2', 'd', 'b', 'b0', 'bw', 'c'];
const TOP = ['a1', 'a2', 'd', 'b', 'c']; // the parts that add up to the latency
const DOING = ['preempted', 'woken, waiting for a CPU', 'asleep', 'GC', 'socket write', 'read callback', 'other', 'its own read callback'];
buildLoadgen(console.error);

const results = [];
const runs = opt.again ? fs.readdirSync(opt.again).filter((f) => /^run\d+$/.test(f)).length : opt.runs;
for (let run = 0; run < runs; run++) {
  if (opt.again) {
    const work = path.join(opt.again, `run${run}`);
    const r = await again(work);
    r.run = run;
    results.push(r);
    print(r);
    continue;
  }
  const stamped = opt.stamps === 'on' || run % 2 === 0;
  const perf = stamped && (opt.perf === 'on' || opt.perf === 'cores' || (opt.perf === 'alternate' && run % (opt.stamps === 'on' ? 2 : 4) === (opt.stamps === 'on' ? 1 : 2)));
  const work = opt.keep ? path.join(opt.keep, `run${run}`) : fs.mkdtempSync(path.join(os.tmpdir(), 'blink-latency-stamps-'));
  fs.mkdirSync(work, { recursive: true });
  const r = await oneRun(work, perf, stamped);
  r.run = run;
  results.push(r);
  print(r);
  if (!opt.keep) fs.rmSync(work, { recursive: true, force: true });
}
summary(results);
if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ opt, results }, null, 1));

async function oneRun(work, perf, stamped) {
  const stamps = path.join(work, 'stamps');
  const dump = path.join(work, 'lat.txt');
  const load0 = os.loadavg()[0];
  const preload = stamped ? `--require ${path.join(HERE, 'latency-stamps-preload.cjs')} ` : '';
  const settings = { LOG_LEVEL: 'warn', MAX_MEMORY: '4GB', RETENTION: '1h' }; // as bench/run.mjs starts it
  const env = { ...settings, ...(stamped ? { LATENCY_STAMPS_OUT: stamps } : {}), NODE_OPTIONS: `${preload}${opt['node-options']}` };
  const broker = await startBlink({ root: path.resolve(opt.dir), env });
  const pid = broker.child.pid;
  await sleep(1000);
  if (opt.warm > 0) {
    await runLoadgen('latency', ['-b', broker.bootstrap, '-t', `lat${opt.warm}`, '-C', '-r', opt.warm, '-d', opt.secs, '-s', 100, '-a', 1, '-l', 0, '-w', 1], 120);
    if (stamped) broker.child.kill('SIGUSR2');
    await sleep(100);
  }
  let loadgen;
  let tracer = null;
  const before = schedstat(pid);
  try {
    if (perf) tracer = await startPerf(pid, path.join(work, 'perf.data'), opt.perf === 'cores');
    process.env.LAT_DUMP = dump;
    loadgen = await runLoadgen('latency', ['-b', broker.bootstrap, '-t', `lat${rate}`, '-C', '-r', rate, '-d', opt.secs, '-s', 100, '-a', 1, '-l', 0, '-w', 1], 120);
  } finally {
    delete process.env.LAT_DUMP;
    if (tracer) await stopPerf(tracer);
  }
  const after = schedstat(pid);
  await stopBlink(broker);
  const run = { pid, loadgen, load: [load0, os.loadavg()[0]], perf, cores: perf && opt.perf === 'cores', stamped, sched: { cpuUs: (after.cpuNs - before.cpuNs) / 1e3 / loadgen.n, runqUs: (after.runqNs - before.runqNs) / 1e3 / loadgen.n } };
  fs.writeFileSync(path.join(work, 'run.json'), JSON.stringify(run));
  return await again(work);
}

/** The analysis of a run's files (in `work`: run.json, LAT_DUMP's lat.txt, the broker's stamps, perf.data). */
async function again(work) {
  const run = JSON.parse(fs.readFileSync(path.join(work, 'run.json'), 'utf8'));
  const offCpu = run.perf ? await readPerf(path.join(work, 'perf.data'), run.pid) : null;
  const r = analyse({ ...run, dump: path.join(work, 'lat.txt'), stamps: path.join(work, 'stamps'), offCpu });
  if (run.cores) r.cores = await cores(path.join(work, 'perf.data'), run.pid, r.lateA1);
  delete r.lateA1;
  return r;
}

/** The broker's main thread: CPU and run-queue time, ns (/proc schedstat). */
function schedstat(pid) {
  const [cpuNs, runqNs] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { cpuNs, runqNs };
}

async function startPerf(pid, file, everyThread) {
  const events = everyThread
    ? ['-e', 'sched:sched_switch', '-e', 'sched:sched_wakeup']
    : ['-e', 'sched:sched_switch', '--filter', `prev_pid == ${pid} || next_pid == ${pid}`, '-e', 'sched:sched_wakeup', '--filter', `pid == ${pid}`];
  const child = spawn(
    'perf',
    ['record', '-a', '-k', 'CLOCK_MONOTONIC', ...events, '-o', file],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  await sleep(500); // perf's set-up before the clock starts
  if (child.exitCode !== null) throw new Error(`perf record failed: ${err}`);
  return child;
}

async function stopPerf(child) {
  const gone = new Promise((res) => child.once('exit', res));
  child.kill('SIGINT');
  await gone;
}

/** The lines of `perf script` over a record, read as they come (a system-wide record's text is too large for one string). */
function perfScript(file, fields) {
  const child = spawn('perf', ['script', '-i', file, '--ns', '-F', fields], { stdio: ['ignore', 'pipe', 'ignore'] });
  return readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
}

/** The broker main thread's off-CPU intervals from a perf record: [from, to, kind] (ns), kind: preempted, asleep, woken waiting for a CPU. */
async function readPerf(file, tid) {
  const out = [];
  let off = null;
  for await (const line of perfScript(file, 'time,event,trace')) {
    const m = /^\s*(\d+)\.(\d+):\s+sched:(sched_switch|sched_wakeup):\s+(.*)$/.exec(line);
    if (!m) continue;
    const t = Number(m[1]) * 1e9 + Number(m[2].padEnd(9, '0'));
    const f = m[4];
    if (m[3] === 'sched_wakeup') {
      if (Number(/\bpid=(\d+)/.exec(f)?.[1]) === tid && off && !off.preempted && off.woken === null) off.woken = t;
    } else if (Number(/prev_pid=(\d+)/.exec(f)?.[1]) === tid) {
      off = { from: t, preempted: /prev_state=R/.test(f), woken: null };
    } else if (Number(/next_pid=(\d+)/.exec(f)?.[1]) === tid && off) {
      if (off.preempted) out.push([off.from, t, 0]);
      else {
        out.push([off.from, off.woken ?? t, 2]);
        if (off.woken !== null) out.push([off.woken, t, 1]);
      }
      off = null;
    }
  }
  return out;
}

function analyse({ dump, stamps, offCpu, loadgen, load, perf, stamped = true, sched }) {
  const rows = fs.readFileSync(dump, 'utf8').trim().split('\n').map((line) => line.split(' ').map(Number)); // seq scheduled received sent
  const sorted = rows.map(([, s, r]) => r - s).sort((x, y) => x - y);
  const pct = (arr, q) => arr[Math.min(arr.length - 1, Math.max(0, Math.ceil(q * arr.length) - 1))];
  const head = { load, perf, stamped, sched, n: rows.length, p50: pct(sorted, 0.5) / 1e3, p99: pct(sorted, 0.99) / 1e3, p999: pct(sorted, 0.999) / 1e3 };
  if (!stamped) return head;
  const meta = JSON.parse(fs.readFileSync(`${stamps}.json`, 'utf8'));
  const m = new Float64Array(new Uint8Array(fs.readFileSync(`${stamps}.msgs`)).buffer);
  const ev = new Float64Array(new Uint8Array(fs.readFileSync(`${stamps}.events`)).buffer);
  const F = meta.msgFields;
  const msgs = [];
  let missing = 0;
  let writeLeftForLater = 0;
  for (const [seq, sched, recv, sent] of rows) {
    const i = seq * F;
    const read = m[i];
    const fetchRead = m[i + 1];
    const hand = m[i + 2];
    const flush = m[i + 3];
    if (!(i + 3 < m.length) || [read, fetchRead, hand, flush].some(Number.isNaN)) {
      missing++;
      continue;
    }
    if (m[i + 4] === 1) writeLeftForLater++;
    const start = Math.max(read, fetchRead);
    msgs.push({ seq, sched, total: recv - sched, a: read - sched, a1: sent - sched, a2: read - sent, d: Math.max(0, fetchRead - read), b: flush - start, b0: hand - start, bw: flush - hand, c: recv - flush, start, hand });
  }
  const late = msgs.filter((x) => x.total > lateNs);
  const table = (set) => {
    const sum = set.reduce((n, x) => n + x.total, 0);
    const t = { n: set.length, waitedForFetch: set.filter((x) => x.d > 0).length, largest: {} };
    for (const p of PARTS) {
      const v = set.map((x) => x[p]).sort((x, y) => x - y);
      t[p] = { p50: pct(v, 0.5) / 1e3, p99: pct(v, 0.99) / 1e3, share: set.length ? v.reduce((n, x) => n + x, 0) / sum : 0 };
    }
    for (const p of TOP) t.largest[p] = 0;
    for (const x of set) t.largest[largest(x)]++;
    return t;
  };
  const largest = (x) => TOP.reduce((best, p) => (x[p] > x[best] ? p : best), TOP[0]);
  // Episodes: late messages scheduled < 1 ms apart (one stall makes every message scheduled during it late); each by the largest part of its worst message.
  const episodes = [];
  for (const x of [...late].sort((p, q) => p.sched - q.sched)) {
    const e = episodes.at(-1);
    if (e && x.sched - e.last < 1e6) {
      e.last = x.sched;
      e.n++;
      if (x.total > e.worst.total) e.worst = x;
    } else episodes.push({ last: x.sched, n: 1, worst: x });
  }
  const byPart = Object.fromEntries(TOP.map((p) => [p, 0]));
  for (const e of episodes) byPart[largest(e.worst)]++;
  return {
    ...head,
    missing,
    writeLeftForLater,
    droppedEvents: meta.dropped,
    all: table(msgs),
    late: table(late),
    episodes: { n: episodes.length, byPart, firstTwoSeconds: episodes.filter((e) => e.last - rows[0][1] < 2e9).length },
    doing: doing(late, ev, meta, offCpu),
    lateA1: unionOf(late.map((x) => [x.sched, x.sched + x.a1])),
  };
}

/**
 * What the broker's main thread was doing, µs by DOING, over the union of the late messages' a2
 * intervals (handed to librdkafka -> the broker's read: "asleep" there is the broker waiting for
 * the bytes, the rest is the broker late to read them) and of their b intervals (the later read
 * -> the answer handed to the socket); and, per late message whose b is over half the --late-us,
 * the largest part of its own b.
 */
function doing(late, ev, meta, offCpu) {
  const E = meta.evFields;
  // Intervals by priority (earlier wins where they overlap): off the CPU, GC, write, read callback.
  const lists = [[], [], [], [], [], []];
  for (const [from, to, kind] of offCpu ?? []) lists[kind].push([from, to]);
  for (const [start, dur] of meta.gcs) lists[3].push([start, start + dur]);
  for (let i = 0; i < ev.length; i += E) lists[ev[i] === 1 ? 4 : 5].push([ev[i + 1], ev[i + 2]]);
  for (const l of lists) l.sort((p, q) => p[0] - q[0]);
  // A read callback that started at a late message's own b stamp (the read of its Produce, or of the Fetch that carried it) is its own.
  const classify = (from, to, us, own) => {
    const cuts = [from, to];
    const inSpan = lists.map((l) => overlapping(l, from, to));
    const owned = inSpan[5].filter(([s]) => own.has(s));
    inSpan[5] = inSpan[5].filter(([s]) => !own.has(s));
    inSpan.splice(5, 0, owned);
    for (const l of inSpan) for (const [p, q] of l) cuts.push(Math.max(from, p), Math.min(to, q));
    cuts.sort((p, q) => p - q);
    for (let k = 0; k + 1 < cuts.length; k++) {
      const [p, q] = [cuts[k], cuts[k + 1]];
      if (q <= p) continue;
      const mid = (p + q) / 2;
      const kind = inSpan.findIndex((l) => l.some(([s, e]) => s <= mid && mid < e));
      us[DOING[kind === -1 ? 6 : kind === 5 ? 7 : kind > 5 ? kind - 1 : kind]] += (q - p) / 1e3;
    }
    return inSpan[3].length;
  };
  const owns = new Set(late.map((x) => x.start));
  const union = (pick, own) => {
    const spans = [];
    for (const [from, to] of late.map(pick).sort((p, q) => p[0] - q[0])) {
      const s = spans.at(-1);
      if (s && from <= s[1]) s[1] = Math.max(s[1], to);
      else if (to > from) spans.push([from, to]);
    }
    const us = Object.fromEntries(DOING.map((k) => [k, 0]));
    let gcsMet = 0;
    let spanUs = 0;
    for (const [from, to] of spans) {
      spanUs += (to - from) / 1e3;
      gcsMet += classify(from, to, us, own);
    }
    return { spans: spans.length, spanUs, gcsMet, us };
  };
  const longB = Object.fromEntries(DOING.map((k) => [k, 0]));
  for (const x of late) {
    if (x.b <= lateNs / 2) continue;
    const us = Object.fromEntries(DOING.map((k) => [k, 0]));
    classify(x.start, x.hand, us, new Set([x.start]));
    longB[DOING.reduce((best, k) => (us[k] > us[best] ? k : best), DOING[0])]++;
  }
  return { a2: union((x) => [x.sched + x.a1, x.sched + x.a], new Set()), b: union((x) => [x.start, x.hand], owns), longB, perf: offCpu !== null };
}

/** Sorted, merged intervals. */
function unionOf(intervals) {
  const spans = [];
  for (const [from, to] of [...intervals].sort((p, q) => p[0] - q[0])) {
    const s = spans.at(-1);
    if (s && from <= s[1]) s[1] = Math.max(s[1], to);
    else if (to > from) spans.push([from, to]);
  }
  return spans;
}

/**
 * --perf cores: over `spans` (the late messages' a1), µs of each core by who ran on it, and the
 * producer thread's state (loadgen's thread named "loadgen" that is not its main thread).
 */
async function cores(file, brokerPid, spans) {
  const pidOf = new Map([[0, 0]]);
  const commOf = new Map();
  const switches = []; // [cpu, t, prevTid, prevState, nextTid]
  const wakeups = []; // [t, tid]
  for await (const line of perfScript(file, 'pid,tid,cpu,time,event,trace')) {
    const m = /^\s*(\d+)\/(\d+)\s+\[(\d+)\]\s+(\d+)\.(\d+):\s+sched:(sched_switch|sched_wakeup):\s+(.*)$/.exec(line);
    if (!m) continue;
    const t = Number(m[4]) * 1e9 + Number(m[5].padEnd(9, '0'));
    pidOf.set(Number(m[2]), Number(m[1]));
    const f = m[7];
    if (m[6] === 'sched_wakeup') {
      const w = /comm=(.*) pid=(\d+) /.exec(f);
      if (w) {
        commOf.set(Number(w[2]), w[1]);
        wakeups.push([t, Number(w[2])]);
      }
      continue;
    }
    const sw = /prev_comm=(.*) prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) /.exec(f);
    if (!sw) continue;
    commOf.set(Number(sw[2]), sw[1]);
    commOf.set(Number(sw[5]), sw[4]);
    switches.push([Number(m[3]), t, Number(sw[2]), sw[3], Number(sw[5])]);
  }
  const loadgenThreads = [...commOf].filter(([tid, comm]) => comm === 'loadgen' && pidOf.has(tid)).map(([tid]) => tid);
  const loadgenPid = loadgenThreads.map((tid) => pidOf.get(tid)).find((pid) => pid !== undefined);
  const producer = loadgenThreads.filter((tid) => pidOf.get(tid) === loadgenPid && tid !== loadgenPid).sort((a, b) => b - a)[0];
  const group = (tid) => {
    if (tid === 0) return 'idle';
    if (tid === brokerPid) return 'broker main thread';
    if (pidOf.get(tid) === brokerPid) return 'broker, other threads';
    if (tid === producer) return 'producer thread';
    if ((commOf.get(tid) ?? '').startsWith('rdk:')) return 'librdkafka threads';
    if (pidOf.get(tid) === loadgenPid) return 'loadgen poll thread';
    return 'other processes';
  };
  // Who ran on each core, as intervals; the producer thread's states as intervals.
  const held = {};
  const states = [];
  const lastOn = new Map();
  let producerFrom = null;
  let producerState = 'asleep';
  const producerTo = (t, next) => {
    if (producerFrom !== null) states.push([producerFrom, t, producerState]);
    producerFrom = t;
    producerState = next;
  };
  for (const [t, tid] of wakeups) if (tid === producer) switches.push([-1, t, -1, 'W', producer]);
  switches.sort((p, q) => p[1] - q[1]);
  const runs = [];
  for (const [cpu, t, prev, state, next] of switches) {
    if (cpu === -1) {
      if (producerState === 'asleep') producerTo(t, 'runnable, waiting for a core');
      continue;
    }
    const on = lastOn.get(cpu);
    if (on) runs.push([on[0], t, group(on[1])]);
    lastOn.set(cpu, [t, next]);
    if (prev === producer) producerTo(t, state.startsWith('R') ? 'runnable, waiting for a core' : 'asleep');
    if (next === producer) producerTo(t, 'running');
  }
  runs.sort((p, q) => p[0] - q[0]);
  const producerUs = {};
  let spanUs = 0;
  for (const [from, to] of spans) {
    spanUs += (to - from) / 1e3;
    for (const [p, q, g] of overlapping(runs, from, to)) held[g] = (held[g] ?? 0) + (Math.min(to, q) - Math.max(from, p)) / 1e3;
    for (const [p, q, st] of overlapping(states, from, to)) producerUs[st] = (producerUs[st] ?? 0) + (Math.min(to, q) - Math.max(from, p)) / 1e3;
  }
  return { spans: spans.length, spanUs, held, producerUs, producer: producer ?? null };
}

/** The intervals of sorted `list` that overlap [from, to) (none is longer than a second). */
function overlapping(list, from, to) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid][0] < from - 1e9) lo = mid + 1;
    else hi = mid;
  }
  const out = [];
  for (let i = lo; i < list.length && list[i][0] < to; i++) if (list[i][1] > from) out.push(list[i]);
  return out;
}

function fmt(v) {
  return Math.round(v).toLocaleString('en-US');
}

function print(r) {
  if (!r.stamped) {
    console.log(`run ${r.run} (no stamps), load ${r.load.map((l) => l.toFixed(2)).join('-')}: ${r.n} messages, p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} p99.9 ${fmt(r.p999)} µs; broker main thread per message: CPU ${r.sched.cpuUs.toFixed(1)} µs, runnable waiting ${r.sched.runqUs.toFixed(1)} µs`);
    return;
  }
  console.log(
    `run ${r.run}${r.perf ? ' (perf)' : ''}, load ${r.load.map((l) => l.toFixed(2)).join('-')}: ${r.n} messages, p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} p99.9 ${fmt(r.p999)} µs; ` +
      `${r.late.n} late (> ${opt['late-us']} µs), ${r.late.waitedForFetch} of them waited for a Fetch (all: ${r.all.waitedForFetch}); ${r.missing} without a broker stamp, ${r.writeLeftForLater} written in part later; ` +
      `broker main thread per message: CPU ${r.sched.cpuUs.toFixed(1)} µs, runnable waiting ${r.sched.runqUs.toFixed(1)} µs`,
  );
  for (const set of ['all', 'late']) {
    const t = r[set];
    console.log(`  ${set.padEnd(4)} p50/p99 µs (share of the latency): ${PARTS.map((p) => `${p} ${fmt(t[p].p50)}/${fmt(t[p].p99)} (${(t[p].share * 100).toFixed(0)}%)`).join(', ')}; largest part: ${TOP.map((p) => `${p} ${t.largest[p]}`).join(', ')}`);
  }
  const ep = r.episodes;
  console.log(`  late episodes (scheduled < 1 ms apart): ${ep.n} (${ep.firstTwoSeconds} in the first 2 s); by the largest part of each one's worst message: ${TOP.map((p) => `${p} ${ep.byPart[p]}`).join(', ')}`);
  const d = r.doing;
  const shown = (us) => Object.entries(us).filter(([k]) => d.perf || !['preempted', 'woken, waiting for a CPU', 'asleep'].includes(k));
  for (const part of ['a2', 'b']) {
    const u = d[part];
    console.log(`  the broker during the late messages' ${part}: ${u.spans} spans, ${fmt(u.spanUs)} µs, ${u.gcsMet} GCs met; ${shown(u.us).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} µs`);
  }
  console.log(`  late messages with b > ${fmt(lateNs / 2e3)} µs, by the largest part of their b: ${shown(d.longB).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.cores) {
    const c = r.cores;
    console.log(`  the cores during the late messages' a1 (${c.spans} spans, ${fmt(c.spanUs)} µs x 2 cores): ${Object.entries(c.held).sort((p, q) => q[1] - p[1]).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} µs; the producer thread (tid ${c.producer}): ${Object.entries(c.producerUs).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} µs`);
  }
}

function summary(all) {
  const bare = all.filter((r) => !r.stamped);
  const cost = (g) => `p50 ${fmt(median(g.map((r) => r.p50)))} p99 ${fmt(median(g.map((r) => r.p99)))} µs, broker main-thread CPU ${median(g.map((r) => r.sched.cpuUs)).toFixed(1)} µs per message`;
  if (bare.length > 0) console.log(`stamps' cost: median over ${bare.length} runs without them ${cost(bare)}; over the ${all.length - bare.length} stamped ${cost(all.filter((r) => r.stamped))}`);
  const rs = all.filter((r) => r.stamped);
  for (const group of [rs, rs.filter((r) => r.perf), rs.filter((r) => !r.perf)]) {
    if (group.length === 0 || (group.length === rs.length && group !== rs)) continue;
    const label = group === rs ? 'stamped runs' : group[0].perf ? 'runs under perf' : 'stamped runs without perf';
    const med = (f) => median(group.map(f));
    console.log(`median over ${group.length} ${label}: p50 ${fmt(med((r) => r.p50))} p99 ${fmt(med((r) => r.p99))} µs; late ${fmt(med((r) => r.late.n))}, of them waited for a Fetch ${fmt(med((r) => r.late.waitedForFetch))}; load ${med((r) => r.load[1]).toFixed(2)}`);
    for (const set of ['all', 'late']) {
      console.log(`  ${set.padEnd(4)} ${PARTS.map((p) => `${p} ${fmt(med((r) => r[set][p].p50))}/${fmt(med((r) => r[set][p].p99))} (${(med((r) => r[set][p].share) * 100).toFixed(0)}%)`).join(', ')}; largest: ${TOP.map((p) => `${p} ${fmt(med((r) => r[set].largest[p]))}`).join(', ')}`);
    }
    console.log(`  late episodes ${fmt(med((r) => r.episodes.n))} (first 2 s ${fmt(med((r) => r.episodes.firstTwoSeconds))}); by the largest part of their worst message: ${TOP.map((p) => `${p} ${fmt(med((r) => r.episodes.byPart[p]))}`).join(', ')}`);
    for (const part of ['a2', 'b']) console.log(`  the broker during the late ${part}: ${DOING.map((k) => `${k} ${fmt(med((r) => r.doing[part].us[k]))}`).join(', ')} µs (of ${fmt(med((r) => r.doing[part].spanUs))})`);
    const withCores = group.filter((r) => r.cores);
    if (withCores.length > 0) {
      const keys = (f) => [...new Set(withCores.flatMap((r) => Object.keys(f(r))))];
      console.log(`  the cores during the late a1 (of ${fmt(median(withCores.map((r) => r.cores.spanUs)))} µs x 2): ${keys((r) => r.cores.held).map((k) => `${k} ${fmt(median(withCores.map((r) => r.cores.held[k] ?? 0)))}`).join(', ')} µs; the producer thread: ${keys((r) => r.cores.producerUs).map((k) => `${k} ${fmt(median(withCores.map((r) => r.cores.producerUs[k] ?? 0)))}`).join(', ')} µs`);
    }
    console.log(`  late with a long b, by its largest part: ${DOING.map((k) => `${k} ${fmt(med((r) => r.doing.longB[k]))}`).join(', ')}`);
  }
}
