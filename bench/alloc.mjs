#!/usr/bin/env node
// JavaScript heap the broker allocates per Produce request and per Fetch in steady state.
//
//   node bench/alloc.mjs [--baseline DIR] [--reps N] [--mode trips|latency] [--trips 20000] [--warm 5000]
//                        [--rate 10000] [--secs 8] [--skip 2] [--sample BYTES] [--top 25] [--save DIR]
//
// Per run: a fresh broker of this checkout (and of DIR, interleaved, with --baseline) loaded with
// bench/alloc-preload.cjs, whose window's heap allocation comes from V8's GC figures (exact, not
// sampled); the requests handled in it from /prometheus (blink_requests_total), read outside it.
// --mode trips (default; deterministic): bench/alloc-client.mjs drives --warm round trips, then
//   the window over --trips more; one trip = one Fetch that parks (v12, from the next offset) and
//   one Produce (v9, acks=1, one 100 B record per batch) whose append wakes it: the bytes per trip
//   do not depend on timing (repeat runs agree within ~2 %).
// --mode latency: the latency rows' workload (bench/run.mjs: loadgen latency at --rate, 100 B,
//   linger.ms=0, acks=1, fetch.wait.max.ms=1); the window opens --skip s after loadgen's
//   {"mark":"start"} and closes at its {"mark":"end"}. How many Fetches park, and how many
//   messages one carries, depends on timing: ~5-10 % run to run.
// Prints per run the bytes per message (one Produce, its share of the Fetches, and everything
// else the broker did meanwhile), per request, MB/s and scavenges/s; then the medians.
// --sample BYTES also takes V8's sampling heap profile of the window (objects collected by
// scavenges included; one sample per BYTES allocated on average) and prints, for the last run
// of each side, the --top allocation sites in bytes per message (self: the function, its place,
// two callers; inclusive: by function). A build with BLINK_BUNDLE_SOURCEMAP=1 maps the bundle's
// places back to dist/*.js. The profile costs CPU: take totals from runs without --sample.
// --save DIR writes each profile there (alloc-LABEL-REP.heapprofile: Chrome DevTools opens it).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { roundTrips } from './alloc-client.mjs';
import { benchArgs, buildLoadgen, LOADGEN, median, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const USAGE =
  'usage: node bench/alloc.mjs [--baseline DIR] [--reps N] [--mode trips|latency] [--trips 20000] [--warm 5000] [--rate 10000] [--secs 8] [--skip 2] [--sample BYTES] [--top 25] [--save DIR]';
const opts = benchArgs(
  USAGE,
  { baseline: null, reps: 3, mode: 'trips', trips: 20_000, warm: 5_000, rate: 10_000, secs: 8, skip: 2, sample: 0, top: 25, save: null },
  { numbers: ['reps', 'trips', 'warm', 'rate', 'secs', 'skip', 'sample', 'top'], strings: ['baseline', 'save', 'mode'] },
);
if (opts.mode !== 'trips' && opts.mode !== 'latency') {
  console.error(USAGE);
  process.exit(64);
}
if (opts.mode === 'latency') buildLoadgen(console.error);

/** Requests handled so far, by API (blink_requests_total). */
async function requests(broker) {
  const text = await (await fetch(`${broker.rest}/prometheus`)).text();
  const counts = {};
  for (const m of text.matchAll(/^blink_requests_total\{api="([^"]+)"\} (\d+)/gm)) counts[m[1]] = Number(m[2]);
  return counts;
}

/** Signals the preload and, on the second signal, waits for its answer. */
async function toggle(broker, out, closing) {
  broker.child.kill('SIGUSR2');
  if (!closing) return null;
  for (let i = 0; i < 400 && !fs.existsSync(out); i++) await sleep(25);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

/** loadgen latency; `onMark('start'|'end')` runs (awaited in order) at its marks. */
function loadgen(args, onMark) {
  return new Promise((resolve, reject) => {
    const child = spawn(LOADGEN, ['latency', ...args.map(String), '-T', String(opts.secs + opts.skip + 60)], { stdio: ['ignore', 'pipe', 'pipe'] });
    process.once('exit', () => child.kill('SIGKILL'));
    let marks = Promise.resolve();
    let buffered = '';
    let last = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    child.stdout.on('data', (d) => {
      buffered += d;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('{"mark"')) {
          const mark = JSON.parse(line).mark;
          marks = marks.then(() => onMark(mark));
        } else if (line.trim() !== '') last = line;
      }
    });
    child.once('close', async () => {
      try {
        await marks;
        const result = JSON.parse(last || buffered);
        if (result.ok) return resolve(result);
      } catch (err) {
        return reject(new Error(`loadgen: ${err.message} ${last} ${stderr}`));
      }
      reject(new Error(`loadgen failed: ${last} ${stderr}`));
    });
  });
}

async function oneRun(root) {
  const out = path.join(os.tmpdir(), `blink-alloc-${process.pid}.json`);
  fs.rmSync(out, { force: true });
  const broker = await startBlink({
    root,
    env: {
      LOG_LEVEL: 'warn',
      MAX_MEMORY: '4GB',
      RETENTION: '1h',
      ALLOC_OUT: out,
      ALLOC_SAMPLE: String(opts.sample),
      ALLOC_V8_FLAGS: process.env.ALLOC_V8_FLAGS ?? '',
      NODE_OPTIONS: `--require ${path.join(HERE, 'alloc-preload.cjs')}`,
    },
  });
  try {
    await sleep(1000);
    if (opts.mode === 'trips') return await tripsRun(broker, out);
    let before = null;
    let after = null;
    let window = null;
    await loadgen(['-b', broker.bootstrap, '-t', `alloc-${Date.now()}`, '-C', '-r', opts.rate, '-d', opts.secs + opts.skip, '-s', 100, '-a', 1, '-l', 0, '-w', 1], async (mark) => {
      if (mark === 'start') {
        await sleep(opts.skip * 1000);
        before = await requests(broker);
        await toggle(broker, out, false);
      } else if (mark === 'end' && before !== null) {
        window = await toggle(broker, out, true);
        after = await requests(broker);
      }
    });
    if (window === null) throw new Error('the window did not close');
    const delta = {};
    for (const [api, n] of Object.entries(after)) delta[api] = n - (before[api] ?? 0);
    return { ...window, requests: delta };
  } finally {
    await stopBlink(broker);
    fs.rmSync(out, { force: true });
  }
}

/** --mode trips: --warm round trips, then the window over --trips more (alloc-client.mjs). */
async function tripsRun(broker, out) {
  const trip = await roundTrips(ROOT, broker.bootstrap, `alloc-${Date.now()}`, 100);
  for (let i = 0; i < opts.warm; i++) await trip();
  await sleep(200);
  const before = await requests(broker);
  await toggle(broker, out, false);
  for (let i = 0; i < opts.trips; i++) await trip();
  const window = await toggle(broker, out, true);
  const after = await requests(broker);
  const delta = {};
  for (const [api, n] of Object.entries(after)) delta[api] = n - (before[api] ?? 0);
  return { ...window, requests: delta };
}

function describe(r) {
  const produce = r.requests.Produce ?? 0;
  const fetches = r.requests.Fetch ?? 0;
  const scavenges = r.gcs.Scavenge?.n ?? 0;
  const others = Object.entries(r.requests).filter(([api, n]) => n > 0 && api !== 'Produce' && api !== 'Fetch');
  return {
    produce,
    fetches,
    perMessage: r.allocatedBytes / produce,
    perRequest: r.allocatedBytes / (produce + fetches),
    mbPerS: r.allocatedBytes / 1e6 / (r.windowMs / 1000),
    scavengesPerS: scavenges / (r.windowMs / 1000),
    others: others.map(([api, n]) => `${api} ${n}`).join(', '),
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** Where the bytes were allocated: self bytes by function and place, with two callers. */
function sites(profile, root, messages) {
  const bundle = path.join(root, 'dist', 'bundle', 'broker.js');
  let map = null;
  try {
    map = new SourceMap(JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')));
  } catch {
    // no source map: bundle positions
  }
  const where = (frame) => {
    const file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
    if (map !== null && file === bundle) {
      const e = map.findEntry(frame.lineNumber, frame.columnNumber);
      if (e?.originalSource) return `${path.relative(ROOT, e.originalSource.replace(/^file:\/\//, ''))}:${e.originalLine + 1}`;
    }
    return `${path.basename(file) || '(native)'}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
  };
  const name = (frame) => `${frame.functionName || '(anonymous)'} ${where(frame)}`;
  const bySite = new Map();
  const inclusive = new Map();
  let total = 0;
  const walk = (node, stack) => {
    const here = [name(node.callFrame), ...stack];
    let bytes = node.selfSize;
    for (const child of node.children) bytes += walk(child, here);
    if (node.selfSize > 0) {
      total += node.selfSize;
      const key = here.slice(0, 3).join(' < ');
      bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    }
    // Inclusive: counted once per function however deep it recurses.
    if (!stack.includes(here[0])) inclusive.set(here[0], (inclusive.get(here[0]) ?? 0) + bytes);
    return bytes;
  };
  walk(profile.head, []);
  const print = (title, entries) => {
    console.log(`  ${title} (B/message, share):`);
    for (const [key, bytes] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, opts.top)) {
      console.log(`  ${fmt(bytes / messages).padStart(6)} ${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${key}`);
    }
  };
  console.log(`  sampled ${fmt(total / messages)} B/message`);
  print('self, by function and its two callers', bySite);
  print('inclusive, by function', inclusive);
}

const sides = opts.baseline ? [['this', ROOT], ['base', path.resolve(opts.baseline)]] : [['this', ROOT]];
const results = Object.fromEntries(sides.map(([label]) => [label, []]));
const lastProfile = {};
for (let rep = 0; rep < opts.reps; rep++) {
  for (const [label, root] of rep % 2 === 0 ? sides : [...sides].reverse()) {
    const r = await oneRun(root);
    const d = describe(r);
    results[label].push(d);
    if (r.profile) lastProfile[label] = { profile: r.profile, root, messages: d.produce };
    if (r.profile && opts.save) fs.writeFileSync(path.join(opts.save, `alloc-${label}-${rep + 1}.heapprofile`), JSON.stringify(r.profile));
    console.log(
      `${label} rep ${rep + 1}: ${fmt(d.perMessage)} B/message, ${fmt(d.perRequest)} B/request (Produce ${fmt(d.produce)}, Fetch ${fmt(d.fetches)}${d.others ? `, ${d.others}` : ''}); ` +
        `${d.mbPerS.toFixed(1)} MB/s, ${d.scavengesPerS.toFixed(1)} scavenges/s`,
    );
  }
}
for (const [label] of sides) {
  const rs = results[label];
  console.log(
    `${label} median of ${rs.length}: ${fmt(median(rs.map((d) => d.perMessage)))} B/message, ${fmt(median(rs.map((d) => d.perRequest)))} B/request, ` +
      `${median(rs.map((d) => d.mbPerS)).toFixed(1)} MB/s, ${median(rs.map((d) => d.scavengesPerS)).toFixed(1)} scavenges/s, Fetch/Produce ${median(rs.map((d) => d.fetches / d.produce)).toFixed(2)}`,
  );
  if (lastProfile[label]) sites(lastProfile[label].profile, lastProfile[label].root, lastProfile[label].messages);
}
