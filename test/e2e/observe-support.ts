/**
 * Shared pieces of the observability e2e tests (metrics, alerts, the Grafana dashboard, the
 * live dashboard): traffic made by real clients (kcat produces, a kafkajs consumer group
 * consumes and commits) and readings of the broker's own view of a group.
 */
import assert from 'node:assert/strict';

import kafkajs from './clients/kafkajs-lib.js';
import { rest } from './admin-support.js';
import { describeRun, run, waitFor, type BrokerHandle } from './harness.js';

const { Kafka, logLevel } = kafkajs;

export const KCAT_TIMEOUT_MS = 30_000;
export const CONSUME_TIMEOUT_MS = 30_000;

/** kcat produces `lines` ("key:value") to one partition, in one batch, with `headers` ("name=value") on each. */
export async function kcatProduceTo(broker: BrokerHandle, topic: string, partition: number, lines: readonly string[], headers: readonly string[] = []): Promise<void> {
  const args = ['-P', '-b', broker.bootstrap, '-t', topic, '-p', String(partition), '-K', ':', '-X', `batch.num.messages=${Math.max(1, lines.length)}`, '-X', 'linger.ms=100'];
  for (const header of headers) args.push('-H', header);
  const result = await run('kcat', args, { input: lines.map((l) => `${l}\n`).join(''), timeoutMs: KCAT_TIMEOUT_MS });
  assert.equal(result.code, 0, describeRun(`kcat produce ${topic}-${partition}`, result));
}

/** The broker's total lag of a group (GET /api/v1/groups/{id}), or undefined while it does not exist. */
export async function brokerTotalLag(broker: BrokerHandle, groupId: string): Promise<number | null | undefined> {
  const answer = await rest(broker, 'GET', `/api/v1/groups/${encodeURIComponent(groupId)}`);
  return answer.status === 200 ? (answer.json.totalLag as number | null) : undefined;
}

/**
 * A kafkajs consumer in `groupId` reads `topic` from the beginning until it has seen
 * `count` records and the group's commits cover them (the broker's lag reaches `lagAfter`),
 * then leaves: the group is Empty with its offsets committed.
 */
export async function consumeWithGroup(broker: BrokerHandle, groupId: string, topic: string, count: number, lagAfter = 0): Promise<Array<{ partition: number; offset: number }>> {
  const kafka = new Kafka({ clientId: `e2e-${groupId}`, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 });
  const seen: Array<{ partition: number; offset: number }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async ({ partition, message }) => void seen.push({ partition, offset: Number(message.offset) }) });
    await waitFor(`${groupId} consumed ${count} records of ${topic}`, CONSUME_TIMEOUT_MS, async () => (seen.length >= count ? true : undefined));
    await waitFor(`${groupId} committed up to lag ${lagAfter}`, CONSUME_TIMEOUT_MS, async () => ((await brokerTotalLag(broker, groupId)) === lagAfter ? true : undefined));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
