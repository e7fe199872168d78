/**
 * Shared helpers of the storage e2e tests: the confluent-kafka storage driver
 * (storage/storage_client.py) and its acks=all produce stream with the kcat read-back that
 * checks it, Prometheus scraping, RSS sampling and raw ListOffsets via
 * kafkajs' admin.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import kafkajs from './clients/kafkajs-lib.js';
import { describeRun, freePorts, REPO_ROOT, run, startBroker, track, type BrokerHandle, type BrokerOptions } from './harness.js';

const { Kafka, logLevel } = kafkajs;

export const PYTHON = '/usr/bin/python3';
export const STORAGE_CLIENT = join(REPO_ROOT, 'test/e2e/storage/storage_client.py');

/** Runs one storage_client.py op to completion (its own watchdog is `timeoutS`). */
export async function storageOp<T>(op: string, args: Record<string, unknown>, timeoutS = 120): Promise<T> {
  const result = await run(PYTHON, [STORAGE_CLIENT, op, JSON.stringify({ ...args, timeout_s: timeoutS })], { timeoutMs: (timeoutS + 10) * 1000 });
  if (result.code !== 0) throw new Error(describeRun(`storage_client ${op}`, result));
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? 'null') as T;
}

/** "partition offset digest" lines written by produce_mixed / consume_digest. */
export async function digestLines(path: string): Promise<Map<string, string>> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
  const byOffset = new Map<string, string>();
  for (const line of lines) {
    const [partition, offset, digest] = line.split(' ');
    const key = `${partition}:${offset}`;
    if (byOffset.has(key)) throw new Error(`${path}: ${key} appears twice`);
    byOffset.set(key, digest);
  }
  return byOffset;
}

/** The value of one un-labelled metric from GET /prometheus. */
export async function metric(restUrl: string, name: string): Promise<number> {
  return (await scrape(restUrl))(name);
}

/** One GET /prometheus, read series by series (`name` with its labels as exported, e.g. `x{state="free"}`): values of one moment. */
export async function scrape(restUrl: string): Promise<(series: string) => number> {
  const lines = (await (await fetch(`${restUrl}/prometheus`, { signal: AbortSignal.timeout(5_000) })).text()).split('\n');
  return (series) => {
    const line = lines.find((l) => l.startsWith(`${series} `));
    if (line === undefined) throw new Error(`metric ${series} not exported`);
    return Number(line.split(' ')[1]);
  };
}

/** Resident set size of a process (VmRSS), bytes. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Samples the RSS of `pid` every `intervalMs` until stopped; returns the largest seen. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number } {
  let max = 0;
  const timer = setInterval(() => {
    rssBytes(pid).then(
      (rss) => {
        max = Math.max(max, rss);
      },
      () => undefined,
    );
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}

export interface RestartableBroker {
  /** The broker running now (another after each `restart` or `start`). */
  readonly broker: BrokerHandle;
  /** Its data directory and ports, the same across restarts. */
  readonly storagePath: string;
  /** kill -9, then a new broker on the same directory and ports. */
  restart(): Promise<void>;
  /** A new broker on the same directory and ports, once the test has stopped or killed the last one. */
  start(): Promise<void>;
}

/**
 * A broker of the enclosing describe (or test file: started before its tests, stopped and its
 * directory removed after them) on a data directory and ports of its own, which `restart` and
 * `start` keep: the durable-mode tests.
 */
export function restartableBroker(label: string, env: Record<string, string>, options: Pick<BrokerOptions, 'readyTimeoutMs'> = {}): RestartableBroker {
  let broker: BrokerHandle | undefined;
  let reuse: { storagePath: string; kafkaPort: number; restPort: number } | undefined;
  const running = (): BrokerHandle => broker ?? assert.fail(`${label}: no broker (before() did not run)`);
  const start = async (): Promise<void> => {
    broker = await startBroker({ ...options, env, reuse });
  };
  before(async () => {
    const [kafkaPort, restPort] = (await freePorts(2)) as [number, number];
    reuse = { storagePath: await mkdtemp(join(tmpdir(), `blink-${label}-`)), kafkaPort, restPort };
    await start();
  });
  after(async () => {
    await broker?.stop();
    if (reuse !== undefined) await rm(reuse.storagePath, { recursive: true, force: true });
  });
  return {
    get broker() {
      return running();
    },
    get storagePath() {
      return reuse?.storagePath ?? assert.fail(`${label}: no data directory (before() did not run)`);
    },
    async restart() {
      await running().kill();
      await start();
    },
    start,
  };
}

