/**
 * The real Apache Kafka broker of support/apache-kafka.ts (the reference for tests and
 * benchmarks): a single KRaft node of Kafka 3.9 starts, serves a produce/consume round
 * trip through the Java driver, and stops, leaving no process and no data behind. Kafka 4
 * serves the Java driver's group member with group.protocol=consumer (KIP-848), the reference
 * for Blink's own consumer-protocol groups (groups-consumer-protocol.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';

import { GroupMember } from './clients/group-member.js';
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

test('Apache Kafka 4: a Java 4.x member with group.protocol=consumer (KIP-848) consumes and commits', { timeout: 150_000 }, async (t) => {
  const kafka = await startApacheKafka({ version: '4', heapMb: 512 });
  try {
    t.diagnostic(`boot ${kafka.bootMs} ms`);
    const driver = javaDriver('4', kafka.bootstrap);
    const topic = uniqueTopic('apache-kafka-848');
    const group = `grp-${topic}`;
    await driver.createTopic(topic, 3);
    const messages = makeMessages(driver, { tag: 'kip-848', count: 6, partitions: 3 });
    const acks = await driver.produce(topic, messages);
    const member = GroupMember.start('java-4', kafka.bootstrap, {
      topic, group, clientId: 'e2e-java-4-kip848', driverOptions: { group_protocol: 'consumer' },
      sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5_000, rebalanceTimeoutMs: 30_000, lifetimeMs: 90_000,
    });
    try {
      await member.waitFor('every message consumed', 60_000, () => (member.messages.length >= messages.length ? true : undefined));
      assertConsumedExactly(messages, acks, member.messages);
      assert.deepEqual(await member.commit(15_000), new Map([[0, 2], [1, 2], [2, 2]]));
      const description = await driver.describeGroup(group);
      assert.deepEqual({ state: description.state, protocol: description.protocol, members: description.members.map((m) => m.assignment) },
        { state: 'Stable', protocol: 'uniform', members: [{ [topic]: [0, 1, 2] }] }, 'the broker\'s default assignor (uniform) assigned every partition');
      await member.close(20_000);
      assert.deepEqual(member.errors, [], member.describe());
    } finally {
      await member.dispose();
    }
    assert.deepEqual(await driver.committedOffsets(group, topic, 3), [2, 2, 2]);
  } finally {
    await kafka.stop();
  }
});
