#!/usr/bin/env node
// Boot reliability loop: boots the broker many times, as `npm start` starts it, and counts how
// each boot ended: ready, died of a signal, exited by itself, never ready. Not a timing: it
// chases rare boot failures (a broker dead of a signal with no output ~200 ms after its spawn;
// boots never ready with two brokers booting at once and a client knocking).
//
//   ulimit -c unlimited; nice -n 19 node bench/boot-stress.mjs [DIR] [options]
//
//   --boots N            boots in all (default 100)
//   --parallel P         brokers booting at once, 1 or 2 (default 1)
//   --burners B          busy loops (node, same niceness as this process) for the whole run (default 0)
//   --probe-ms MS        a client connects from the spawn and sends ApiVersions v0 every MS ms
//                        through the boot, reconnecting when refused (default 1; 0: none)
//   --mode durable|memory  STORAGE_MODE (default durable)
//   --cache fresh|shared  fresh: an empty BLINK_COMPILE_CACHE per boot, so every boot writes the
//                        bundle's code cache (start.ts's writing path); shared: one directory for
//                        the run, so only the first boot writes (default fresh)
//   --sigterm-within MS  SIGTERM each boot at a random moment in its first MS ms (default 0: none):
//                        it must exit 0 ("received during the boot"), or die of the signal only
//                        before start.ts has its handlers (counted apart, with the latest moment)
//   --sigterm-on-answer  SIGTERM each boot the moment the probe's first ApiVersions is answered
//                        (the Kafka listeners are up, the REST face is starting); same expectation
//   --restart            after each boot's SIGTERM, boot again on the same data and cache (a
//                        reading boot; durable mode: a recovery)
//   --ports low|ephemeral  low: ports below the kernel's ephemeral range, never two boots on one
//                        (default); ephemeral: listen(0) ports, closed before the spawn, as
//                        bench/lib.mjs's freePorts and the e2e harness take them
//   --ready-timeout-ms MS  (default 45000)
//   --no-report          without --report-on-signal (see below)
//
// Each broker runs in a directory of its own (its cwd: config/ linked to DIR's, its data, its
// cache), on ports of its own (by default below the kernel's ephemeral range, so that no client
// socket of this machine can hold one), with its stdout and stderr kept (the last 64 KiB). A broker that dies of a
// signal keeps its directory; with `ulimit -c unlimited` and core_pattern `core` its core lands
// there and the script prints gdb's backtrace of it. A broker never ready within the timeout is
// asked for Node's diagnostic report (SIGUSR2, --report-on-signal: its JS and native stacks,
// written to its directory), then killed with SIGABRT (a core). Once ready, a broker is stopped
// with SIGTERM and must exit 0 within 15 s.
//
// Prints one line per abnormal boot, a progress line every 20 boots, and a JSON summary line.
// Exit 1 when any boot failed, or a first boot wrote no code cache. Node built-ins only; every
// wait is bounded.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { API_VERSIONS_V0, benchArgs, blinkStartCommand, freePorts, httpStatus } from './lib.mjs';

const STOP_TIMEOUT_MS = 15_000;
const KILL_WAIT_MS = 5_000;
const READY_POLL_MS = 20;
const OUTPUT_KEEP = 64 * 1024;

const USAGE =
  'usage: node bench/boot-stress.mjs [DIR] [--boots N] [--parallel 1|2] [--burners B] [--probe-ms MS] [--mode durable|memory] [--cache fresh|shared] ' +
  '[--sigterm-within MS] [--sigterm-on-answer] [--restart] [--ports low|ephemeral] [--ready-timeout-ms MS] [--no-report] (the header of bench/boot-stress.mjs says more)';
