#!/usr/bin/env node
// One boot of the broker, as `npm start` starts it, for timing boots as whole commands:
// `node bench/boot.mjs [DIR] [--idle]`. Spawns the Blink built in DIR (default: this checkout)
// with the start script's flags (bench/lib.mjs), answers when the first ApiVersions v0 is
// answered, and with --idle also waits for /health/ready and measures the broker's RSS 1 s after.
// Prints one JSON line {boot_ms, boot_cpu_ms, boot_main_cpu_ms, boot_threads_cpu_ms, ready_ms?, idle_rss_mib?, idle_anon_mib?, idle_file_mib?}
// (boot_cpu_ms: all threads, in /proc's 10 ms ticks; boot_main_cpu_ms and boot_threads_cpu_ms: the main
// thread's and all live threads', from the scheduler's nanosecond counts) and stops the broker (SIGKILL: a
// shutdown is not what is measured). The process's own wall time is boot + a few ms, so a
// whole-command A/B of two checkouts compares their boots.
//
// `node bench/boot.mjs [DIR] --baseline BASE [--boots N] [--idle]`: N boots of each (default 10),
// alternated (BASE, DIR, BASE, …) so that a shared machine's noise hits both, each as its own
// process as above; prints each figure's median and quartiles per side and those of the paired
// differences (each boot of DIR less the BASE boot right before it), then one JSON line.
//
// Node built-ins only. Every wait is bounded (BOOT_TIMEOUT_MS); exit 1 when the broker never answers.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { API_VERSIONS_V0, blinkStartCommand, freePorts, httpStatus } from './lib.mjs';

const BOOT_TIMEOUT_MS = 30_000;
const IDLE_RSS_DELAY_MS = 1_000;
/** Linux USER_HZ, the unit of /proc/<pid>/stat's times. */
const CLK_TCK = 100;

const args = process.argv.slice(2);
const idle = args.includes('--idle');
/** The value after `--name`, if given. */
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const baseline = option('--baseline');
const boots = Number(option('--boots') ?? 10);
const dir = path.resolve(args.find((arg, i) => !arg.startsWith('--') && !['--baseline', '--boots'].includes(args[i - 1] ?? '')) ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));

if (baseline !== undefined) {
  if (!Number.isInteger(boots) || boots < 1) throw new Error(`--boots: a positive integer, not ${option('--boots')}`);
  const sides = { baseline: path.resolve(baseline), this: dir };
  const results = { baseline: [], this: [] };
  for (let i = 0; i < boots; i++) {
    for (const [side, sideDir] of Object.entries(sides)) {
      // One boot per process, as a single run: bounded by its own timeouts (plus a margin).
      const line = execFileSync(process.execPath, [fileURLToPath(import.meta.url), sideDir, ...(idle ? ['--idle'] : [])], { encoding: 'utf8', timeout: 3 * BOOT_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'inherit'] });
      results[side].push(JSON.parse(line.trim().split('\n').at(-1)));
    }
  }
  const quantile = (values, q) => {
    const sorted = values.toSorted((a, b) => a - b);
    const at = (sorted.length - 1) * q;
    return sorted[Math.floor(at)] + (sorted[Math.ceil(at)] - sorted[Math.floor(at)]) * (at - Math.floor(at));
  };
  const summary = {};
  for (const [side, runs] of Object.entries(results)) {
    summary[side] = { dir: sides[side], boots: runs.length };
    for (const key of ['boot_ms', 'boot_cpu_ms', 'boot_main_cpu_ms', 'boot_threads_cpu_ms', 'ready_ms', 'idle_rss_mib', 'idle_anon_mib']) {
      const values = runs.map((run) => run[key]).filter((value) => typeof value === 'number');
      if (values.length === 0) continue;
      summary[side][key] = { median: quantile(values, 0.5), q25: quantile(values, 0.25), q75: quantile(values, 0.75) };
      process.stderr.write(`${side.padEnd(8)} ${key.padEnd(13)} median ${quantile(values, 0.5).toFixed(1).padStart(7)}  q25 ${quantile(values, 0.25).toFixed(1).padStart(7)}  q75 ${quantile(values, 0.75).toFixed(1).padStart(7)}  (${values.length})\n`);
    }
  }
  // Paired: boot i of this checkout against boot i of the baseline, which ran right before it.
  summary.paired = {};
  for (const key of ['boot_ms', 'boot_main_cpu_ms', 'boot_threads_cpu_ms', 'idle_rss_mib']) {
    const diffs = results.this.map((run, i) => run[key] - results.baseline[i][key]).filter((diff) => Number.isFinite(diff));
    if (diffs.length === 0) continue;
    summary.paired[key] = { median: quantile(diffs, 0.5), q25: quantile(diffs, 0.25), q75: quantile(diffs, 0.75), lower: diffs.filter((diff) => diff < 0).length, pairs: diffs.length };
    process.stderr.write(`paired   ${key.padEnd(13)} this - baseline median ${quantile(diffs, 0.5).toFixed(1).padStart(7)}  q25 ${quantile(diffs, 0.25).toFixed(1).padStart(7)}  q75 ${quantile(diffs, 0.75).toFixed(1).padStart(7)}  lower in ${diffs.filter((diff) => diff < 0).length} of ${diffs.length}\n`);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(0);
}

