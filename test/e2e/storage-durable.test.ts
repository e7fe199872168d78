/**
 * Durable mode (STORAGE_MODE=durable, FSYNC=always): a librdkafka producer (confluent-kafka,
 * acks=all, idempotent) streams numbered messages while the broker is killed with SIGKILL
 * mid-stream and restarted on the same data directory and port; the producer carries on by
 * itself. Afterwards every acknowledged message must be readable (kcat, from the beginning)
 * exactly once, at the offset it was acknowledged with, in order; committed consumer-group
 * offsets (set with kafkajs) must be back; the topic keeps its partitions and configs (its
 * id too: test/medium/wal/wal-store.test.ts).
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { uniqueTopic, waitFor } from './harness.js';
import { assertStoredAsAcknowledged, createTopic, kafkajsAdmin, offsetsOf, produceStream, restartableBroker } from './storage-support.js';

const PARTITIONS = 2;
const MESSAGES = 12_000;
const STREAM = { partitions: PARTITIONS, count: MESSAGES, filler_bytes: 200, pace_every: 200, pace_sleep_s: 0.005, timeout_s: 100 };
const KILL_AFTER_ACKS = 3_000;
const TEST_TIMEOUT_MS = 120_000;
const DURABLE_ENV = { STORAGE_MODE: 'durable', FSYNC: 'always', SEGMENT_BYTES: '256KB', RETENTION: '1h' };

describe('durable mode: nothing acknowledged is lost when the broker is killed (FSYNC=always)', () => {
  const durable = restartableBroker('durable', DURABLE_ENV);

  test('SIGKILL mid-stream: every acknowledged message is there exactly once, in order; committed offsets, partitions and configs are back', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('durable');
    const group = `${topic}-group`;
    await createTopic(durable.broker.bootstrap, topic, PARTITIONS, { 'retention.ms': '7200000' });
    const admin = kafkajsAdmin(durable.broker.bootstrap);
    await admin.connect();
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '7' }] });
    await admin.disconnect();

    let killed: Promise<void> | null = null;
    const stream = produceStream({ bootstrap: durable.broker.bootstrap, topic, ...STREAM }, (acked) => {
      if (acked >= KILL_AFTER_ACKS && killed === null) killed = durable.broker.kill();
    });
    try {
      await waitFor('the kill mid-stream', 60_000, async () => (killed !== null ? true : undefined));
      await killed;
      const segmentsAtCrash = (await readdir(join(durable.storagePath, `${topic}-0`))).filter((name) => name.endsWith('.log'));
      assert.ok(segmentsAtCrash.length > 1, `several segments before the crash: ${segmentsAtCrash.join(', ')}`);
      await durable.start();
      const { acks, failures } = await stream.result;
      assert.deepEqual(failures, [], 'no delivery failed (the producer retried through the restart)');
      assert.equal(acks.size, MESSAGES, 'every message acknowledged');
    } finally {
      stream.kill();
    }
    const { acks } = await stream.result;

    await assertStoredAsAcknowledged(durable.broker.bootstrap, topic, PARTITIONS, acks);

    const offsets = await offsetsOf(durable.broker.bootstrap, topic);
    assert.deepEqual(offsets.map((o) => o.earliest), [0, 0]);
    const admin2 = kafkajsAdmin(durable.broker.bootstrap);
    await admin2.connect();
    try {
      const committed = await admin2.fetchOffsets({ groupId: group, topics: [topic] });
      assert.deepEqual(committed[0].partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '5'], [1, '7']], 'committed group offsets survived the crash');
      assert.equal((await admin2.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length, PARTITIONS);
      const described = await admin2.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }] });
      assert.equal(described.resources[0].configEntries[0].configValue, '7200000', 'the topic config override survived');
    } finally {
      await admin2.disconnect();
    }
  });
});
