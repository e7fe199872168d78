#!/usr/bin/env node
// Blink security benchmark: `npm run bench:security [-- --reps N] [-- --quick]`.
// See bench/README.md ("Security listeners").
//
// What TLS and SASL cost: on a FRESH broker (dist/main.js) per repetition, with a PLAINTEXT and a
// SASL_SSL listener (SCRAM-SHA-512 over TLS, a P-256 certificate this script makes with
// openssl), the C load generator (bench/loadgen.c, librdkafka) produces N x SIZE B to one
// partition and consumes them back, once per listener, each listener on a topic of its own; the
// order of the two listeners alternates between repetitions. Prints min / median / max per
// workload and the SASL_SSL / PLAINTEXT ratio of the medians, then ONE JSON line (the last line of
// stdout), also written to bench/results/security-<time>.json.
// Node built-ins only; every child process and every wait has a time limit.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePorts } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const LOADGEN_SRC = path.join(HERE, 'loadgen.c');
const LOADGEN = path.join(HERE, '.build', 'loadgen');
const RESULTS_DIR = path.join(HERE, 'results');
const USAGE = `usage: node bench/security.mjs [--reps N] [--quick] [--timeout SECS]
  --reps N         repetitions, each on a fresh broker (default 5; --quick: 1)
  --quick          small workloads (a smoke run; its figures are not worth quoting)
  --timeout SECS   time limit of each load-generator run (default 180)`;

const opts = { reps: null, quick: false, timeout: 180 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--quick') opts.quick = true;
  else if (a === '--reps') opts.reps = Number(process.argv[++i]);
  else if (a === '--timeout') opts.timeout = Number(process.argv[++i]);
  else if (a === '-h' || a === '--help') {
    console.log(USAGE);
    process.exit(0);
  } else {
    process.stderr.write(`bench: unknown argument ${a}\n${USAGE}\n`);
    process.exit(64);
  }
}
opts.reps ??= opts.quick ? 1 : 5;
if (!Number.isInteger(opts.reps) || opts.reps < 1 || opts.reps > 50) {
  process.stderr.write('bench: --reps must be 1..50\n');
  process.exit(64);
}
if (!Number.isFinite(opts.timeout) || opts.timeout < 10 || opts.timeout > 3600) {
  process.stderr.write('bench: --timeout must be 10..3600 seconds\n');
  process.exit(64);
}
const N = opts.quick ? 20_000 : 200_000;
const SIZE = 1000;
const READY_TIMEOUT_MS = 60_000;
const USER = 'bench';
const PASSWORD = 'bench-Secret-1';
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

const LISTENERS = ['PLAINTEXT', 'SASL_SSL'];
const WORKLOADS = LISTENERS.flatMap((listener) => [`produce ${listener}`, `consume ${listener}`]);

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function buildLoadgen() {
  if (fs.existsSync(LOADGEN) && fs.statSync(LOADGEN).mtimeMs >= fs.statSync(LOADGEN_SRC).mtimeMs) return;
  fs.mkdirSync(path.dirname(LOADGEN), { recursive: true });
  log('building bench/.build/loadgen');
  const cmd = `cc -O2 -g -Wall -Wextra -std=gnu11 $(pkg-config --cflags rdkafka) -o '${LOADGEN}.tmp' '${LOADGEN_SRC}' $(pkg-config --libs rdkafka) -lpthread`;
  execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  fs.renameSync(`${LOADGEN}.tmp`, LOADGEN);
}

/** A CA and a server certificate for 127.0.0.1, as PEM files in `dir`. */
function makeCertificates(dir) {
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Blink bench CA');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function startBroker(certs) {
  const [plaintext, saslSsl, restPort] = await freePorts(3);
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-security-'));
  const nodeBin = path.join(ROOT, 'node_modules', '.bin', 'node');
  const child = spawn(fs.existsSync(nodeBin) ? nodeBin : process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      LISTENERS: `PLAINTEXT://127.0.0.1:${plaintext},SASL_SSL://127.0.0.1:${saslSsl}`,
      SSL_CERT_FILE: path.join(certs, 'server.pem'),
      SSL_KEY_FILE: path.join(certs, 'server.key'),
      SASL_ENABLED_MECHANISMS: 'SCRAM-SHA-512',
      SASL_USERS: `${USER}:${PASSWORD}`,
      REST_PORT: String(restPort),
      RECORD_STORAGE_PATH: storage,
      LOG_LEVEL: 'warn',
      MAX_MEMORY: '4GB',
      RETENTION: '1h',
    },
  });
  live.add(child);
  let output = '';
  const keep = (d) => (output = (output + d).slice(-100_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  const t0 = performance.now();
  while (!exited && performance.now() - t0 < READY_TIMEOUT_MS) {
    if ((await httpStatus(`http://127.0.0.1:${restPort}/health/ready`)) === 200) {
      return { child, storage, bootstrap: { PLAINTEXT: `127.0.0.1:${plaintext}`, SASL_SSL: `127.0.0.1:${saslSsl}` } };
    }
    await sleep(10);
  }
  child.kill('SIGKILL');
  throw new Error(`broker not ready: ${output.slice(-2000)}`);
}

async function stopBroker(broker) {
  const gone = new Promise((res) => (broker.child.exitCode !== null || broker.child.signalCode !== null ? res() : broker.child.once('exit', res)));
  broker.child.kill('SIGTERM');
  await Promise.race([gone, sleep(15_000).then(() => broker.child.kill('SIGKILL'))]);
  await gone;
  fs.rmSync(broker.storage, { recursive: true, force: true });
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

/** Runs loadgen; resolves with its last JSON line (throws unless ok). */
function loadgen(mode, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(LOADGEN, [mode, ...args.map(String), '-T', String(opts.timeout)], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.timeout + 15) * 1000);
    child.once('close', () => {
      clearTimeout(timer);
      live.delete(child);
      const last = stdout.trim().split('\n').at(-1);
      try {
        const result = JSON.parse(last);
        if (result.ok) return resolve(result);
      } catch {
        /* reported below */
      }
      reject(new Error(`loadgen ${mode} failed: ${last} ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One repetition: produce then consume over each listener, the listeners in `order`. */
async function repetition(rep, order, certs, results) {
  const broker = await startBroker(certs);
  try {
    for (const listener of order) {
      const topic = `security-bench-${listener.toLowerCase()}-r${rep}`;
      const common = ['-b', broker.bootstrap[listener], '-t', topic, ...clientSettings(listener, certs)];
      const produced = await loadgen('produce', [...common, '-C', '-n', N, '-s', SIZE, '-a', 'all', '-l', '5']);
      const consumed = await loadgen('consume', [...common, '-n', N]);
      results[`produce ${listener}`].push(produced);
      results[`consume ${listener}`].push(consumed);
      log(`rep ${rep + 1}: ${listener}: produce ${produced.mb_per_s.toFixed(1)} MB/s, consume ${consumed.mb_per_s.toFixed(1)} MB/s`);
    }
  } finally {
    await stopBroker(broker);
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
  buildLoadgen();
  const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-security-certs-'));
  try {
    makeCertificates(certs);
    const results = Object.fromEntries(WORKLOADS.map((w) => [w, []]));
    for (let rep = 0; rep < opts.reps; rep++) {
      await repetition(rep, rep % 2 === 0 ? LISTENERS : [...LISTENERS].reverse(), certs, results);
    }
    report(results);
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
