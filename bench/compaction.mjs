#!/usr/bin/env node
// Blink log compaction benchmark: `npm run bench:compaction [-- --reps N] [-- --quick] [-- --durable]`.
// See bench/README.md ("Log compaction").
//
// On a FRESH broker per repetition (started as `npm start` starts it, free loopback ports, a
// temporary RECORD_STORAGE_PATH, LOG_CLEANER_BACKOFF=100ms):
//   1. a compacted topic (segment.bytes 1 MiB, min.cleanable.dirty.ratio 0.01) is created through
//      the REST API with min.compaction.lag.ms = 1 h, so the cleaner leaves it alone for now, and
//      the C load generator (bench/loadgen.c, librdkafka) writes N x 100 B messages over K keys
//      (N / K versions of each key) into it;
//   2. cleaner idle: end-to-end produce-to-consume latency (loadgen latency mode, 1,000 msg/s,
//      acks=1, linger.ms=0) on a plain topic;
//   3. min.compaction.lag.ms goes to 0 (PATCH /api/v1/topics/<topic>/configs): the cleaner starts
//      at its next wake-up, and the same latency run goes at once, on a second plain topic;
//   4. the bench waits for the cleaner to finish (no dirty data left) and reads its counters;
//   5. cleaner idle again: a third latency run, so the idle figure is not just the earlier one
//      (the p99 of one run on a shared machine moves with a single scheduling stall).
// Cleaner throughput = blink_log_cleaner_bytes_read / blink_log_cleaner_seconds (deltas from
// /prometheus over the whole cleaning). The latency run under cleaning also reports which share of
// its window the cleaner was busy (cleaner seconds in the window / window length), since a cleaning
// shorter than the window dilutes the p99. Prints medians, then ONE JSON line (the last line of
// stdout), also written to bench/results/compaction-<time>.json.
// Node built-ins only; every child process and every wait has a time limit.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { benchArgs, buildLoadgen, median, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS_DIR = path.join(HERE, 'results');
const USAGE = `usage: node bench/compaction.mjs [--reps N] [--quick] [--durable] [--timeout SECS]
  --reps N         repetitions, each on a fresh broker (default 3; --quick: 1)
  --quick          small workloads (a smoke run; its figures are not worth quoting)
  --durable        STORAGE_MODE=durable (fsync interval) instead of memory mode
  --timeout SECS   time limit of each load-generator run and of the cleaning (default 180)`;

const opts = benchArgs(USAGE, { reps: null, quick: false, durable: false, timeout: 180 }, { flags: ['quick', 'durable'], numbers: ['reps', 'timeout'] });
const N = opts.quick ? 300_000 : 1_000_000;
const KEYS = 10_000;
const SIZE = 100;
const LATENCY = { rate: 1000, secs: opts.quick ? 6 : 20 };
const COMPACTED_CONFIGS = {
  'cleanup.policy': 'compact',
  'segment.bytes': String(1024 * 1024),
  'min.cleanable.dirty.ratio': '0.01',
  'min.compaction.lag.ms': '3600000',
};
// A scrape waits out an event-loop stall of the broker (the bench is there to show them, not to fail on them).
const HTTP_TIMEOUT_MS = 60_000;
const CLEANER_METRICS = ['blink_log_cleaner_passes', 'blink_log_cleaner_bytes_read', 'blink_log_cleaner_bytes_removed', 'blink_log_cleaner_records_removed', 'blink_log_cleaner_seconds', 'blink_log_cleaner_failures'];
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

