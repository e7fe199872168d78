/**
 * The scenarios every client test file runs against its own broker, written once.
 * A scenario is registered only where the client has the feature (driver.createTopic,
 * driver.consume, driver.codecs, driver.idempotence); each <client>.test.ts says which
 * features its client lacks.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { ClientDriver, Codec, TestMessage } from './clients/driver.js';
import { startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { storedBatchHeaders, type StoredBatchHeader } from './raw-kafka.js';
import {
  assertAcksContiguousFromZero,
  assertConsumedExactly,
  assertOffsets,
  countsPerPartition,
  makeMessages,
  pseudoRandomBytes,
  rangesFromStart,
} from './records.js';

export const TEST_TIMEOUT_MS = 180_000;
const PARTITIONS = 3;
const ONE_MIB = 1024 * 1024;

/**
 * Broker settings for the client tests. MESSAGE_MAX_BYTES is raised so that one 1 MiB
 * message plus its batch overhead fits (the default is 1 MiB + 12 bytes for the whole
 * batch). With auto-creation on, new topics get KAFKA_CFG_NUM_PARTITIONS partitions.
 */
export function clientBrokerEnv(autoCreateTopics: boolean): Record<string, string> {
  return {
    AUTO_CREATE_TOPICS: String(autoCreateTopics),
    KAFKA_CFG_NUM_PARTITIONS: autoCreateTopics ? String(PARTITIONS) : '1',
    MESSAGE_MAX_BYTES: '2MB',
  };
}

/** Starts one broker for the calling test file (before) and stops it (after). */
export function useBroker(env: Record<string, string>): () => BrokerHandle {
  let broker: BrokerHandle | undefined;
  before(async () => {
    broker = await startBroker({ env });
  });
  after(async () => {
    if (broker === undefined) return;
    const crashed = broker.exited();
    await broker.stop();
    if (crashed || broker.stderr().trim() !== '') {
      console.error(`--- broker stderr (${crashed ? 'exited during the tests' : 'warnings'}) ---\n${broker.stderr().slice(-8000)}`);
    }
  });
  return () => {
    if (broker === undefined) throw new Error('broker not started (see the before hook failure)');
    return broker;
  };
}

/** Compression bits of the record-batch attributes, per codec name. */
const CODEC_BITS: Readonly<Record<Codec, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export interface ClientSuite {
  broker: () => BrokerHandle;
  /** The client under test, bound to the broker's bootstrap address. */
  client: (bootstrap: string) => ClientDriver;
  /** Reads back what `client` produced when `client` cannot consume without a group. */
  reader?: (bootstrap: string) => ClientDriver;
}

