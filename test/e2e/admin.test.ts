/**
 * Topic administration through a real admin client (kafkajs 2.2.4) against the broker
 * process: CreateTopics (and its refusals), CreatePartitions, DeleteRecords,
 * DescribeConfigs and the cluster description. Results are read back with the admin
 * client, a producer, kcat and hand-built Fetch v4 frames.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import kafkajs from './clients/kafkajs-lib.js';
import type { Admin, ITopicConfig, Kafka as KafkaClient, Producer } from 'kafkajs';

import { TEST_TIMEOUT_MS } from './client-suite.js';
import { describeRun, run, startBroker, uniqueTopic, withTimeout, type BrokerHandle } from './harness.js';
import { rawFetch } from './raw-kafka.js';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

const OPERATION_TIMEOUT_MS = 30_000;
const CLIENT_TIMEOUT_MS = 60_000;
const ONE_MIB = 1024 * 1024;
/** Kafka error codes asserted on the wire (Errors.java). */
const OFFSET_OUT_OF_RANGE = 1;
const NONE = 0;
/** DescribeConfigs config_source values. */
const TOPIC_CONFIG = 1;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;
/** The broker's RETENTION for this file, and what DescribeConfigs must answer for it. */
const RETENTION = '5m';
const RETENTION_MS = '300000';

let brokerHandle: BrokerHandle | undefined;
let kafka: KafkaClient;
let admin: Admin;
let producer: Producer;

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

