/**
 * The real Apache Kafka broker of support/apache-kafka.ts (the reference for tests and
 * benchmarks): a single KRaft node of Kafka 3.9 starts, serves a produce/consume round
 * trip through the Java driver, and stops, leaving no process and no data behind.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';

import { closeJavaDrivers, javaDriver } from './clients/java.js';
import { uniqueTopic } from './harness.js';
import { assertAcksContiguousFromZero, assertConsumedExactly, makeMessages, rangesFromStart } from './records.js';
import { startApacheKafka } from './support/apache-kafka.js';

after(closeJavaDrivers);

test('Apache Kafka 3.9 (KRaft, one node) starts, round-trips a message with the Java client, and stops', { timeout: 150_000 }, async (t) => {
  const kafka = await startApacheKafka({ version: '3.9', heapMb: 512 });
  try {
    t.diagnostic(`boot ${kafka.bootMs} ms, pid ${kafka.pid}, ${kafka.bootstrap}`);
    const driver = javaDriver('3.9', kafka.bootstrap);
    const topic = uniqueTopic('apache-kafka');
    await driver.createTopic(topic, 1);
    assert.deepEqual((await driver.metadata()).brokers, [kafka.bootstrap]);

    const messages = makeMessages(driver, { tag: 'apache-kafka', count: 1, partitions: 1 });
    const acks = await driver.produce(topic, messages);
    assertAcksContiguousFromZero(messages, acks);
    assertConsumedExactly(messages, acks, await driver.consume(topic, rangesFromStart(messages, 1)));
    assert.match(kafka.logs(), /Kafka Server started/);
  } finally {
    await kafka.stop();
  }
  assert.ok(kafka.exited(), 'the broker process is gone');
  assert.ok(!existsSync(kafka.dataDir), 'its data directory is removed');
});