export function registerClientScenarios(suite: ClientSuite): void {
  const client = (): ClientDriver => suite.client(suite.broker().bootstrap);
  const reader = (): ClientDriver => {
    const own = client();
    if (own.consume !== undefined) return own;
    if (suite.reader === undefined) throw new Error(`${own.name} cannot consume and no reader client was given`);
    return suite.reader(suite.broker().bootstrap);
  };
  // Drivers are plain factories: one bound to no broker tells which features to register.
  const features = suite.client('unbound:0');
  const name = features.name;

  /** A fresh topic with PARTITIONS partitions; without an admin API it is auto-created by the first produce. */
  async function newTopic(driver: ClientDriver, label: string): Promise<string> {
    const topic = uniqueTopic(`${driver.name}-${label}`);
    if (driver.createTopic !== undefined) await driver.createTopic(topic, PARTITIONS);
    return topic;
  }

  async function allStoredBatches(topic: string): Promise<StoredBatchHeader[]> {
    const perPartition = await Promise.all(
      Array.from({ length: PARTITIONS }, (_, p) => storedBatchHeaders(suite.broker().kafkaPort, topic, p)),
    );
    return perPartition.flat();
  }

  async function roundTrip(label: string, messages: TestMessage[], options: { compression?: Codec; idempotent?: boolean } = {}) {
    const driver = client();
    const topic = await newTopic(driver, label);
    const acks = await driver.produce(topic, messages, options);
    assertAcksContiguousFromZero(messages, acks);
    const consumed = await reader().consume!(topic, rangesFromStart(messages, PARTITIONS));
    assertConsumedExactly(messages, acks, consumed);
    return { driver, topic, acks };
  }

  test(`${name}: metadata names the broker at 127.0.0.1:<port> and lists the topic`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const driver = client();
    const topic = await newTopic(driver, 'metadata');
    if (driver.createTopic === undefined) {
      await driver.produce(topic, makeMessages(driver, { tag: 'metadata', count: 1, partitions: 1 }));
    }
    const view = await driver.metadata();
    assert.deepEqual(view.brokers, [suite.broker().bootstrap]);
    assert.equal(view.topics.get(topic), PARTITIONS, `partitions of ${topic} in ${JSON.stringify([...view.topics])}`);
  });

  if (features.createTopic !== undefined) {
    test(`${name}: creates a ${PARTITIONS}-partition topic through its admin API`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const driver = client();
      const topic = uniqueTopic(`${name}-create`);
      await driver.createTopic!(topic, PARTITIONS);
      const view = await driver.metadata();
      assert.equal(view.topics.get(topic), PARTITIONS);
      assertOffsets(await driver.listOffsets(topic, PARTITIONS), [0, 0, 0]);
    });
  } else {
    test(`${name}: producing to an unknown topic auto-creates it with KAFKA_CFG_NUM_PARTITIONS partitions`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const driver = client();
      const topic = uniqueTopic(`${name}-autocreate`);
      const [message] = makeMessages(driver, { tag: 'autocreate', count: 1, partitions: 1 });
      const acks = await driver.produce(topic, [{ ...message!, partition: PARTITIONS - 1 }]);
      assert.deepEqual(acks, [{ partition: PARTITIONS - 1, offset: 0 }]);
      const view = await driver.metadata();
      assert.equal(view.topics.get(topic), PARTITIONS);
    });
  }

  test(`${name}: 1,000 keyed messages with headers over ${PARTITIONS} partitions come back exactly`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const messages = makeMessages(client(), { tag: `${name}-thousand`, count: 1000, partitions: PARTITIONS });
    await roundTrip('thousand', messages);
  });

  for (const codec of features.codecs) {
    test(`${name}: a ${codec}-compressed batch comes back exactly`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const messages = makeMessages(client(), { tag: `${name}-${codec}`, count: 300, partitions: PARTITIONS, valueBytes: 300 });
      const { topic } = await roundTrip(codec, messages, { compression: codec });
      const batches = await allStoredBatches(topic);
      assert.ok(batches.length > 0);
      assert.deepEqual(new Set(batches.map((b) => b.compression)), new Set([CODEC_BITS[codec]]), `every stored batch is ${codec}`);
    });
  }

  test(`${name}: one 1 MiB message comes back exactly`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const driver = client();
    const [template] = makeMessages(driver, { tag: `${name}-large`, count: 1, partitions: 1, valueBytes: ONE_MIB });
    const value = driver.payloads === 'text' ? template!.value : pseudoRandomBytes(`${name}-large`, ONE_MIB);
    assert.equal(value.length, ONE_MIB);
    await roundTrip('large', [{ ...template!, value }]);
  });

  test(`${name}: list offsets gives earliest 0 and latest N per partition`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const driver = client();
    const topic = await newTopic(driver, 'offsets');
    // Partition 1 stays empty on purpose.
    const messages = makeMessages(driver, { tag: `${name}-offsets`, count: 12, partitions: 1 }).map((m, i) => ({
      ...m,
      partition: i < 5 ? 0 : 2,
    }));
    await driver.produce(topic, messages);
    const counts = countsPerPartition(messages, PARTITIONS);
    assert.deepEqual(counts, [5, 0, 7]);
    assertOffsets(await driver.listOffsets(topic, PARTITIONS), counts);
  });

  if (features.deleteTopic !== undefined) {
    test(`${name}: a deleted topic disappears from metadata`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const driver = client();
      const topic = await newTopic(driver, 'delete');
      const keep = await newTopic(driver, 'keep');
      await driver.produce(topic, makeMessages(driver, { tag: `${name}-delete`, count: 6, partitions: PARTITIONS }));
      assert.equal((await driver.metadata()).topics.get(topic), PARTITIONS);
      await driver.deleteTopic!(topic);
      const view = await waitFor('topic gone from metadata', 10_000, async () => {
        const current = await driver.metadata();
        return current.topics.has(topic) ? undefined : current;
      });
      assert.equal(view.topics.get(keep), PARTITIONS, 'the other topic is still there');
    });
  }

  if (features.idempotence) {
    test(`${name}: the idempotent producer writes each message exactly once`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const messages = makeMessages(client(), { tag: `${name}-idempotent`, count: 300, partitions: PARTITIONS });
      const { driver, topic } = await roundTrip('idempotent', messages, { idempotent: true });
      assertOffsets(await driver.listOffsets(topic, PARTITIONS), countsPerPartition(messages, PARTITIONS));
      // Some drivers run one producer per partition, so only the presence of ids is checked.
      const producerIds = (await allStoredBatches(topic)).map((b) => b.producerId);
      assert.ok(producerIds.length > 0 && producerIds.every((id) => id >= 0), `batches carry InitProducerId's ids: ${producerIds}`);
    });
  }
}