/** One HTTP request to the broker's REST port; resolves { status, body } (status 0: no answer). */
async function http(url, method = 'GET', body = undefined) {
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** A fresh broker for one repetition (its cleaner wakes every 100 ms). */
const startBroker = () =>
  startBlink({
    root: ROOT,
    env: { LOG_LEVEL: 'warn', MAX_MEMORY: '4GB', RETENTION: '1h', LOG_CLEANER_BACKOFF: '100ms', STORAGE_MODE: opts.durable ? 'durable' : 'memory' },
  });

async function rest(broker, method, route, body) {
  const answer = await http(`${broker.rest}${route}`, method, body);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${method} ${route}: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
  return answer.body;
}

/** The cleaner's counters and the topic's dirty ratio, from one scrape of /prometheus (a missing series is an error: a renamed metric must not read as 0). */
async function cleanerMetrics(broker, topic) {
  const text = await rest(broker, 'GET', '/prometheus');
  const value = (name, labels = '') => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    if (line === undefined) throw new Error(`metric ${name}${labels} not exported`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const sample = Object.fromEntries(CLEANER_METRICS.map((name) => [name.replace('blink_log_cleaner_', ''), value(name)]));
  sample.dirtyRatio = value('blink_partition_dirty_ratio', `{topic="${topic}",partition="0"}`);
  return sample;
}

const delta = (after, before) => Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));

/** Waits until the cleaner has cleaned the topic: passes ran, and the dirty ratio is under its minimum with no pass running. */
async function awaitCleaned(broker, topic, before) {
  const deadline = performance.now() + opts.timeout * 1000;
  let last = null;
  while (performance.now() < deadline) {
    const now = await cleanerMetrics(broker, topic);
    if (now.failures > before.failures) throw new Error('a cleaning pass failed (see the broker log)');
    const settled = last !== null && now.passes === last.passes && now.seconds === last.seconds;
    if (now.passes > before.passes && now.dirtyRatio <= Number(COMPACTED_CONFIGS['min.cleanable.dirty.ratio']) && settled) return now;
    last = now;
    await sleep(500);
  }
  throw new Error(`the cleaner did not finish within ${opts.timeout} s`);
}

const loadgen = (mode, args) => runLoadgen(mode, args, opts.timeout);
const latencyRun = (broker, topic) => loadgen('latency', ['-b', broker.bootstrap, '-t', topic, '-C', '-r', LATENCY.rate, '-d', LATENCY.secs, '-s', SIZE]);

async function repetition(rep) {
  const broker = await startBroker();
  try {
    const topic = `compacted-r${rep}`;
    await rest(broker, 'POST', '/api/v1/topics', { name: topic, partitions: 1, configs: COMPACTED_CONFIGS });
    const written = await loadgen('produce', ['-b', broker.bootstrap, '-t', topic, '-n', N, '-s', SIZE, '-K', KEYS, '-a', '1', '-l', '5']);
    log(`rep ${rep + 1}: wrote ${N} x ${SIZE} B over ${KEYS} keys (${written.msgs_per_s.toFixed(0)} msg/s)`);

    const idleBefore = await cleanerMetrics(broker, topic);
    const idle = await latencyRun(broker, `latency-idle-r${rep}`);
    const idleCleaner = delta(await cleanerMetrics(broker, topic), idleBefore);
    log(`rep ${rep + 1}: cleaner idle: p99 ${idle.p99_us.toFixed(0)} us (cleaner ${idleCleaner.seconds.toFixed(2)} s busy)`);

    const before = await cleanerMetrics(broker, topic);
    await rest(broker, 'PATCH', `/api/v1/topics/${topic}/configs`, { set: { 'min.compaction.lag.ms': '0' } });
    const cleaning = await latencyRun(broker, `latency-cleaning-r${rep}`);
    const inWindow = delta(await cleanerMetrics(broker, topic), before);
    const cleaned = delta(await awaitCleaned(broker, topic, before), before);
    const mbPerS = cleaned.seconds > 0 ? cleaned.bytes_read / 1e6 / cleaned.seconds : 0;
    const busyShare = Math.min(1, inWindow.seconds / cleaning.secs);
    log(`rep ${rep + 1}: cleaner running: p99 ${cleaning.p99_us.toFixed(0)} us (cleaner busy ${(busyShare * 100).toFixed(0)} % of the window)`);
    log(`rep ${rep + 1}: cleaned ${(cleaned.bytes_read / 1e6).toFixed(1)} MB in ${cleaned.seconds.toFixed(2)} s over ${cleaned.passes} pass(es): ${mbPerS.toFixed(1)} MB/s, ${cleaned.records_removed} records removed`);
    const afterBefore = await cleanerMetrics(broker, topic);
    const idleAfter = await latencyRun(broker, `latency-idle-after-r${rep}`);
    const idleAfterCleaner = delta(await cleanerMetrics(broker, topic), afterBefore);
    log(`rep ${rep + 1}: cleaner idle again: p99 ${idleAfter.p99_us.toFixed(0)} us (cleaner ${idleAfterCleaner.seconds.toFixed(2)} s busy)`);
    return { written, idle: [idle, idleAfter], idleCleaner: [idleCleaner, idleAfterCleaner], cleaning, busyShare, cleaned, mbPerS };
  } finally {
    await stopBlink(broker);
  }
}