before(async () => {
  brokerHandle = await startBroker({ env: { AUTO_CREATE_TOPICS: 'false', RETENTION } });
  kafka = new Kafka({
    clientId: 'e2e-admin',
    brokers: [broker().bootstrap],
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await withTimeout(admin.connect(), OPERATION_TIMEOUT_MS, 'kafkajs admin connect');
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await withTimeout(producer.connect(), OPERATION_TIMEOUT_MS, 'kafkajs producer connect');
});

after(async () => {
  // The clients first, while the broker still answers; then the broker.
  await producer?.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  if (brokerHandle === undefined) return;
  const crashed = brokerHandle.exited();
  await brokerHandle.stop();
  if (crashed || brokerHandle.stderr().trim() !== '') {
    console.error(`--- broker stderr (${crashed ? 'exited during the tests' : 'warnings'}) ---\n${brokerHandle.stderr().slice(-8000)}`);
  }
});

function bounded<T>(promise: Promise<T>, label: string): Promise<T> {
  return withTimeout(promise, OPERATION_TIMEOUT_MS, `kafkajs ${label}`);
}

async function createTopic(topic: string, numPartitions: number, configEntries?: ITopicConfig['configEntries']): Promise<void> {
  const created = await bounded(admin.createTopics({ topics: [{ topic, numPartitions, configEntries }], timeout: 10_000 }), `createTopics ${topic}`);
  assert.equal(created, true, `createTopics ${topic} resolves true`);
}

/** The Kafka error type names kafkajs reports for a failed admin call (one per topic error). */
async function errorTypes(label: string, call: () => Promise<unknown>): Promise<string[]> {
  let outcome: unknown;
  try {
    outcome = await bounded(call(), label);
  } catch (error) {
    const failure = error as { type?: string; errors?: Array<{ type?: string }>; name?: string; message?: string };
    if (Array.isArray(failure.errors)) return failure.errors.map((e) => e.type ?? `untyped: ${JSON.stringify(e)}`);
    if (failure.type !== undefined) return [failure.type];
    throw new Error(`${label}: an error without a Kafka error type: ${failure.name}: ${failure.message}`);
  }
  assert.fail(`${label}: expected a refusal, got ${JSON.stringify(outcome)}`);
}

async function topicOffsets(topic: string): Promise<Array<{ partition: number; low: string; high: string }>> {
  const offsets = await bounded(admin.fetchTopicOffsets(topic), `fetchTopicOffsets ${topic}`);
  return offsets.map(({ partition, low, high }) => ({ partition, low, high })).sort((a, b) => a.partition - b.partition);
}

describe('CreateTopics and CreatePartitions (kafkajs admin)', () => {
  test('a 2-partition topic grown to 5 partitions: metadata lists 5, and partition 4 takes records', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('grow');
    await createTopic(topic, 2);
    await bounded(admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] }), 'createPartitions');
    const metadata = await bounded(admin.fetchTopicMetadata({ topics: [topic] }), 'fetchTopicMetadata');
    assert.equal(metadata.topics.length, 1);
    const [described] = metadata.topics;
    assert.equal(described!.name, topic);
    assert.deepEqual(
      described!.partitions
        .map(({ partitionId, leader, replicas, isr, partitionErrorCode }) => ({ partitionId, leader, replicas, isr, partitionErrorCode }))
        .sort((a, b) => a.partitionId - b.partitionId),
      [0, 1, 2, 3, 4].map((partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: NONE })),
    );

    const sent = await bounded(producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'to-partition-4', partition: 4 }] }), 'send');
    assert.deepEqual(
      sent.map(({ topicName, partition, errorCode, baseOffset }) => ({ topicName, partition, errorCode, baseOffset })),
      [{ topicName: topic, partition: 4, errorCode: NONE, baseOffset: '0' }],
    );
    assert.deepEqual(await topicOffsets(topic), [0, 1, 2, 3, 4].map((partition) => ({ partition, low: '0', high: partition === 4 ? '1' : '0' })));
  });

  test('CreatePartitions to fewer partitions than the topic has fails with INVALID_PARTITIONS', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('shrink');
    await createTopic(topic, 5);
    const types = await errorTypes('createPartitions 5 -> 3', () => admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] }));
    assert.deepEqual(types, ['INVALID_PARTITIONS']);
    const metadata = await bounded(admin.fetchTopicMetadata({ topics: [topic] }), 'fetchTopicMetadata');
    assert.equal(metadata.topics[0]!.partitions.length, 5, 'still 5 partitions');
  });

  test('CreateTopics on an existing topic: TOPIC_ALREADY_EXISTS (kafkajs resolves false)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('exists');
    await createTopic(topic, 1);
    const again = await bounded(admin.createTopics({ topics: [{ topic, numPartitions: 3 }], timeout: 10_000 }), 'createTopics again');
    assert.equal(again, false, 'kafkajs answers false exactly when every topic error is TOPIC_ALREADY_EXISTS');
    const metadata = await bounded(admin.fetchTopicMetadata({ topics: [topic] }), 'fetchTopicMetadata');
    assert.equal(metadata.topics[0]!.partitions.length, 1, 'the existing topic keeps its 1 partition');
  });

  test('CreateTopics refusals: an invalid name, replication factor 3, an unknown config', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.deepEqual(
      await errorTypes('createTopics "bad topic!"', () => admin.createTopics({ topics: [{ topic: 'bad topic!', numPartitions: 1 }], timeout: 10_000 })),
      ['INVALID_TOPIC_EXCEPTION'],
    );
    const replicated = uniqueTopic('rf3');
    assert.deepEqual(
      await errorTypes('createTopics replicationFactor 3', () =>
        admin.createTopics({ topics: [{ topic: replicated, numPartitions: 1, replicationFactor: 3 }], timeout: 10_000 }),
      ),
      ['INVALID_REPLICATION_FACTOR'],
    );
    const configured = uniqueTopic('bad-config');
    assert.deepEqual(
      await errorTypes('createTopics unknown config', () =>
        admin.createTopics({ topics: [{ topic: configured, numPartitions: 1, configEntries: [{ name: 'no.such.config', value: '1' }] }], timeout: 10_000 }),
      ),
      ['INVALID_CONFIG'],
    );
    const names = await bounded(admin.listTopics(), 'listTopics');
    for (const refused of ['bad topic!', replicated, configured]) assert.equal(names.includes(refused), false, `${refused} was not created`);
  });
});

