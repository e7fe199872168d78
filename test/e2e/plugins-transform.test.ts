/**
 * The json-envelope transformer (record-transformer world) in drop-record mode, seen by
 * real clients: JSON values come back wrapped with a header, other values are dropped and
 * leave an offset gap (each stored record keeps the offset its producer was told), every
 * codec stays the codec the producer chose (kcat: gzip, raw snappy, lz4, zstd;
 * kafka-python: xerial-framed snappy), and an idempotent producer keeps going after a drop.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import kafkajs from './clients/kafkajs-lib.js';

import { buildBatch } from '../support/batch-builder.js';
import { pythonDriver } from './clients/python.js';
import { TEST_TIMEOUT_MS, useBroker } from './client-suite.js';
import { uniqueTopic, withTimeout } from './harness.js';
import { fetchFrameV4, kafkajsGroupRead, kcatConsume, kcatProduce, metric, pluginPath, produceV8, XERIAL_MAGIC } from './plugins-support.js';
import { storedBatchHeaders } from './raw-kafka.js';

const { Kafka, logLevel, CompressionTypes } = kafkajs;

const broker = useBroker({ PLUGIN_PATHS: pluginPath('json-envelope'), PLUGIN_REJECT_MODE: 'drop-record', PLUGIN_TIMEOUT: '2s' });
const wrapped = (json: string): string => `{"envelope":"blink","payload":${json}}`;
const CODEC_BITS = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
/**
 * librdkafka and kafka-python send a batch uncompressed when compressing does not make it
 * smaller, so the values in the codec tests are long and repetitive.
 */
const PADDING = 'compressible '.repeat(40);
const padded = (n: number): string => `{"n":${n},"pad":"${PADDING}"}`;

describe('json-envelope transformer, drop-record', { timeout: TEST_TIMEOUT_MS }, () => {
  test('kcat: JSON values are wrapped with a header, others dropped; stored records keep their acknowledged offsets', async () => {
    const topic = uniqueTopic('envelope-kcat');
    const produced = await kcatProduce(broker().bootstrap, topic, ['{"n":1}', 'plain text', '{"n":3}', 'more text', '{"n":5}']);
    assert.equal(produced.code, 0, produced.stderr);
    assert.deepEqual(produced.offsets, [0, 1, 2, 3, 4], 'the batch is acknowledged whole at base offset 0');
    const consumed = await kcatConsume(broker().bootstrap, topic);
    assert.deepEqual(consumed.map((m) => [m.offset, m.payload, m.headers]), [
      [0, wrapped('{"n":1}'), ['x-blink-envelope', '1']],
      [2, wrapped('{"n":3}'), ['x-blink-envelope', '1']],
      [4, wrapped('{"n":5}'), ['x-blink-envelope', '1']],
    ]);
    const [header] = await storedBatchHeaders(broker().kafkaPort, topic, 0);
    assert.equal(header?.recordCount, 3);
    assert.equal(header?.lastOffset, 4);
    assert.equal(await metric(broker().restUrl, 'blink_plugin_dropped_records_total', { plugin: 'json-envelope' }) >= 2, true);
  });

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    test(`kcat ${codec}: the rewritten batch is stored with ${codec} and consumed wrapped`, async () => {
      const topic = uniqueTopic(`envelope-${codec}`);
      const produced = await kcatProduce(broker().bootstrap, topic, [padded(1), `drop me ${PADDING}`, padded(2)], { codec });
      assert.equal(produced.code, 0, produced.stderr);
      const headers = await storedBatchHeaders(broker().kafkaPort, topic, 0);
      assert.deepEqual(headers.map((h) => [h.compression, h.recordCount, h.lastOffset]), [[CODEC_BITS[codec], 2, 2]]);
      if (codec === 'snappy') assert.equal((await fetchFrameV4(broker().kafkaPort, topic)).includes(XERIAL_MAGIC), false, 'raw snappy stays raw');
      assert.deepEqual((await kcatConsume(broker().bootstrap, topic)).map((m) => [m.offset, m.payload]), [
        [0, wrapped(padded(1))],
        [2, wrapped(padded(2))],
      ]);
    });
  }

  test('kafka-python snappy (xerial framing, as Java clients write it): the codec is kept and kafka-python reads it back', async () => {
    const topic = uniqueTopic('envelope-xerial');
    const python = pythonDriver('kafka-python', broker().bootstrap);
    const messages = [padded(1), `nope ${PADDING}`, padded(2)].map((value) => ({ partition: 0, key: null, value: Buffer.from(value), headers: [] }));
    await python.produce(topic, messages, { compression: 'snappy' });
    const headers = await storedBatchHeaders(broker().kafkaPort, topic, 0);
    assert.deepEqual(headers.map((h) => [h.compression, h.recordCount]), [[CODEC_BITS.snappy, 2]]);
    assert.equal((await fetchFrameV4(broker().kafkaPort, topic)).includes(XERIAL_MAGIC), true, 'xerial framing stays xerial');
    const consumed = await python.consume!(topic, [{ partition: 0, start: 0, end: 3 }]);
    assert.deepEqual(consumed.map((m) => [m.offset, m.value?.toString()]), [
      [0, wrapped(padded(1))],
      [2, wrapped(padded(2))],
    ]);
  });

  test('kafkajs (gzip, idempotent): a drop does not break the producer sequence; a kafkajs group reads the result', async () => {
    const topic = uniqueTopic('envelope-kafkajs');
    const kafka = new Kafka({ clientId: 'e2e-plugins', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await withTimeout(producer.connect(), 15_000, 'kafkajs connect');
    try {
      const send = (values: string[]) =>
        withTimeout(producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: values.map((value) => ({ value })) }), 15_000, 'send');
      const first = await send([padded(0), `not json ${PADDING}`, padded(2)]);
      const second = await send([padded(3)]);
      assert.equal(first[0]?.baseOffset, '0');
      assert.equal(second[0]?.baseOffset, '3', 'the second batch follows the whole first one: its sequence was accepted');
    } finally {
      await producer.disconnect();
    }
    const read = await kafkajsGroupRead(broker().bootstrap, topic, 3);
    assert.deepEqual(read.map((r) => [r.offset, r.value, r.headers['x-blink-envelope']]), [
      [0, wrapped(padded(0)), '1'],
      [2, wrapped(padded(2)), '1'],
      [3, wrapped(padded(3)), '1'],
    ]);
    assert.deepEqual((await storedBatchHeaders(broker().kafkaPort, topic, 0)).map((h) => h.compression), [CODEC_BITS.gzip, CODEC_BITS.gzip]);
  });

  test('every record dropped: the producer is answered without error, base offset -1, and nothing is stored', async () => {
    const topic = uniqueTopic('envelope-all-dropped');
    const answer = await produceV8(broker().kafkaPort, topic, 0, buildBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]));
    assert.deepEqual(answer, { errorCode: 0, errorMessage: null, baseOffset: -1, recordErrors: [] });
    assert.deepEqual(await storedBatchHeaders(broker().kafkaPort, topic, 0), []);
  });
});
