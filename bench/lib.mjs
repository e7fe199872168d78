// Helpers shared by the bench scripts (Node built-ins only).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** Free loopback TCP ports (held open together so they are distinct). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      await new Promise((res, rej) => {
        srv.once('error', rej);
        srv.listen(0, '127.0.0.1', res);
      });
      servers.push(srv);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}

/**
 * How `npm start` starts the broker in the checkout `dir`: the project's Node 24 (else this
 * process's node), the environment the start script sets (its leading NAME=value words, e.g.
 * MALLOC_ARENA_MAX) and its arguments (flags, then the entry), so every bench measures the
 * artifact deployments run. Spawn with `{ ...yourEnv, ...env }`. Throws when the entry is not built.
 */
export function blinkStartCommand(dir) {
  const localNode = path.join(dir, 'node_modules', '.bin', 'node');
  const nodeBin = fs.existsSync(localNode) ? localNode : process.execPath;
  const start = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts?.start ?? 'node dist/main.js';
  const words = start.trim().split(/\s+/);
  const env = {};
  while (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] ?? '')) {
    const word = words.shift();
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  const [node, ...args] = words;
  if (node !== 'node') throw new Error(`${dir}: the start script does not run node directly: ${start}`);
  const entry = args.find((arg) => !arg.startsWith('-'));
  if (entry === undefined || !fs.existsSync(path.join(dir, entry))) throw new Error(`${path.join(dir, entry ?? 'dist')} not found: build it first (\`npm run build\`)`);
  return { nodeBin, args, env };
}

/** ApiVersions v0: size 10 | api_key 18 | api_version 0 | correlation_id 1 | client_id "". */
export const API_VERSIONS_V0 = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]);

// ---- A broker per run, the C load generator, medians (compaction, storage, transactions) ----

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOADGEN_SRC = path.join(HERE, 'loadgen.c');
export const LOADGEN = path.join(HERE, '.build', 'loadgen');

/** Children still running when this process exits are killed with it. */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Compiles bench/loadgen.c (librdkafka) into bench/.build/loadgen unless it is up to date. */
export function buildLoadgen(log) {
  if (fs.existsSync(LOADGEN) && fs.statSync(LOADGEN).mtimeMs >= fs.statSync(LOADGEN_SRC).mtimeMs) return;
  fs.mkdirSync(path.dirname(LOADGEN), { recursive: true });
  log('building bench/.build/loadgen');
  const cmd = `cc -O2 -g -Wall -Wextra -std=gnu11 $(pkg-config --cflags rdkafka) -o '${LOADGEN}.tmp' '${LOADGEN_SRC}' $(pkg-config --libs rdkafka) -lpthread`;
  execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  fs.renameSync(`${LOADGEN}.tmp`, LOADGEN);
}