const spread = (values) => ({ min: Math.min(...values), median: median(values), max: Math.max(...values) });

async function main() {
  buildLoadgen(log);
  const loadBefore = os.loadavg();
  const runs = [];
  for (let rep = 0; rep < opts.reps; rep++) runs.push(await repetition(rep));
  const summary = {
    cleaner_mb_per_s: spread(runs.map((r) => r.mbPerS)),
    cleaner_bytes_read: spread(runs.map((r) => r.cleaned.bytes_read)),
    cleaner_seconds: spread(runs.map((r) => r.cleaned.seconds)),
    p99_us_cleaner_idle: spread(runs.flatMap((r) => r.idle.map((i) => i.p99_us))),
    p99_us_cleaner_running: spread(runs.map((r) => r.cleaning.p99_us)),
    p50_us_cleaner_idle: spread(runs.flatMap((r) => r.idle.map((i) => i.p50_us))),
    p50_us_cleaner_running: spread(runs.map((r) => r.cleaning.p50_us)),
    max_us_cleaner_idle: spread(runs.flatMap((r) => r.idle.map((i) => i.max_us))),
    max_us_cleaner_running: spread(runs.map((r) => r.cleaning.max_us)),
    cleaner_busy_share_of_window: spread(runs.map((r) => r.busyShare)),
  };
  const loadAfter = os.loadavg();
  const fmt = (s, digits = 0) => [s.min, s.median, s.max].map((v) => v.toFixed(digits).padStart(10)).join('');
  console.log(`${N} x ${SIZE} B over ${KEYS} keys, one partition, ${opts.durable ? 'durable mode (fsync interval)' : 'memory mode'}, ${opts.reps} repetition(s); latency ${LATENCY.rate} msg/s for ${LATENCY.secs} s`);
  console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
  console.log('metric (idle: both idle runs of every repetition)   min    median       max');
  console.log(`cleaner MB/s                ${fmt(summary.cleaner_mb_per_s, 1)}`);
  console.log(`produce p99 us, cleaner idle${fmt(summary.p99_us_cleaner_idle)}`);
  console.log(`produce p99 us, cleaning    ${fmt(summary.p99_us_cleaner_running)}`);
  console.log(`produce p50 us, cleaner idle${fmt(summary.p50_us_cleaner_idle)}`);
  console.log(`produce p50 us, cleaning    ${fmt(summary.p50_us_cleaner_running)}`);
  console.log(`produce max us, cleaner idle${fmt(summary.max_us_cleaner_idle)}`);
  console.log(`produce max us, cleaning    ${fmt(summary.max_us_cleaner_running)}`);
  console.log(`cleaner busy % of window    ${fmt({ min: summary.cleaner_busy_share_of_window.min * 100, median: summary.cleaner_busy_share_of_window.median * 100, max: summary.cleaner_busy_share_of_window.max * 100 })}`);
  const json = { n: N, keys: KEYS, size: SIZE, mode: opts.durable ? 'durable' : 'memory', reps: opts.reps, latency: LATENCY, load_average: { before: loadBefore, after: loadAfter }, summary, runs };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `compaction-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(json, null, 2));
  console.log(JSON.stringify(json));
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(1);
});
