// A consumer project's test suite, as a user would write it (docs/TESTING.md): copied into a
// throwaway project outside the repository by test/e2e/embedded-package.test.ts, which
// installs the packed Blink tarball there and runs this file with `node --test`.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { startBlink } from 'blink';

let broker;
before(async () => {
  broker = await startBlink({ kafka_cfg_num_partitions: 2 });
});
afterEach(() => broker.reset());
after(() => broker.stop());

test('kafkajs: produce, then a consumer group reads every record', async () => {
  await broker.createTopic('orders', { partitions: 3 });
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: ['a', 'b', 'c', 'd'].map((value, n) => ({ partition: n % 3, value })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'billing' });
  const seen = [];
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value.toString()) });
  await broker.waitForGroup('billing', { members: 1, timeoutMs: 20_000 });
  const deadline = Date.now() + 20_000;
  while (seen.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await consumer.disconnect();
  assert.deepEqual(seen.sort(), ['a', 'b', 'c', 'd']);
});

test('@platformatic/kafka: produce with keys, read back through the helpers and a consumer group', async () => {
  await broker.createTopic('events', { partitions: 1 });
  const producer = new Producer({ clientId: 'embedded-test', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
  await producer.send({ messages: [{ topic: 'events', key: 'user-1', value: 'signed-up' }, { topic: 'events', key: 'user-1', value: 'paid' }] });
  await producer.close();
  const stored = await broker.readRecords('events');
  assert.deepEqual(stored.map((record) => record.value).sort(), ['paid', 'signed-up']);

  const consumer = new Consumer({ clientId: 'embedded-test', groupId: 'audit', bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers });
  const stream = await consumer.consume({ topics: ['events'], mode: 'earliest' });
  const values = [];
  for await (const message of stream) {
    values.push(message.value);
    if (values.length === 2) break;
  }
  const group = await broker.waitForGroup('audit', { members: 1, timeoutMs: 20_000 });
  assert.equal(group.state, 'Stable');
  await stream.close();
  await consumer.close();
  assert.deepEqual(values, ['signed-up', 'paid']);
});

test('kafkajs: an aborted transaction is invisible to a read_committed consumer group', async () => {
  await broker.createTopic('payments', { partitions: 1 });
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: 'payments-tx', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const aborted = await producer.transaction();
  await aborted.send({ topic: 'payments', messages: [{ value: 'aborted' }] });
  await aborted.abort();
  const committed = await producer.transaction();
  await committed.send({ topic: 'payments', messages: [{ value: 'committed' }] });
  await committed.commit();
  await producer.disconnect();

  // The log holds the aborted record before the committed one: once 'committed' is read, the aborted one was skipped.
  const consumer = kafka.consumer({ groupId: 'ledger', readUncommitted: false });
  const seen = [];
  await consumer.connect();
  await consumer.subscribe({ topic: 'payments', fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value.toString()) });
  const deadline = Date.now() + 20_000;
  while (!seen.includes('committed') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await consumer.disconnect();
  assert.deepEqual(seen, ['committed']);
});
