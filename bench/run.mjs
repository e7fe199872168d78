#!/usr/bin/env node
// Blink benchmark orchestrator: `npm run bench [-- --reps N] [-- --quick]`. See bench/README.md.
//
// Builds the C load generator (bench/loadgen.c, librdkafka) into bench/.build/, then for every
// repetition starts a FRESH broker (dist/main.js) on free loopback ports and measures boot time,
// idle RSS, produce/consume throughput and end-to-end latency against it; the same client runs the
// same workloads against librdkafka's mock broker (the "client ceiling"). Prints a table and, as the
// LAST stdout line, one JSON object. Progress goes to stderr. Exit 0 only if every run succeeded.
//
// Node built-ins only. Every child process and every wait has a time limit; the broker is stopped
// with SIGTERM (SIGKILL after a grace period) at the end, on failure and on Ctrl-C.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePorts } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const BUILD_DIR = path.join(HERE, '.build');
const LOADGEN_SRC = path.join(HERE, 'loadgen.c');
const LOADGEN = path.join(BUILD_DIR, 'loadgen');
const RESULTS_DIR = path.join(HERE, 'results');

const USAGE = `usage: node bench/run.mjs [--reps N] [--quick] [--no-mock] [--json FILE] [--timeout SECS]
  --reps N        repetitions, each on a fresh broker process (default 3; --quick: 1)
  --quick         short smoke run (100k x 100 B, 30k x 1 KiB, 2 s latency)
  --no-mock       skip the client-ceiling runs against librdkafka's mock broker
  --json FILE     write the full result (pretty JSON) to FILE instead of bench/results/bench-<time>.json
  --timeout SECS  time limit of each load-generator run (default 120)`;

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = { reps: null, quick: false, mock: true, json: null, timeout: 120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (a === '--reps') o.reps = Number(val());
    else if (a.startsWith('--reps=')) o.reps = Number(a.slice(7));
    else if (a === '--quick') o.quick = true;
    else if (a === '--no-mock') o.mock = false;
    else if (a === '--json') o.json = val();
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else die(`unknown argument ${a}\n${USAGE}`);
  }
  if (o.reps === null) o.reps = o.quick ? 1 : 3;
  if (!Number.isInteger(o.reps) || o.reps < 1 || o.reps > 100) die('--reps must be an integer 1..100');
  if (!(o.timeout > 0)) die('--timeout must be > 0');
  return o;
}

function die(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(64);
}

const opts = parseArgs(process.argv.slice(2));

const W = opts.quick
  ? { n100: 100_000, n1k: 30_000, latRate: 1000, latSecs: 2, d100: 30_000, d1k: 3_500 }
  : { n100: 1_000_000, n1k: 300_000, latRate: 1000, latSecs: 10, d100: 30_000, d1k: 3_500 };
const S100 = 100;
const S1K = 1024;
const PRODUCER = ['-a', '1', '-l', '5', '-B', '1000000', '-z', 'none'];
const LAT_FETCH_WAIT_MS = 1;
const BOOT_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const IDLE_RSS_DELAY_MS = 1_000;
const CLK_TCK = 100; // Linux USER_HZ for /proc/<pid>/stat

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

// ------------------------------------------------------------------ child processes

const live = new Map(); // pid -> { child, group }

function track(child, group) {
  live.set(child.pid, { child, group });
  child.once('exit', () => live.delete(child.pid));
}

function killTracked(signal) {
  for (const [pid, { group }] of live) {
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      /* already gone */
    }
  }
}

process.on('exit', () => killTracked('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    log(`${sig}: stopping children`);
    killTracked('SIGTERM');
    await sleep(2000);
    killTracked('SIGKILL');
    process.exit(130);
  });
}

/**
 * Runs a command to completion within timeoutMs (then SIGKILL). onLine is called for every
 * complete stdout line as it arrives. Resolves { code, signal, timedOut, lines, stderr }.
 */
