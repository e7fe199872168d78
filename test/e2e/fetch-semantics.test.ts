/**
 * Fetch and Produce semantics against the real broker process, with hand-built frames
 * (Fetch v4, Produce v3, CreateTopics v1 in raw-kafka.ts; batches from buildBatch) so that
 * no codec of the broker's can hide a bug, plus real clients (kcat, confluent-kafka) where
 * a client's behaviour is the point: long poll, KIP-74 size limits, offset errors, acks=0,
 * produce validation, and ListOffsets by timestamp.
 *
 * Timing assertions are semantics, not performance: "answered by the produce, not at the
 * deadline" and "waited for max_wait_ms", with wide margins. That a fetch is parked is seen,
 * not assumed after a delay: the broker's blink_parked_fetches gauge counts parked fetches.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { buildBatch, values, type TestRecord } from '../support/batch-builder.js';
import { TEST_TIMEOUT_MS, useBroker } from './client-suite.js';
import { describeRun, parkedFetches, run, uniqueTopic, waitForParkedFetches } from './harness.js';
import {
  RawConnection,
  apiVersionsRequest,
  parseApiVersionsV0,
  parseProduceV3Response,
  produceRequestV3,
  rawCreateTopic,
  rawFetch,
  rawFetchPartitions,
  rawProduce,
  type RawFetchOptions,
  type StoredBatchHeader,
} from './raw-kafka.js';

/** Kafka error codes asserted here (Errors.java). */
const NONE = 0;
const OFFSET_OUT_OF_RANGE = 1;
const CORRUPT_MESSAGE = 2;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const MESSAGE_TOO_LARGE = 10;
const INVALID_REQUIRED_ACKS = 21;

/** The broker's message_max_bytes for this file: small, so MESSAGE_TOO_LARGE is cheap to reach. */
const MESSAGE_MAX_BYTES = 100_000;
const ONE_MIB = 1024 * 1024;
const PYTHON = '/usr/bin/python3';
const CLIENT_TIMEOUT_MS = 60_000;

const broker = useBroker({ AUTO_CREATE_TOPICS: 'false', MESSAGE_MAX_BYTES: String(MESSAGE_MAX_BYTES), RETENTION: '5m' });
const port = (): number => broker().kafkaPort;
const restUrl = (): string => broker().restUrl;

async function newTopic(label: string, partitions = 1): Promise<string> {
  const topic = uniqueTopic(label);
  const created = await rawCreateTopic(port(), topic, partitions);
  assert.deepEqual(created, { errorCode: NONE, errorMessage: null }, `CreateTopics ${topic}`);
  return topic;
}

/** Produces one batch with acks=1 and asserts it was stored at `expectedBaseOffset`. */
async function produceBatch(topic: string, partition: number, records: TestRecord[], expectedBaseOffset: number): Promise<Buffer> {
  const batch = buildBatch(records);
  const answer = await rawProduce(port(), { topic, partition, records: batch });
  assert.deepEqual(answer, { topic, partition, errorCode: NONE, baseOffset: expectedBaseOffset, logAppendTimeMs: -1 }, `produce to ${topic}[${partition}]`);
  return batch;
}

/** The header a stored copy of `batch` has once the broker assigned `baseOffset`. */
function storedHeader(batch: Buffer, baseOffset: number): StoredBatchHeader {
  const recordCount = batch.readInt32BE(57);
  return { baseOffset, compression: 0, producerId: -1, recordCount, lastOffset: baseOffset + recordCount - 1, sizeBytes: batch.length };
}

function fetchAt(topic: string, partition: number, offset: number, limits: Partial<RawFetchOptions> = {}): RawFetchOptions {
  return { topic, partition, offset, maxWaitMs: 0, minBytes: 0, maxBytes: ONE_MIB, partitionMaxBytes: ONE_MIB, ...limits };
}

async function highWatermark(topic: string, partition = 0): Promise<number> {
  const result = await rawFetch(port(), fetchAt(topic, partition, 0));
  assert.equal(result.errorCode, NONE, `fetch ${topic}[${partition}] at 0`);
  return result.highWatermark;
}

