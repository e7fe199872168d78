/**
 * E2E harness: starts the real broker process (as `npm start` does) on free ports and runs
 * child processes (kcat, the Python client drivers) with a hard timeout each.
 *
 * Every wait here is bounded: readiness polling, process exit after SIGTERM, child runs.
 * A broker or child that outlives its test is killed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist-test/test/e2e/harness.js → the repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The broker runs on the project's Node 24 (the machine's own node may be older). */
export const NODE_BIN = join(REPO_ROOT, 'node_modules/.bin/node');
/**
 * The broker is started as `npm start` starts it (package.json's start script: its leading
 * NAME=value environment, node, its flags, dist/start.js), so the tests run the artifact every
 * deployment runs.
 */
const START_SCRIPT = startScriptArgs();
export const BROKER_COMMAND_ARGS = START_SCRIPT.args;
/** The environment the start script sets (e.g. MALLOC_ARENA_MAX), given to every test broker. */
export const BROKER_COMMAND_ENV = START_SCRIPT.env;

function startScriptArgs(): { env: Record<string, string>; args: string[] } {
  const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  for (let word = words[0]; word !== undefined && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word); word = words[0]) {
    words.shift();
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  const [node, ...args] = words;
  if (node !== 'node') throw new Error(`package.json's start script does not run node directly: ${start}`);
  return { env, args: args.map((arg) => (arg.startsWith('-') ? arg : join(REPO_ROOT, arg))) };
}
/** Client drivers are run from the source tree: tsc does not copy .py files. */
export const CLIENTS_DIR = join(REPO_ROOT, 'test/e2e/clients');

/**
 * Generous: a broker boots in about a second, but on a loaded 2-core machine (several suites,
 * JVMs and builds at once) it was seen taking 14 s; a readiness timeout is not what these tests test.
 */
const READY_TIMEOUT_MS = 45_000;
const READY_POLL_MS = 100;
const STOP_GRACE_MS = 10_000;
const KILL_WAIT_MS = 5_000;
/** Output kept per stream for failure messages; older bytes are dropped. */
const OUTPUT_KEEP_BYTES = 256 * 1024;

const liveChildren = new Set<ChildProcess>();
function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}
process.on('exit', killLiveChildren);
// 'exit' does not run when a signal ends the test process (runner cancelled, CI timeout):
// kill the children first, then let the signal take its default course.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killLiveChildren();
    process.kill(process.pid, signal);
  });
}

/** Kills `child` (SIGKILL) if it is still running when the test process exits or is signalled. */
export function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Keeps the last OUTPUT_KEEP_BYTES of a stream as text. */
class OutputTail {
  private text = '';
  append(chunk: Buffer): void {
    this.text += chunk.toString('utf8');
    if (this.text.length > OUTPUT_KEEP_BYTES) this.text = this.text.slice(-OUTPUT_KEEP_BYTES);
  }
  toString(): string {
    return this.text;
  }
}

/** Binds port 0 on 127.0.0.1, reads the port the kernel chose, and releases it. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no TCP address for port 0'));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

/** Distinct free ports (the kernel could in principle hand out the same one twice). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count && attempt < count * 20; attempt++) ports.add(await freePort());
  if (ports.size < count) throw new Error(`could not find ${count} distinct free ports`);
  return [...ports];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rejects with a labelled error when `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  label: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`${label}: not reached within ${timeoutMs} ms${detail}`);
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs: number;
  env?: Record<string, string>;
  /** false: the child gets only `env` (default: this process's environment plus `env`). */
  inheritEnv?: boolean;
  cwd?: string;
  /**
   * Sends this signal `afterMs` after the spawn, or after the first time the child's stderr
   * matches `afterStderr` (if the child is still running).
   */
  signal?: { name: NodeJS.Signals; afterMs: number; afterStderr?: RegExp };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a child process to completion; kills it (SIGKILL) once `timeoutMs` has passed. */
