/**
 * Consumer-group members as separate processes, one per member, so a test can close one
 * cleanly (LeaveGroup) or SIGKILL it (no LeaveGroup: the broker must notice the missing
 * heartbeats):
 *
 * - kafka-python, confluent-kafka (1.7 and 2.x): the Python driver's "group_member" op
 *   (run_member in driver_common.py);
 * - franz-go, sarama, kafka-go: the Go driver's "group_member" op (RunMember in
 *   go/internal/driver);
 * - kafkajs, @platformatic/kafka 2.x and 1.x: node_group_member.js on the project's Node;
 * - Kafka's Java clients 3.9 / 4.x: the Java driver's "group_member" op (java.ts, GroupMember.java);
 * - kcat: `kcat -G <group> <topic> -J` (librdkafka's high-level consumer).
 *
 * Every member reports the same events: its whole current assignment whenever it changes,
 * each consumed message, commits, errors. The Python, Go, Java and Node members speak JSON lines
 * (stdout events, stdin commands "commit" / "close"); kcat prints messages as JSON lines
 * and its rebalances on stderr, it cannot be told to commit (it auto-commits every
 * 5 s and on close) and closes on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NODE_BIN, REPO_ROOT, sleep, track } from '../harness.js';
import type { ConsumedMessage, Header } from './driver.js';
import { goDriverBinary, type GoClient } from './go.js';
import { javaDriverCommand } from './java.js';
import { fromKcatJson, type KcatJsonMessage } from './kcat.js';
import { pythonDriverCommand, type PythonClient } from './python.js';

export type MemberClient = 'kcat' | PythonClient | 'kafkajs' | 'platformatic' | 'platformatic-1' | GoClient | 'java-3.9' | 'java-4';

const PYTHON_MEMBERS: readonly string[] = ['kafka-python', 'confluent-kafka', 'confluent-kafka-2'] satisfies PythonClient[];
const GO_MEMBERS: readonly string[] = ['franz-go', 'sarama', 'kafka-go'] satisfies GoClient[];
const isPython = (client: MemberClient): client is PythonClient => PYTHON_MEMBERS.includes(client);
const isGo = (client: MemberClient): client is GoClient => GO_MEMBERS.includes(client);

export interface MemberOptions {
  topic: string;
  group: string;
  clientId: string;
  /**
   * Assignor (protocol) names in the client's own terms, in preference order; absent: the
   * client's default (librdkafka and kafka-python: range + roundrobin; kafkajs:
   * RoundRobinAssigner; platformatic: roundrobin).
   */
  assignors?: readonly string[];
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** JoinGroup rebalance timeout (max.poll.interval.ms where the client has no separate setting). */
  rebalanceTimeoutMs: number;
  /** Watchdog: the member process is killed after this long whatever happens. */
  lifetimeMs: number;
  /**
   * Extra fields of the Python, Go or Java driver's command (e.g. goDriverFields(), or
   * { group_protocol: 'consumer' } for a Java member).
   */
  driverOptions?: Readonly<Record<string, unknown>>;
}

/** Default assignor lists per client (the JoinGroup protocols they offer). */
export const DEFAULT_ASSIGNORS: Readonly<Record<MemberClient, readonly string[]>> = {
  kcat: ['range', 'roundrobin'],
  'kafka-python': ['range', 'roundrobin'],
  'confluent-kafka': ['range', 'roundrobin'],
  'confluent-kafka-2': ['range', 'roundrobin'],
  kafkajs: ['RoundRobinAssigner'],
  platformatic: ['roundrobin'],
  'platformatic-1': ['roundrobin'],
  'franz-go': ['cooperative-sticky'],
  sarama: ['range'],
  'kafka-go': ['range'],
  // Kafka's Java consumer default since 3.0: RangeAssignor, CooperativeStickyAssignor.
  'java-3.9': ['range', 'cooperative-sticky'],
  'java-4': ['range', 'cooperative-sticky'],
};

type WireHeader = [string, string | null];
interface WireEvent {
  event: 'started' | 'assignment' | 'message' | 'committed' | 'error' | 'closed';
  partitions?: number[];
  partition?: number;
  offset?: number;
  key?: string | null;
  value?: string | null;
  headers?: WireHeader[];
  offsets?: Record<string, number>;
  message?: string;
  type?: string;
}

