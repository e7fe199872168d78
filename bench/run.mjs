#!/usr/bin/env node
// Blink benchmark orchestrator: `npm run bench [-- --peer kafka] [-- --reps N]`. See bench/README.md.
//
// Builds the C load generator (bench/loadgen.c, librdkafka) into bench/.build/, then, for every
// repetition, starts each target FRESH (Blink as `npm start` starts it, and the peers: librdkafka's
// mock broker, a single-node Apache Kafka 3.9 / 4 in KRaft mode), runs the same workloads with the
// same client against each, and stops it. The order of the targets rotates from one repetition to
// the next, so slow drift of the machine favours none. Prints a table with a column per target
// and, as the LAST stdout line, one JSON object. Progress goes to stderr. Exit 0 only if every run
// succeeded.
//
// Node built-ins only (the Apache Kafka peer uses test/e2e/support/apache-kafka.ts, compiled into
// dist-test/ by `npx tsc -p tsconfig.json`). Every child process and every wait has a time limit;
// each target is stopped with SIGTERM (SIGKILL after a grace period) at the end, on failure and on
// Ctrl-C.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startApacheKafka } from './apache-kafka.mjs';
import { API_VERSIONS_V0, blinkStartCommand, freePorts, httpStatus } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const BUILD_DIR = path.join(HERE, '.build');
const LOADGEN_SRC = path.join(HERE, 'loadgen.c');
const LOADGEN = path.join(BUILD_DIR, 'loadgen');
const RESULTS_DIR = path.join(HERE, 'results');
const PEERS = ['mock', 'kafka-3.9', 'kafka-4'];

const USAGE = `usage: node bench/run.mjs [--peer mock|kafka|kafka-3.9|kafka-4|none]... [--reps N] [--quick]
                         [--baseline DIR] [--json FILE] [--timeout SECS] [--conns N] [--only latency|produce|throughput]
  --peer P        a peer to run beside Blink, repeatable (default: mock). kafka = kafka-3.9 and
                  kafka-4 (Apache Kafka, single-node KRaft, default settings, 1 GiB heap; needs
                  tools/test-deps/jvm.sh and \`npx tsc -p tsconfig.json\`); none = Blink alone
  --baseline DIR  also run the Blink built in DIR (another checkout; \`npm ci && npm run build\` there)
                  as one more target, e.g. the main branch, for a before/after in one run
  --reps N        repetitions, each on fresh targets (default 3; --quick: 1)
  --quick         short smoke run (100k x 100 B, 30k x 1 KiB, 2 s of latency, 200 connections)
  --json FILE     write the full result (pretty JSON) to FILE instead of bench/results/bench-<time>.json
  --timeout SECS  time limit of each load-generator run (default 120)
  --conns N       idle connections opened for the memory-per-connection figure (default 1000)
  --only latency  only the end-to-end latency rows (and boot): quicker A/B runs of a latency change
  --only produce  only the two produce rows (and boot): quicker A/B runs of a produce-path change
  --only throughput  the four produce and consume rows (and boot), in the full run's order`;

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = { reps: null, quick: false, peers: [], json: null, timeout: 120, baseline: null, conns: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (a === '--reps') o.reps = Number(val());
    else if (a === '--quick') o.quick = true;
    else if (a === '--peer') o.peers.push(...peerNames(val()));
    else if (a === '--no-mock') o.peers.push('none');
    else if (a === '--baseline') o.baseline = path.resolve(val());
    else if (a === '--json') o.json = val();
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a === '--conns') o.conns = Number(val());
    else if (a === '--only') o.only = val();
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else die(`unknown argument ${a}\n${USAGE}`);
  }
  o.peers = o.peers.length === 0 ? ['mock'] : [...new Set(o.peers.filter((p) => p !== 'none'))];
  if (o.reps === null) o.reps = o.quick ? 1 : 3;
  if (o.conns === null) o.conns = o.quick ? 200 : 1000;
  if (!Number.isInteger(o.reps) || o.reps < 1 || o.reps > 100) die('--reps must be an integer 1..100');
  if (!Number.isInteger(o.conns) || o.conns < 10 || o.conns > 20_000) die('--conns must be an integer 10..20000');
  if (!(o.timeout > 0)) die('--timeout must be > 0');
  if (o.only !== null && !['latency', 'produce', 'throughput'].includes(o.only)) die('--only takes latency, produce or throughput');
  return o;
}