/** Runs the load generator for at most `timeoutSecs`; resolves with its last JSON line (rejects unless ok). */
export function runLoadgen(mode, args, timeoutSecs) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(LOADGEN, [mode, ...args.map(String), '-T', String(timeoutSecs)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (timeoutSecs + 15) * 1000);
    child.once('close', () => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1);
      try {
        const result = JSON.parse(last);
        if (result.ok) return resolve(result);
      } catch {
        // not JSON: reported below
      }
      reject(new Error(`loadgen ${mode} failed: ${last} ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** The HTTP status of a GET (0: no answer within `timeoutMs`). */
export function httpStatus(url, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * Starts the broker of checkout `root` as `npm start` does, on free loopback ports (or those of
 * `reuse`, a broker stopped with keepData, for a restart) with a temporary data directory and
 * `env` on top; resolves once /health/ready answers 200.
 */
export async function startBlink({ root, env = {}, reuse = null, readyTimeoutMs = 60_000 }) {
  const [kafkaPort, restPort] = reuse ? [reuse.kafkaPort, reuse.restPort] : await freePorts(2);
  const storage = reuse?.storage ?? fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-'));
  const { nodeBin, args, env: startEnv } = blinkStartCommand(root);
  const t0 = performance.now();
  const child = track(
    spawn(nodeBin, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        BROKER_PORTS: String(kafkaPort),
        REST_PORT: String(restPort),
        KAFKA_HOSTNAME: '127.0.0.1',
        ADVERTISED_HOSTNAME: '127.0.0.1',
        RECORD_STORAGE_PATH: storage,
        ...startEnv,
        ...env,
      },
    }),
  );
  let output = '';
  const keep = (d) => (output = (output + d).slice(-200_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const rest = `http://127.0.0.1:${restPort}`;
  while (child.exitCode === null && child.signalCode === null && performance.now() - t0 < readyTimeoutMs) {
    if ((await httpStatus(`${rest}/health/ready`)) === 200) {
      return { child, kafkaPort, restPort, storage, rest, bootstrap: `127.0.0.1:${kafkaPort}`, readyMs: performance.now() - t0, output: () => output };
    }
    await sleep(5);
  }
  child.kill('SIGKILL');
  throw new Error(`broker not ready: ${output.slice(-2000)}`);
}

/** Stops a broker (SIGKILL after 15 s) and removes its data directory unless `keepData`. */
export async function stopBlink(broker, { signal = 'SIGTERM', keepData = false } = {}) {
  const gone = new Promise((res) => (broker.child.exitCode !== null || broker.child.signalCode !== null ? res() : broker.child.once('exit', res)));
  broker.child.kill(signal);
  await Promise.race([gone, sleep(15_000).then(() => broker.child.kill('SIGKILL'))]);
  await gone;
  if (!keepData) fs.rmSync(broker.storage, { recursive: true, force: true });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * This process's options over `defaults`: `--name` flags, `--name value` options (`numbers` must
 * read as finite numbers, `strings` are kept as given) and at most one bare argument, stored under
 * `positional` (a bench's DIR). `integers` bounds options to whole numbers in [min, max];
 * `choices` to a list of words. Anything else exits 64 with `usage`; --help prints it and exits 0.
 * `reps` (when in `defaults`: null means 1 with --quick, else 3) is 1..50 and `timeout` >= 10.
 */
export function benchArgs(usage, defaults, { flags = [], numbers = [], strings = [], positional = null, integers = {}, choices = {} }) {
  const opts = { ...defaults };
  const refuse = (message) => {
    process.stderr.write(`bench: ${message}\n${usage}\n`);
    process.exit(64);
  };
  let bare = 0;
  for (let i = 2; i < process.argv.length; i++) {
    const arg = process.argv[i];
    const name = arg.slice(2);
    if (arg === '-h' || arg === '--help') {
      console.log(usage);
      process.exit(0);
    } else if (!arg.startsWith('--')) {
      if (positional === null || bare++ > 0) refuse(`unknown argument ${arg}`);
      opts[positional] = arg;
    } else if (flags.includes(name)) opts[name] = true;
    else if (numbers.includes(name) || strings.includes(name)) {
      const value = process.argv[++i];
      if (value === undefined) refuse(`${arg} needs a value`);
      opts[name] = numbers.includes(name) ? Number(value) : value;
      if (numbers.includes(name) && (value.trim() === '' || !Number.isFinite(opts[name]))) refuse(`${arg} needs a number, not ${value}`);
    } else refuse(`unknown argument ${arg}`);
  }
  if (opts.reps !== undefined) {
    opts.reps ??= opts.quick ? 1 : 3;
    integers = { reps: [1, 50], ...integers };
  }
  for (const [name, [min, max]] of Object.entries(integers)) {
    if (!Number.isInteger(opts[name]) || opts[name] < min || opts[name] > max) refuse(`--${name} must be an integer from ${min} to ${max}`);
  }
  for (const [name, words] of Object.entries(choices)) if (!words.includes(opts[name])) refuse(`--${name} must be one of ${words.join(', ')}, not ${opts[name]}`);
  if (opts.timeout !== undefined && (!Number.isFinite(opts.timeout) || opts.timeout < 10)) refuse('--timeout must be at least 10');
  return opts;
}

/**
 * A CA and a server certificate for 127.0.0.1 (P-256, as test/e2e/support/certificates.ts makes
 * them): ca.pem, server.pem and server.key in `dir` (the TLS benches: security.mjs, conn-memory.mjs).
 */
export function makeCertificates(dir) {
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Blink bench CA');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { dir, ca: fs.readFileSync(path.join(dir, 'ca.pem')) };
}

/**
 * One request frame, size-prefixed, as a client sends it: header v1 (v2 when the API is flexible
 * at `version`), then the body in `codec`'s encoding. `KafkaWriter` is the checkout's own
 * (dist/wire/writer.js), which the benches speaking the wire format load from the build.
 */
export function requestFrame(KafkaWriter, codec, version, correlationId, clientId, body) {
  const w = new KafkaWriter();
  const sizeAt = w.reserveInt32();
  w.writeInt16(codec.apiKey);
  w.writeInt16(version);
  w.writeInt32(correlationId);
  w.writeString(clientId, false);
  if (codec.flexibleFrom !== null && version >= codec.flexibleFrom) w.writeEmptyTaggedFields();
  codec.encodeRequest(w, version, body);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toBuffer();
}
