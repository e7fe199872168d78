/**
 * ProduceService: the produce step both faces take (Kafka Produce, REST produce) for one
 * request, each partition's outcome with the Kafka error code a client gets: topic look-up
 * and auto-creation, partition checks, validation, plugin refusals, and the wait for room
 * when the memory tier is full (max_memory).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PluginFilterResult, PluginService } from '../../../src/plugins/plugin.service.js';
import { MEMORY_FULL_MESSAGE } from '../../../src/storage/memory-accountant.js';
import { MemoryWait, MEMORY_WAIT_MAX_MS, REST_MEMORY_WAIT_MS } from '../../../src/produce/produce.service.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { legacyMessageSet, legacyWrapper } from '../../support/legacy-messages.js';
import { domain } from '../topics/support.js';

/** The stored batch holding `offset` (a memory read: synchronous). */
function readNow(log: PartitionLog, offset: number): Buffer {
  const read = log.read(offset, 1, true);
  if (read instanceof Promise) throw new Error('expected a memory read');
  return read.chunks[0];
}

/** Long enough that a test finishing early proves the wait was cut short by the relief. */
const LONG_WAIT_MS = 30_000;

function withTopic(env: Record<string, string> = {}, plugins?: PluginService) {
  const d = domain(env, plugins);
  d.registry.create('t', 2);
  return d;
}

/** Sets max_memory just above what the memory tier holds now plus `headroomBytes`. */
function limitMemory(d: ReturnType<typeof domain>, headroomBytes: number): void {
  const maxBytes = d.accountant.storedBytes + headroomBytes;
  d.limitMemory(maxBytes);
}