function peerNames(value) {
  if (value === 'kafka') return ['kafka-3.9', 'kafka-4'];
  if (value === 'none' || PEERS.includes(value)) return [value];
  return die(`unknown peer ${value} (mock, kafka, kafka-3.9, kafka-4, none)`);
}

function die(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(64);
}

const opts = parseArgs(process.argv.slice(2));

const W = opts.quick
  ? { n100: 100_000, n1k: 30_000, latSecs: 2, d100: 30_000, d1k: 3_500 }
  : { n100: 1_000_000, n1k: 300_000, latSecs: 10, d100: 30_000, d1k: 3_500 };
const LATENCY_RATES = [1_000, 10_000];
const S100 = 100;
const S1K = 1024;
const PRODUCER = ['-a', '1', '-l', '5', '-B', '1000000', '-z', 'none'];
// The mock answers an empty Fetch only after fetch.wait.max.ms (it never wakes on new data), so
// every consumer here polls with 1 ms, whatever the target.
const FETCH_WAIT_MS = 1;
const BOOT_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 30_000;
const KAFKA_READY_TIMEOUT_MS = 120_000;
const KAFKA_HEAP_MB = 1024;
const STOP_GRACE_MS = 10_000;
const IDLE_RSS_DELAY_MS = 1_000;
const CONNECT_BURST = 8;
const CONNS_TIMEOUT_MS = 60_000;
const CLK_TCK = 100; // Linux USER_HZ for /proc/<pid>/stat

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

// ------------------------------------------------------------------ child processes

const live = new Map(); // pid -> { child, group }
const liveHandles = new Set(); // Apache Kafka handles (their module kills the JVM on exit too)

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
    await Promise.race([Promise.all([...liveHandles].map((k) => k.stop())), sleep(5000)]);
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

/**
 * Connects and sends one ApiVersions v0. Resolves the socket once a well-formed answer
 * (correlation id 1, error 0) has arrived, or null on any failure or after timeoutMs.
 */
function apiVersionsExchange(port, timeoutMs) {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!ok) sock.destroy();
      resolve(ok ? sock : null);
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

async function apiVersionsOnce(port, timeoutMs) {
  const sock = await apiVersionsExchange(port, timeoutMs);
  sock?.destroy();
  return sock !== null;
}

/** Resolves with the spawn → first ApiVersions time, or null when the process exits or the time is up. */
async function firstApiVersions(port, t0, exited) {
  while (performance.now() - t0 < BOOT_TIMEOUT_MS) {
    const attemptStart = performance.now();
    if (await apiVersionsOnce(port, 2000)) return performance.now() - t0;
    if (exited()) return null;
    const wait = 1 - (performance.now() - attemptStart);
    if (wait > 0) await sleep(wait);
  }
  return null;
}

/**
 * Memory per idle connection: opens `count` connections (CONNECT_BURST at a time: the mock's
 * listen backlog is tiny), each sends one ApiVersions and stays open; (RSS after - RSS before)
 * scaled to 1,000 connections, 1 s after the last answer.
 */
