/**
 * Issue 14 item 1 against the reference: every golden bad batch (test/support/bad-batches.ts)
 * is produced (Produce v9, acks=-1) to a real Apache Kafka 3.9 and to Blink. Blink answers
 * what the golden list says, and so does Kafka, except where the list records a deliberate
 * deviation (then Kafka's own answer is checked, so the deviation stays exactly what is
 * documented). A good batch follows each bad one into the same partition; kcat then reads
 * the partition from offset 0 and gets every good record, in order: a refused batch never
 * blocks a consumer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CreateTopicsApi, type CreateTopicsRequest } from '../../src/wire/messages/19-create-topics.js';
import { ProduceApi, type ProduceResponse } from '../../src/wire/messages/00-produce.js';
import { buildBatch, values } from '../support/batch-builder.js';
import { GOLDEN_BAD_BATCHES, type GoldenBatch } from '../support/bad-batches.js';
import { kcatDriver } from './clients/kcat.js';
import { sleep, startBroker, uniqueTopic, type BrokerHandle } from './harness.js';
import { startApacheKafka, type ApacheKafkaHandle } from './support/apache-kafka.js';
import { CodecClient } from './support/codec-client.js';

const PRODUCE_VERSION = 9;
const CREATE_TOPICS_VERSION = 5;
const GOOD_RECORDS_PER_CASE = 2;

interface Answer {
  errorCode: number;
  errorMessage: string | null;
  recordErrors: number[];
}

async function createTopic(client: CodecClient, name: string, configs: Readonly<Record<string, string>>): Promise<void> {
  const request: CreateTopicsRequest = {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 30_000,
    validateOnly: false,
  };
  const response = await client.request(CreateTopicsApi, CREATE_TOPICS_VERSION, request);
  const created = response.topics?.[0];
  assert.equal(created?.errorCode, 0, `create ${name}: ${created?.errorMessage}`);
}

/** A topic Kafka has just created may not have its leader yet: these answers are retried (never a golden answer). */
const NOT_READY = new Set([3, 5, 6]);
const READY_WAIT_MS = 20_000;

async function produce(client: CodecClient, topic: string, build: () => Buffer): Promise<Answer> {
  const deadline = Date.now() + READY_WAIT_MS;
  for (;;) {
    const answer = await produceOnce(client, topic, build());
    if (!NOT_READY.has(answer.errorCode) || Date.now() > deadline) return answer;
    await sleep(200);
  }
}

async function produceOnce(client: CodecClient, topic: string, records: Buffer): Promise<Answer> {
  const body = { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] };
  const response: ProduceResponse = await client.request(ProduceApi, PRODUCE_VERSION, body, 60_000);
  const partition = response.responses?.[0]?.partitionResponses?.[0];
  assert.ok(partition, `a produce answer for ${topic}`);
  return { errorCode: partition.errorCode ?? -1, errorMessage: partition.errorMessage ?? null, recordErrors: (partition.recordErrors ?? []).map((e) => e.batchIndex ?? -1) };
}

interface Broker {
  readonly name: string;
  readonly bootstrap: string;
  readonly client: CodecClient;
}

describe('produce validation: golden bad batches on Apache Kafka 3.9 and on Blink', { timeout: 300_000 }, () => {
  let kafka: ApacheKafkaHandle;
  let blink: BrokerHandle;
  const brokers: Broker[] = [];

  before(async () => {
    // One after the other: both starting at once on 2 busy cores makes either miss its deadline.
    kafka = await startApacheKafka({ version: '3.9', heapMb: 512 });
    blink = await startBroker({ readyTimeoutMs: 60_000 });
    brokers.push({ name: 'kafka', bootstrap: kafka.bootstrap, client: await CodecClient.connect(kafka.port) });
    brokers.push({ name: 'blink', bootstrap: blink.bootstrap, client: await CodecClient.connect(blink.kafkaPort) });
  });

  after(async () => {
    for (const broker of brokers) broker.client.close();
    await Promise.all([kafka?.stop(), blink?.stop()]);
  });

  /** Each case's answer from both brokers, then the good batch after it. */
  async function answers(golden: GoldenBatch, topic: string): Promise<Map<string, Answer>> {
    const found = new Map<string, Answer>();
    for (const broker of brokers) {
      found.set(broker.name, await produce(broker.client, topic, () => golden.build(Date.now())));
      const good = await produce(broker.client, topic, () => buildBatch(values(GOOD_RECORDS_PER_CASE, `after ${golden.name} `), { baseTimestamp: Date.now() }));
      assert.equal(good.errorCode, 0, `${broker.name}: the good batch after "${golden.name}": ${good.errorMessage}`);
    }
    return found;
  }

  test('each golden batch gets the golden answer from Blink and Kafka\'s own (or the documented deviation); consumers read past every one', async () => {
    const shared = uniqueTopic('golden');
    for (const broker of brokers) await createTopic(broker.client, shared, {});
    const report: string[] = [];
    const mismatches: string[] = [];
    const expect = (what: string, actual: unknown, expected: unknown): void => {
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    };
    for (const golden of GOLDEN_BAD_BATCHES) {
      const topic = golden.topicConfigs === undefined ? shared : uniqueTopic('golden-configured');
      if (golden.topicConfigs !== undefined) for (const broker of brokers) await createTopic(broker.client, topic, golden.topicConfigs);
      const found = await answers(golden, topic);
      const [kafkaAnswer, blinkAnswer] = [found.get('kafka')!, found.get('blink')!];
      report.push(`${golden.name}: kafka ${kafkaAnswer.errorCode} (${kafkaAnswer.errorMessage}), blink ${blinkAnswer.errorCode} (${blinkAnswer.errorMessage})`);
      expect(`blink, "${golden.name}"`, blinkAnswer.errorCode, golden.errorCode);
      expect(`blink record_errors, "${golden.name}"`, blinkAnswer.recordErrors, golden.recordErrors ?? []);
      expect(`kafka, "${golden.name}"`, kafkaAnswer.errorCode, golden.kafka?.errorCode ?? golden.errorCode);
      if (golden.kafka === undefined && golden.recordErrors !== undefined) expect(`kafka record_errors, "${golden.name}"`, kafkaAnswer.recordErrors, golden.recordErrors);
    }
    assert.deepEqual(mismatches, [], `answers:\n${report.join('\n')}`);
    const unconfigured = GOLDEN_BAD_BATCHES.filter((g) => g.topicConfigs === undefined);
    const deviations = unconfigured.filter((g) => g.kafka?.errorCode === 0).length;
    const consumed = await kcatDriver(blink.bootstrap).consume!(shared, [{ partition: 0, start: 0, end: unconfigured.length * GOOD_RECORDS_PER_CASE }]);
    assert.equal(consumed.length, unconfigured.length * GOOD_RECORDS_PER_CASE, 'kcat reads every good record of the shared partition');
    assert.deepEqual(consumed.map((m) => m.offset), consumed.map((_, i) => i));
    assert.ok(deviations < unconfigured.length, 'most cases are refused by Kafka too');
  });
});