interface KcatMessage {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
}

/** kcat -C from `start` (an offset or s@<timestamp>) to the end of the partition (-e). */
async function kcatConsume(topic: string, partition: number, start: string): Promise<KcatMessage[]> {
  const args = ['-C', '-b', broker().bootstrap, '-t', topic, '-p', String(partition), '-o', start, '-e', '-J'];
  const result = await run('kcat', args, { timeoutMs: CLIENT_TIMEOUT_MS });
  assert.equal(result.code, 0, describeRun(`kcat ${args.join(' ')}`, result));
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const { partition: p, offset, key, payload } = JSON.parse(line) as KcatMessage;
      return { partition: p, offset, key, payload };
    });
}

describe('Fetch long poll (hand-built Fetch v4)', () => {
  test('an empty partition fetched with max_wait_ms 10000 / min_bytes 1 parks, and a produce answers it with that batch', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('longpoll-wake');
    const parkedBefore = await parkedFetches(restUrl());
    const pending = rawFetch(port(), fetchAt(topic, 0, 0, { maxWaitMs: 10_000, minBytes: 1 }), 20_000);
    await waitForParkedFetches(restUrl(), parkedBefore + 1);
    const batch = await produceBatch(topic, 0, values(3, 'wake'), 0);
    const result = await pending;
    assert.equal(result.errorCode, NONE);
    assert.equal(result.highWatermark, 3);
    assert.deepEqual(result.batches, [storedHeader(batch, 0)], 'the response carries the batch that woke it');
    assert.equal(result.recordsBytes, batch.length);
    assert.equal(await parkedFetches(restUrl()), parkedBefore, 'the produce released the parked fetch');
    assert.ok(result.elapsedMs < 5_000, `answered on produce, not at the 10 s deadline (${result.elapsedMs.toFixed(0)} ms)`);
  });

  test('min_bytes larger than one batch: the first produce does not answer the fetch, the second does, and both batches come back', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('longpoll-minbytes');
    const first = buildBatch(values(2, 'first'));
    const parkedBefore = await parkedFetches(restUrl());
    let answered = false;
    const pending = rawFetch(port(), fetchAt(topic, 0, 0, { maxWaitMs: 10_000, minBytes: first.length + 1 }), 20_000).finally(() => {
      answered = true;
    });
    await waitForParkedFetches(restUrl(), parkedBefore + 1);
    await produceBatch(topic, 0, values(2, 'first'), 0);
    // An append wakes parked fetches synchronously, before its produce is acknowledged: had
    // the first batch been enough, the fetch would have left the parking by now.
    assert.equal(await parkedFetches(restUrl()), parkedBefore + 1, 'still parked after the first batch');
    assert.equal(answered, false, 'no answer after the first batch');
    const second = await produceBatch(topic, 0, values(2, 'second'), 2);
    const result = await pending;
    assert.equal(result.errorCode, NONE);
    assert.equal(result.highWatermark, 4);
    assert.deepEqual(result.batches, [storedHeader(first, 0), storedHeader(second, 2)]);
    assert.ok(result.elapsedMs < 5_000, `answered by the second produce, not at the deadline (${result.elapsedMs.toFixed(0)} ms)`);
  });

  test('nothing produced, max_wait_ms 500: the answer comes after ~500 ms with no batches', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('longpoll-timeout');
    const result = await rawFetch(port(), fetchAt(topic, 0, 0, { maxWaitMs: 500, minBytes: 1 }));
    assert.equal(result.errorCode, NONE);
    assert.equal(result.highWatermark, 0);
    assert.deepEqual(result.batches, []);
    assert.ok(result.elapsedMs >= 450, `waited for max_wait_ms (${result.elapsedMs.toFixed(0)} ms)`);
    assert.ok(result.elapsedMs < 5_000, `did not wait far past max_wait_ms (${result.elapsedMs.toFixed(0)} ms)`);
  });

  test('max_wait_ms 0 on an empty partition answers at once with no batches', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('longpoll-zero');
    const result = await rawFetch(port(), fetchAt(topic, 0, 0, { maxWaitMs: 0, minBytes: 1 }));
    assert.equal(result.errorCode, NONE);
    assert.equal(result.highWatermark, 0);
    assert.deepEqual(result.batches, []);
    assert.ok(result.elapsedMs < 1_000, `answered at once (${result.elapsedMs.toFixed(0)} ms)`);
  });
});