export function run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.inheritEnv === false ? { ...options.env } : { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    track(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    let signalTimer: NodeJS.Timeout | undefined;
    const armSignal = (signal: NonNullable<RunOptions['signal']>) => (signalTimer = setTimeout(() => child.kill(signal.name), signal.afterMs));
    if (options.signal !== undefined && options.signal.afterStderr === undefined) armSignal(options.signal);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      if (signalTimer === undefined && options.signal?.afterStderr?.test(Buffer.concat(stderr).toString('utf8')) === true) armSignal(options.signal);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(signalTimer);
      resolveRun({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    });
    // A child that exits without reading its stdin makes the write fail with EPIPE: ignore.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Describes a finished child run for assertion messages. */
export function describeRun(label: string, result: RunResult): string {
  const status = result.timedOut ? 'timed out' : `exit code ${result.code}, signal ${result.signal}`;
  return `${label}: ${status}\n--- stderr ---\n${result.stderr.slice(-4000)}\n--- stdout ---\n${result.stdout.slice(-2000)}`;
}

export interface BrokerOptions {
  /** Extra environment for the broker (e.g. AUTO_CREATE_TOPICS, MESSAGE_MAX_BYTES). */
  env?: Record<string, string>;
  /** Extra command-line arguments for the broker (e.g. --settings FILE). */
  args?: string[];
  /**
   * Restart on the same data and address (durable-mode tests): the broker uses this
   * RECORD_STORAGE_PATH and these ports, and stop() leaves the directory in place (the
   * caller removes it).
   */
  reuse?: { storagePath: string; kafkaPort: number; restPort: number };
  /** How long to wait for /health/ready (default 15 s; a recovery of much data may need more). */
  readyTimeoutMs?: number;
  /** The REST port serves HTTPS (REST_SSL_ENABLED) with a certificate for 127.0.0.1 from this CA. */
  restCa?: Buffer;
}

export interface BrokerHandle {
  readonly pid: number;
  readonly kafkaPort: number;
  readonly restPort: number;
  /** '127.0.0.1:<kafkaPort>' */
  readonly bootstrap: string;
  readonly restUrl: string;
  readonly storagePath: string;
  stdout(): string;
  stderr(): string;
  /** Has the process exited (on its own or after stop())? */
  exited(): boolean;
  /** The signal that ended the process, null while it runs or when it exited by itself. */
  exitSignal(): NodeJS.Signals | null;
  /** SIGTERM, wait up to 10 s, then SIGKILL; resolves with the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash: no shutdown hook runs) and wait for the process to be gone; keeps the data. */
  kill(): Promise<void>;
}

/**
 * The broker's environment: only what the test chooses (plus PATH/HOME), so settings
 * exported in the developer's or CI's shell cannot change what is tested.
 */
function brokerEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...BROKER_COMMAND_ENV, ...extra };
}

/** The settings every test broker gets unless the test overrides them. */
function defaultBrokerSettings(kafkaPort: number, restPort: number, storagePath: string): Record<string, string> {
  return {
    BROKER_PORTS: String(kafkaPort),
    REST_PORT: String(restPort),
    KAFKA_HOSTNAME: '127.0.0.1',
    ADVERTISED_HOSTNAME: '127.0.0.1',
    RECORD_STORAGE_PATH: storagePath,
    LOG_LEVEL: 'warn',
  };
}

/**
 * Runs the broker expecting it to exit by itself (e.g. refused settings), with the
 * default settings on free ports plus `env`; killed after `timeoutMs`.
 */