const opts = benchArgs(
  USAGE,
  { dir: path.join(path.dirname(fileURLToPath(import.meta.url)), '..'), boots: 100, parallel: 1, burners: 0, 'probe-ms': 1, 'sigterm-within': 0, 'ready-timeout-ms': 45_000, mode: 'durable', cache: 'fresh', ports: 'low', 'sigterm-on-answer': false, restart: false, 'no-report': false },
  {
    positional: 'dir',
    flags: ['sigterm-on-answer', 'restart', 'no-report'],
    numbers: ['boots', 'parallel', 'burners', 'probe-ms', 'sigterm-within', 'ready-timeout-ms'],
    strings: ['mode', 'cache', 'ports'],
    integers: { boots: [1, 100_000], parallel: [1, 2], burners: [0, 8], 'probe-ms': [0, 10_000], 'sigterm-within': [0, 60_000], 'ready-timeout-ms': [1_000, 600_000] },
    choices: { mode: ['durable', 'memory'], cache: ['fresh', 'shared'], ports: ['low', 'ephemeral'] },
  },
);
const { boots, parallel, burners, mode, restart } = opts;
const probeMs = opts['probe-ms'];
const sigtermWithin = opts['sigterm-within'];
const sigtermOnAnswer = opts['sigterm-on-answer'];
if (sigtermOnAnswer && probeMs === 0) throw new Error('--sigterm-on-answer needs the probe (--probe-ms above 0)');
const readyTimeoutMs = opts['ready-timeout-ms'];
const cacheMode = opts.cache;
const portMode = opts.ports;
const report = !opts['no-report'];
const dir = path.resolve(opts.dir);

const { nodeBin, args: nodeArgs, env: startEnv } = blinkStartCommand(dir);
const entry = nodeArgs.findIndex((arg) => !arg.startsWith('-'));
const brokerArgs = nodeArgs.map((arg, i) => (i === entry ? path.join(dir, arg) : arg));
const coreLimit = /^Max core file size\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1];
if (coreLimit === '0') process.stderr.write('core files are off (ulimit -c 0): a death by signal is counted, without a backtrace\n');
const runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-stress-'));
const sharedCache = path.join(runRoot, 'cache');

/** Children killed (SIGKILL) when this process ends, however it ends. */
const children = new Set();
const killChildren = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killChildren();
    process.kill(process.pid, signal);
  });
}
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// ---- Ports: below the ephemeral range, never two boots on one, checked free before each boot ----

const [ephemeralLow] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
const PORT_BASE = Math.max(1024, ephemeralLow - 12_000);
let nextPort = PORT_BASE + Math.floor(Math.random() * 10_000);
const portsInUse = new Set();

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function takePorts(count) {
  if (portMode === 'ephemeral') return freePorts(count);
  const ports = [];
  while (ports.length < count) {
    // Taken before the await: the other worker moves nextPort meanwhile.
    const port = (nextPort = nextPort + 1 >= ephemeralLow ? PORT_BASE : nextPort + 1);
    if (!portsInUse.has(port) && !ports.includes(port) && (await portFree(port))) ports.push(port);
  }
  for (const port of ports) portsInUse.add(port);
  return ports;
}

// ---- One broker ----

/** The last OUTPUT_KEEP bytes of a stream. */
function tail(stream) {
  let kept = Buffer.alloc(0);
  stream.on('data', (chunk) => {
    kept = Buffer.concat([kept, chunk]);
    if (kept.length > OUTPUT_KEEP) kept = kept.subarray(kept.length - OUTPUT_KEEP);
  });
  return () => kept.toString('utf8');
}

/** Sends ApiVersions every probeMs over one connection, reconnecting when refused or closed; counts the answers. */
function startProbe(port, onFirstAnswer) {
  const probe = { answers: 0, firstAnswerMs: null, stopped: false };
  if (probeMs === 0) return { probe, stop() {} };
  const t0 = performance.now();
  let socket = null;
  let timer = null;
  const connect = () => {
    if (probe.stopped) return;
    let pending = Buffer.alloc(0);
    socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.on('connect', () => {
      timer = setInterval(() => socket.write(API_VERSIONS_V0), probeMs);
    });
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        probe.answers++;
        if (probe.firstAnswerMs === null) {
          probe.firstAnswerMs = performance.now() - t0;
          onFirstAnswer();
        }
        pending = pending.subarray(4 + pending.readInt32BE(0));
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      if (!probe.stopped) setTimeout(connect, Math.max(1, probeMs));
    });
  };
  connect();
  return {
    probe,
    stop() {
      probe.stopped = true;
      clearInterval(timer);
      socket?.destroy();
    },
  };
}

/** Whether `child` exits within `ms`. */
function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return once(child, 'exit', { signal: AbortSignal.timeout(ms) }).then(() => true, () => false);
}

