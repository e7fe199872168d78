/**
 * The content filter and the key enforcer (record-plugin world) in the default
 * reject-batch mode, seen by real clients: kcat and kafkajs producers, kcat and a kafkajs
 * consumer group reading back, and a hand-built Produce v8 for the per-record errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import kafkajs from './clients/kafkajs-lib.js';

import { buildBatch } from '../support/batch-builder.js';
import { kcatDriver } from './clients/kcat.js';
import { TEST_TIMEOUT_MS, useBroker } from './client-suite.js';
import { uniqueTopic, withTimeout } from './harness.js';
import { INVALID_RECORD, kafkajsGroupRead, kcatConsume, kcatProduce, metric, pluginPath, produceV8 } from './plugins-support.js';

const { Kafka, logLevel } = kafkajs;

const broker = useBroker({ PLUGIN_PATHS: `${pluginPath('content-filter')},${pluginPath('key-enforcer')}`, PLUGIN_TIMEOUT: '2s' });
const text = (value: string): Buffer => Buffer.from(value);

async function endOffset(topic: string): Promise<number> {
  return (await kcatDriver(broker().bootstrap).listOffsets(topic, 1)).latest[0]!;
}

async function kafkajsSend(topic: string, messages: Array<{ key?: string; value: string }>): Promise<unknown> {
  const producer = new Kafka({ clientId: 'e2e-plugins', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING }).producer({ retry: { retries: 0 } });
  await withTimeout(producer.connect(), 15_000, 'kafkajs connect');
  try {
    return await withTimeout(producer.send({ topic, acks: -1, messages }).then(() => null, (error: unknown) => error), 15_000, 'kafkajs send');
  } finally {
    await producer.disconnect();
  }
}

describe('content filter and key enforcer, reject-batch', { timeout: TEST_TIMEOUT_MS }, () => {
  test('kcat: a clean batch is stored and read back; a batch with "password" is refused whole and nothing of it is stored', async () => {
    const topic = uniqueTopic('filter-kcat');
    const clean = await kcatProduce(broker().bootstrap, topic, ['k1:hello', 'k2:world'], { keyed: true });
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual(clean.offsets, [0, 1]);

    const dirty = await kcatProduce(broker().bootstrap, topic, ['k3:fine', 'k4:my password is hunter2', 'k5:fine too'], { keyed: true });
    assert.equal(dirty.code, 1, 'kcat exits 1 when a delivery failed');
    assert.equal(dirty.failures.length, 3, dirty.stderr);
    assert.ok(dirty.failures.every((f) => f.includes('Broker failed to validate record')), dirty.failures.join('\n'));

    assert.deepEqual((await kcatConsume(broker().bootstrap, topic)).map((m) => [m.offset, m.key, m.payload]), [
      [0, 'k1', 'hello'],
      [1, 'k2', 'world'],
    ]);
    assert.equal(await endOffset(topic), 2);
  });

  test('kafkajs: INVALID_RECORD for a batch with "SSN:"; clean batches are read back by a kafkajs group and by kcat', async () => {
    const topic = uniqueTopic('filter-kafkajs');
    assert.equal(await kafkajsSend(topic, [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }]), null);
    const refused = (await kafkajsSend(topic, [{ key: 'c', value: 'three' }, { key: 'd', value: 'SSN: 078-05-1120' }])) as { type?: string; message?: string };
    assert.equal(refused?.type, 'INVALID_RECORD', `kafkajs error: ${String(refused?.message)}`);
    assert.equal(await kafkajsSend(topic, [{ key: 'e', value: 'four' }]), null);

    const expected = [[0, 'a', 'one'], [1, 'b', 'two'], [2, 'e', 'four']];
    const viaGroup = await kafkajsGroupRead(broker().bootstrap, topic, 3);
    assert.deepEqual(viaGroup.map((r) => [r.offset, r.key, r.value]), expected);
    assert.deepEqual((await kcatConsume(broker().bootstrap, topic)).map((m) => [m.offset, m.key, m.payload]), expected);
  });

  test('key enforcer: on sensitive.* a keyless record is refused and a keyed one stored; other topics take keyless records', async () => {
    const sensitive = uniqueTopic('keys').replace(/^e2e-/, 'sensitive.e2e-');
    const keyless = await kcatProduce(broker().bootstrap, sensitive, ['no key']);
    assert.equal(keyless.code, 1, keyless.stderr);
    assert.match(keyless.failures[0] ?? '', /Broker failed to validate record/);
    assert.equal((await kcatProduce(broker().bootstrap, sensitive, ['id-7:with key'], { keyed: true })).code, 0);
    const plain = uniqueTopic('no-keys');
    assert.equal((await kcatProduce(broker().bootstrap, plain, ['no key'])).code, 0);
    assert.deepEqual((await kcatConsume(broker().bootstrap, sensitive)).map((m) => [m.key, m.payload]), [['id-7', 'with key']]);
  });

  test('Produce v8 lists each refused record with the plugin that refused it, and stores nothing', async () => {
    const topic = uniqueTopic('filter-v8').replace(/^e2e-/, 'sensitive.e2e-');
    const batch = buildBatch([
      { key: text('a'), value: text('ok') },
      { key: text('b'), value: text('password=1') },
      { key: null, value: text('keyless') },
      { key: text('d'), value: text('ok') },
    ]);
    const answer = await produceV8(broker().kafkaPort, topic, 0, batch);
    assert.equal(answer.errorCode, INVALID_RECORD);
    assert.equal(answer.baseOffset, -1);
    assert.deepEqual(answer.recordErrors, [
      { batchIndex: 1, message: 'refused by plugin content-filter' },
      { batchIndex: 2, message: 'refused by plugin key-enforcer' },
    ]);
    assert.match(answer.errorMessage ?? '', /^2 of 4 records refused: record 1 refused by plugin content-filter; record 2 refused by plugin key-enforcer$/);
    assert.equal(await endOffset(topic), 0);
  });

  test('a value that is not UTF-8 never reaches a record-plugin: the record is refused in its name', async () => {
    const topic = uniqueTopic('filter-binary');
    const answer = await produceV8(broker().kafkaPort, topic, 0, buildBatch([{ key: text('k'), value: Buffer.from([0xc3, 0x28, 0x00]) }]));
    assert.equal(answer.errorCode, INVALID_RECORD);
    assert.deepEqual(answer.recordErrors, [{ batchIndex: 0, message: "refused by plugin content-filter (its key or value is not UTF-8, which a record-plugin cannot see)" }]);
  });

  test('per-plugin metrics count calls and rejected records', async () => {
    const { restUrl } = broker();
    assert.ok((await metric(restUrl, 'blink_plugin_calls_total', { plugin: 'content-filter' })) >= 5);
    assert.ok((await metric(restUrl, 'blink_plugin_rejected_records_total', { plugin: 'content-filter' })) >= 4);
    assert.ok((await metric(restUrl, 'blink_plugin_rejected_records_total', { plugin: 'key-enforcer' })) >= 2);
    assert.equal(await metric(restUrl, 'blink_plugin_up', { plugin: 'key-enforcer' }), 1);
    assert.ok((await metric(restUrl, 'blink_plugin_call_duration_count', { plugin: 'content-filter' })) >= 5);
  });
});
