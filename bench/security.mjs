#!/usr/bin/env node
// Blink security benchmark: `npm run bench:security [-- --reps N] [-- --quick]`.
// See bench/README.md ("Security listeners").
//
// What TLS and SASL cost: on a FRESH broker (started as `npm start` starts it) per repetition, with a PLAINTEXT and a
// SASL_SSL listener (SCRAM-SHA-512 over TLS, a P-256 certificate this script makes with
// openssl), the C load generator (bench/loadgen.c, librdkafka) produces N x SIZE B to one
// partition and consumes them back, once per listener, each listener on a topic of its own; the
// order of the two listeners alternates between repetitions. Prints min / median / max per
// workload and the SASL_SSL / PLAINTEXT ratio of the medians, then ONE JSON line (the last line of
// stdout), also written to bench/results/security-<time>.json.
// Node built-ins only; every child process and every wait has a time limit.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, buildLoadgen, freePorts, makeCertificates, median, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS_DIR = path.join(HERE, 'results');
const USAGE = `usage: node bench/security.mjs [--reps N] [--quick] [--timeout SECS] [--baseline DIR]
  --reps N         repetitions, each on a fresh broker (default 5; --quick: 1)
  --quick          small workloads (a smoke run; its figures are not worth quoting)
  --timeout SECS   time limit of each load-generator run (default 180)
  --baseline DIR   also a broker of the built checkout DIR, interleaved repetition by repetition`;

// Five repetitions by default, not three as the other benches: TLS widens the spread on a shared machine.
const defaultReps = process.argv.includes('--quick') ? 1 : 5;
const opts = benchArgs(USAGE, { reps: defaultReps, quick: false, timeout: 180, baseline: null }, { flags: ['quick'], numbers: ['reps', 'timeout'], strings: ['baseline'] });
const N = opts.quick ? 20_000 : 200_000;
const SIZE = 1000;
/** A loaded 2-core machine has taken over a minute to boot the broker. */
const READY_TIMEOUT_MS = 120_000;
const USER = 'bench';
const PASSWORD = 'bench-Secret-1';
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

const LISTENERS = ['PLAINTEXT', 'SASL_SSL'];
const WORKLOADS = LISTENERS.flatMap((listener) => [`produce ${listener}`, `consume ${listener}`]);


/** A fresh broker with a PLAINTEXT and a SASL_SSL listener; `bootstrap` per listener. */
async function startBroker(certs, root) {
  const [plaintext, saslSsl] = await freePorts(2);
  const broker = await startBlink({
    root,
    readyTimeoutMs: READY_TIMEOUT_MS,
    env: {
      LISTENERS: `PLAINTEXT://127.0.0.1:${plaintext},SASL_SSL://127.0.0.1:${saslSsl}`,
      SSL_CERT_FILE: path.join(certs, 'server.pem'),
      SSL_KEY_FILE: path.join(certs, 'server.key'),
      SASL_ENABLED_MECHANISMS: 'SCRAM-SHA-512',
      SASL_USERS: `${USER}:${PASSWORD}`,
      LOG_LEVEL: 'warn',
      MAX_MEMORY: '4GB',
      RETENTION: '1h',
    },
  });
  return { ...broker, listeners: { PLAINTEXT: `127.0.0.1:${plaintext}`, SASL_SSL: `127.0.0.1:${saslSsl}` } };
}

/** librdkafka settings for a listener, as a user writes them. */
function clientSettings(listener, certs) {
  if (listener === 'PLAINTEXT') return [];
  const settings = {
    'security.protocol': 'SASL_SSL',
    'ssl.ca.location': path.join(certs, 'ca.pem'),
    'sasl.mechanisms': 'SCRAM-SHA-512',
    'sasl.username': USER,
    'sasl.password': PASSWORD,
  };
  return Object.entries(settings).flatMap(([key, value]) => ['-X', `${key}=${value}`]);
}

const loadgen = (mode, args) => runLoadgen(mode, args, opts.timeout);

/** One repetition: produce then consume over each listener, the listeners in `order`. */
async function repetition(rep, order, certs, results, root) {
  const broker = await startBroker(certs, root);
  try {
    for (const listener of order) {
      const topic = `security-bench-${listener.toLowerCase()}-r${rep}`;
      const common = ['-b', broker.listeners[listener], '-t', topic, ...clientSettings(listener, certs)];
      const produced = await loadgen('produce', [...common, '-C', '-n', N, '-s', SIZE, '-a', 'all', '-l', '5']);
      const consumed = await loadgen('consume', [...common, '-n', N]);
      results[`produce ${listener}`].push(produced);
      results[`consume ${listener}`].push(consumed);
      log(`rep ${rep + 1}${root === ROOT ? '' : ` (${root})`}: ${listener}: produce ${produced.mb_per_s.toFixed(1)} MB/s, consume ${consumed.mb_per_s.toFixed(1)} MB/s`);
    }
  } finally {
    await stopBlink(broker);
  }
}

function summarize(results) {
  return WORKLOADS.map((workload) => {
    const rates = results[workload].map((r) => r.mb_per_s);
    const [direction] = workload.split(' ');
    const plaintext = median(results[`${direction} PLAINTEXT`].map((r) => r.mb_per_s));
    return {
      workload,
      mb_per_s: { min: Math.min(...rates), median: median(rates), max: Math.max(...rates) },
      msgs_per_s_median: median(results[workload].map((r) => r.msgs_per_s)),
      client_cpu_pct_median: median(results[workload].map((r) => r.client_cpu_pct)),
      vs_plaintext: median(rates) / plaintext,
    };
  });
}

async function main() {
  buildLoadgen(log);
  const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-security-certs-'));
  try {
    makeCertificates(certs);
    const sides = [ROOT, ...(opts.baseline === null ? [] : [path.resolve(opts.baseline)])];
    const results = sides.map(() => Object.fromEntries(WORKLOADS.map((w) => [w, []])));
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const i of rep % 2 === 0 ? sides.keys() : [...sides.keys()].reverse()) {
        await repetition(rep, rep % 2 === 0 ? LISTENERS : [...LISTENERS].reverse(), certs, results[i], sides[i]);
      }
    }
    if (sides.length > 1) console.log('this checkout:');
    report(results[0]);
    if (sides.length > 1) {
      console.log(`baseline ${sides[1]}:`);
      report(results[1]);
    }
  } finally {
    fs.rmSync(certs, { recursive: true, force: true });
  }
}

function report(results) {
  const summary = summarize(results);
  console.log(`${N} x ${SIZE} B, one partition, memory mode, acks=all, ${opts.reps} repetition(s); SASL_SSL: SCRAM-SHA-512 over TLS`);
  console.log('workload              MB/s min   median      max   msg/s median  client CPU  vs PLAINTEXT');
  for (const s of summary) {
    const cells = [s.mb_per_s.min, s.mb_per_s.median, s.mb_per_s.max].map((v) => v.toFixed(1).padStart(9));
    console.log(`${s.workload.padEnd(20)}${cells.join('')}   ${s.msgs_per_s_median.toFixed(0).padStart(12)}  ${`${s.client_cpu_pct_median.toFixed(0)} %`.padStart(10)}  ${`${(s.vs_plaintext * 100).toFixed(0)} %`.padStart(11)}`);
  }
  const json = { n: N, size: SIZE, reps: opts.reps, summary, runs: results };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `security-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(json, null, 2));
  console.log(JSON.stringify(json));
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(1);
});
