/**
 * Kafka's own Java clients against Blink, through the Java driver (clients/java.ts; one
 * long-lived JVM per client version): every common scenario and a consumer-group round
 * with the newest 4.x client, plus offsetsForTimes, and a smoke test of the 3.9.x client (metadata, a round trip with
 * headers, a consumer-group member's commit).
 *
 * Needs tools/test-deps/jvm.sh (the jars and the compiled driver under .cache/jvm).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { closeJavaDrivers, javaDriver } from './clients/java.js';
import { GroupMember } from './clients/group-member.js';
import { clientBrokerEnv, registerClientScenarios, TEST_TIMEOUT_MS, useBroker } from './client-suite.js';
import { registerGroupRound } from './group-round.js';
import { uniqueTopic, waitFor } from './harness.js';
import { assertAcksContiguousFromZero, assertConsumedExactly, makeMessages, rangesFromStart } from './records.js';

const broker = useBroker(clientBrokerEnv(false));
after(closeJavaDrivers);

describe('Kafka Java clients 4.x against Blink', () => {
  const client = (bootstrap: string) => javaDriver('4', bootstrap);
  registerClientScenarios({ broker, client });
  registerGroupRound(broker, { name: 'java-4', client: 'java-4' }, client);

  test('java-4: the driver runs kafka-clients 4.x', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.match(await javaDriver('4', broker().bootstrap).clientVersion(), /^4\.\d+\.\d+$/);
  });

  test('java-4: offsetsForTimes finds the first message at or after a timestamp', { timeout: TEST_TIMEOUT_MS }, async () => {
    const driver = javaDriver('4', broker().bootstrap);
    const topic = uniqueTopic('java-4-times');
    await driver.createTopic(topic, 2);
    const before = Date.now();
    const early = makeMessages(driver, { tag: 'times-early', count: 4, partitions: 1 });
    await driver.produce(topic, early);
    // Every early message was stamped by now; the late ones are stamped strictly later.
    const middle = Date.now() + 1;
    await waitFor('the clock passes the middle timestamp', 1_000, async () => (Date.now() > middle ? true : undefined), 1);
    await driver.produce(topic, makeMessages(driver, { tag: 'times-late', count: 3, partitions: 1 }));

    const [first, empty] = await driver.offsetsForTimes(topic, [before, before]);
    assert.ok(first, 'partition 0 has a message at or after the time before the first produce');
    assert.equal(first.offset, 0);
    assert.ok(first.timestamp >= before && first.timestamp < middle, `its timestamp ${first.timestamp} is in [${before}, ${middle})`);
    assert.equal(empty, null, 'an empty partition has no message at or after any time');
    const [late] = await driver.offsetsForTimes(topic, [middle]);
    assert.equal(late?.offset, early.length, `the first late message: ${JSON.stringify(late)}`);
    assert.deepEqual(await driver.offsetsForTimes(topic, [Date.now() + 3_600_000]), [null], 'nothing an hour from now');
  });
});

describe('Kafka Java clients 3.9 against Blink (smoke)', () => {
  test('java-3.9: metadata and a round trip with headers over 3 partitions', { timeout: TEST_TIMEOUT_MS }, async () => {
    const driver = javaDriver('3.9', broker().bootstrap);
    assert.match(await driver.clientVersion(), /^3\.9\.\d+$/);
    const topic = uniqueTopic('java-3.9-smoke');
    await driver.createTopic(topic, 3);
    const view = await driver.metadata();
    assert.deepEqual(view.brokers, [broker().bootstrap]);
    assert.equal(view.topics.get(topic), 3);
    const messages = makeMessages(driver, { tag: 'java-3.9-smoke', count: 30, partitions: 3 });
    const acks = await driver.produce(topic, messages, { compression: 'lz4' });
    assertAcksContiguousFromZero(messages, acks);
    assertConsumedExactly(messages, acks, await driver.consume(topic, rangesFromStart(messages, 3)));
  });

  test('java-3.9: a group member consumes, commits, and the group has those offsets', { timeout: TEST_TIMEOUT_MS }, async () => {
    const driver = javaDriver('3.9', broker().bootstrap);
    const topic = uniqueTopic('java-3.9-group');
    const group = `grp-${topic}`;
    await driver.createTopic(topic, 3);
    const messages = makeMessages(driver, { tag: 'java-3.9-group', count: 9, partitions: 3 });
    const acks = await driver.produce(topic, messages);
    const member = GroupMember.start('java-3.9', broker().bootstrap, {
      topic, group, clientId: 'e2e-java-3.9-member', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 15_000, lifetimeMs: 90_000,
    });
    try {
      await member.waitFor('every message consumed', 60_000, () => (member.messages.length >= messages.length ? true : undefined));
      assert.deepEqual(member.assignment, [0, 1, 2]);
      assertConsumedExactly(messages, acks, member.messages);
      assert.deepEqual(await member.commit(15_000), new Map([[0, 3], [1, 3], [2, 3]]));
      assert.deepEqual(await driver.committedOffsets(group, topic, 3), [3, 3, 3]);
      await member.close(20_000);
      assert.deepEqual(member.errors, [], member.describe());
    } finally {
      await member.dispose();
    }
  });
});