/** The TCP sockets (with their processes) on these local ports now: who holds a port a broker could not bind. */
function socketsOn(ports) {
  try {
    return execFileSync('ss', ['-tanpH', `( ${ports.map((port) => `sport = :${port}`).join(' or ')} )`], { encoding: 'utf8', timeout: 5_000 }).trim().split('\n').slice(0, 20);
  } catch (err) {
    return [`ss failed: ${err.message}`];
  }
}

/** gdb's backtrace of every thread of `core` (node's), or why there is none. */
function backtrace(core) {
  try {
    return execFileSync('gdb', ['-batch', '-ex', 'bt 30', '-ex', 'thread apply all bt 12', fs.realpathSync(nodeBin), core], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return `gdb failed: ${err.message}`;
  }
}

/** One boot in `work` (its cwd, data and cache): how it ended, and when. */
async function bootOnce(work, ports, label, writes) {
  const env = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name];
  Object.assign(env, startEnv, {
    BROKER_PORTS: String(ports[0]),
    REST_PORT: String(ports[1]),
    KAFKA_HOSTNAME: '127.0.0.1',
    ADVERTISED_HOSTNAME: '127.0.0.1',
    RECORD_STORAGE_PATH: path.join(work, 'data'),
    STORAGE_MODE: mode,
    LOG_LEVEL: 'warn',
    BLINK_COMPILE_CACHE: cacheMode === 'fresh' ? path.join(work, 'cache') : sharedCache,
  });
  const extra = report ? ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${work}`] : [];
  const t0 = performance.now();
  const child = track(spawn(nodeBin, [...extra, ...brokerArgs], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  let spawnError = null;
  child.once('error', (err) => (spawnError = err));
  const result = { label, pid: child.pid, ports, outcome: null };
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const sendTerm = () => {
    if (result.termMs !== undefined || exited()) return;
    result.termMs = Math.round(performance.now() - t0);
    child.kill('SIGTERM');
  };
  const prober = startProbe(ports[0], () => {
    if (sigtermOnAnswer) sendTerm();
  });
  const term = sigtermWithin === 0 ? undefined : setTimeout(sendTerm, Math.random() * sigtermWithin);
  try {
    while (performance.now() - t0 < readyTimeoutMs && !exited() && spawnError === null) {
      if ((await httpStatus(`http://127.0.0.1:${ports[1]}/health/ready`, 1_000)) === 200) {
        clearTimeout(term);
        result.readyMs = Math.round(performance.now() - t0);
        break;
      }
      await sleep(READY_POLL_MS);
    }
    prober.stop();
    result.probeAnswers = prober.probe.answers;
    if (prober.probe.firstAnswerMs !== null) result.firstAnswerMs = Math.round(prober.probe.firstAnswerMs);
    if (spawnError !== null) {
      result.outcome = 'spawn-error';
      result.error = spawnError.message;
    } else if (result.readyMs !== undefined) {
      // Only a boot that found no cache writes one (a restart reads the first boot's).
      if (writes) result.cacheWritten = fs.readdirSync(path.join(work, 'cache')).some((name) => name.startsWith('broker') && name.endsWith('.v8'));
      child.kill('SIGTERM');
      if (await waitForExit(child, STOP_TIMEOUT_MS)) {
        result.outcome = child.exitCode === 0 ? 'ready' : 'stop-failed';
      } else {
        result.outcome = 'stop-hung';
        child.kill('SIGABRT');
        await waitForExit(child, KILL_WAIT_MS);
      }
    } else if (exited() && result.termMs !== undefined) {
      // SIGTERM during the boot: exit 0, or Node's default action before start.ts's handlers exist.
      result.outcome = child.exitCode === 0 ? 'term-exit0' : child.signalCode === 'SIGTERM' ? 'term-default' : 'term-failed';
      result.diedMs = Math.round(performance.now() - t0);
    } else if (exited()) {
      result.outcome = child.signalCode !== null ? 'signal' : 'exited';
      result.diedMs = Math.round(performance.now() - t0);
    } else {
      result.outcome = 'never-ready';
      result.fds = fs.readdirSync(`/proc/${child.pid}/fd`).length;
      result.threads = Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      if (report) {
        child.kill('SIGUSR2');
        await sleep(2_000);
      }
      child.kill('SIGABRT');
      if (!(await waitForExit(child, KILL_WAIT_MS))) child.kill('SIGKILL');
      await waitForExit(child, KILL_WAIT_MS);
    }
  } finally {
    clearTimeout(term);
    prober.stop();
    if (!exited()) {
      child.kill('SIGKILL');
      await waitForExit(child, KILL_WAIT_MS);
    }
  }
  result.code = child.exitCode;
  result.signal = child.signalCode;
  if (!PASSED.has(result.outcome)) {
    result.stderr = stderr().slice(-2_000);
    result.stdout = stdout().slice(-1_000);
    result.sockets = socketsOn(ports);
    const core = path.join(work, 'core');
    if (fs.existsSync(core)) result.backtrace = backtrace(core);
  }
  return result;
}

