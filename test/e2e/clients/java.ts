/**
 * The Java client driver (test/e2e/clients/java, Kafka's own Java clients 3.9.x or 4.x):
 * one long-lived JVM per client version and test process, JSON commands in on stdin and
 * one JSON answer line per command out (protocol: java/blink/driver/Driver.java). A JVM
 * is started on the first call, restarted after it died, and killed when the test
 * process exits (harness.track); closeJavaDrivers() ends them cleanly (an after() hook).
 *
 * Built by tools/test-deps/jvm.sh into .cache/jvm/driver-<version>/driver.jar, run with the
 * jars of .cache/jvm/clients-<version>/lib.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { REPO_ROOT, track } from '../harness.js';
import type { ClientDriver } from './driver.js';
import { driverOverCalls, type OpCall, type OptionalOp } from './json-driver.js';
import { JVM_CACHE, JVM_LOG_OPTIONS, javaBinary, useCds, type CdsUse } from './jvm.js';

export type JavaClientVersion = '3.9' | '4';

const DRIVER_MAIN = 'blink.driver.Driver';
const OPERATION_TIMEOUT_MS = 45_000;
/** Extra time for the JVM beyond its own per-op watchdog, so its error is what we see. */
const ANSWER_MARGIN_MS = 10_000;
const CLOSE_WAIT_MS = 15_000;
const STDERR_KEEP_CHARS = 32 * 1024;

/**
 * Test-client JVM settings: the serial collector and the C1 compiler alone start fastest on
 * 2 shared cores and are plenty for a test client.
 */
export const CLIENT_JVM_OPTIONS: readonly string[] = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k', '-Xmx512m'];

/**
 * The command line of the Java driver for one client version (also run as a group member).
 * `recordCds`: record the driver's class-data-sharing archive when there is none yet.
 */
export function javaDriverCommand(version: JavaClientVersion, recordCds = false): { cmd: string; args: string[]; cds: CdsUse } {
  const home = join(JVM_CACHE, `driver-${version}`);
  const jar = join(home, 'driver.jar');
  const lib = join(JVM_CACHE, `clients-${version}`, 'lib');
  if (!existsSync(jar) || !existsSync(lib)) {
    throw new Error(`Java driver ${version} is not built (${jar}): run tools/test-deps/jvm.sh`);
  }
  const cds = useCds(join(home, 'driver.jsa'), recordCds);
  return { cmd: javaBinary(), args: [...CLIENT_JVM_OPTIONS, ...JVM_LOG_OPTIONS, ...cds.options, '-cp', `${jar}:${lib}/*`, DRIVER_MAIN], cds };
}

interface Pending {
  op: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Answer {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
  stack?: string;
}

type Refable = { ref(): void; unref(): void };

/** One driver JVM: sends commands, matches answers by id. */
class JavaDriverProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private exited = false;

  constructor(readonly version: JavaClientVersion) {
    const { cmd, args, cds } = javaDriverCommand(version, true);
    this.child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    track(this.child);
    this.child.once('exit', (code, signal) => {
      this.onExit(`exited (code ${code}, signal ${signal})`);
      void cds.settle(code === 0);
    });
    this.child.once('error', (error) => this.onExit(`could not start: ${error.message}`));
    this.child.stdin!.on('error', () => undefined);
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_KEEP_CHARS);
    });
    createInterface({ input: this.child.stdout!, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    this.setRef(false);
  }

  get alive(): boolean {
    return !this.exited;
  }

  call<T>(op: string, args: Record<string, unknown>, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.onNoAnswer(id), timeoutMs + ANSWER_MARGIN_MS);
      this.pending.set(id, { op, resolve: resolve as (value: unknown) => void, reject, timer });
      this.setRef(true);
      this.child.stdin!.write(`${JSON.stringify({ id, op, timeout_ms: timeoutMs, ...args })}\n`);
    });
  }

  /** Closes stdin (the JVM finishes running ops and exits); kills it after CLOSE_WAIT_MS. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.setRef(true);
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_WAIT_MS);
    await gone;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) return;
    let answer: Answer;
    try {
      answer = JSON.parse(line) as Answer;
    } catch {
      this.stderrTail += `\n[unparsable stdout line] ${line.slice(0, 500)}`;
      return;
    }
    const entry = this.pending.get(answer.id);
    if (entry === undefined) return;
    this.settle(answer.id);
    if (answer.ok) entry.resolve(answer.result);
    else entry.reject(new Error(`java-${this.version} ${entry.op}: ${answer.error}\n${answer.stack ?? ''}`));
  }

  private onNoAnswer(id: number): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.settle(id);
    entry.reject(new Error(`java-${this.version} ${entry.op}: no answer in time; killing the JVM\n${this.describe()}`));
    this.child.kill('SIGKILL');
  }

  private onExit(how: string): void {
    this.exited = true;
    for (const [id, entry] of this.pending) {
      this.settle(id);
      entry.reject(new Error(`java-${this.version} ${entry.op}: the driver JVM ${how}\n${this.describe()}`));
    }
  }

  private settle(id: number): void {
    clearTimeout(this.pending.get(id)?.timer);
    this.pending.delete(id);
    if (this.pending.size === 0) this.setRef(false);
  }

  /** The JVM keeps the test process alive only while it owes answers. */
  private setRef(busy: boolean): void {
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) {
      const refable = handle as unknown as Refable | null;
      if (busy) refable?.ref();
      else refable?.unref();
    }
  }

  private describe(): string {
    return `--- driver stderr (tail) ---\n${this.stderrTail.slice(-4000)}`;
  }
}