export interface MemberError {
  at: number;
  message: string;
  /** The client's error name/type where it has one (e.g. kafkajs error.type). */
  type?: string;
}

const NODE_MEMBER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'node_group_member.js');
const KILL_WAIT_MS = 5_000;
const OUTPUT_KEEP_CHARS = 64 * 1024;


const unb64 = (text: string | null | undefined): Buffer | null => (text === null || text === undefined ? null : Buffer.from(text, 'base64'));

function sortedUnique(partitions: Iterable<number>): number[] {
  return [...new Set(partitions)].sort((a, b) => a - b);
}

function nodeMemberArgs(client: MemberClient, bootstrap: string, options: MemberOptions): { cmd: string; args: string[]; input: string } {
  const command = {
    client,
    bootstrap,
    topic: options.topic,
    group: options.group,
    client_id: options.clientId,
    assignors: options.assignors ?? DEFAULT_ASSIGNORS[client],
    session_timeout_ms: options.sessionTimeoutMs,
    heartbeat_interval_ms: options.heartbeatIntervalMs,
    rebalance_timeout_ms: options.rebalanceTimeoutMs,
    timeout_ms: options.lifetimeMs,
  };
  const driverCommand = `${JSON.stringify({ ...options.driverOptions, op: 'group_member', ...command })}\n`;
  if (client === 'java-3.9' || client === 'java-4') {
    const { cmd, args } = javaDriverCommand(client === 'java-4' ? '4' : '3.9');
    return { cmd, args, input: driverCommand };
  }
  if (isPython(client)) {
    const [python, script] = pythonDriverCommand(client);
    return { cmd: python, args: [script], input: driverCommand };
  }
  if (isGo(client)) return { cmd: goDriverBinary(client), args: [], input: driverCommand };
  return { cmd: NODE_BIN, args: [NODE_MEMBER_SCRIPT], input: `${JSON.stringify(command)}\n` };
}

function kcatArgs(bootstrap: string, options: MemberOptions): string[] {
  const assignors = options.assignors ?? DEFAULT_ASSIGNORS.kcat;
  return [
    // -u: unbuffered output (stdout is a pipe), so each message is seen when it is consumed.
    '-b', bootstrap, '-G', options.group, options.topic, '-J', '-u',
    '-X', `client.id=${options.clientId}`,
    '-X', `partition.assignment.strategy=${assignors.join(',')}`,
    '-X', `session.timeout.ms=${options.sessionTimeoutMs}`,
    '-X', `heartbeat.interval.ms=${options.heartbeatIntervalMs}`,
    '-X', `max.poll.interval.ms=${options.rebalanceTimeoutMs}`,
    // Auto-commit every 5 s (librdkafka's default) and on close. kcat's -X sets a property
    // on the topic configuration first when one has that name, and the topic configuration
    // has a legacy auto.commit.interval.ms, so the consumer's interval cannot be lowered.
    '-X', 'enable.auto.commit=true',
    // No -o: kcat -G would force that offset on every assigned partition and ignore the
    // committed ones. Without a committed offset, start at the beginning.
    '-X', 'topic.auto.offset.reset=earliest',
  ];
}

export class GroupMember {
  readonly client: MemberClient;
  readonly options: MemberOptions;
  private readonly child: ChildProcess;
  private readonly startedAt = Date.now();
  private readonly consumed: ConsumedMessage[] = [];
  private readonly errorList: MemberError[] = [];
  private readonly history: Array<{ at: number; partitions: number[] }> = [];
  private current: number[] | undefined;
  private stdoutRest = '';
  private stderrRest = '';
  private stderrTail = '';
  private readonly pendingCommits: Array<{ resolve: (offsets: Map<number, number>) => void; reject: (error: Error) => void }> = [];
  private closedEvent = false;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<void>;
  private readonly watchdog: NodeJS.Timeout;