export function kafkajsAdmin(bootstrap: string) {
  return new Kafka({ clientId: 'storage-e2e', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } }).admin();
}

export async function createTopic(bootstrap: string, topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const admin = kafkajsAdmin(bootstrap);
  await admin.connect();
  try {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    });
    if (!created) throw new Error(`topic ${topic} already exists`);
  } finally {
    await admin.disconnect();
  }
}

/** Earliest and latest offset of every partition (kafkajs ListOffsets). */
export async function offsetsOf(bootstrap: string, topic: string): Promise<Array<{ partition: number; earliest: number; latest: number }>> {
  const admin = kafkajsAdmin(bootstrap);
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, earliest: Number(o.low), latest: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** The HTTP status of GET /health/ready. */
export async function readyStatus(restUrl: string): Promise<number> {
  const response = await fetch(`${restUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status;
}

export interface StreamResult {
  acks: Map<number, { partition: number; offset: number }>;
  failures: string[];
}

/**
 * Runs storage_client.py's produce_stream (confluent-kafka, acks=all, idempotent: messages
 * numbered 0..count-1, round-robin over the partitions); resolves once it printed "done";
 * calls onAck with the number of acks so far. `args` are the op's fields.
 */
export function produceStream(args: Record<string, unknown>, onAck: (acked: number) => void): { result: Promise<StreamResult>; kill(): void } {
  const child = spawn(PYTHON, [STORAGE_CLIENT, 'produce_stream', JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const acks: StreamResult['acks'] = new Map();
  const failures: string[] = [];
  const lines = createInterface({ input: child.stdout });
  const result = new Promise<StreamResult>((resolve, reject) => {
    let done = false;
    lines.on('line', (line) => {
      const [kind, a, b, c] = line.split(' ');
      if (kind === 'ack') {
        const i = Number(c);
        if (acks.has(i)) failures.push(`message ${i} acknowledged twice`);
        acks.set(i, { partition: Number(a), offset: Number(b) });
        onAck(acks.size);
      } else if (kind === 'fail') {
        failures.push(line);
      } else if (kind === 'done') {
        done = true;
      }
    });
    child.once('close', (code) => (done && code === 0 ? resolve({ acks, failures }) : reject(new Error(`produce_stream exited ${code} before "done"\n${stderr}`))));
  });
  return { result, kill: () => child.kill('SIGKILL') };
}

/** One line per record of one partition, as kcat formats it (`format`, without the newline), from the beginning. */
export async function kcatLines(bootstrap: string, topic: string, partition: number, format: string): Promise<string[]> {
  const result = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', `${format}\n`], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.split('\n').filter((line) => line !== '');
}

/** Every message of one partition as [offset, message number], via kcat from the beginning. */
export async function readBack(bootstrap: string, topic: string, partition: number): Promise<Array<[number, number]>> {
  return (await kcatLines(bootstrap, topic, partition, '%o %s')).map((line) => {
    const [offset, value] = line.split(' ');
    return [Number(offset), Number(value.split('-')[1])];
  });
}

/**
 * Reads each partition of `topic` back (kcat) and asserts that no message is stored twice,
 * that a partition's messages are in order, and that every acknowledged message is at the
 * offset its acknowledgement named.
 */
export async function assertStoredAsAcknowledged(bootstrap: string, topic: string, partitions: number, acks: StreamResult['acks']): Promise<void> {
  for (let partition = 0; partition < partitions; partition++) {
    const stored = await readBack(bootstrap, topic, partition);
    const at = new Map<number, number>();
    let previous = -1;
    for (const [offset, message] of stored) {
      assert.ok(!at.has(message), `message ${message} stored twice (offsets ${at.get(message)} and ${offset})`);
      assert.ok(message > previous, `partition ${partition}: message ${message} after ${previous}: out of order`);
      at.set(message, offset);
      previous = message;
    }
    for (const [message, ack] of acks) {
      if (ack.partition === partition) assert.equal(at.get(message), ack.offset, `message ${message} acknowledged at ${partition}:${ack.offset}`);
    }
  }
}
