/**
 * Shared helpers of the storage e2e tests: the confluent-kafka storage driver
 * (storage/storage_client.py), Prometheus scraping, RSS sampling and raw ListOffsets via
 * kafkajs' admin.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import kafkajs from './clients/kafkajs-lib.js';
import { describeRun, REPO_ROOT, run } from './harness.js';

const { Kafka, logLevel } = kafkajs;

const PYTHON = '/usr/bin/python3';
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
  const text = await (await fetch(`${restUrl}/prometheus`, { signal: AbortSignal.timeout(5_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`metric ${name} not exported`);
  return Number(line.split(' ')[1]);
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
