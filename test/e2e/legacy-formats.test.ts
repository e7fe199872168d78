/**
 * Legacy message formats (magic 0 and 1) with the clients that still speak them, against
 * the Blink broker:
 * - sarama with Config.Version 0.8.2 (Produce v0 + magic 0, Fetch v0) and 0.10.0 (Produce
 *   v2 + magic 1, Fetch v2);
 * - kafka-python with api_version (0, 9) (Produce v1 + magic 0, Fetch v1) and (0, 10)
 *   (Produce v2 + magic 1, Fetch v2);
 * - kcat (librdkafka 2.0.2) without ApiVersions and broker.version.fallback=0.9.0 (Produce v0
 *   + magic 0, Fetch v0). With fallback 0.10.0 librdkafka sends ApiVersions all the same
 *   (a 0.10 broker has it) and then speaks record batches: it has no magic-1 mode against a
 *   broker that offers Produce v3.
 * Each produces with every codec it has in that mode (lz4 with magic 0 carries the
 * KAFKA-3160 header checksum from kafka-python and librdkafka), read back by a modern client
 * (franz-go: keys, values, timestamps), and each reads a modern producer's records (headers,
 * every codec) down-converted. sarama, kafka-python and librdkafka would also decode record
 * batches at any Fetch version, so the conversion itself is proven by the broker's
 * conversion counters moving by the records read, and by raw Fetch v0/v2 requests whose
 * answers are parsed message by message (magic byte, CRC-32, offsets, timestamps).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { expectStatus, rest, scrape, total } from './admin-support.js';
import { clientBrokerEnv, useBroker } from './client-suite.js';
import type { ClientDriver, Codec, ConsumedMessage, TestMessage } from './clients/driver.js';
import { goDriver } from './clients/go.js';
import { kcatDriver } from './clients/kcat.js';
import { pythonDriver } from './clients/python.js';
import { uniqueTopic, type BrokerHandle } from './harness.js';
import { rawFetchAt, rawProduceAt, storedBatchHeaders } from './raw-kafka.js';
import { makeMessages } from './records.js';
import { legacyMessage, legacyMessageSet, legacyWrapper, parseLegacyMessageSet } from '../support/legacy-messages.js';

const TEST_TIMEOUT_MS = 120_000;
const MESSAGES_PER_CODEC = 4;
const CODEC_BITS: Readonly<Record<Codec, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const MODERN_CODECS: readonly Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

interface LegacyClient {
  label: string;
  /** The message format it produces and asks for. */
  magic: 0 | 1;
  /** Codecs it can produce in that mode. */
  codecs: readonly Codec[];
  driver: (bootstrap: string) => ClientDriver;
}

/** librdkafka without ApiVersions, as a Kafka 0.9 client: magic 0. */
const RDKAFKA_0_9 = { 'api.version.request': 'false', 'broker.version.fallback': '0.9.0' };

const LEGACY_CLIENTS: readonly LegacyClient[] = [
  // sarama refuses lz4 below Kafka 0.10 and zstd below 2.1.
  { label: 'sarama 0.8.2', magic: 0, codecs: ['none', 'gzip', 'snappy'], driver: (b) => goDriver('sarama', b, { version: '0.8.2.0' }) },
  { label: 'sarama 0.10.0', magic: 1, codecs: ['none', 'gzip', 'snappy', 'lz4'], driver: (b) => goDriver('sarama', b, { version: '0.10.0.0' }) },
  { label: 'kafka-python 0.9', magic: 0, codecs: ['none', 'gzip', 'snappy', 'lz4'], driver: (b) => pythonDriver('kafka-python', b, { api_version: [0, 9] }) },
  { label: 'kafka-python 0.10', magic: 1, codecs: ['none', 'gzip', 'snappy', 'lz4'], driver: (b) => pythonDriver('kafka-python', b, { api_version: [0, 10] }) },
  { label: 'kcat fallback 0.9.0', magic: 0, codecs: ['none', 'gzip', 'snappy', 'lz4'], driver: (b) => kcatDriver(b, { config: RDKAFKA_0_9 }) },
];

const modern = (broker: BrokerHandle): ClientDriver => goDriver('franz-go', broker.bootstrap);

async function counter(broker: BrokerHandle, name: string): Promise<number> {
  return total(await scrape(broker), name);
}

/** Messages `driver` can carry, without headers (neither legacy format has them). */
function headerless(driver: ClientDriver, tag: string, count: number): TestMessage[] {
  return makeMessages(driver, { tag, count, partitions: 1 }).map((message) => ({ ...message, headers: [] }));
}

function keysAndValues(messages: ReadonlyArray<Pick<ConsumedMessage, 'key' | 'value'>>): Array<[string | null, string | null]> {
  return messages.map((m) => [m.key?.toString('hex') ?? null, m.value?.toString('hex') ?? null]);
}