describe('ProduceService', () => {
  it('appends each partition in request order and answers its offsets', async () => {
    const { producer, registry } = withTopic();
    const outcomes = await producer.produce(
      [
        { topic: 't', partition: 0, records: buildBatch(values(3)) },
        { topic: 't', partition: 1, records: buildBatch(values(1)) },
        { topic: 't', partition: 0, records: buildBatch(values(2)) },
      ],
      0,
      1_000,
    );
    assert.deepEqual(outcomes.map((o) => [o.errorCode, o.partition, o.baseOffset, o.recordsAppended]), [
      [ErrorCode.NONE, 0, 0, 3],
      [ErrorCode.NONE, 1, 0, 1],
      [ErrorCode.NONE, 0, 3, 2],
    ]);
    assert.equal(outcomes[2].logStartOffset, 0);
    assert.equal(registry.partition('t', 0)?.highWatermark, 5);
  });

  it('refuses closed topics with NOT_LEADER_OR_FOLLOWER, stores nothing, does not auto-create them, and takes writes again once opened', async () => {
    const d = withTopic();
    d.fence.close((topic) => (topic === 't' || topic.startsWith('moved-') ? `topic ${topic} moved to the Kafka cluster` : null));
    const records = () => buildBatch(values(1));
    const closed = await d.producer.produce(
      [
        { topic: 't', partition: 0, records: records() },
        { topic: 'moved-new', partition: 0, records: records() },
        { topic: 'other', partition: 0, records: records() },
      ],
      0,
      1_000,
    );
    assert.deepEqual(closed.map((o) => o.errorCode), [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NONE]);
    assert.equal(closed[0].errorMessage, 'topic t moved to the Kafka cluster');
    assert.equal(d.registry.partition('t', 0)?.highWatermark, 0);
    assert.equal(d.registry.get('moved-new'), undefined, 'a closed name is not auto-created');
    d.fence.open();
    const [reopened] = await d.producer.produce([{ topic: 't', partition: 0, records: records() }], 0, 1_000);
    assert.equal(reopened.errorCode, ErrorCode.NONE);
    assert.equal(d.registry.partition('t', 0)?.highWatermark, 1);
  });

  it('refuses unknown topics, illegal names and missing partitions, telling a missing topic from a missing partition', async () => {
    const { producer } = withTopic({ AUTO_CREATE_TOPICS: 'false' });
    const records = buildBatch(values(1));
    const outcomes = await producer.produce(
      [
        { topic: 'absent', partition: 0, records },
        { topic: 'bad name!', partition: 0, records },
        { topic: 't', partition: 7, records },
      ],
      0,
      0,
    );
    assert.deepEqual(outcomes.map((o) => [o.errorCode, o.missing, o.partition, o.baseOffset, o.logStartOffset]), [
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'topic', 0, -1, -1],
      [ErrorCode.INVALID_TOPIC_EXCEPTION, undefined, 0, -1, -1],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partition', 7, -1, -1],
    ]);
    assert.match(outcomes[0].errorMessage ?? '', /auto_create_topics is off/);
  });

  it('auto-creates an unknown topic when the settings allow it, and lets the caller pick the partition from its count', async () => {
    const { producer, registry } = domain({ KAFKA_CFG_NUM_PARTITIONS: '3' });
    const counts: number[] = [];
    const [outcome] = await producer.produce([{ topic: 'fresh', partition: (count) => (counts.push(count), count - 1), records: buildBatch(values(1)) }], 0, 0);
    assert.deepEqual([outcome.errorCode, outcome.partition], [ErrorCode.NONE, 2]);
    assert.deepEqual(counts, [3]);
    assert.equal(registry.partition('fresh', 2)?.highWatermark, 1);
  });

  it('refuses what validation refuses: null records, a corrupt batch, a batch over max.message.bytes', async () => {
    const { producer, registry } = withTopic();
    registry.get('t')!.configs.set('max.message.bytes', '100');
    const corrupt = buildBatch(values(1));
    corrupt[corrupt.length - 1] ^= 0xff;
    const outcomes = await producer.produce(
      [
        { topic: 't', partition: 0, records: null },
        { topic: 't', partition: 0, records: corrupt },
        { topic: 't', partition: 0, records: buildBatch(values(20)) },
      ],
      0,
      0,
    );
    assert.deepEqual(outcomes.map((o) => o.errorCode), [ErrorCode.INVALID_RECORD, ErrorCode.CORRUPT_MESSAGE, ErrorCode.MESSAGE_TOO_LARGE]);
    assert.equal(registry.partition('t', 0)?.highWatermark, 0, 'nothing stored');
  });

  it('a plugin refusal is INVALID_RECORD naming the refused records, with log start offset -1', async () => {
    const refusedByPlugin: PluginFilterResult = { kind: 'refused', errorCode: ErrorCode.INVALID_RECORD, errorMessage: '1 of 2 records refused', recordErrors: [{ batchIndex: 1, message: 'no' }] };
    const plugins = { active: true, filter: async () => refusedByPlugin } as unknown as PluginService;
    const { producer, registry } = withTopic({}, plugins);
    const [outcome] = await producer.produce([{ topic: 't', partition: 0, records: buildBatch(values(2)) }], 0, 0);
    assert.deepEqual([outcome.errorCode, outcome.logStartOffset, outcome.recordErrors], [ErrorCode.INVALID_RECORD, -1, [{ batchIndex: 1, message: 'no' }]]);
    assert.equal(registry.partition('t', 0)?.highWatermark, 0);
  });

  it('memory full: waits memoryWaitMs, then every partition is KAFKA_STORAGE_ERROR and nothing is stored', async () => {
    const d = withTopic();
    await d.producer.produce([{ topic: 't', partition: 0, records: buildBatch(values(5)) }], 0, 0);
    limitMemory(d, 0);
    assert.ok(d.accountant.isFull);
    const waitMs = 30;
    const started = performance.now();
    const outcomes = await d.producer.produce(
      [
        { topic: 't', partition: 0, records: buildBatch(values(1)) },
        { topic: 'absent', partition: 3, records: buildBatch(values(1)) },
      ],
      waitMs,
      0,
    );
    assert.ok(performance.now() - started >= waitMs - 5, 'it waited for relief first');
    assert.deepEqual(outcomes.map((o) => [o.errorCode, o.errorMessage, o.partition]), [
      [ErrorCode.KAFKA_STORAGE_ERROR, MEMORY_FULL_MESSAGE, 0],
      [ErrorCode.KAFKA_STORAGE_ERROR, MEMORY_FULL_MESSAGE, 3],
    ]);
    assert.equal(d.registry.partition('t', 0)?.highWatermark, 5);
  });

  it('memory full: a produce waiting for room appends as soon as retention frees some', async () => {
    const d = withTopic();
    await d.producer.produce([{ topic: 't', partition: 0, records: buildBatch(values(5)) }], 0, 0);
    limitMemory(d, 0);
    const started = performance.now();
    const waiting = d.producer.produce([{ topic: 't', partition: 1, records: buildBatch(values(1)) }], LONG_WAIT_MS, 0);
    const log = d.registry.partition('t', 0)!;
    d.topics.deleteRecords(log, log.highWatermark);
    const [outcome] = await waiting;
    assert.equal(outcome.errorCode, ErrorCode.NONE);
    assert.ok(performance.now() - started < LONG_WAIT_MS / 2, 'woken by the relief, not by the timeout');
    assert.equal(d.registry.partition('t', 1)?.highWatermark, 1);
  });

  it('start: every append has happened, in request order, before the outcomes are awaited (acks=0 keeps order)', async () => {
    const { producer, registry } = withTopic();
    const first = await producer.start([{ topic: 't', partition: 0, records: buildBatch(values(2)) }], 0, 0);
    const second = await producer.start([{ topic: 't', partition: 0, records: buildBatch(values(1)) }], 0, 0);
    assert.equal(registry.partition('t', 0)?.highWatermark, 3, 'both stored before any outcome was awaited');
    assert.deepEqual([(await first[0]).baseOffset, (await second[0]).baseOffset], [0, 2]);
  });

  it('start: answers in the call itself when nothing waits (memory reserved at once, uncompressed batches, memory mode), and with a promise once the reservation waits', async () => {
    const d = withTopic();
    const started = d.producer.start(
      [
        { topic: 't', partition: 0, records: buildBatch(values(2)) },
        { topic: 't', partition: 1, records: null },
      ],
      0,
      0,
    );
    assert.ok(Array.isArray(started), 'the outcomes, not a promise');
    assert.deepEqual(started.map((o) => (o instanceof Promise ? 'promise' : [o.errorCode, o.baseOffset])), [
      [ErrorCode.NONE, 0],
      [ErrorCode.INVALID_RECORD, -1],
    ]);
    limitMemory(d, 0);
    const waiting = d.producer.start([{ topic: 't', partition: 0, records: buildBatch(values(1)) }], 10, 0);
    assert.ok(waiting instanceof Promise, 'a full memory tier makes it wait');
    const [full] = await waiting;
    assert.equal((await full).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  });

  describe('legacy message sets (Kafka Produce v0-2)', () => {
    const three = values(3).map(({ key, value }, i) => ({ key: key ?? null, value, timestamp: 1_700_000_000_000 + i }));

    it('stores a legacy set as one record batch and answers its offsets', async () => {
      const { producer, registry } = withTopic();
      await producer.produce([{ topic: 't', partition: 0, records: buildBatch(values(2)) }], 0, 0);
      const [outcome] = await producer.produce([{ topic: 't', partition: 0, records: legacyWrapper(1, 'gzip', three), legacyFormat: true }], 0, 0);
      assert.deepEqual([outcome.errorCode, outcome.baseOffset, outcome.recordsAppended], [ErrorCode.NONE, 2, 3]);
      const stored = readNow(registry.partition('t', 0)!, 2);
      const view = new RecordBatchView(stored);
      assert.deepEqual([view.magic, view.compression, view.baseOffset, view.recordCount, view.maxTimestamp], [2, 1, 2, 3, 1_700_000_000_002]);
    });

    it('passes a record batch sent at Produce v0-2 unchanged, as Kafka accepts it', async () => {
      const { producer, registry } = withTopic();
      const batch = buildBatch(values(2));
      const [outcome] = await producer.produce([{ topic: 't', partition: 0, records: batch, legacyFormat: true }], 0, 0);
      assert.equal(outcome.errorCode, ErrorCode.NONE);
      const stored = readNow(registry.partition('t', 0)!, 0);
      assert.deepEqual([stored.buffer === batch.buffer, stored.byteOffset, stored.length], [true, batch.byteOffset, batch.length], 'the same bytes');
    });

    it('answers a set that breaks a rule with its error code, the other partitions stored', async () => {
      const { producer, registry } = withTopic();
      const corrupt = legacyMessageSet(0, three);
      corrupt[corrupt.length - 1] ^= 0x01;
      const outcomes = await producer.produce(
        [
          { topic: 't', partition: 0, records: corrupt, legacyFormat: true },
          { topic: 't', partition: 1, records: legacyMessageSet(0, three), legacyFormat: true },
        ],
        0,
        0,
      );
      assert.deepEqual(outcomes.map((o) => [o.partition, o.errorCode, o.baseOffset]), [[0, ErrorCode.CORRUPT_MESSAGE, -1], [1, ErrorCode.NONE, 0]]);
      assert.match(outcomes[0].errorMessage ?? '', /CRC-32/);
      assert.equal(registry.partition('t', 0)?.highWatermark, 0);
    });

    it('answers a missing topic before a broken set, as Kafka checks the partition first', async () => {
      const { producer } = withTopic({ AUTO_CREATE_TOPICS: 'false' });
      const [outcome] = await producer.produce([{ topic: 'absent', partition: 0, records: legacyWrapper(1, 'zstd', three), legacyFormat: true }], 0, 0);
      assert.equal(outcome.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    });

    it('refuses a legacy set in a Produce v3+ request with INVALID_RECORD', async () => {
      const { producer } = withTopic();
      const [outcome] = await producer.produce([{ topic: 't', partition: 0, records: legacyMessageSet(1, three) }], 0, 0);
      assert.equal(outcome.errorCode, ErrorCode.INVALID_RECORD);
    });

    it('start: a legacy set converts before its append starts, so later requests stay behind it (acks=0 keeps order)', async () => {
      const { producer, registry } = withTopic();
      const first = await producer.start([{ topic: 't', partition: 0, records: legacyWrapper(1, 'gzip', three), legacyFormat: true }], 0, 0);
      const second = await producer.start([{ topic: 't', partition: 0, records: buildBatch(values(1)) }], 0, 0);
      assert.equal(registry.partition('t', 0)?.highWatermark, 4, 'both stored before any outcome was awaited');
      assert.deepEqual([(await first[0]).baseOffset, (await second[0]).baseOffset], [0, 3]);
    });

    it('applies the topic\'s LogAppendTime to a converted set', async () => {
      const d = domain();
      d.registry.create('lat', 1, new Map([['message.timestamp.type', 'LogAppendTime']]));
      const [outcome] = await d.producer.produce([{ topic: 'lat', partition: 0, records: legacyMessageSet(1, three), legacyFormat: true }], 0, 5_000);
      assert.equal(outcome.logAppendTimeMs, 5_000);
      const view = new RecordBatchView(readNow(d.registry.partition('lat', 0)!, 0));
      assert.deepEqual([view.attributes & 0x08, view.maxTimestamp], [0x08, 5_000]);
    });
  });

  it('memory-wait policies: Kafka waits half its timeout up to MEMORY_WAIT_MAX_MS, REST a fixed time', () => {
    assert.equal(MemoryWait.forKafka(3_000), 1_500);
    assert.equal(MemoryWait.forKafka(-1), 0);
    assert.equal(MemoryWait.forKafka(120_000), MEMORY_WAIT_MAX_MS);
    assert.equal(MemoryWait.forRest(), REST_MEMORY_WAIT_MS);
  });
});