function run(cmd, args, { timeoutMs, onLine, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    track(child, false);
    const lines = [];
    let partial = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      partial += chunk;
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        lines.push(line);
        onLine?.(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, signal: null, timedOut, lines, stderr: `${stderr}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial) lines.push(partial);
      resolve({ code, signal, timedOut, lines, stderr });
    });
  });
}

// ------------------------------------------------------------------ /proc helpers

/** pid plus all its descendants (scans /proc once). */
function processTree(pid) {
  const children = new Map();
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(ent));
    } catch {
      /* exited meanwhile */
    }
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** VmRSS in KiB summed over the process tree. */
function rssKiB(pid) {
  let sum = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) sum += Number(m[1]);
    } catch {
      /* exited */
    }
  }
  return sum;
}

/** CPU ticks (utime+stime) of every thread in the process tree: Map "pid/tid" -> ticks. */
function threadTicks(pid) {
  const out = new Map();
  for (const p of processTree(pid)) {
    let tids = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue; /* exited */
    }
    for (const tid of tids) {
      try {
        const stat = fs.readFileSync(`/proc/${p}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${p}/${tid}`, Number(f[11]) + Number(f[12])); // fields 14 and 15 of proc_pid_stat(5)
      } catch {
        /* exited */
      }
    }
  }
  return out;
}

/** CPU use between two threadTicks() samples secs apart: total and busiest thread, in % of one core. */
function cpuBetween(a, b, secs) {
  let total = 0;
  let busiest = 0;
  for (const [k, t1] of b) {
    const d = t1 - (a.get(k) ?? 0);
    total += d;
    busiest = Math.max(busiest, d);
  }
  const pct = (ticks) => Math.round((ticks / CLK_TCK / secs) * 1000) / 10;
  return secs > 0 ? { total: pct(total), busiest: pct(busiest) } : null;
}

// ------------------------------------------------------------------ network helpers


// ApiVersions v0 request: size 10 | api_key 18 | api_version 0 | correlation_id 1 | client_id "" (length 0).
const API_VERSIONS_V0 = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]);

/** One ApiVersions v0 exchange. Resolves true on a well-formed answer (correlation id 1, error 0). */
function apiVersionsOnce(port, timeoutMs) {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(API_VERSIONS_V0));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (size < 6 || size > 1 << 20) return finish(false);
      if (buf.length < 4 + size) return;
      finish(buf.readInt32BE(4) === 1 && buf.readInt16BE(8) === 0);
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
  });
}

function httpStatus(url, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

// ------------------------------------------------------------------ build

function buildLoadgen() {
  const fresh = fs.existsSync(LOADGEN) && fs.statSync(LOADGEN).mtimeMs >= fs.statSync(LOADGEN_SRC).mtimeMs;
  if (fresh) return;
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  log(`building ${path.relative(ROOT, LOADGEN)}`);
  const cmd = `cc -O2 -g -Wall -Wextra -std=gnu11 $(pkg-config --cflags rdkafka) -o '${LOADGEN}.tmp' '${LOADGEN_SRC}' $(pkg-config --libs rdkafka) -lpthread`;
  try {
    execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  } catch (err) {
    die(`could not build the load generator (needs: apt-get install librdkafka-dev build-essential pkg-config): ${err.message}`);
  }
  fs.renameSync(`${LOADGEN}.tmp`, LOADGEN);
}

// ------------------------------------------------------------------ load generator runs

/**
 * Runs one loadgen workload. If samplePid is given, that process tree's CPU time is sampled at the
 * loadgen's {"mark":"start"} and {"mark":"end"} lines, i.e. over exactly the timed window.
 */
async function loadgen(mode, args, { samplePid } = {}) {
  let c0 = null;
  let t0 = null;
  let serverCpu = null;
  const onLine = (line) => {
    if (samplePid === undefined || !line.startsWith('{"mark"')) return;
    if (line.includes('"start"')) {
      c0 = threadTicks(samplePid);
      t0 = performance.now();
    } else if (line.includes('"end"') && c0 !== null) {
      serverCpu = cpuBetween(c0, threadTicks(samplePid), (performance.now() - t0) / 1000);
    }
  };
  const fullArgs = [mode, ...args, '-T', String(opts.timeout)];
  const r = await run(LOADGEN, fullArgs, { timeoutMs: (opts.timeout + 15) * 1000, onLine });
  let result = null;
  for (let i = r.lines.length - 1; i >= 0 && result === null; i--) {
    try {
      const j = JSON.parse(r.lines[i]);
      if (j && typeof j === 'object' && !('mark' in j)) result = j;
    } catch {
      /* not JSON */
    }
  }
  if (r.timedOut) result = { ok: false, error: `killed after ${opts.timeout + 15} s` };
  if (!result) result = { ok: false, error: `no result (exit ${r.code ?? r.signal})` };
  if (result.ok && r.code !== 0) result = { ...result, ok: false, error: `exit ${r.code ?? r.signal}` };
  if (!result.ok) result.stderr_tail = r.stderr.trim().split('\n').slice(-5).join(' | ');
  if (serverCpu !== null) {
    result.server_cpu_pct = serverCpu.total;
    result.server_busiest_thread_pct = serverCpu.busiest;
  }
  result.cmd = `loadgen ${fullArgs.join(' ')}`;
  return result;
}

// ------------------------------------------------------------------ broker

function brokerCommand() {
  const localNode = path.join(ROOT, 'node_modules', '.bin', 'node');
  const nodeBin = fs.existsSync(localNode) ? localNode : process.execPath;
  const main = path.join(ROOT, 'dist', 'main.js');
  if (!fs.existsSync(main)) die(`${path.relative(ROOT, main)} not found: run \`npm run build\` first (npm run bench does)`);
  return { nodeBin, main };
}

async function startBroker() {
  const { nodeBin, main } = brokerCommand();
  const [kafkaPort, restPort] = await freePorts(2);
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-records-'));
  const env = {
    ...process.env,
    BROKER_PORTS: String(kafkaPort),
    REST_PORT: String(restPort),
    KAFKA_HOSTNAME: '127.0.0.1',
    ADVERTISED_HOSTNAME: '127.0.0.1',
    LOG_LEVEL: 'warn',
    MAX_MEMORY: '4GB',
    RETENTION: '1h',
    RECORD_STORAGE_PATH: storage,
  };
  let stderr = '';
  const t0 = performance.now();
  const child = spawn(nodeBin, [main], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  track(child, true);
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  const keep = (d) => {
    stderr = (stderr + d).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const broker = {
    pid: child.pid, child, kafkaPort, restPort, storage,
    get exited() {
      return exited;
    },
    get log() {
      return stderr;
    },
  };

  // boot: spawn -> first answered ApiVersions v0, one attempt about every millisecond
  let bootMs = null;
  while (performance.now() - t0 < BOOT_TIMEOUT_MS) {
    const attemptStart = performance.now();
    if (await apiVersionsOnce(kafkaPort, 2000)) {
      bootMs = performance.now() - t0;
      break;
    }
    if (exited) break;
    const wait = 1 - (performance.now() - attemptStart);
    if (wait > 0) await sleep(wait);
  }
  if (bootMs === null) {
    const why = exited ? `broker exited (${exited.code ?? exited.signal})` : `no ApiVersions answer within ${BOOT_TIMEOUT_MS} ms`;
    await stopBroker(broker);
    throw new Error(`${why}; broker output: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }

  // ready: GET /health/ready == 200
  let readyMs = null;
  while (performance.now() - t0 < READY_TIMEOUT_MS && !exited) {
    if ((await httpStatus(`http://127.0.0.1:${restPort}/health/ready`, 1000)) === 200) {
      readyMs = performance.now() - t0;
      break;
    }
    await sleep(10);
  }
  if (readyMs === null) {
    await stopBroker(broker);
    throw new Error(`/health/ready not 200 within ${READY_TIMEOUT_MS} ms; broker output: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  await sleep(IDLE_RSS_DELAY_MS);
  const idleRssKiB = rssKiB(child.pid);
  return Object.assign(broker, { bootMs, readyMs, idleRssKiB });
}

/** SIGTERM to the broker's process group; SIGKILL after the grace period. */
async function stopBroker(broker) {
  const t0 = performance.now();
  const signalGroup = (sig) => {
    try {
      process.kill(-broker.pid, sig);
    } catch {
      /* gone */
    }
  };
  let killed = false;
  if (!broker.exited) {
    const exitedP = new Promise((res) => broker.child.once('exit', res));
    signalGroup('SIGTERM');
    const graceful = await Promise.race([exitedP.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!graceful) {
      killed = true;
      signalGroup('SIGKILL');
      await Promise.race([exitedP, sleep(5000)]);
    }
  }
  signalGroup('SIGKILL'); // any leftover member of the group
  fs.rmSync(broker.storage, { recursive: true, force: true });
  return { stop_ms: Math.round(performance.now() - t0), killed, exit: broker.exited };
}

// ------------------------------------------------------------------ mock peer

async function startMock(topics) {
  const child = spawn(LOADGEN, ['mock', '-t', topics.join(','), '-P', '1', '-T', String(3600)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child, false);
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stderr.resume();
  const bootstrap = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /"bootstrap":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGTERM');
    if (!(await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]))) child.kill('SIGKILL');
  };
  if (!bootstrap) {
    await stop();
    throw new Error(`mock broker did not start: ${out.trim()}`);
  }
  return { bootstrap, pid: child.pid, stop };
}

// ------------------------------------------------------------------ one repetition

const failures = [];

function record(rep, target, name, res, into) {
  into[name] = res;
  if (!res.ok) {
    failures.push({ rep, target, workload: name, error: res.error, stderr: res.stderr_tail });
    log(`  ${target} ${name}: FAILED: ${res.error}${res.stderr_tail ? ` (${res.stderr_tail})` : ''}`);
  } else {
    log(`  ${target} ${name}: ${brief(res)}`);
  }
}

function brief(r) {
  if (r.mode === 'latency') return `p50 ${r.p50_us} µs, p99 ${r.p99_us} µs, p99.9 ${r.p999_us} µs, max ${r.max_us} µs`;
  if (r.msgs_per_s !== undefined)
    return `${Math.round(r.msgs_per_s).toLocaleString('en-US')} msg/s, ${r.mb_per_s.toFixed(1)} MB/s` +
      (r.server_cpu_pct !== undefined ? `, server CPU ${r.server_cpu_pct}% (busiest thread ${r.server_busiest_thread_pct}%)` : '') +
      `, client CPU ${r.client_cpu_pct}% (busiest thread ${r.client_busiest_thread_pct}%)`;
  return 'ok';
}

async function brokerRep(rep) {
  const out = { target: 'blink' };
  log(`rep ${rep}: starting broker`);
  let broker;
  try {
    broker = await startBroker();
  } catch (err) {
    failures.push({ rep, target: 'blink', workload: 'boot', error: err.message });
    log(`  blink boot: FAILED: ${err.message}`);
    out.boot = { ok: false, error: err.message };
    return out;
  }
  out.boot = { ok: true, boot_ms: round(broker.bootMs, 2), ready_ms: round(broker.readyMs, 2), idle_rss_mib: round(broker.idleRssKiB / 1024, 2) };
  log(`  blink boot: ApiVersions after ${out.boot.boot_ms} ms, ready after ${out.boot.ready_ms} ms, idle RSS ${out.boot.idle_rss_mib} MiB (ports ${broker.kafkaPort}/${broker.restPort})`);
  const b = ['-b', `127.0.0.1:${broker.kafkaPort}`];
  const s = { samplePid: broker.pid };
  try {
    const w = {};
    const t100 = `p100-r${rep}`;
    const t1k = `p1k-r${rep}`;
    record(rep, 'blink', 'produce_100B', await loadgen('produce', [...b, '-t', t100, '-C', '-n', W.n100, '-s', S100, ...PRODUCER].map(String), s), w);
    if (w.produce_100B.ok) record(rep, 'blink', 'consume_100B', await loadgen('consume', [...b, '-t', t100, '-n', String(W.n100)], s), w);
    record(rep, 'blink', 'produce_1KiB', await loadgen('produce', [...b, '-t', t1k, '-C', '-n', W.n1k, '-s', S1K, ...PRODUCER].map(String), s), w);
    if (w.produce_1KiB.ok) record(rep, 'blink', 'consume_1KiB', await loadgen('consume', [...b, '-t', t1k, '-n', String(W.n1k)], s), w);
    record(rep, 'blink', 'latency', await loadgen('latency', [...b, '-t', `lat-r${rep}`, '-C', '-r', W.latRate, '-d', W.latSecs, '-s', S100, '-a', '1', '-l', '0', '-w', LAT_FETCH_WAIT_MS].map(String), s), w);
    out.workloads = w;
  } finally {
    if (broker.exited) {
      const msg = `broker exited during the run (${broker.exited.code ?? broker.exited.signal}): ${broker.log.trim().split('\n').slice(-5).join(' | ')}`;
      failures.push({ rep, target: 'blink', workload: 'broker', error: msg });
      log(`  ${msg}`);
    }
    out.stop = await stopBroker(broker);
    log(`  blink stopped in ${out.stop.stop_ms} ms${out.stop.killed ? ' (SIGKILL after grace period)' : ''}`);
  }
  return out;
}

async function mockRep(rep) {
  const out = { target: 'mock' };
  const t = { p100: `p100-r${rep}`, p1k: `p1k-r${rep}`, d100: `d100-r${rep}`, d1k: `d1k-r${rep}`, lat: `lat-r${rep}` };
  log(`rep ${rep}: starting librdkafka mock broker (client ceiling)`);
  let mock;
  try {
    mock = await startMock(Object.values(t));
  } catch (err) {
    failures.push({ rep, target: 'mock', workload: 'boot', error: err.message });
    return out;
  }
  const b = ['-b', mock.bootstrap];
  const s = { samplePid: mock.pid };
  // The mock keeps at most 5 MiB per partition: consume re-reads a small hot data set (-R). Its
  // Fetch does not wake on new data, so an empty fetch costs fetch.wait.max.ms: 1 ms here.
  const rewind = ['-R', '-X', 'fetch.wait.max.ms=1'];
  try {
    const w = {};
    record(rep, 'mock', 'produce_100B', await loadgen('produce', [...b, '-t', t.p100, '-n', W.n100, '-s', S100, ...PRODUCER].map(String), s), w);
    const seed100 = await loadgen('produce', [...b, '-t', t.d100, '-n', W.d100, '-s', S100, ...PRODUCER].map(String));
    if (seed100.ok) record(rep, 'mock', 'consume_100B', await loadgen('consume', [...b, '-t', t.d100, '-n', String(W.n100), ...rewind], s), w);
    else record(rep, 'mock', 'consume_100B', seed100, w);
    record(rep, 'mock', 'produce_1KiB', await loadgen('produce', [...b, '-t', t.p1k, '-n', W.n1k, '-s', S1K, ...PRODUCER].map(String), s), w);
    const seed1k = await loadgen('produce', [...b, '-t', t.d1k, '-n', W.d1k, '-s', S1K, ...PRODUCER].map(String));
    if (seed1k.ok) record(rep, 'mock', 'consume_1KiB', await loadgen('consume', [...b, '-t', t.d1k, '-n', String(W.n1k), ...rewind], s), w);
    else record(rep, 'mock', 'consume_1KiB', seed1k, w);
    record(rep, 'mock', 'latency', await loadgen('latency', [...b, '-t', t.lat, '-r', W.latRate, '-d', W.latSecs, '-s', S100, '-a', '1', '-l', '0', '-w', LAT_FETCH_WAIT_MS].map(String), s), w);
    out.workloads = w;
  } finally {
    await mock.stop();
  }
  return out;
}

// ------------------------------------------------------------------ statistics and output

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function stats(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { n: v.length, min: v[0], median, max: v[v.length - 1] };
}

// metric id, label, unit, how to pick the value from a rep, formatter, better
const METRICS = [
  ['produce_100B_msgs_s', 'produce 100 B', 'msg/s', (r) => r.workloads?.produce_100B, 'msgs_per_s', 'int', 'higher'],
  ['produce_100B_MB_s', '', 'MB/s', (r) => r.workloads?.produce_100B, 'mb_per_s', 'f1', 'higher'],
  ['produce_1KiB_msgs_s', 'produce 1 KiB', 'msg/s', (r) => r.workloads?.produce_1KiB, 'msgs_per_s', 'int', 'higher'],
  ['produce_1KiB_MB_s', '', 'MB/s', (r) => r.workloads?.produce_1KiB, 'mb_per_s', 'f1', 'higher'],
  ['consume_100B_msgs_s', 'consume 100 B', 'msg/s', (r) => r.workloads?.consume_100B, 'msgs_per_s', 'int', 'higher'],
  ['consume_100B_MB_s', '', 'MB/s', (r) => r.workloads?.consume_100B, 'mb_per_s', 'f1', 'higher'],
  ['consume_1KiB_msgs_s', 'consume 1 KiB', 'msg/s', (r) => r.workloads?.consume_1KiB, 'msgs_per_s', 'int', 'higher'],
  ['consume_1KiB_MB_s', '', 'MB/s', (r) => r.workloads?.consume_1KiB, 'mb_per_s', 'f1', 'higher'],
  ['latency_p50_us', 'e2e latency p50', 'µs', (r) => r.workloads?.latency, 'p50_us', 'int', 'lower'],
  ['latency_p99_us', '          p99', 'µs', (r) => r.workloads?.latency, 'p99_us', 'int', 'lower'],
  ['latency_p999_us', '          p99.9', 'µs', (r) => r.workloads?.latency, 'p999_us', 'int', 'lower'],
  ['latency_max_us', '          max', 'µs', (r) => r.workloads?.latency, 'max_us', 'int', 'lower'],
  ['boot_to_api_versions_ms', 'boot → ApiVersions', 'ms', (r) => r.boot, 'boot_ms', 'f1', 'lower'],
  ['boot_to_ready_ms', 'boot → /health/ready', 'ms', (r) => r.boot, 'ready_ms', 'f1', 'lower'],
  ['idle_rss_MiB', 'idle RSS', 'MiB', (r) => r.boot, 'idle_rss_mib', 'f1', 'lower'],
];

function pick(reps, getter, field) {
  return reps.map((r) => {
    const x = getter(r);
    return x && x.ok ? x[field] : undefined;
  });
}

function fmt(x, kind) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (kind === 'int') return Math.round(x).toLocaleString('en-US');
  if (kind === 'pct') return `${Math.round(x)}%`;
  if (kind === 'ratio') return `${x.toFixed(2)}x`;
  return x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function table(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------ main

async function main() {
  buildLoadgen();
  const rdkVersion = (() => {
    try {
      return execFileSync('pkg-config', ['--modversion', 'rdkafka'], { timeout: 10_000 }).toString().trim();
    } catch {
      return null;
    }
  })();
  const gitRev = (() => {
    try {
      return execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return null;
    }
  })();
  const { nodeBin } = brokerCommand();
  const brokerNode = execFileSync(nodeBin, ['--version'], { timeout: 10_000 }).toString().trim();
  const started = new Date();
  log(`${opts.reps} rep(s)${opts.quick ? ' (quick)' : ''}; broker: ${brokerNode} ${path.relative(ROOT, path.join(ROOT, 'dist/main.js'))}; client: librdkafka ${rdkVersion}`);

  const blinkReps = [];
  const mockReps = [];
  for (let rep = 1; rep <= opts.reps; rep++) {
    // alternate which goes first, so slow drift of the machine does not favour one side
    if (opts.mock && rep % 2 === 0) mockReps.push(await mockRep(rep));
    blinkReps.push(await brokerRep(rep));
    if (opts.mock && rep % 2 === 1) mockReps.push(await mockRep(rep));
  }

  // ---- table
  const rows = [];
  const summary = {};
  for (const [id, label, unit, getter, field, kind, better] of METRICS) {
    const st = stats(pick(blinkReps, getter, field));
    const mk = opts.mock ? stats(pick(mockReps, getter, field)) : null;
    const isThroughputRow = unit === 'msg/s';
    const med = (list, f) => (isThroughputRow && list.length ? stats(pick(list, getter, f))?.median : undefined);
    const cpu = {
      blink: med(blinkReps, 'server_cpu_pct'),
      blinkThread: med(blinkReps, 'server_busiest_thread_pct'),
      client: med(blinkReps, 'client_cpu_pct'),
      clientThread: med(blinkReps, 'client_busiest_thread_pct'),
      mockClient: opts.mock ? med(mockReps, 'client_cpu_pct') : undefined,
      mockClientThread: opts.mock ? med(mockReps, 'client_busiest_thread_pct') : undefined,
    };
    const cpuCell = (total, thread) => (total === undefined ? '' : `${fmt(total, 'pct')} (${fmt(thread, 'pct')})`);
    const ratio = st && mk && mk.median ? st.median / mk.median : null;
    summary[id] = {
      unit, better, ...(st ?? { n: 0 }),
      ...(mk ? { mock_median: mk.median } : {}),
      ...(ratio !== null ? { ratio_to_mock: round(ratio, 3) } : {}),
      ...(isThroughputRow ? { cpu_pct_median: cpu } : {}),
    };
    const noMock = id.startsWith('boot') || id.startsWith('idle');
    rows.push([
      label, unit, fmt(st?.min, kind), fmt(st?.median, kind), fmt(st?.max, kind),
      noMock ? '' : fmt(mk?.median, kind), noMock ? '' : fmt(ratio, 'ratio'),
      cpuCell(cpu.blink, cpu.blinkThread), cpuCell(cpu.client, cpu.clientThread), cpuCell(cpu.mockClient, cpu.mockClientThread),
    ]);
  }
  const header = ['metric', 'unit', 'min', 'median', 'max', 'mock median', 'blink/mock', 'blink CPU', 'client CPU', 'client CPU @mock'];
  const title = `Blink benchmark: ${opts.reps} rep(s)${opts.quick ? ' QUICK' : ''}, fresh broker each rep; ` +
    `${os.cpus().length} CPUs, broker ${brokerNode}, client librdkafka ${rdkVersion} (bench/loadgen.c)`;
  const notes = [
    `produce: acks=1 linger.ms=5 batch.size=1000000 no compression, 1 partition; ${W.n100.toLocaleString('en-US')} x 100 B, ${W.n1k.toLocaleString('en-US')} x 1024 B. MB = 10^6 payload bytes.`,
    `consume: the topic just produced, read from the beginning (blink); mock: a ~3 MB hot set re-read (-R, fetch.wait.max.ms=1), as it keeps only 5 MiB.`,
    `latency: ${W.latRate} msg/s for ${W.latSecs} s, 100 B, linger.ms=0, fetch.wait.max.ms=${LAT_FETCH_WAIT_MS}; measured from the SCHEDULED send time (no coordinated omission).`,
    `mock = librdkafka's mock broker in its own process, same client and workloads: the client ceiling. blink/mock << 1 on throughput means the client is not the limit.`,
    `CPU = medians in % of one core over the timed window: process total (busiest single thread). A thread near 100% is the limit. 2 cores shared by broker and client.`,
  ];
  const finished = new Date();
  const result = {
    bench: 'blink',
    ok: failures.length === 0,
    started: started.toISOString(),
    finished: finished.toISOString(),
    git: gitRev,
    node: brokerNode,
    librdkafka: rdkVersion,
    cpus: os.cpus().length,
    reps: opts.reps,
    quick: opts.quick,
    workload: { ...W, sizes: [S100, S1K], producer: 'acks=1 linger.ms=5 batch.size=1000000 compression=none partitions=1', latency: { rate: W.latRate, secs: W.latSecs, linger_ms: 0, fetch_wait_max_ms: LAT_FETCH_WAIT_MS } },
    summary,
    failures,
    runs: { blink: blinkReps, mock: mockReps },
  };

  const jsonFile = opts.json ?? path.join(RESULTS_DIR, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  try {
    fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
    fs.writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
    log(`full result written to ${path.relative(process.cwd(), jsonFile) || jsonFile}`);
  } catch (err) {
    log(`could not write ${jsonFile}: ${err.message}`);
  }

  const outText = [
    '',
    title,
    '',
    table(rows, header),
    '',
    ...notes.map((n) => `  ${n}`),
    '',
    failures.length ? `FAILURES (${failures.length}):\n${failures.map((f) => `  rep ${f.rep} ${f.target} ${f.workload}: ${f.error}`).join('\n')}\n` : 'failures: 0\n',
  ].join('\n');
  process.stdout.write(outText);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main().catch((err) => {
  log(`fatal: ${err.stack ?? err}`);
  killTracked('SIGTERM');
  process.exitCode = 2;
});