export async function runBrokerToExit(options: BrokerOptions & Pick<RunOptions, 'timeoutMs' | 'signal'>): Promise<RunResult> {
  const [kafkaPort, restPort] = await freePorts(2) as [number, number];
  const storagePath = await mkdtemp(join(tmpdir(), 'blink-e2e-'));
  try {
    return await run(NODE_BIN, [...BROKER_COMMAND_ARGS, ...(options.args ?? [])], {
      env: brokerEnvironment({ ...defaultBrokerSettings(kafkaPort, restPort, storagePath), ...options.env }),
      inheritEnv: false,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  } finally {
    await rm(storagePath, { recursive: true, force: true });
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolveExit(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolveExit(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL when `child` has not exited within `graceMs` (waiting ≤ KILL_WAIT_MS for that). */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  child.kill('SIGTERM');
  if (!(await waitForExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitForExit(child, KILL_WAIT_MS);
  }
}

/** A spawned child (tracked) whose stdout and stderr are kept together for failure messages. */
export interface LoggedChild {
  readonly child: ChildProcess;
  /** Its stdout and stderr as they came (the last 256 KiB), with a line when the spawn failed. */
  logs(): string;
  /** Whether it has exited (or never started). */
  exited(): boolean;
  /** terminate(child, graceMs) unless it has exited. */
  halt(graceMs: number): Promise<void>;
}

export function spawnLogged(command: string, args: readonly string[], cwd: string): LoggedChild {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const output = new OutputTail();
  child.stdout.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr.on('data', (chunk: Buffer) => output.append(chunk));
  child.once('error', (error) => output.append(Buffer.from(`spawn failed: ${error.message}\n`)));
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
  return {
    child,
    logs: () => output.toString(),
    exited,
    halt: async (graceMs) => {
      if (!exited()) await terminate(child, graceMs);
    },
  };
}

/**
 * Polls `ready` (a rejection counts as not ready) every `intervalMs` and resolves with the
 * time it first held; rejects with `exitedMessage` once `exited()` holds, or with
 * `${unreadyMessage} within ${timeoutMs} ms`.
 */
export async function pollReady(
  ready: () => Promise<boolean>,
  exited: () => boolean,
  timeoutMs: number,
  intervalMs: number,
  exitedMessage: string,
  unreadyMessage: string,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(exitedMessage);
    if (await ready().catch(() => false)) return Date.now();
    await sleep(intervalMs);
  }
  throw new Error(`${unreadyMessage} within ${timeoutMs} ms`);
}

async function isReady(restUrl: string, restCa: Buffer | undefined): Promise<boolean> {
  if (restCa !== undefined) return (await httpsStatus(`${restUrl}/health/ready`, restCa)) === 200;
  const response = await fetch(`${restUrl}/health/ready`, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return response.status === 200;
}

/** The status of a GET over HTTPS checked against `ca` (fetch takes no CA). */
function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const request = httpsRequest(url, { ca, timeout: 1_000 }, (response) => {
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

/**
 * Starts the broker (BROKER_COMMAND_ARGS) with BROKER_PORTS/REST_PORT on free ports and a fresh
 * RECORD_STORAGE_PATH, and waits (≤ 15 s) until GET /health/ready answers 200.
 */
export async function startBroker(options: BrokerOptions = {}): Promise<BrokerHandle> {
  const [kafkaPort, restPort] = options.reuse ? [options.reuse.kafkaPort, options.reuse.restPort] : (await freePorts(2) as [number, number]);
  const storagePath = options.reuse?.storagePath ?? (await mkdtemp(join(tmpdir(), 'blink-e2e-')));
  const env = brokerEnvironment({ ...defaultBrokerSettings(kafkaPort, restPort, storagePath), ...options.env });
  const child = spawn(NODE_BIN, [...BROKER_COMMAND_ARGS, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const stdout = new OutputTail();
  const stderr = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => stdout.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.append(chunk));
  let spawnFailure: Error | undefined;
  child.once('error', (error) => {
    spawnFailure = error;
  });
  const restUrl = `${options.restCa === undefined ? 'http' : 'https'}://127.0.0.1:${restPort}`;

  const handle: BrokerHandle = {
    pid: child.pid ?? -1,
    kafkaPort,
    restPort,
    bootstrap: `127.0.0.1:${kafkaPort}`,
    restUrl,
    storagePath,
    stdout: () => stdout.toString(),
    stderr: () => stderr.toString(),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    exitSignal: () => child.signalCode,
    async stop() {
      if (!handle.exited()) await terminate(child, STOP_GRACE_MS);
      if (options.reuse === undefined) await rm(storagePath, { recursive: true, force: true });
      return child.exitCode;
    },
    async kill() {
      if (!handle.exited()) child.kill('SIGKILL');
      await waitForExit(child, KILL_WAIT_MS);
    },
  };

  await awaitReadiness(handle, () => spawnFailure, options.readyTimeoutMs ?? READY_TIMEOUT_MS, options.restCa);
  return handle;
}

/** Polls GET /health/ready (≤ 15 s); on failure stops the broker and throws with its output. */
async function awaitReadiness(handle: BrokerHandle, spawnFailure: () => Error | undefined, timeoutMs: number, restCa: Buffer | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const output = (): string => `--- stderr ---\n${handle.stderr()}\n--- stdout ---\n${handle.stdout()}`;
  while (Date.now() < deadline) {
    const failure = spawnFailure();
    if (failure !== undefined) {
      await handle.stop();
      throw new Error(`broker did not start: ${failure.message}`);
    }
    if (handle.exited()) {
      const code = await handle.stop();
      throw new Error(`broker exited before it was ready (exit code ${code}, signal ${handle.exitSignal() ?? 'none'})\n${output()}`);
    }
    if (await isReady(handle.restUrl, restCa).catch(() => false)) return;
    await sleep(READY_POLL_MS);
  }
  const code = await handle.stop();
  throw new Error(`broker not ready within ${timeoutMs} ms (GET ${handle.restUrl}/health/ready); stopped with code ${code}\n${output()}`);
}

/** The broker's blink_parked_fetches gauge: fetches waiting in long poll right now. */
export async function parkedFetches(restUrl: string): Promise<number> {
  const response = await fetch(`${restUrl}/prometheus`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const match = /^blink_parked_fetches (\S+)$/m.exec(text);
  if (response.status !== 200 || match === null) throw new Error(`GET /prometheus: ${response.status}, no blink_parked_fetches sample`);
  return Number(match[1]);
}

/** Waits (bounded) until exactly `count` fetches are parked: the signal that a long poll is waiting. */
export async function waitForParkedFetches(restUrl: string, count: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(`${count} parked fetch(es)`, timeoutMs, async () => ((await parkedFetches(restUrl)) === count ? true : undefined), 20);
}

/** A unique topic name per test (Kafka topic names: [a-zA-Z0-9._-], ≤ 249 chars). */
let topicCounter = 0;
export function uniqueTopic(label: string): string {
  topicCounter += 1;
  const safe = label.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  return `e2e-${safe}-${process.pid}-${topicCounter}-${Date.now().toString(36)}`;
}