describe('Fetch size limits (KIP-74) and offsets', () => {
  test('partition_max_bytes smaller than two batches returns exactly the first whole batch', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('pmb-two');
    const a = await produceBatch(topic, 0, values(3, 'a'), 0);
    const b = await produceBatch(topic, 0, values(2, 'b'), 3);
    const both = await rawFetch(port(), fetchAt(topic, 0, 0, { partitionMaxBytes: a.length + b.length }));
    assert.deepEqual(both.batches, [storedHeader(a, 0), storedHeader(b, 3)], 'both fit in a.length + b.length');
    const result = await rawFetch(port(), fetchAt(topic, 0, 0, { partitionMaxBytes: a.length + b.length - 1 }));
    assert.equal(result.errorCode, NONE);
    assert.equal(result.highWatermark, 5);
    assert.deepEqual(result.batches, [storedHeader(a, 0)]);
  });

  test('partition_max_bytes smaller than the first batch still returns that one batch whole', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('pmb-tiny');
    const a = await produceBatch(topic, 0, values(3, 'a'), 0);
    await produceBatch(topic, 0, values(2, 'b'), 3);
    const result = await rawFetch(port(), fetchAt(topic, 0, 0, { partitionMaxBytes: 10 }));
    assert.equal(result.errorCode, NONE);
    assert.deepEqual(result.batches, [storedHeader(a, 0)]);
    assert.ok(result.recordsBytes >= a.length, `the first batch is whole (${result.recordsBytes} bytes >= ${a.length})`);
  });

  test('max_bytes across two partitions: the first non-empty partition gets its first batch, the rest of the budget is honoured', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('maxbytes', 2);
    const a = await produceBatch(topic, 0, values(3, 'a'), 0);
    const b = await produceBatch(topic, 0, values(2, 'b'), 3);
    const c = await produceBatch(topic, 1, values(4, 'c'), 0);
    const request = (maxBytes: number, offset0 = 0) => ({
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes,
      partitions: [
        { topic, partition: 0, offset: offset0, partitionMaxBytes: ONE_MIB },
        { topic, partition: 1, offset: 0, partitionMaxBytes: ONE_MIB },
      ],
    });
    const summary = (partitions: { partition: number; errorCode: number; highWatermark: number; batches: StoredBatchHeader[] }[]) =>
      partitions.map(({ partition, errorCode, highWatermark, batches }) => ({ partition, errorCode, highWatermark, batches }));

    const everything = await rawFetchPartitions(port(), request(ONE_MIB));
    assert.deepEqual(summary(everything.partitions), [
      { partition: 0, errorCode: NONE, highWatermark: 5, batches: [storedHeader(a, 0), storedHeader(b, 3)] },
      { partition: 1, errorCode: NONE, highWatermark: 4, batches: [storedHeader(c, 0)] },
    ]);

    const firstBatchOnly = await rawFetchPartitions(port(), request(a.length + 10));
    assert.deepEqual(summary(firstBatchOnly.partitions), [
      { partition: 0, errorCode: NONE, highWatermark: 5, batches: [storedHeader(a, 0)] },
      { partition: 1, errorCode: NONE, highWatermark: 4, batches: [] },
    ], 'max_bytes = first batch + 10: partition 0 gets a, partition 1 nothing');

    const oneByte = await rawFetchPartitions(port(), request(1));
    assert.deepEqual(summary(oneByte.partitions), [
      { partition: 0, errorCode: NONE, highWatermark: 5, batches: [storedHeader(a, 0)] },
      { partition: 1, errorCode: NONE, highWatermark: 4, batches: [] },
    ], 'max_bytes 1: the first batch of the first partition is still returned whole, nothing else');

    const firstPartitionEmpty = await rawFetchPartitions(port(), request(1, 5));
    assert.deepEqual(summary(firstPartitionEmpty.partitions), [
      { partition: 0, errorCode: NONE, highWatermark: 5, batches: [] },
      { partition: 1, errorCode: NONE, highWatermark: 4, batches: [storedHeader(c, 0)] },
    ], 'partition 0 at its high watermark is empty: partition 1 is the first non-empty one and gets its first batch');
  });

  test('a fetch from an offset inside a batch returns the batch that contains it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('mid-batch');
    const a = await produceBatch(topic, 0, values(3, 'a'), 0);
    const b = await produceBatch(topic, 0, values(4, 'b'), 3);
    for (const offset of [1, 2]) {
      const result = await rawFetch(port(), fetchAt(topic, 0, offset));
      assert.equal(result.errorCode, NONE);
      assert.deepEqual(result.batches, [storedHeader(a, 0), storedHeader(b, 3)], `fetch at ${offset}`);
    }
    for (const offset of [3, 5, 6]) {
      const result = await rawFetch(port(), fetchAt(topic, 0, offset));
      assert.equal(result.errorCode, NONE);
      assert.deepEqual(result.batches, [storedHeader(b, 3)], `fetch at ${offset}`);
      const [first] = result.batches as [StoredBatchHeader];
      assert.ok(first.baseOffset <= offset && offset <= first.lastOffset, `batch ${first.baseOffset}..${first.lastOffset} holds ${offset}`);
    }
    const atEnd = await rawFetch(port(), fetchAt(topic, 0, 7));
    assert.deepEqual({ errorCode: atEnd.errorCode, highWatermark: atEnd.highWatermark, batches: atEnd.batches }, { errorCode: NONE, highWatermark: 7, batches: [] });
  });

  test('an offset beyond the high watermark is OFFSET_OUT_OF_RANGE; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('out-of-range');
    await produceBatch(topic, 0, values(3, 'a'), 0);
    const beyond = await rawFetch(port(), fetchAt(topic, 0, 4, { maxWaitMs: 5_000, minBytes: 1 }));
    assert.deepEqual(
      { errorCode: beyond.errorCode, highWatermark: beyond.highWatermark, batches: beyond.batches },
      { errorCode: OFFSET_OUT_OF_RANGE, highWatermark: 3, batches: [] },
    );
    assert.ok(beyond.elapsedMs < 2_500, `an error answers at once, not after max_wait_ms (${beyond.elapsedMs.toFixed(0)} ms)`);

    const unknownTopic = await rawFetch(port(), fetchAt(uniqueTopic('never-created'), 0, 0, { maxWaitMs: 5_000, minBytes: 1 }));
    assert.deepEqual(
      { errorCode: unknownTopic.errorCode, highWatermark: unknownTopic.highWatermark, batches: unknownTopic.batches },
      { errorCode: UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1, batches: [] },
    );
    assert.ok(unknownTopic.elapsedMs < 2_500, `an unknown topic answers at once (${unknownTopic.elapsedMs.toFixed(0)} ms)`);
    const unknownPartition = await rawFetch(port(), fetchAt(topic, 7, 0));
    assert.equal(unknownPartition.errorCode, UNKNOWN_TOPIC_OR_PARTITION, 'partition 7 of a one-partition topic');
  });
});

