#!/usr/bin/env node
// Where the broker's RSS goes under the storage-offload e2e workload (issue 13), by phase:
//
//   node bench/offload-rss.mjs [--baseline DIR] [--reps N] [--settle-ms MS]
//                              [--env NAME=VALUE,...] [--baseline-env NAME=VALUE,...] [--codecs zstd,...]
//
// Per run: a fresh broker of this checkout (and of DIR, interleaved, with --baseline) with
// MAX_MEMORY=32MB in memory mode, as test/e2e/storage-offload.test.ts starts it; after
// --settle-ms of idleness (default 1500: past the post-boot idle trim of
// src/common/idle-trim.ts) the idle figure; then storage_client.py's produce_mixed (190 MiB,
// mixed sizes and codecs, 3 partitions) and consume_digest (everything back from offset 0),
// while /proc/PID/smaps is sampled every 100 ms. Prints, per run, the growth of the peak RSS
// over the idle one and the peak's resident memory by kind of mapping: [heap] (glibc's main
// arena: the batch pool's slabs and main-thread mallocs), arenas (anonymous mappings on a
// 64 MiB boundary: glibc's per-thread arenas, libuv's and V8's worker threads), other
// anonymous memory (V8's heap), the node binary's pages; then the medians.
//
// Needs the test dependencies (`node tools/test-deps/ensure.mjs e2e`: python3 with
// confluent-kafka). A broker that writes its code cache (the first boot of a new build) idles
// some 30 MiB higher: one unmeasured run of each side comes first. Each broker gets the
// environment its checkout's start script sets (e.g. MALLOC_ARENA_MAX), then --env (this
// checkout) or --baseline-env on top: `--baseline . --baseline-env MALLOC_ARENA_MAX=1` compares
// one build under two settings. --codecs replaces the e2e's mix (none,lz4,none,zstd,gzip,snappy).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { benchArgs, median, startBlink, stopBlink } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The python the storage e2e tests run (test/e2e/storage-support.ts), where confluent-kafka is installed. */
const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(ROOT, 'test/e2e/storage/storage_client.py');
const USAGE = 'usage: node bench/offload-rss.mjs [--baseline DIR] [--reps N] [--settle-ms MS] [--env NAME=VALUE,...] [--baseline-env NAME=VALUE,...] [--codecs zstd,...]';
const opts = benchArgs(USAGE, { reps: 3, baseline: null, 'settle-ms': 1500, env: '', 'baseline-env': '', codecs: 'none,lz4,none,zstd,gzip,snappy' }, { numbers: ['reps', 'settle-ms'], strings: ['baseline', 'env', 'baseline-env', 'codecs'] });
const MIB = 1024 * 1024;
const ARENA_ALIGN = 64n * 1024n * 1024n;
const KINDS = ['heap', 'arena', 'anon', 'node', 'file'];

/** Resident MiB of `pid` by kind of mapping. */
function smaps(pid) {
  const rss = { heap: 0, arena: 0, anon: 0, node: 0, file: 0, total: 0 };
  let kind = 'anon';
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping !== null) {
      const name = mapping[2];
      if (name === '[heap]') kind = 'heap';
      else if (name === '' || name.startsWith('[anon')) kind = BigInt(`0x${mapping[1]}`) % ARENA_ALIGN === 0n ? 'arena' : 'anon';
      else if (name.endsWith('/node')) kind = 'node';
      else kind = 'file';
    } else if (line.startsWith('Rss:')) {
      const mib = Number(line.split(/\s+/)[1]) / 1024;
      rss[kind] += mib;
      rss.total += mib;
    }
  }
  return rss;
}

/** Runs one storage_client.py op, calling `onTick` every 100 ms until it exits; its last stdout line (JSON). */
async function runOp(op, args, onTick) {
  const child = spawn(PYTHON, [CLIENT, op, JSON.stringify({ ...args, timeout_s: 120 })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const done = new Promise((resolve) => child.once('close', resolve));
  let code;
  while ((code = await Promise.race([done, sleep(100).then(() => undefined)])) === undefined) onTick();
  if (code !== 0) throw new Error(`storage_client ${op} exited ${code}: ${err}`);
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** `A=1,B=2` as an object. */
function parseEnv(list) {
  return Object.fromEntries(list.split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

async function oneRun(root, extraEnv) {
  const broker = await startBlink({ root, env: { ...extraEnv, MAX_MEMORY: '32MB', MESSAGE_MAX_BYTES: '2MB', RETENTION: '1h', STORAGE_MODE: 'memory', LOG_LEVEL: 'warn', KAFKA_CFG_NUM_PARTITIONS: '3' } });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-offload-rss-'));
  try {
    await sleep(opts['settle-ms']);
    const idle = smaps(broker.child.pid);
    const peaks = {};
    let phase = 'produce';
    const tick = () => {
      const now = smaps(broker.child.pid);
      if (peaks[phase] === undefined || now.total > peaks[phase].total) peaks[phase] = now;
    };
    const topic = `offload-rss-${Date.now()}`;
    await runOp('produce_mixed', { bootstrap: broker.bootstrap, topic, partitions: 3, total_bytes: 190 * MIB, seed: 42, codecs: opts.codecs.split(','), out: path.join(work, 'produced.txt') }, tick);
    const ends = {};
    for (const line of fs.readFileSync(path.join(work, 'produced.txt'), 'utf8').split('\n')) {
      const [partition, offset] = line.split(' ');
      if (offset !== undefined) ends[partition] = Math.max(ends[partition] ?? 0, Number(offset) + 1);
    }
    phase = 'consume';
    await runOp('consume_digest', { bootstrap: broker.bootstrap, topic, ends, out: path.join(work, 'consumed.txt') }, tick);
    const peak = [peaks.produce, peaks.consume].filter(Boolean).reduce((a, b) => (b.total > a.total ? b : a));
    return { idle, peak, produce: peaks.produce?.total ?? 0, consume: peaks.consume?.total ?? 0 };
  } finally {
    await stopBlink(broker);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const sides = [['this', ROOT, parseEnv(opts.env)], ...(opts.baseline ? [['baseline', path.resolve(opts.baseline), parseEnv(opts['baseline-env'])]] : [])];
const results = Object.fromEntries(sides.map(([name]) => [name, []]));
for (const [, root, env] of sides) await oneRun(root, env); // the code-cache-writing boots, unmeasured
for (let rep = 0; rep < opts.reps; rep++) {
  for (const [name, root, env] of sides) {
    const r = await oneRun(root, env);
    results[name].push(r);
    const kinds = KINDS.map((k) => `${k} +${(r.peak[k] - r.idle[k]).toFixed(1)}`).join(', ');
    console.log(`${name.padEnd(8)} idle ${r.idle.total.toFixed(1)} MiB, peak ${r.peak.total.toFixed(1)} (produce ${r.produce.toFixed(1)}, consume ${r.consume.toFixed(1)}): growth ${(r.peak.total - r.idle.total).toFixed(1)} MiB = ${kinds}`);
  }
}
for (const [name] of sides) {
  const runs = results[name];
  const kinds = KINDS.map((k) => `${k} +${median(runs.map((r) => r.peak[k] - r.idle[k])).toFixed(1)}`).join(', ');
  console.log(`${name.padEnd(8)} median of ${runs.length}: idle ${median(runs.map((r) => r.idle.total)).toFixed(1)} MiB, growth ${median(runs.map((r) => r.peak.total - r.idle.total)).toFixed(1)} MiB (${kinds})`);
}