describe('legacy message formats (Produce v0-2, Fetch v0-3) with legacy clients', () => {
  const broker = useBroker(clientBrokerEnv(false));

  for (const client of LEGACY_CLIENTS) {
    test(`${client.label}: produces magic-${client.magic} sets with ${client.codecs.join(', ')}, read back by franz-go with keys, values and timestamps`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const legacy = client.driver(broker().bootstrap);
      const topic = uniqueTopic(`legacy-produce-${client.label}`);
      await modern(broker()).createTopic!(topic, 1);
      const sent: Array<{ codec: Codec; messages: TestMessage[]; fromMs: number; toMs: number; firstOffset: number }> = [];
      const conversionsBefore = await counter(broker(), 'blink_produce_message_conversions_total');
      let offset = 0;
      for (const codec of client.codecs) {
        const messages = headerless(legacy, `${client.label}-${codec}`, MESSAGES_PER_CODEC);
        const fromMs = Date.now();
        const acks = await legacy.produce(topic, messages, { compression: codec });
        assert.deepEqual(acks.map((a) => a.offset), messages.map((_, i) => offset + i), `${codec}: acknowledged offsets`);
        sent.push({ codec, messages, fromMs, toMs: Date.now(), firstOffset: offset });
        offset += messages.length;
      }
      assert.equal(await counter(broker(), 'blink_produce_message_conversions_total') - conversionsBefore, offset, 'every record went through the up-conversion');

      const consumed = await modern(broker()).consume!(topic, [{ partition: 0, start: 0, end: offset }]);
      assert.deepEqual(keysAndValues(consumed), keysAndValues(sent.flatMap((s) => s.messages)));
      for (const { codec, messages, fromMs, toMs, firstOffset } of sent) {
        for (const message of consumed.slice(firstOffset, firstOffset + messages.length)) {
          assert.equal(message.headers.length, 0);
          const timestamp = message.timestampMs;
          if (client.magic === 0) assert.equal(timestamp, -1, `${codec}: magic 0 carries no timestamp`);
          else assert.ok(timestamp !== undefined && timestamp >= fromMs - 1000 && timestamp <= toMs + 1000, `${codec}: timestamp ${timestamp} outside ${fromMs}..${toMs}`);
        }
      }
      const batches = await storedBatchHeaders(broker().kafkaPort, topic, 0);
      for (const batch of batches) {
        const { codec } = sent.find((s) => batch.baseOffset >= s.firstOffset && batch.baseOffset < s.firstOffset + s.messages.length)!;
        assert.equal(batch.compression, CODEC_BITS[codec], `the batch at ${batch.baseOffset} keeps the producer's codec ${codec}`);
        assert.equal(batch.producerId, -1);
      }
    });

    test(`${client.label}: reads a modern producer's records (headers, every codec) as down-converted magic-${client.magic} messages`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const legacy = client.driver(broker().bootstrap);
      const producer = modern(broker());
      const topic = uniqueTopic(`legacy-fetch-${client.label}`);
      await producer.createTopic!(topic, 1);
      const sent: TestMessage[] = [];
      for (const codec of MODERN_CODECS) {
        const messages = makeMessages(legacy, { tag: `modern-${codec}`, count: MESSAGES_PER_CODEC, partitions: 1 });
        assert.ok(messages.every((m) => m.headers.length > 0));
        await producer.produce(topic, messages, { compression: codec });
        sent.push(...messages);
      }
      const conversionsBefore = await counter(broker(), 'blink_fetch_message_conversions_total');
      const consumed = await legacy.consume!(topic, [{ partition: 0, start: 0, end: sent.length }]);
      assert.deepEqual(keysAndValues(consumed), keysAndValues(sent));
      assert.deepEqual(consumed.map((m) => m.offset), sent.map((_, i) => i));
      assert.ok(consumed.every((m) => m.headers.length === 0), 'headers are dropped');
      const converted = await counter(broker(), 'blink_fetch_message_conversions_total') - conversionsBefore;
      assert.ok(converted >= sent.length, `the broker down-converted ${converted} records for ${sent.length} read`);
    });
  }

  test('raw Fetch v0 and v2 answer magic-0 and magic-1 messages, uncompressed, from the fetch offset; Fetch v4 the stored batch', { timeout: TEST_TIMEOUT_MS }, async () => {
    const port = broker().kafkaPort;
    const topic = uniqueTopic('legacy-raw');
    await modern(broker()).createTopic!(topic, 1);
    const specs = [0, 1, 2].map((i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: 1_700_000_000_000 + i }));
    assert.deepEqual(await rawProduceAt(port, 2, { topic, partition: 0, records: legacyWrapper(1, 'gzip', specs) }), { topic, partition: 0, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1 });
    const conversionsBefore = await counter(broker(), 'blink_fetch_message_conversions_total');

    const v2 = await rawFetchAt(port, 2, { topic, partition: 0, offset: 1, partitionMaxBytes: 1 << 20 });
    assert.deepEqual(
      parseLegacyMessageSet(v2.records!).map((m) => [m.offset, m.magic, m.attributes, m.timestamp, m.key?.toString(), m.value?.toString(), m.crcValid]),
      [
        [1, 1, 0, 1_700_000_000_001, 'k1', 'v1', true],
        [2, 1, 0, 1_700_000_000_002, 'k2', 'v2', true],
      ],
    );
    const v0 = await rawFetchAt(port, 0, { topic, partition: 0, offset: 0, partitionMaxBytes: 1 << 20 });
    assert.deepEqual(parseLegacyMessageSet(v0.records!).map((m) => [m.offset, m.magic, m.timestamp, m.value?.toString(), m.crcValid]), [
      [0, 0, -1, 'v0', true],
      [1, 0, -1, 'v1', true],
      [2, 0, -1, 'v2', true],
    ]);
    assert.equal(await counter(broker(), 'blink_fetch_message_conversions_total') - conversionsBefore, 5);

    const oneMessage = legacyMessageSet(1, [specs[0]!]).length;
    const limited = await rawFetchAt(port, 3, { topic, partition: 0, offset: 0, partitionMaxBytes: oneMessage + 10 });
    assert.deepEqual(parseLegacyMessageSet(limited.records!).map((m) => m.offset), [0], 'whole messages within partition_max_bytes');
    assert.equal(limited.records!.length, oneMessage, 'no partial message');
    const oversized = await rawFetchAt(port, 2, { topic, partition: 0, offset: 2, partitionMaxBytes: 5 });
    assert.deepEqual(parseLegacyMessageSet(oversized.records!).map((m) => m.offset), [2], 'the first message even beyond the limit');

    const [stored] = await storedBatchHeaders(port, topic, 0);
    assert.deepEqual([stored!.compression, stored!.recordCount, stored!.lastOffset], [1, 3, 2], 'stored as one gzip batch');
  });

  test('raw Produce: Kafka 3.9\'s answers to legacy sets that break its rules', { timeout: TEST_TIMEOUT_MS }, async () => {
    const port = broker().kafkaPort;
    const topic = uniqueTopic('legacy-rules');
    await modern(broker()).createTopic!(topic, 1);
    const specs = [{ key: null, value: Buffer.from('x'), timestamp: 1_700_000_000_000 }];
    const corrupt = legacyMessageSet(0, specs);
    corrupt[corrupt.length - 1] ^= 0x01;
    const cases: Array<[string, 0 | 1 | 2 | 3, Buffer, number]> = [
      ['a magic-1 set in Produce v3', 3, legacyMessageSet(1, specs), 87],
      ['a short magic-0 message in Produce v3', 3, legacyMessage(0, { key: null, value: null }), 87],
      ['a CRC-32 mismatch', 0, corrupt, 2],
      ['a zstd wrapper', 2, legacyWrapper(1, 'zstd', specs), 87],
      ['two wrappers', 2, Buffer.concat([legacyWrapper(1, 'gzip', specs), legacyWrapper(1, 'gzip', specs)]), 87],
      ['a wrapper in a wrapper', 2, legacyMessage(1, { key: null, value: gzipSync(legacyWrapper(1, 'gzip', specs)), attributes: 1 }), 87],
      ['a short magic-0 message in Produce v0', 0, legacyMessage(0, { key: null, value: null }), 0],
      ['a magic-0 lz4 wrapper with the KAFKA-3160 header checksum', 0, legacyWrapper(0, 'lz4-3160', specs), 0],
    ];
    for (const [label, version, records, errorCode] of cases) {
      const answer = await rawProduceAt(port, version, { topic, partition: 0, records });
      assert.equal(answer.errorCode, errorCode, `${label}: error code`);
    }
    const v0 = await rawFetchAt(port, 1, { topic, partition: 0, offset: 0, partitionMaxBytes: 1 << 20 });
    assert.deepEqual(parseLegacyMessageSet(v0.records!).map((m) => [m.offset, m.value?.toString() ?? null]), [[0, null], [1, 'x']]);
  });

  test('message.downconversion.enable=false: Fetch v0-3 gets UNSUPPORTED_VERSION, Fetch v4 the records', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('legacy-closed');
    const created = await rest(broker(), 'POST', '/api/v1/topics', { json: { name: topic, partitions: 1, configs: { 'message.downconversion.enable': 'false' } } });
    expectStatus(created, 201, 'create the topic');
    const port = broker().kafkaPort;
    assert.equal((await rawProduceAt(port, 2, { topic, partition: 0, records: legacyMessageSet(1, [{ key: null, value: Buffer.from('x') }]) })).errorCode, 0);
    assert.equal((await rawFetchAt(port, 2, { topic, partition: 0, offset: 0, partitionMaxBytes: 1 << 20 })).errorCode, 35);
    assert.equal((await storedBatchHeaders(port, topic, 0)).length, 1);
  });
});