describe('Produce (hand-built Produce v3)', () => {
  test('acks=0 gets no response: the next request on the connection is answered first, and the record is stored', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('acks0');
    const records: TestRecord[] = [
      { key: Buffer.from('k0'), value: Buffer.from('fire-and-forget-0') },
      { key: Buffer.from('k1'), value: Buffer.from('fire-and-forget-1') },
    ];
    const batch = buildBatch(records);
    const connection = await RawConnection.open(port());
    try {
      connection.write(produceRequestV3(1, 0, topic, 0, batch));
      connection.write(apiVersionsRequest(0, 2));
      const first = await connection.readFrame(10_000);
      assert.equal(first.readInt32BE(0), 2, 'the first frame answers the ApiVersions (correlation id 2), not the acks=0 produce');
      assert.equal(parseApiVersionsV0(first).errorCode, NONE);
      // A late response to the produce would be written before the answer to any request sent
      // after it: the next frame must answer this one.
      connection.write(apiVersionsRequest(0, 3));
      const next = await connection.readFrame(10_000);
      assert.equal(next.readInt32BE(0), 3, 'the next frame answers the next ApiVersions (correlation id 3)');
      assert.equal(connection.bufferedBytes, 0, 'no late response to the acks=0 produce either');
      assert.equal(connection.closed, false);
    } finally {
      connection.close();
    }
    const stored = await rawFetch(port(), fetchAt(topic, 0, 0));
    assert.equal(stored.highWatermark, 2);
    assert.deepEqual(stored.batches, [storedHeader(batch, 0)]);
    const consumed = await kcatConsume(topic, 0, '0');
    assert.deepEqual(consumed, [
      { partition: 0, offset: 0, key: 'k0', payload: 'fire-and-forget-0' },
      { partition: 0, offset: 1, key: 'k1', payload: 'fire-and-forget-1' },
    ]);
  });

  test('a batch with a flipped byte (CRC-32C mismatch) gets CORRUPT_MESSAGE and nothing is stored', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('crc');
    await produceBatch(topic, 0, values(2, 'good'), 0);
    const corrupt = buildBatch(values(3, 'bad'));
    corrupt[corrupt.length - 2] ^= 0x01;
    const answer = await rawProduce(port(), { topic, partition: 0, records: corrupt, acks: 1 });
    assert.deepEqual(answer, { topic, partition: 0, errorCode: CORRUPT_MESSAGE, baseOffset: -1, logAppendTimeMs: -1 });
    assert.equal(await highWatermark(topic), 2, 'high watermark unchanged');
  });

  test('a batch larger than message_max_bytes gets MESSAGE_TOO_LARGE and nothing is stored', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('too-large');
    const fits = buildBatch([{ value: Buffer.alloc(MESSAGE_MAX_BYTES - 200, 0x61) }]);
    assert.ok(fits.length <= MESSAGE_MAX_BYTES);
    const accepted = await rawProduce(port(), { topic, partition: 0, records: fits });
    assert.equal(accepted.errorCode, NONE, `a ${fits.length}-byte batch is within message_max_bytes ${MESSAGE_MAX_BYTES}`);
    const tooLarge = buildBatch([{ value: Buffer.alloc(MESSAGE_MAX_BYTES, 0x62) }]);
    assert.ok(tooLarge.length > MESSAGE_MAX_BYTES);
    const answer = await rawProduce(port(), { topic, partition: 0, records: tooLarge });
    assert.deepEqual(answer, { topic, partition: 0, errorCode: MESSAGE_TOO_LARGE, baseOffset: -1, logAppendTimeMs: -1 });
    assert.equal(await highWatermark(topic), 1, 'high watermark unchanged');
  });

  test('acks=5 gets INVALID_REQUIRED_ACKS and nothing is stored', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('acks5');
    const answer = await rawProduce(port(), { topic, partition: 0, records: buildBatch(values(2, 'acks5')), acks: 5 });
    assert.deepEqual(answer, { topic, partition: 0, errorCode: INVALID_REQUIRED_ACKS, baseOffset: -1, logAppendTimeMs: -1 });
    assert.equal(await highWatermark(topic), 0, 'nothing stored');
  });

  test('Produce v3 responses on one connection keep request order and carry the assigned base offsets', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('pipelined');
    const connection = await RawConnection.open(port());
    try {
      for (let i = 0; i < 3; i++) connection.write(produceRequestV3(100 + i, -1, topic, 0, buildBatch(values(2, `p${i}`))));
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(parseProduceV3Response(await connection.readFrame(10_000)));
      assert.deepEqual(
        answers.map((a) => ({ correlationId: a.correlationId, partitions: a.partitions, throttleTimeMs: a.throttleTimeMs })),
        [0, 1, 2].map((i) => ({
          correlationId: 100 + i,
          partitions: [{ topic, partition: 0, errorCode: NONE, baseOffset: 2 * i, logAppendTimeMs: -1 }],
          throttleTimeMs: 0,
        })),
      );
    } finally {
      connection.close();
    }
  });
});