  private constructor(client: MemberClient, bootstrap: string, options: MemberOptions) {
    this.client = client;
    this.options = options;
    let input: string | undefined;
    if (client === 'kcat') {
      this.child = spawn('kcat', kcatArgs(bootstrap, options), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    } else {
      const spec = nodeMemberArgs(client, bootstrap, options);
      this.child = spawn(spec.cmd, spec.args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      input = spec.input;
    }
    // Killed with the test process, also when a signal ends it (harness.track).
    track(this.child);
    this.exitPromise = new Promise((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        clearTimeout(this.watchdog);
        resolveExit();
      });
    });
    this.child.once('error', (error) => this.errorList.push({ at: Date.now(), message: `spawn: ${error.message}` }));
    this.watchdog = setTimeout(() => this.child.kill('SIGKILL'), options.lifetimeMs + 10_000);
    this.watchdog.unref();
    this.child.stdout!.on('data', (chunk: Buffer) => this.onStdout(chunk.toString('utf8')));
    this.child.stderr!.on('data', (chunk: Buffer) => this.onStderr(chunk.toString('utf8')));
    if (input !== undefined) {
      this.child.stdin!.on('error', () => undefined);
      this.child.stdin!.write(input);
    }
  }

  /** Starts a member process; it joins the group in the background. */
  static start(client: MemberClient, bootstrap: string, options: MemberOptions): GroupMember {
    return new GroupMember(client, bootstrap, options);
  }