describe('DeleteRecords (kafkajs admin)', () => {
  test('deleteTopicRecords to offset 3 of 10 records: low 3, high 10; consumers start at 3; offset 0 is OFFSET_OUT_OF_RANGE', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('delete-records');
    await createTopic(topic, 1);
    // Two sends, so the cut falls inside the first batch (offsets 0-4) and the second stays whole.
    for (const half of [0, 5]) {
      const messages = Array.from({ length: 5 }, (_, i) => ({ key: `k${half + i}`, value: `v${half + i}`, partition: 0 }));
      const sent = await bounded(producer.send({ topic, acks: -1, messages }), 'send');
      assert.deepEqual(sent.map((r) => [r.partition, r.errorCode, r.baseOffset]), [[0, NONE, String(half)]]);
    }
    assert.deepEqual(await topicOffsets(topic), [{ partition: 0, low: '0', high: '10' }]);

    await bounded(admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] }), 'deleteTopicRecords');
    assert.deepEqual(await topicOffsets(topic), [{ partition: 0, low: '3', high: '10' }]);

    const args = ['-C', '-b', broker().bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-J'];
    const kcat = await run('kcat', args, { timeoutMs: CLIENT_TIMEOUT_MS });
    assert.equal(kcat.code, 0, describeRun('kcat from the beginning', kcat));
    const consumed = kcat.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { offset: number; key: string; payload: string })
      .map(({ offset, key, payload }) => [offset, key, payload]);
    assert.deepEqual(consumed, [3, 4, 5, 6, 7, 8, 9].map((o) => [o, `k${o}`, `v${o}`]), 'kcat -o beginning starts at the new log start offset 3');

    const fetchAt = (offset: number) => rawFetch(broker().kafkaPort, { topic, partition: 0, offset, maxWaitMs: 0, minBytes: 0, maxBytes: ONE_MIB, partitionMaxBytes: ONE_MIB });
    const belowStart = await fetchAt(0);
    assert.deepEqual({ errorCode: belowStart.errorCode, batches: belowStart.batches }, { errorCode: OFFSET_OUT_OF_RANGE, batches: [] }, 'fetch at 0 after the log start moved to 3');
    const atStart = await fetchAt(3);
    assert.equal(atStart.errorCode, NONE);
    assert.deepEqual(atStart.batches.map((b) => [b.baseOffset, b.lastOffset]), [[0, 4], [5, 9]], 'fetch at 3: the batch holding 3, then the next');
  });
});

describe('DescribeConfigs and the cluster (kafkajs admin)', () => {
  async function retentionMs(topic: string): Promise<{ value: string; isDefault: boolean; source: number }> {
    const described = await bounded(
      admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] }),
      `describeConfigs ${topic}`,
    );
    assert.equal(described.resources.length, 1);
    const [resource] = described.resources;
    assert.equal(resource!.errorCode, NONE, `describeConfigs ${topic}: ${resource!.errorMessage}`);
    assert.deepEqual(resource!.configEntries.map((e) => e.configName), ['retention.ms']);
    const [entry] = resource!.configEntries;
    return { value: entry!.configValue, isDefault: entry!.isDefault, source: entry!.configSource };
  }

  test('retention.ms is the value given at creation, else the broker default from RETENTION', { timeout: TEST_TIMEOUT_MS }, async () => {
    const configured = uniqueTopic('retention-set');
    await createTopic(configured, 1, [{ name: 'retention.ms', value: '60000' }]);
    assert.deepEqual(await retentionMs(configured), { value: '60000', isDefault: false, source: TOPIC_CONFIG });

    const defaulted = uniqueTopic('retention-default');
    await createTopic(defaulted, 1);
    const inherited = await retentionMs(defaulted);
    assert.equal(inherited.value, RETENTION_MS, `RETENTION=${RETENTION}`);
    // Kafka reports a broker-level value as STATIC_BROKER_CONFIG (set in the broker's settings)
    // or DEFAULT_CONFIG (built in); either way it is not a topic override.
    assert.ok([STATIC_BROKER_CONFIG, DEFAULT_CONFIG].includes(inherited.source), `config source ${inherited.source} is not a topic override`);
  });

  test('describeCluster names broker 1 at 127.0.0.1:<port> as the controller', { timeout: TEST_TIMEOUT_MS }, async () => {
    const cluster = await bounded(admin.describeCluster(), 'describeCluster');
    assert.deepEqual(cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })), [{ nodeId: 1, host: '127.0.0.1', port: broker().kafkaPort }]);
    assert.equal(cluster.controller, 1);
    assert.equal(typeof cluster.clusterId, 'string');
    assert.notEqual(cluster.clusterId, '');
  });
});