/**
 * confluent-kafka (librdkafka) asks offsets_for_times for each query timestamp. The records are
 * produced by the test itself (two hand-built batches), not by a client: how a client splits
 * records into batches depends on its timing, and the lookups must cover a batch boundary.
 */
const CONFLUENT_TIMESTAMPS_SCRIPT = `
import json, sys, uuid
from confluent_kafka import Consumer, TopicPartition

bootstrap, topic = sys.argv[1], sys.argv[2]
queries = [int(q) for q in sys.argv[3].split(',')]
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'e2e-unused-' + uuid.uuid4().hex,
                     'enable.auto.commit': False, 'log_level': 4})
lookups = []
try:
    for q in queries:
        [found] = consumer.offsets_for_times([TopicPartition(topic, 0, q)], timeout=15)
        lookups.append({'query': q, 'offset': found.offset,
                        'error': None if found.error is None else str(found.error)})
finally:
    consumer.close()
print(json.dumps(lookups))
`;

/** Records i = first..first+count-1 with value ts-i and timestamp t0 + i*1000, in one batch. */
function timestampedBatch(t0: number, first: number, count: number): Buffer {
  const records = Array.from({ length: count }, (_, j) => ({ key: null, value: Buffer.from(`ts-${first + j}`), timestampDelta: j * 1_000 }));
  return buildBatch(records, { baseTimestamp: t0 + first * 1_000 });
}

