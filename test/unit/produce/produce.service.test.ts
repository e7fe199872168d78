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
import { buildBatch, values } from '../../support/batch-builder.js';
import { domain } from '../topics/support.js';

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

  it('memory-wait policies: Kafka waits half its timeout up to MEMORY_WAIT_MAX_MS, REST a fixed time', () => {
    assert.equal(MemoryWait.forKafka(3_000), 1_500);
    assert.equal(MemoryWait.forKafka(-1), 0);
    assert.equal(MemoryWait.forKafka(120_000), MEMORY_WAIT_MAX_MS);
    assert.equal(MemoryWait.forRest(), REST_MEMORY_WAIT_MS);
  });
});