async function rssPer1kConnections(port, pid, count) {
  const before = rssKiB(pid);
  const sockets = [];
  const started = performance.now();
  try {
    while (sockets.length < count) {
      if (performance.now() - started > CONNS_TIMEOUT_MS) return { ok: false, error: `only ${sockets.length} of ${count} connections answered within ${CONNS_TIMEOUT_MS} ms` };
      const burst = Math.min(CONNECT_BURST, count - sockets.length);
      const opened = await Promise.all(Array.from({ length: burst }, () => apiVersionsExchange(port, 10_000)));
      for (const sock of opened) if (sock !== null) sockets.push(sock);
    }
    await sleep(IDLE_RSS_DELAY_MS);
    const after = rssKiB(pid);
    return { ok: true, connections: count, rss_before_mib: round(before / 1024, 2), rss_after_mib: round(after / 1024, 2), mib_per_1k: round(((after - before) / 1024) * (1000 / count), 2) };
  } finally {
    for (const sock of sockets) sock.destroy();
  }
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
  const fullArgs = [mode, ...args.map(String), '-T', String(opts.timeout)];
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

// ------------------------------------------------------------------ targets

function blinkCommand(dir) {
  try {
    return blinkStartCommand(dir);
  } catch (err) {
    return die(err.message);
  }
}

function gitRev(dir) {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

async function startBlink(dir) {
  const { nodeBin, args, env: startEnv } = blinkCommand(dir);
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
    ...startEnv,
  };
  let output = '';
  const t0 = performance.now();
  const child = spawn(nodeBin, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  track(child, true);
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  const keep = (d) => {
    output = (output + d).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const tail = () => output.trim().split('\n').slice(-5).join(' | ');
  const target = {
    pid: child.pid,
    port: kafkaPort,
    bootstrap: `127.0.0.1:${kafkaPort}`,
    createsTopics: true,
    exited: () => exited,
    tail,
    stop: () => stopGroup(child, () => exited, () => fs.rmSync(storage, { recursive: true, force: true })),
  };
  const bootMs = await firstApiVersions(kafkaPort, t0, () => exited !== null);
  if (bootMs === null) {
    await target.stop();
    throw new Error(`${exited ? `broker exited (${exited.code ?? exited.signal})` : `no ApiVersions answer within ${BOOT_TIMEOUT_MS} ms`}; broker output: ${tail()}`);
  }
  let readyMs = null;
  while (performance.now() - t0 < READY_TIMEOUT_MS && !exited) {
    if ((await httpStatus(`http://127.0.0.1:${restPort}/health/ready`, 1000)) === 200) {
      readyMs = performance.now() - t0;
      break;
    }
    await sleep(10);
  }
  if (readyMs === null) {
    await target.stop();
    throw new Error(`/health/ready not 200 within ${READY_TIMEOUT_MS} ms; broker output: ${tail()}`);
  }
  await sleep(IDLE_RSS_DELAY_MS);
  target.boot = { ok: true, boot_ms: round(bootMs, 2), ready_ms: round(readyMs, 2), idle_rss_mib: round(rssKiB(child.pid) / 1024, 2) };
  return target;
}

/** SIGTERM to a process group; SIGKILL after the grace period; then `cleanup`. */
async function stopGroup(child, exited, cleanup) {
  const t0 = performance.now();
  const signalGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* gone */
    }
  };
  let killed = false;
  if (!exited()) {
    const exitedP = new Promise((res) => child.once('exit', res));
    signalGroup('SIGTERM');
    const graceful = await Promise.race([exitedP.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!graceful) {
      killed = true;
      signalGroup('SIGKILL');
      await Promise.race([exitedP, sleep(5000)]);
    }
  }
  signalGroup('SIGKILL'); // any leftover member of the group
  cleanup();
  return { stop_ms: Math.round(performance.now() - t0), killed, exit: exited() };
}

/** librdkafka's mock broker (`loadgen mock`), with `topics` pre-created (it has no CreateTopics). */
async function spawnMock(topics) {
  const t0 = performance.now();
  const args = ['mock', '-P', '1', '-T', String(3600), ...(topics.length ? ['-t', topics.join(',')] : [])];
  const child = spawn(LOADGEN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
    if (child.exitCode !== null || child.signalCode !== null) return { stop_ms: 0, killed: false };
    const stopping = performance.now();
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGTERM');
    const graceful = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!graceful) child.kill('SIGKILL');
    return { stop_ms: Math.round(performance.now() - stopping), killed: !graceful };
  };
  if (!bootstrap) {
    await stop();
    throw new Error(`mock broker did not start: ${out.trim()}`);
  }
  return { child, t0, bootstrap, port: Number(bootstrap.split(':')[1]), pid: child.pid, stop };
}

/**
 * The mock: boot and idle RSS are sampled on a bare instance (pre-creating topics goes through
 * the mock's op queue and takes about a second), then the instance for the workloads.
 */
async function startMock(topics) {
  const bare = await spawnMock([]);
  let boot;
  try {
    const bootMs = await firstApiVersions(bare.port, bare.t0, () => bare.child.exitCode !== null);
    await sleep(IDLE_RSS_DELAY_MS);
    boot = bootMs === null ? { ok: false, error: 'the bare mock never answered ApiVersions' } : { ok: true, boot_ms: round(bootMs, 2), idle_rss_mib: round(rssKiB(bare.pid) / 1024, 2) };
  } finally {
    await bare.stop();
  }
  const mock = await spawnMock(topics);
  return { pid: mock.pid, port: mock.port, bootstrap: mock.bootstrap, createsTopics: false, boot, exited: () => (mock.child.exitCode === null ? null : { code: mock.child.exitCode }), tail: () => '', stop: mock.stop };
}

async function startKafka(version) {
  const kafka = await startApacheKafka({ version, heapMb: KAFKA_HEAP_MB, probeIntervalMs: 1, readyTimeoutMs: KAFKA_READY_TIMEOUT_MS });
  liveHandles.add(kafka);
  await sleep(IDLE_RSS_DELAY_MS);
  const boot = { ok: true, boot_ms: kafka.bootMs, idle_rss_mib: round(rssKiB(kafka.pid) / 1024, 2) };
  const stop = async () => {
    const stopping = performance.now();
    await kafka.stop();
    liveHandles.delete(kafka);
    return { stop_ms: Math.round(performance.now() - stopping) };
  };
  return { pid: kafka.pid, port: kafka.port, bootstrap: kafka.bootstrap, createsTopics: true, boot, exited: () => (kafka.exited() ? { code: 'exited' } : null), tail: () => kafka.logs().trim().split('\n').slice(-5).join(' | '), stop };
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
  if (r.mib_per_1k !== undefined) return `${r.mib_per_1k} MiB per 1,000 idle connections (${r.rss_before_mib} → ${r.rss_after_mib} MiB)`;
  if (r.msgs_per_s !== undefined)
    return `${Math.round(r.msgs_per_s).toLocaleString('en-US')} msg/s, ${r.mb_per_s.toFixed(1)} MB/s` +
      (r.server_cpu_pct !== undefined ? `, server CPU ${r.server_cpu_pct}% (busiest thread ${r.server_busiest_thread_pct}%)` : '') +
      `, client CPU ${r.client_cpu_pct}% (busiest thread ${r.client_busiest_thread_pct}%)`;
  return 'ok';
}

function topicsOf(rep) {
  return { p100: `p100-r${rep}`, p1k: `p1k-r${rep}`, d100: `d100-r${rep}`, d1k: `d1k-r${rep}`, ...Object.fromEntries(LATENCY_RATES.map((rate) => [`lat${rate}`, `lat${rate}-r${rep}`])) };
}

/** The workloads, identical for every target (see bench/README.md). */
async function workloads(rep, name, target) {
  const t = topicsOf(rep);
  const b = ['-b', target.bootstrap];
  const create = target.createsTopics ? ['-C'] : [];
  const s = { samplePid: target.pid };
  /** `sample`: the broker's CPU sampled over the run (the timed rows; not a consume row's seed). */
  const produce = (topic, n, size, sample) => loadgen('produce', [...b, '-t', topic, ...create, '-n', n, '-s', size, ...PRODUCER], sample);
  // A small hot data set, re-read from the beginning (-R): the mock keeps at most 5 MiB per partition.
  const consume = async (seedTopic, seedN, size, n) => {
    const seed = await produce(seedTopic, seedN, size);
    return seed.ok ? loadgen('consume', [...b, '-t', seedTopic, '-n', n, '-R', '-X', `fetch.wait.max.ms=${FETCH_WAIT_MS}`], s) : seed;
  };
  const w = {};
  if (opts.only === 'latency') {
    await latencyWorkloads(rep, name, b, t, create, s, w);
    return w;
  }
  const consumes = opts.only !== 'produce';
  record(rep, name, 'produce_100B', await produce(t.p100, W.n100, S100, s), w);
  if (consumes) record(rep, name, 'consume_100B', await consume(t.d100, W.d100, S100, W.n100), w);
  record(rep, name, 'produce_1KiB', await produce(t.p1k, W.n1k, S1K, s), w);
  if (!consumes) return w;
  record(rep, name, 'consume_1KiB', await consume(t.d1k, W.d1k, S1K, W.n1k), w);
  if (opts.only === 'throughput') return w;
  await latencyWorkloads(rep, name, b, t, create, s, w);
  record(rep, name, 'connections', await rssPer1kConnections(target.port, target.pid, opts.conns), w);
  return w;
}

/** The end-to-end latency rows, one loadgen run per rate. */
async function latencyWorkloads(rep, name, b, t, create, s, w) {
  for (const rate of LATENCY_RATES) {
    const args = [...b, '-t', t[`lat${rate}`], ...create, '-r', rate, '-d', W.latSecs, '-s', S100, '-a', '1', '-l', '0', '-w', FETCH_WAIT_MS];
    record(rep, name, `latency_${rate}`, await loadgen('latency', args, s), w);
  }
}

async function targetRep(rep, spec) {
  const out = { target: spec.name };
  log(`rep ${rep}: starting ${spec.name}`);
  let target;
  try {
    target = await spec.start(Object.values(topicsOf(rep)));
  } catch (err) {
    failures.push({ rep, target: spec.name, workload: 'boot', error: err.message });
    log(`  ${spec.name} boot: FAILED: ${err.message}`);
    out.boot = { ok: false, error: err.message };
    return out;
  }
  out.boot = target.boot;
  if (!target.boot.ok) failures.push({ rep, target: spec.name, workload: 'boot', error: target.boot.error });
  log(`  ${spec.name} boot: ApiVersions after ${target.boot.boot_ms} ms${target.boot.ready_ms ? `, ready after ${target.boot.ready_ms} ms` : ''}, idle RSS ${target.boot.idle_rss_mib} MiB (${target.bootstrap})`);
  try {
    out.workloads = await workloads(rep, spec.name, target);
  } finally {
    if (target.exited()) {
      const msg = `${spec.name} exited during the run: ${target.tail()}`;
      failures.push({ rep, target: spec.name, workload: 'process', error: msg });
      log(`  ${msg}`);
    }
    out.stop = await target.stop();
    log(`  ${spec.name} stopped in ${out.stop.stop_ms} ms${out.stop.killed ? ' (SIGKILL after grace period)' : ''}`);
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

const w = (name) => (r) => r.workloads?.[name];
// metric id, label, unit, how to pick the value from a rep, field, formatter, better
const METRICS = [
  ['produce_100B_msgs_s', 'produce 100 B', 'msg/s', w('produce_100B'), 'msgs_per_s', 'int', 'higher'],
  ['produce_1KiB_MB_s', 'produce 1 KiB', 'MB/s', w('produce_1KiB'), 'mb_per_s', 'f1', 'higher'],
  ['consume_100B_msgs_s', 'consume 100 B', 'msg/s', w('consume_100B'), 'msgs_per_s', 'int', 'higher'],
  ['consume_1KiB_MB_s', 'consume 1 KiB', 'MB/s', w('consume_1KiB'), 'mb_per_s', 'f1', 'higher'],
  ...LATENCY_RATES.flatMap((rate) => {
    const label = `e2e latency @${rate.toLocaleString('en-US')}/s`;
    return [
      [`latency_${rate}_p50_us`, `${label} p50`, 'µs', w(`latency_${rate}`), 'p50_us', 'int', 'lower'],
      [`latency_${rate}_p99_us`, `${' '.repeat(label.length)} p99`, 'µs', w(`latency_${rate}`), 'p99_us', 'int', 'lower'],
      [`latency_${rate}_p999_us`, `${' '.repeat(label.length)} p99.9`, 'µs', w(`latency_${rate}`), 'p999_us', 'int', 'lower'],
      [`latency_${rate}_max_us`, `${' '.repeat(label.length)} max`, 'µs', w(`latency_${rate}`), 'max_us', 'int', 'lower'],
    ];
  }),
  ['boot_to_api_versions_ms', 'boot → ApiVersions', 'ms', (r) => r.boot, 'boot_ms', 'f1', 'lower'],
  ['boot_to_ready_ms', 'boot → /health/ready', 'ms', (r) => r.boot, 'ready_ms', 'f1', 'lower'],
  ['idle_rss_MiB', 'idle RSS', 'MiB', (r) => r.boot, 'idle_rss_mib', 'f1', 'lower'],
  ['rss_per_1k_conns_MiB', 'RSS per 1,000 conns', 'MiB', w('connections'), 'mib_per_1k', 'f1', 'lower'],
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

/** Per metric: Blink's min/median/max, each other target's median and Blink / that median. */
function summarize(specs, reps) {
  const [blink, ...others] = specs;
  const rows = [];
  const summary = {};
  for (const [id, label, unit, getter, field, kind, better] of METRICS) {
    const st = stats(pick(reps[blink.name], getter, field));
    const entry = { unit, better, ...(st ?? { n: 0 }), peers: {} };
    const cells = [label, unit, fmt(st?.min, kind), fmt(st?.median, kind), fmt(st?.max, kind)];
    for (const other of others) {
      const pst = stats(pick(reps[other.name], getter, field));
      const ratio = st && pst && pst.median ? st.median / pst.median : null;
      entry.peers[other.name] = { ...(pst ?? { n: 0 }), ...(ratio !== null ? { ratio: round(ratio, 3) } : {}) };
      cells.push(fmt(pst?.median, kind), fmt(ratio, 'ratio'));
    }
    if (unit === 'msg/s' || unit === 'MB/s') {
      const med = (f) => stats(pick(reps[blink.name], getter, f))?.median;
      entry.cpu_pct_median = { blink: med('server_cpu_pct'), blink_thread: med('server_busiest_thread_pct'), client: med('client_cpu_pct'), client_thread: med('client_busiest_thread_pct') };
      cells.push(`${fmt(entry.cpu_pct_median.blink, 'pct')} (${fmt(entry.cpu_pct_median.blink_thread, 'pct')})`, `${fmt(entry.cpu_pct_median.client, 'pct')} (${fmt(entry.cpu_pct_median.client_thread, 'pct')})`);
    } else {
      cells.push('', '');
    }
    summary[id] = entry;
    rows.push(cells);
  }
  const header = ['metric', 'unit', 'min', blink.name, 'max', ...others.flatMap((o) => [o.name, `÷ ${o.name}`]), 'blink CPU', 'client CPU'];
  return { text: table(rows, header), summary };
}

// ------------------------------------------------------------------ main

function targetSpecs() {
  const specs = [{ name: 'blink', dir: ROOT, start: () => startBlink(ROOT) }];
  if (opts.baseline !== null) {
    const rev = gitRev(opts.baseline) ?? path.basename(opts.baseline);
    specs.push({ name: `blink@${rev}`, dir: opts.baseline, start: () => startBlink(opts.baseline) });
  }
  for (const peer of opts.peers) {
    if (peer === 'mock') specs.push({ name: 'mock', start: (topics) => startMock(topics) });
    else specs.push({ name: peer, start: () => startKafka(peer.slice('kafka-'.length)) });
  }
  for (const spec of specs) if (spec.dir !== undefined) blinkCommand(spec.dir);
  return specs;
}

async function main() {
  buildLoadgen();
  const rdkVersion = (() => {
    try {
      return execFileSync('pkg-config', ['--modversion', 'rdkafka'], { timeout: 10_000 }).toString().trim();
    } catch {
      return null;
    }
  })();
  const specs = targetSpecs();
  const { nodeBin, args: nodeArgs, env: startEnv } = blinkCommand(ROOT);
  const args = [...Object.entries(startEnv).map(([name, value]) => `${name}=${value}`), 'node', ...nodeArgs];
  const brokerNode = execFileSync(nodeBin, ['--version'], { timeout: 10_000 }).toString().trim();
  const started = new Date();
  log(`${opts.reps} rep(s)${opts.quick ? ' (quick)' : ''}; targets: ${specs.map((s) => s.name).join(', ')}; blink: ${brokerNode} ${args.join(' ')}; client: librdkafka ${rdkVersion}`);

  const reps = Object.fromEntries(specs.map((s) => [s.name, []]));
  for (let rep = 1; rep <= opts.reps; rep++) {
    // rotate the order of the targets from one repetition to the next
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[(i + rep - 1) % specs.length];
      reps[spec.name].push(await targetRep(rep, spec));
    }
  }

  const { text, summary } = summarize(specs, reps);
  const cpu = os.cpus();
  const machine = `${cpu.length} x ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`;
  const title = `Blink benchmark: ${opts.reps} rep(s)${opts.quick ? ' QUICK' : ''}, fresh targets each rep, order rotated; ${machine}; ` +
    `blink ${brokerNode} \`${args.join(' ')}\`; client librdkafka ${rdkVersion} (bench/loadgen.c)`;
  const notes = [
    `produce: acks=1 linger.ms=5 batch.size=1000000 no compression, 1 partition; ${W.n100.toLocaleString('en-US')} x 100 B, ${W.n1k.toLocaleString('en-US')} x 1024 B. MB = 10^6 payload bytes.`,
    `consume: a hot data set (${W.d100.toLocaleString('en-US')} x 100 B, ${W.d1k.toLocaleString('en-US')} x 1024 B) read from the beginning, rewinding at its end (-R), fetch.wait.max.ms=${FETCH_WAIT_MS}.`,
    `latency: ${LATENCY_RATES.join(' and ')} msg/s for ${W.latSecs} s, 100 B, linger.ms=0, fetch.wait.max.ms=${FETCH_WAIT_MS}; from the SCHEDULED send time (no coordinated omission).`,
    `boot: spawn → first ApiVersions answer (Apache Kafka: ApiVersions + Metadata, storage formatted before); idle RSS 1 s after ready; RSS per 1,000 conns: ${opts.conns} connections, one ApiVersions each.`,
    `÷ X = Blink's median / X's median. CPU = Blink's medians in % of one core over the timed window: process total (busiest thread). 2 cores shared by broker and client.`,
  ];
  const finished = new Date();
  const result = {
    bench: 'blink',
    ok: failures.length === 0,
    started: started.toISOString(),
    finished: finished.toISOString(),
    git: gitRev(ROOT),
    node: brokerNode,
    start_command: args.join(' '),
    librdkafka: rdkVersion,
    machine,
    cpus: cpu.length,
    reps: opts.reps,
    quick: opts.quick,
    targets: specs.map((s) => s.name),
    workload: { ...W, sizes: [S100, S1K], producer: 'acks=1 linger.ms=5 batch.size=1000000 compression=none partitions=1', latency: { rates: LATENCY_RATES, secs: W.latSecs, linger_ms: 0, fetch_wait_max_ms: FETCH_WAIT_MS }, conns: opts.conns },
    summary,
    failures,
    runs: reps,
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
    text,
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