/** true once a well-formed ApiVersions answer (correlation id 1, error 0) arrives; false on any failure. */
function apiVersionsAnswered(port) {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const sock = net.connect({ host: '127.0.0.1', port });
    const finish = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => finish(false));
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(API_VERSIONS_V0));
    sock.on('data', (data) => {
      buf = Buffer.concat([buf, data]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) finish(buf.readInt32BE(4) === 1 && buf.readInt16BE(8) === 0);
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
  });
}

/** Polls `probe` about every millisecond until it is true; the time since t0, or null when out of time or the broker exited. */
async function waitFor(probe, t0, exited) {
  while (performance.now() - t0 < BOOT_TIMEOUT_MS && !exited()) {
    if (await probe()) return performance.now() - t0;
    await sleep(1);
  }
  return null;
}

/** The broker's CPU time so far (user + system, /proc/<pid>/stat), in ms: a figure a busy machine disturbs less than wall time. */
function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/**
 * The main thread's and all live threads' CPU time so far, from the scheduler's own counts
 * (/proc/<pid>/task/<tid>/schedstat, nanoseconds), in ms: /proc/<pid>/stat counts in clock ticks of
 * 10 ms, too coarse for a boot's few-ms differences. Read once the broker has answered, when its
 * threads wait, so each count is up to date (a running thread's is updated at its next tick or switch).
 */
function schedCpuMs(pid) {
  let all = 0;
  let main = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let ms;
    try {
      ms = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    } catch {
      continue; // the thread ended meanwhile
    }
    all += ms;
    if (tid === String(pid)) main = ms;
  }
  return { main: Math.round(main * 10) / 10, all: Math.round(all * 10) / 10 };
}

/** A /proc/<pid>/status figure (VmRSS, RssAnon: heap, malloc; RssFile: the node binary's and libraries' pages) in MiB. */
function statusMiB(status, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match === null ? null : Math.round((Number(match[1]) / 1024) * 10) / 10;
}

const { nodeBin, args: nodeArgs, env: startEnv } = blinkStartCommand(dir);
const [kafkaPort, restPort] = await freePorts(2);
const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'blink-boot-'));
const env = { ...process.env, BROKER_PORTS: String(kafkaPort), REST_PORT: String(restPort), KAFKA_HOSTNAME: '127.0.0.1', ADVERTISED_HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn', RECORD_STORAGE_PATH: storage, ...startEnv };
const t0 = performance.now();
const child = spawn(nodeBin, nodeArgs, { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
let exited = false;
child.once('exit', () => {
  exited = true;
});
const result = {};
try {
  result.boot_ms = await waitFor(() => apiVersionsAnswered(kafkaPort), t0, () => exited);
  if (result.boot_ms !== null) {
    result.boot_cpu_ms = cpuMs(child.pid);
    const sched = schedCpuMs(child.pid);
    result.boot_main_cpu_ms = sched.main;
    result.boot_threads_cpu_ms = sched.all;
  }
  if (idle && result.boot_ms !== null) {
    result.ready_ms = await waitFor(async () => (await httpStatus(`http://127.0.0.1:${restPort}/health/ready`)) === 200, t0, () => exited);
    await sleep(IDLE_RSS_DELAY_MS);
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    result.idle_rss_mib = statusMiB(status, 'VmRSS');
    result.idle_anon_mib = statusMiB(status, 'RssAnon');
    result.idle_file_mib = statusMiB(status, 'RssFile');
  }
} finally {
  // Reaped before this process ends, so a whole-command timing counts the broker's CPU time too.
  const reaped = new Promise((resolve) => (exited ? resolve() : child.once('exit', resolve)));
  child.kill('SIGKILL');
  await reaped;
  fs.rmSync(storage, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = result.boot_ms === null ? 1 : 0;
