#!/usr/bin/env node
// One throughput row against a fresh broker, with the broker's CPU time and minor faults per
// thread over the timed window (from loadgen's start and end marks), per MB, and optionally a
// `perf record` of the broker over the same row. Usage: bench/README.md ("Profiling one row").
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { API_VERSIONS_V0, LOADGEN, benchArgs, buildLoadgen, freePorts, runLoadgen, startBlink, stopBlink } from './lib.mjs';

const USAGE = `usage: node bench/row-profile.mjs [--dir DIR] [--row produce1k|produce100|consume1k|consume100] [--n N]
                                  [--reps N] [--perf FILE] [--syscalls] [--env NAME=VALUE] [--fresh-cache] [--tiers] [--boot-probe]
  --dir   the checkout whose built broker runs (default: this one), started as its npm start does
  --row   the workload, as in bench/run.mjs's table (default consume1k)
  --n     messages timed (default: the row's, x10 for consume rows so that a profile has samples)
  --reps  fresh brokers, one after the other (default 1)
  --perf  perf record -g the broker over the row into FILE (start it with --env NODE_OPTIONS=--perf-basic-prof)
  --syscalls  strace the broker's event loop over the row (its reads, writes and epoll waits; slows
          it down) and print, per answer on the busiest connection, the time from its request's
          last read to the answer's write, and how often the loop waited in epoll before reading
          the next request (never: the client had it sent already, the event loop is the limit)
  --env   one more environment variable for the broker, repeatable
  --fresh-cache  a new, empty code-cache directory per broker: every boot writes the cache (as in
          a fresh container); default: the shared one, written only by the first boot of a build
  --tiers  log V8's compiles (--trace-opt, through NODE_OPTIONS: it changes the code cache's flag
          hash) and print how many of the connection's frame-path functions were compiled
  --boot-probe  a client that connects to the Kafka port while the broker boots and sends an
          ApiVersions every millisecond until /health/ready (as clients waiting through a restart)`;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROWS = {
  produce100: { mode: 'produce', size: 100, n: 1_000_000 },
  produce1k: { mode: 'produce', size: 1024, n: 300_000 },
  consume100: { mode: 'consume', size: 100, n: 10_000_000, set: 30_000 },
  consume1k: { mode: 'consume', size: 1024, n: 3_000_000, set: 3_500 },
};
const envList = [];
const argv = process.argv.slice(2).filter((arg, i, all) => {
  if (all[i - 1] === '--env') return false;
  if (arg === '--env') {
    envList.push(all[i + 1] ?? '');
    return false;
  }
  return true;
});
process.argv.splice(2, Infinity, ...argv);
const opts = benchArgs(
  USAGE,
  { dir: path.join(HERE, '..'), row: 'consume1k', n: 0, reps: 1, perf: '', syscalls: false, 'fresh-cache': false, tiers: false, 'boot-probe': false },
  { flags: ['syscalls', 'fresh-cache', 'tiers', 'boot-probe'], numbers: ['n', 'reps'], strings: ['dir', 'row', 'perf'] },
);
const row = ROWS[opts.row];
if (row === undefined) {
  console.error(USAGE);
  process.exit(2);
}
const root = path.resolve(opts.dir);
const n = opts.n || row.n;
const env = { LOG_LEVEL: 'warn', MAX_MEMORY: '4GB', RETENTION: '1h' };
for (const pair of envList) env[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-row-profile-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
if (opts.tiers) {
  fs.writeFileSync(path.join(scratch, 'trace-opt.mjs'), "import { setFlagsFromString } from 'node:v8';\nsetFlagsFromString('--trace-opt');\n");
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --import ${path.join(scratch, 'trace-opt.mjs')}`.trim();
}
/** The connection's read, frame and answer path (src/kafka/transport) and Node's stream read under it. */
const FRAME_PATH = ['onStreamRead', 'ownRead', 'onBytes', 'drainFrames', 'handleFrame', 'dispatch', 'respond'];

/**
 * Connects to `port` (again every millisecond until it is open) and sends an ApiVersions on that
 * one connection every millisecond until stop() (one in flight at a time); stop() resolves with
 * how many were answered.
 */
function bootProbe(port) {
  let stopped = false;
  let answered = 0;
  let socket = null;
  const run = async () => {
    while (!stopped) {
      socket = await new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => setTimeout(() => resolve(null), 1));
      });
      if (socket === null) continue;
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          pending = pending.subarray(4 + pending.readInt32BE(0));
          answered++;
        }
      });
      socket.on('error', () => {});
      while (!stopped && !socket.destroyed) {
        const before = answered;
        socket.write(API_VERSIONS_V0);
        for (let waited = 0; answered === before && !stopped && !socket.destroyed && waited < 5_000; waited++) await new Promise((res) => setTimeout(res, 1));
      }
    }
  };
  const done = run();
  return async () => {
    stopped = true;
    await done;
    socket?.destroy();
    return answered;
  };
}

/**
 * From `strace -ttt -T` of the event loop: on the connection that read the most, per answer
 * written, the time from the last read before it to its write (reading, checking and storing
 * the request), and whether the loop blocked in epoll (> 0.1 ms) between that answer and the
 * next read (it waited for the client) or read the next request at once.
 */
function syscallSummary(file) {
  const calls = [];
  const volume = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\S+) (\w+)\((\d+),.*= (-?\d+).*<([\d.]+)>$/.exec(line);
    if (m === null) continue;
    const call = { at: Number(m[1]), name: m[2], fd: m[3], ret: Number(m[4]), secs: Number(m[5]) };
    calls.push(call);
    if (call.name === 'read' && call.ret > 0) volume.set(call.fd, (volume.get(call.fd) ?? 0) + call.ret);
  }
  const fd = [...volume].sort((a, b) => b[1] - a[1])[0]?.[0];
  const service = [];
  let lastReadEnd = null;
  let answered = false;
  let blocked = 0;
  let blockedMs = 0;
  for (const c of calls) {
    if (c.name.startsWith('epoll') && answered && c.secs > 0.0001) {
      blocked++;
      blockedMs += c.secs * 1000;
      answered = false;
    } else if (c.fd === fd && c.name === 'read' && c.ret > 0) {
      lastReadEnd = c.at + c.secs;
      answered = false;
    } else if (c.fd === fd && c.name.startsWith('write') && lastReadEnd !== null) {
      service.push((c.at - lastReadEnd) * 1000);
      lastReadEnd = null;
      answered = true;
    }
  }
  if (service.length === 0) return 'syscalls: no answer seen';
  service.sort((a, b) => a - b);
  const q = (f) => service[Math.min(service.length - 1, Math.floor(f * service.length))].toFixed(2);
  return `syscalls: ${service.length} answers; last read -> answer median ${q(0.5)} ms (p10 ${q(0.1)}, p90 ${q(0.9)}); the loop blocked in epoll before the next read after ${blocked} of them (${blockedMs.toFixed(1)} ms)`;
}

/** Per thread of `pid`: name, CPU ticks (user + system) and minor faults. */
function threads(pid) {
  const out = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(tid, { name: tid === String(pid) ? 'main' : name, ticks: Number(f[11]) + Number(f[12]), minflt: Number(f[7]) });
    } catch {
      /* exited */
    }
  }
  return out;
}

/** Runs loadgen, sampling the broker's threads at its start and end marks. */
function timedRun(args, pid) {
  return new Promise((resolve, reject) => {
    const child = spawn(LOADGEN, [...args, '-T', '120'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let before = null;
    let after = null;
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"mark":"start"')) before = threads(pid);
      else if (line.startsWith('{"mark":"end"')) after = threads(pid);
      else if (line.trim() !== '') last = line;
    });
    child.once('close', (code) => {
      try {
        const result = JSON.parse(last);
        if (code === 0 && result.ok && before && after) resolve({ result, before, after });
        else reject(new Error(`loadgen failed: ${last}`));
      } catch {
        reject(new Error(`loadgen failed: ${last}`));
      }
    });
  });
}

buildLoadgen((line) => console.error(line));
const hz = 100; // USER_HZ
for (let rep = 1; rep <= opts.reps; rep++) {
  const cache = opts['fresh-cache'] ? { BLINK_COMPILE_CACHE: fs.mkdtempSync(path.join(scratch, 'cache-')) } : {};
  const [probePort] = opts['boot-probe'] ? await freePorts(1) : [];
  const stopProbe = opts['boot-probe'] ? bootProbe(probePort) : null;
  const started = await startBlink({ root, env: { ...env, ...cache, ...(stopProbe ? { BROKER_PORTS: String(probePort) } : {}) } });
  const broker = stopProbe ? { ...started, kafkaPort: probePort, bootstrap: `127.0.0.1:${probePort}` } : started;
  const probed = stopProbe ? `; boot probe: ${await stopProbe()} ApiVersions answered before ready` : '';
  const pid = broker.child.pid;
  const topic = `${opts.row}-${rep}`;
  try {
    if (row.mode === 'consume') await runLoadgen('produce', ['-b', broker.bootstrap, '-t', topic, '-C', '-n', row.set, '-s', row.size, '-a', 'all', '-l', 5], 60);
    const args =
      row.mode === 'produce'
        ? ['produce', '-b', broker.bootstrap, '-t', topic, '-C', '-n', n, '-s', row.size, '-a', 1, '-l', 5, '-B', 1_000_000, '-z', 'none']
        : ['consume', '-b', broker.bootstrap, '-t', topic, '-n', n, '-R', '-X', 'fetch.wait.max.ms=1'];
    const perf = opts.perf ? spawn('perf', ['record', '-g', '-F', '2000', '-p', String(pid), '-o', `${opts.perf}${opts.reps > 1 ? `.${rep}` : ''}`], { stdio: 'ignore' }) : null;
    const traceFile = path.join(scratch, `strace-${rep}.txt`);
    const trace = opts.syscalls ? spawn('strace', ['-ttt', '-T', '-e', 'trace=read,write,writev,epoll_wait,epoll_pwait,epoll_pwait2', '-p', String(pid), '-o', traceFile], { stdio: 'ignore' }) : null;
    if (perf || trace) await new Promise((res) => setTimeout(res, 300)); // perf attaches to every thread
    const { result, before, after } = await timedRun(args.map(String), pid);
    for (const tool of [perf, trace]) {
      if (tool === null) continue;
      tool.kill('SIGINT');
      await new Promise((res) => tool.once('close', res));
    }
    const mb = result.bytes ? result.bytes / 1e6 : (n * row.size) / 1e6;
    const byName = new Map();
    for (const [tid, b] of after) {
      const a = before.get(tid) ?? { ticks: 0, minflt: 0 };
      const name = b.name.replace(/[0-9]+$/, '');
      const sum = byName.get(name) ?? { ms: 0, faults: 0 };
      sum.ms += ((b.ticks - a.ticks) * 1000) / hz;
      sum.faults += b.minflt - a.minflt;
      byName.set(name, sum);
    }
    const total = [...byName.values()].reduce((s, v) => s + v.ms, 0);
    const faults = [...byName.values()].reduce((s, v) => s + v.faults, 0);
    const rate = row.size === 100 ? `${(result.msgs_per_s / 1e6).toFixed(2)} M msg/s` : `${result.mb_per_s.toFixed(1)} MB/s`;
    const threadList = [...byName].filter(([, v]) => v.ms > 0 || v.faults > 0).map(([k, v]) => `${k} ${v.ms} ms/${v.faults} flt`);
    const compiled = (name) => new RegExp(`^\\[completed (?:compiling|optimizing) [^\\n]*<JSFunction ${name}[ >]`, 'm').test(broker.output());
    const missing = FRAME_PATH.filter((name) => !compiled(name));
    const tiers = opts.tiers ? `; frame path compiled: ${FRAME_PATH.length - missing.length}/${FRAME_PATH.length}${missing.length ? ` (not: ${missing.join(' ')})` : ''}` : '';
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const mib = (field) => (Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN) / 1024).toFixed(1);
    console.log(
      `rep ${rep} ${opts.row}: ${rate} in ${result.secs.toFixed(3)} s; broker ${total} ms CPU (${((total / mb) * 1000).toFixed(0)} µs/MB), ${faults} minor faults; ` +
        `client ${result.client_cpu_pct}% (busiest thread ${result.client_busiest_thread_pct}%), broker ${(total / 10 / result.secs).toFixed(1)}%; ` +
        `RSS after ${mib('Rss')} MiB (AnonHugePages ${mib('AnonHugePages')}); threads: ${threadList.join(', ')}${tiers}${probed}`,
    );
    if (trace) console.log(`rep ${rep} ${syscallSummary(traceFile)}`);
  } finally {
    await stopBlink(broker);
  }
}