describe('ListOffsets by timestamp with real clients', () => {
  test('confluent-kafka offsets_for_times finds the first record at or after a timestamp; kcat -o s@<ts> starts there', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('by-timestamp');
    const t0 = Date.now() - 60_000;
    const expected: Array<[query: number, offset: number]> = [
      [t0 - 100_000, 0],
      [t0, 0],
      [t0 + 1_500, 2],
      [t0 + 2_000, 2],
      [t0 + 2_500, 3],
      [t0 + 3_500, 4],
      [t0 + 5_000, 5],
      [t0 + 5_001, -1],
      [Date.now() + 3_600_000, -1],
    ];
    const first = await rawProduce(port(), { topic, partition: 0, records: timestampedBatch(t0, 0, 3) });
    const second = await rawProduce(port(), { topic, partition: 0, records: timestampedBatch(t0, 3, 3) });
    assert.deepEqual([first, second].map((a) => [a.errorCode, a.baseOffset]), [[NONE, 0], [NONE, 3]]);
    const stored = await rawFetch(port(), fetchAt(topic, 0, 0));
    assert.deepEqual(
      stored.batches.map((b) => [b.baseOffset, b.lastOffset]),
      [[0, 2], [3, 5]],
      'two batches, so the lookups cover records inside a batch and across the boundary',
    );

    const result = await run(PYTHON, ['-c', CONFLUENT_TIMESTAMPS_SCRIPT, broker().bootstrap, topic, expected.map(([q]) => q).join(',')], {
      timeoutMs: CLIENT_TIMEOUT_MS,
    });
    const context = describeRun('confluent-kafka offsets_for_times', result);
    assert.equal(result.code, 0, context);
    const lookups = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as Array<{ query: number; offset: number; error: string | null }>;
    assert.deepEqual(
      lookups,
      expected.map(([query, offset]) => ({ query, offset, error: null })),
      `offsets_for_times (t0 = ${t0}; -1 = no record at or after the timestamp)`,
    );

    const fromTimestamp = await kcatConsume(topic, 0, `s@${t0 + 1_500}`);
    assert.deepEqual(
      fromTimestamp.map((m) => [m.offset, m.payload]),
      [[2, 'ts-2'], [3, 'ts-3'], [4, 'ts-4'], [5, 'ts-5']],
      'kcat -o s@<t0+1500> starts at the t0+2000 record',
    );
  });
});
