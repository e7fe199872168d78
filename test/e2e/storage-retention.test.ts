/**
 * Retention against the real broker: the earliest offset (ListOffsets -2, via kafkajs) moves
 * exactly as README "Retention" documents it, for time retention (retention.ms), size
 * retention (retention.bytes, whole segments), DeleteRecords (kafkajs) and purge_on_fetch
 * (hand-built Fetch v4 requests, so the batches each response carries are known), and
 * segment files on disk are deleted once every batch in them is gone. Topic configs are
 * changed at run time with AlterConfigs (kafkajs) and IncrementalAlterConfigs
 * (@platformatic/kafka), and a durable broker keeps them across a restart.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { buildBatch } from '../support/batch-builder.js';
import { startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { rawFetch, rawProduce } from './raw-kafka.js';
import { createTopic, kafkajsAdmin, offsetsOf, restartableBroker } from './storage-support.js';

const NONE = 0;
const OFFSET_OUT_OF_RANGE = 1;
const TEST_TIMEOUT_MS = 60_000;

/** Produces `count` one-record batches of `valueBytes` to partition 0; returns each batch's size. */
async function produceBatches(port: number, topic: string, count: number, valueBytes = 100): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const batch = buildBatch([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(valueBytes, i) }]);
    const answer = await rawProduce(port, { topic, partition: 0, records: batch, acks: -1 });
    assert.equal(answer.errorCode, NONE, `produce #${i}`);
    sizes.push(batch.length);
  }
  return sizes;
}

async function earliest(broker: BrokerHandle, topic: string): Promise<number> {
  return (await offsetsOf(broker.bootstrap, topic))[0].earliest;
}

async function topicConfig(broker: BrokerHandle, topic: string, name: string): Promise<{ value: string; isDefault: boolean }> {
  const admin = kafkajsAdmin(broker.bootstrap);
  await admin.connect();
  try {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: [name] }] });
    const entry = described.resources[0].configEntries[0];
    return { value: entry.configValue, isDefault: entry.isDefault };
  } finally {
    await admin.disconnect();
  }
}

async function segmentFiles(broker: BrokerHandle, topic: string): Promise<string[]> {
  return (await readdir(join(broker.storagePath, `${topic}-0`)).catch(() => [] as string[])).filter((name) => name.endsWith('.log')).sort();
}

describe('retention (memory mode, purge_on_fetch off)', () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await startBroker({ env: { RETENTION: '1h', AUTO_CREATE_TOPICS: 'false' } });
  });
  after(async () => {
    await broker?.stop();
  });

  test('retention.ms: once the batches are older, earliest = latest and fetching offset 0 is OFFSET_OUT_OF_RANGE', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('retention-ms');
    await createTopic(broker.bootstrap, topic, 1, { 'retention.ms': '1500' });
    await produceBatches(broker.kafkaPort, topic, 10);
    assert.deepEqual(await offsetsOf(broker.bootstrap, topic), [{ partition: 0, earliest: 0, latest: 10 }]);
    await waitFor('retention.ms to expire the batches', 10_000, async () => ((await earliest(broker, topic)) === 10 ? true : undefined));
    const fetched = await rawFetch(broker.kafkaPort, { topic, partition: 0, offset: 0, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitionMaxBytes: 1_000_000 });
    assert.equal(fetched.errorCode, OFFSET_OUT_OF_RANGE);
  });

  test('DeleteRecords (kafkajs) to offset 4 of 10: earliest 4, fetch from 4 returns offsets 4..9, offset 3 is out of range', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('delete-records');
    await createTopic(broker.bootstrap, topic, 1);
    await produceBatches(broker.kafkaPort, topic, 10);
    const admin = kafkajsAdmin(broker.bootstrap);
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
    } finally {
      await admin.disconnect();
    }
    assert.deepEqual(await offsetsOf(broker.bootstrap, topic), [{ partition: 0, earliest: 4, latest: 10 }]);
    const from4 = await rawFetch(broker.kafkaPort, { topic, partition: 0, offset: 4, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitionMaxBytes: 1_000_000 });
    assert.deepEqual(from4.batches.map((b) => b.baseOffset), [4, 5, 6, 7, 8, 9]);
    const from3 = await rawFetch(broker.kafkaPort, { topic, partition: 0, offset: 3, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitionMaxBytes: 1_000_000 });
    assert.equal(from3.errorCode, OFFSET_OUT_OF_RANGE);
  });

  test('AlterConfigs (kafkajs) and IncrementalAlterConfigs (@platformatic/kafka) change topic configs; DescribeConfigs shows them', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('alter-configs');
    await createTopic(broker.bootstrap, topic, 1, { 'retention.ms': '60000' });
    const admin = kafkajsAdmin(broker.bootstrap);
    await admin.connect();
    try {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'retention.bytes', value: '1048576' }] }] });
      await assert.rejects(
        admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
        /Configuration is invalid/,
      );
    } finally {
      await admin.disconnect();
    }
    assert.deepEqual(await topicConfig(broker, topic, 'retention.bytes'), { value: '1048576', isDefault: false });
    assert.deepEqual(await topicConfig(broker, topic, 'retention.ms'), { value: '3600000', isDefault: true }, 'AlterConfigs replaces the whole set: retention.ms is back to the broker default');

    const platformatic = new Admin({ clientId: 'storage-e2e', bootstrapBrokers: [broker.bootstrap], retries: 2 });
    try {
      await platformatic.incrementalAlterConfigs({
        resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: 0, value: '120000' }, { name: 'retention.bytes', configOperation: 1 }] }],
      });
    } finally {
      await platformatic.close();
    }
    assert.deepEqual(await topicConfig(broker, topic, 'retention.ms'), { value: '120000', isDefault: false });
    assert.deepEqual(await topicConfig(broker, topic, 'retention.bytes'), { value: '-1', isDefault: true });
  });
});