  get label(): string {
    return `${this.client} member ${this.options.clientId}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Can it be told to commit? (kcat only auto-commits.) */
  get explicitCommits(): boolean {
    return this.client !== 'kcat';
  }

  /** The member's whole current assignment (partitions of the test topic), once it has one. */
  get assignment(): number[] | undefined {
    return this.current;
  }

  get assignments(): ReadonlyArray<{ at: number; partitions: number[] }> {
    return this.history;
  }

  get messages(): readonly ConsumedMessage[] {
    return this.consumed;
  }

  get errors(): readonly MemberError[] {
    return this.errorList;
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /** The member's recent history for assertion messages. */
  describe(): string {
    const status = this.exitInfo === undefined ? 'running' : `exited (code ${this.exitInfo.code}, signal ${this.exitInfo.signal})`;
    const assignments = this.history.map((h) => `+${h.at - this.startedAt}ms ${JSON.stringify(h.partitions)}`).join(', ');
    const errors = this.errorList.slice(-5).map((e) => `+${e.at - this.startedAt}ms ${e.type ?? ''} ${e.message}`).join('\n  ');
    return `${this.label} [${status}] assignments: ${assignments || 'none'}; messages: ${this.consumed.length}` +
      `${errors ? `\n  errors:\n  ${errors}` : ''}\n  --- stderr tail ---\n${this.stderrTail.slice(-3000)}`;
  }

  /** Commits the position after the last consumed message of each partition; resolves with those offsets. */
  async commit(timeoutMs: number): Promise<Map<number, number>> {
    if (!this.explicitCommits) throw new Error(`${this.label}: kcat cannot be told to commit (it auto-commits)`);
    const answer = new Promise<Map<number, number>>((resolve, reject) => this.pendingCommits.push({ resolve, reject }));
    this.send({ cmd: 'commit' });
    return this.within(answer, timeoutMs, 'commit');
  }

  /** Closes the consumer cleanly (LeaveGroup) and waits for the process to exit with code 0. */
  async close(timeoutMs: number): Promise<void> {
    if (this.exitInfo === undefined) {
      if (this.client === 'kcat') this.child.kill('SIGTERM');
      else this.send({ cmd: 'close' });
    }
    await this.within(this.exitPromise, timeoutMs, 'close');
    const ok = this.exitInfo?.code === 0 && (this.client === 'kcat' || this.closedEvent);
    if (!ok) throw new Error(`${this.label}: did not close cleanly\n${this.describe()}`);
  }

  /** SIGKILL: no LeaveGroup, no commit. */
  async kill(): Promise<void> {
    if (this.exitInfo === undefined) this.child.kill('SIGKILL');
    await this.within(this.exitPromise, KILL_WAIT_MS, 'exit after SIGKILL');
  }

  /** Ends the process whatever its state (test cleanup). */
  async dispose(): Promise<void> {
    if (this.exitInfo === undefined) {
      this.child.kill('SIGKILL');
      await Promise.race([this.exitPromise, sleep(KILL_WAIT_MS)]);
    }
  }

  /**
   * Polls `probe` (every 50 ms) until it returns a value; fails after `timeoutMs`, or as
   * soon as the member process has exited, with the member's history.
   */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (this.exitInfo !== undefined) throw new Error(`${this.label}: exited while waiting for ${what}\n${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`${this.label}: ${what} not reached within ${timeoutMs} ms\n${this.describe()}`);
      await sleep(50);
    }
  }

  private async within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.label}: ${what} timed out after ${timeoutMs} ms\n${this.describe()}`)), timeoutMs);
    });
    const exited = this.exitPromise.then(() => {
      if (what === 'commit') throw new Error(`${this.label}: exited during ${what}\n${this.describe()}`);
      return undefined as never;
    });
    try {
      return await Promise.race(what === 'commit' ? [promise, timeout, exited] : [promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private send(command: Record<string, unknown>): void {
    if (this.exitInfo !== undefined) throw new Error(`${this.label}: cannot send ${JSON.stringify(command)}, the process has exited\n${this.describe()}`);
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  private setAssignment(partitions: number[]): void {
    this.current = sortedUnique(partitions);
    this.history.push({ at: Date.now(), partitions: this.current });
  }

  private onStdout(text: string): void {
    const lines = (this.stdoutRest + text).split('\n');
    this.stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        this.errorList.push({ at: Date.now(), message: `unparsable output line: ${line.slice(0, 200)}` });
        continue;
      }
      if (this.client === 'kcat') this.consumed.push(fromKcatJson(parsed as KcatJsonMessage));
      else this.onEvent(parsed as WireEvent);
    }
  }

  private onEvent(event: WireEvent): void {
    switch (event.event) {
      case 'assignment':
        this.setAssignment(event.partitions ?? []);
        break;
      case 'message':
        this.consumed.push({
          partition: event.partition!,
          offset: event.offset!,
          key: unb64(event.key),
          value: unb64(event.value),
          headers: (event.headers ?? []).map(([key, value]): Header => [key, unb64(value) ?? Buffer.alloc(0)]),
        });
        break;
      case 'committed': {
        const offsets = new Map(Object.entries(event.offsets ?? {}).map(([p, o]) => [Number(p), o]));
        this.pendingCommits.shift()?.resolve(offsets);
        break;
      }
      case 'error':
        this.errorList.push({ at: Date.now(), message: event.message ?? '', ...(event.type === undefined ? {} : { type: event.type }) });
        if (event.type === 'commit') this.pendingCommits.shift()?.reject(new Error(`${this.label}: commit failed: ${event.message}\n${this.describe()}`));
        break;
      case 'closed':
        this.closedEvent = true;
        break;
      default:
        break;
    }
  }


  private onStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-OUTPUT_KEEP_CHARS);
    if (this.client !== 'kcat') return;
    const lines = (this.stderrRest + text).split('\n');
    this.stderrRest = lines.pop() ?? '';
    for (const line of lines) this.onKcatStderrLine(line);
  }

  /**
   * kcat 1.7.1 reports rebalances on stderr:
   *   eager:       "% Group G rebalanced (memberid M): assigned: T [0], T [2]" / "...: revoked: T [0]"
   *   cooperative: "% Group G rebalanced: incremental assignment of 2 partition(s) (memberid M,
   *                 COOPERATIVE rebalance protocol): T [0], T [2]" / "incremental revoke of ..."
   */
  private onKcatStderrLine(line: string): void {
    const partitionsIn = (list: string): number[] => {
      const found: number[] = [];
      for (const match of list.matchAll(/(\S+) \[(\d+)\]/g)) if (match[1] === this.options.topic) found.push(Number(match[2]));
      return found;
    };
    const eager = /rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)$/.exec(line);
    if (eager !== null) {
      this.setAssignment(eager[1] === 'assigned' ? partitionsIn(eager[2]!) : []);
      return;
    }
    const incremental = /rebalanced: incremental (assignment|revoke) of \d+ partition\(s\) \([^)]*\): ?(.*)$/.exec(line);
    if (incremental !== null) {
      const changed = partitionsIn(incremental[2]!);
      const before = this.current ?? [];
      this.setAssignment(incremental[1] === 'assignment' ? [...before, ...changed] : before.filter((p) => !changed.includes(p)));
      return;
    }
    if (/ERROR|FATAL|[Ff]ailed/.test(line)) this.errorList.push({ at: Date.now(), message: line });
  }
}