const processes = new Map<JavaClientVersion, JavaDriverProcess>();

function driverProcess(version: JavaClientVersion): JavaDriverProcess {
  let jvm = processes.get(version);
  if (jvm === undefined || !jvm.alive) {
    jvm = new JavaDriverProcess(version);
    processes.set(version, jvm);
  }
  return jvm;
}

/** Runs one op of the Java driver (op names and fields: java/blink/driver/Ops.java). */
export function runJavaOp<T>(version: JavaClientVersion, bootstrap: string, op: string, args: Record<string, unknown>, timeoutMs = OPERATION_TIMEOUT_MS): Promise<T> {
  return driverProcess(version).call<T>(op, { bootstrap, ...args }, timeoutMs);
}

/** Ends every driver JVM of this test process (waits for the ops they are running). */
export async function closeJavaDrivers(): Promise<void> {
  const all = [...processes.values()];
  processes.clear();
  await Promise.all(all.map((jvm) => jvm.close()));
}

/** What the JVM answered for one timestamp lookup (null: no message at or after it). */
export type OffsetForTime = { offset: number; timestamp: number } | null;

export interface JavaClientDriver extends Required<ClientDriver> {
  /** kafka-clients version of the driver's classpath, e.g. "4.4.0". */
  clientVersion(): Promise<string>;
  /** ListOffsets by timestamp (KafkaConsumer.offsetsForTimes), timestamps[p] for partition p. */
  offsetsForTimes(topic: string, timestamps: readonly number[]): Promise<OffsetForTime[]>;
  /** DescribeConfigs of a topic or broker: name → value (dynamicOnly: only values set on the resource). */
  describeConfigs(resourceType: 'topic' | 'broker', name: string, dynamicOnly?: boolean): Promise<Map<string, string | null>>;
}

/** The Java driver has every optional op of the JSON protocol. */
const ALL_OPS: readonly OptionalOp[] = [
  'create_topic', 'delete_topic', 'consume', 'list_groups', 'describe_group', 'delete_groups', 'committed_offsets', 'commit_offsets',
];

/** `clientProps`: Java client settings every op's clients get (security.protocol, sasl.jaas.config …). */
export function javaDriver(version: JavaClientVersion, bootstrap: string, clientProps: Readonly<Record<string, string>> = {}): JavaClientDriver {
  const call: OpCall = <T>(op: string, args: Record<string, unknown>): Promise<T> => runJavaOp<T>(version, bootstrap, op, { ...args, client_props: clientProps });
  const name = `java-${version}`;
  // Every optional op is listed, so every optional method is there.
  const common = driverOverCalls({ name, label: name, codecs: ['gzip', 'snappy', 'lz4', 'zstd'], idempotence: true, ops: ALL_OPS }, call) as Required<ClientDriver>;
  return {
    ...common,
    async clientVersion(): Promise<string> {
      return (await call<{ kafka_clients: string }>('version', {})).kafka_clients;
    },
    async offsetsForTimes(topic: string, timestamps: readonly number[]): Promise<OffsetForTime[]> {
      return (await call<{ offsets: OffsetForTime[] }>('offsets_for_times', { topic, timestamps })).offsets;
    },
    async describeConfigs(resourceType: 'topic' | 'broker', name: string, dynamicOnly = false): Promise<Map<string, string | null>> {
      const result = await call<{ configs: Record<string, string | null> }>('describe_configs', { resource_type: resourceType, name, dynamic_only: dynamicOnly });
      return new Map(Object.entries(result.configs));
    },
  };
}