describe('purge_on_fetch (PURGE_ON_FETCH=true)', () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await startBroker({ env: { RETENTION: '1h', PURGE_ON_FETCH: 'true' } });
  });
  after(async () => {
    await broker?.stop();
  });

  test('a batch is removed once a Fetch response has carried it whole; batches the response did not carry stay', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('purge-on-fetch');
    await createTopic(broker.bootstrap, topic, 1);
    const sizes = await produceBatches(broker.kafkaPort, topic, 10);
    const threeBatches = sizes[0] + sizes[1] + sizes[2];
    const first = await rawFetch(broker.kafkaPort, { topic, partition: 0, offset: 0, maxWaitMs: 0, minBytes: 0, maxBytes: threeBatches, partitionMaxBytes: threeBatches });
    assert.deepEqual(first.batches.map((b) => b.baseOffset), [0, 1, 2]);
    assert.deepEqual(await offsetsOf(broker.bootstrap, topic), [{ partition: 0, earliest: 3, latest: 10 }], 'offsets 0-2 are gone, 3-9 stay');
    const again = await rawFetch(broker.kafkaPort, { topic, partition: 0, offset: 0, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitionMaxBytes: 1_000_000 });
    assert.equal(again.errorCode, OFFSET_OUT_OF_RANGE, 'a consumed batch cannot be fetched again');
    const rest = await rawFetch(broker.kafkaPort, { topic, partition: 0, offset: 3, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitionMaxBytes: 1_000_000 });
    assert.deepEqual(rest.batches.map((b) => b.baseOffset), [3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(await offsetsOf(broker.bootstrap, topic), [{ partition: 0, earliest: 10, latest: 10 }]);
  });
});

describe('durable mode: whole segments go with the data, and configs survive a restart', () => {
  const durable = restartableBroker('retention', { STORAGE_MODE: 'durable', FSYNC: 'interval', RETENTION: '1h' });

  test('retention.bytes and DeleteRecords delete whole segments; earliest and configs are the same after a restart', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('segments');
    // ~1.2 KB batches, 4 per 5000-byte segment.
    await createTopic(durable.broker.bootstrap, topic, 1, { 'segment.bytes': '5000' });
    await produceBatches(durable.broker.kafkaPort, topic, 40, 1100);
    assert.equal((await segmentFiles(durable.broker, topic)).length, 10);

    const admin = kafkajsAdmin(durable.broker.bootstrap);
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '10' }] });
      await waitFor('segments wholly below offset 10 to be deleted', 5_000, async () => ((await segmentFiles(durable.broker, topic))[0] === '00000000000000000008.log' ? true : undefined));
      assert.equal(await earliest(durable.broker, topic), 10, 'earliest is exactly the DeleteRecords offset');
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'segment.bytes', value: '5000' }, { name: 'retention.bytes', value: '12000' }] }] });
    } finally {
      await admin.disconnect();
    }
    // The sweep deletes the segment files below the new log start one by one, then moves the log start.
    const settled = async () => {
      const files = await segmentFiles(durable.broker, topic);
      const first = await earliest(durable.broker, topic);
      return files.length <= 3 && Number(files[0].slice(0, 20)) === first ? { files, first } : undefined;
    };
    const { files: segments, first: kept } = await waitFor('retention.bytes to delete the oldest segments', 10_000, settled);
    assert.equal(kept, Number(segments[0].slice(0, 20)), 'earliest = the first offset of the oldest segment left');
    assert.ok(kept >= 28, `at most 12000 bytes (about 10 batches) kept: earliest ${kept}`);

    await durable.broker.stop();
    await durable.start();
    assert.deepEqual(await offsetsOf(durable.broker.bootstrap, topic), [{ partition: 0, earliest: kept, latest: 40 }]);
    assert.deepEqual(await topicConfig(durable.broker, topic, 'retention.bytes'), { value: '12000', isDefault: false });
    // After the restart memory is empty: every fetch reads segment files (one segment per fetch, as Kafka does).
    const offsetsRead: number[] = [];
    for (let offset = kept; offset < 40; ) {
      const fetched = await rawFetch(durable.broker.kafkaPort, { topic, partition: 0, offset, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitionMaxBytes: 1_000_000 });
      assert.ok(fetched.batches.length > 0, `data at offset ${offset}`);
      offsetsRead.push(...fetched.batches.map((b) => b.baseOffset));
      offset = fetched.batches.at(-1)!.lastOffset + 1;
    }
    assert.deepEqual(offsetsRead, Array.from({ length: 40 - kept }, (_, i) => kept + i));
  });
});