// ---- The loop ----

/** Outcomes that are no failure: ready (and stopped with exit 0); with --sigterm-within, stopped by it during the boot. */
const PASSED = new Set(['ready', 'term-exit0', 'term-default']);
/** The latest SIGTERM that met Node's default action (no handler yet), in ms after the spawn. */
let latestDefaultTermMs = null;
const counts = {};
const readyMs = [];
const failures = [];
let started = 0;
let finished = 0;
let cacheWrites = 0;
let cacheMisses = 0;
const runStart = Date.now();

function record(result) {
  counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
  if (result.outcome === 'signal') counts[result.signal] = (counts[result.signal] ?? 0) + 1;
  if (result.readyMs !== undefined) readyMs.push(result.readyMs);
  if (result.cacheWritten === true) cacheWrites++;
  if (result.cacheWritten === false) cacheMisses++;
  if (result.outcome === 'term-default') latestDefaultTermMs = Math.max(latestDefaultTermMs ?? 0, result.termMs);
  if (!PASSED.has(result.outcome)) {
    failures.push(result);
    const { stderr, stdout, sockets, backtrace: bt, ...brief } = result;
    process.stdout.write(`FAIL ${JSON.stringify(brief)}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}\n--- sockets on its ports ---\n${sockets.join('\n')}\n${bt === undefined ? '' : `--- gdb ---\n${bt}\n`}`);
  }
}

async function worker() {
  while (started < boots) {
    const n = ++started;
    const work = fs.mkdtempSync(path.join(runRoot, `boot${n}-`));
    fs.symlinkSync(path.join(dir, 'config'), path.join(work, 'config'));
    const ports = await takePorts(2);
    let keep = false;
    try {
      for (const pass of restart ? ['first', 'restart'] : ['first']) {
        const result = await bootOnce(work, ports, `${n}/${pass}`, cacheMode === 'fresh' && pass === 'first');
        record(result);
        if (result.outcome === 'ready') continue;
        keep = !PASSED.has(result.outcome);
        if (keep) process.stdout.write(`kept ${work}\n`);
        break;
      }
    } finally {
      for (const port of ports) portsInUse.delete(port);
      if (!keep) fs.rmSync(work, { recursive: true, force: true });
    }
    if (++finished % 20 === 0) process.stderr.write(`${finished}/${boots} boots, ${Math.round((Date.now() - runStart) / 1000)} s, load ${os.loadavg()[0].toFixed(1)}: ${JSON.stringify(counts)}\n`);
  }
}

const burnerProcesses = Array.from({ length: burners }, () => track(spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' })));
const loadBefore = os.loadavg()[0];
try {
  await Promise.all(Array.from({ length: parallel }, () => worker()));
} finally {
  for (const burner of burnerProcesses) burner.kill('SIGKILL');
}
if (cacheMode === 'shared') fs.rmSync(sharedCache, { recursive: true, force: true });
if (failures.length === 0) fs.rmSync(runRoot, { recursive: true, force: true });
const sorted = readyMs.toSorted((a, b) => a - b);
const at = (q) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
const summary = {
  dir,
  boots,
  passes: restart ? 2 : 1,
  parallel,
  burners,
  probeMs,
  mode,
  cache: cacheMode,
  ports: portMode,
  sigtermWithin,
  sigtermOnAnswer,
  seconds: Math.round((Date.now() - runStart) / 1000),
  load: [loadBefore, os.loadavg()[0]].map((l) => Math.round(l * 10) / 10),
  counts,
  cacheWrites,
  cacheMisses,
  latestDefaultTermMs,
  readyMs: { median: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? null },
  kept: failures.length === 0 ? null : runRoot,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = failures.length === 0 && cacheMisses === 0 ? 0 : 1;
