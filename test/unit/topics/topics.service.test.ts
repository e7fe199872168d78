/**
 * TopicsService: the topic rules both faces apply (CreateTopics, DeleteTopics,
 * CreatePartitions, DeleteRecords, Metadata look-ups, the REST topic routes), each refusal
 * with the Kafka error code a client gets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { isRefusal, type Refusal } from '../../../src/topics/refusal.js';
import { DELETE_UP_TO_HIGH_WATERMARK, type TopicSpec } from '../../../src/topics/topics.service.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { ZERO_UUID } from '../../../src/wire/reader.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { domain } from './support.js';

const spec = (overrides: Partial<TopicSpec> = {}): TopicSpec => ({ name: 'orders', partitionCount: 3, replicationFactor: -1, assignments: [], configs: [], ...overrides });

function codeOf(outcome: object | null): number {
  return outcome !== null && isRefusal(outcome) ? outcome.errorCode : ErrorCode.NONE;
}

describe('TopicsService', () => {
  it('creates a topic with its partitions and config overrides; -1 partitions is the num_partitions setting', async () => {
    const { topics, registry } = domain({ KAFKA_CFG_NUM_PARTITIONS: '4' });
    const created = await topics.create(spec({ configs: [['retention.ms', '60000']] }), false);
    assert.ok(!isRefusal(created));
    assert.equal(created.partitionCount, 3);
    assert.equal(registry.get('orders')?.configs.get('retention.ms'), '60000');
    const byDefault = await topics.create(spec({ name: 'defaulted', partitionCount: -1 }), false);
    assert.equal(isRefusal(byDefault) ? -1 : byDefault.partitionCount, 4);
    const assigned = await topics.create(spec({ name: 'assigned', partitionCount: -1, assignments: [{ partitionIndex: 1, brokerIds: [1] }, { partitionIndex: 0, brokerIds: [1] }], replicationFactor: -1 }), false);
    assert.equal(isRefusal(assigned) ? -1 : assigned.partitionCount, 2, 'explicit assignments set the count');
  });

  it('refuses what CreateTopics refuses, in Kafka order, and validate_only creates nothing', async () => {
    const { topics, registry } = domain();
    await topics.create(spec({ name: 'taken' }), false);
    const cases: Array<[Partial<TopicSpec>, number]> = [
      [{ name: 'bad name!' }, ErrorCode.INVALID_TOPIC_EXCEPTION],
      [{ name: '..' }, ErrorCode.INVALID_TOPIC_EXCEPTION],
      [{ name: 'taken' }, ErrorCode.TOPIC_ALREADY_EXISTS],
      [{ partitionCount: 0 }, ErrorCode.INVALID_PARTITIONS],
      [{ partitionCount: 10_001 }, ErrorCode.INVALID_PARTITIONS],
      [{ replicationFactor: 3 }, ErrorCode.INVALID_REPLICATION_FACTOR],
      [{ configs: [['no.such.config', '1']] }, ErrorCode.INVALID_CONFIG],
      [{ configs: [['retention.ms', 'soon']] }, ErrorCode.INVALID_CONFIG],
      [{ configs: [['retention.ms', null]] }, ErrorCode.INVALID_CONFIG],
    ];
    for (const [overrides, errorCode] of cases) {
      assert.equal(codeOf(await topics.create(spec(overrides), false)), errorCode, JSON.stringify(overrides));
    }
    const checked = await topics.create(spec({ name: 'checked' }), true);
    assert.deepEqual(checked, { partitionCount: 3, topic: null });
    assert.equal(registry.get('checked'), undefined, 'validate_only creates nothing');
  });

  it('manual assignments as Kafka 3.9 checks them: -1 counts, partitions 0..n-1 once each, exactly this broker', async () => {
    const { topics, registry } = domain();
    const one = (partitionIndex: number, brokerIds: number[] = [1]) => ({ partitionIndex, brokerIds });
    const cases: Array<[Partial<TopicSpec>, number, RegExp]> = [
      [{ partitionCount: 3, assignments: [one(0)] }, ErrorCode.INVALID_REQUEST, /numPartitions was not set to -1/],
      [{ partitionCount: -1, replicationFactor: 1, assignments: [one(0)] }, ErrorCode.INVALID_REQUEST, /replication factor was not set to -1/],
      [{ partitionCount: -1, assignments: [one(0), one(2)] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, /consecutive 0-based/],
      [{ partitionCount: -1, assignments: [one(0), one(0)] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, /multiple manual partition assignments for partition 0/],
      [{ partitionCount: -1, assignments: [one(0, [])] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, /empty replica list/],
      [{ partitionCount: -1, assignments: [one(0, [2])] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, /broker 2, but no such broker/],
      [{ partitionCount: -1, assignments: [one(0, [1, 1])] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, /broker 1 more than once/],
    ];
    for (const [overrides, errorCode, message] of cases) {
      const refused = (await topics.create(spec(overrides), false)) as Refusal;
      assert.equal(refused.errorCode, errorCode, JSON.stringify(overrides));
      assert.match(refused.errorMessage, message);
    }
    assert.equal(registry.get('orders'), undefined, 'no refused assignment created the topic');
  });

  it("names that collide once '.' and '_' are unified are INVALID_TOPIC_EXCEPTION, created or auto-created", async () => {
    const { topics, registry } = domain();
    await topics.create(spec({ name: 'col.x' }), false);
    const refused = (await topics.create(spec({ name: 'col_x' }), false)) as Refusal;
    assert.equal(refused.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.match(refused.errorMessage, /Topic 'col_x' collides with existing topic: col.x/);
    assert.equal(codeOf(topics.resolve('col_x', true)), ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(codeOf(topics.resolve('col_x', false)), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'a plain look-up only misses');
    assert.equal(registry.get('col_x'), undefined);
    assert.equal(codeOf(await topics.create(spec({ name: 'col-x' }), false)), ErrorCode.NONE, "'-' does not collide");
  });

  it('lists every bad config in one refusal', async () => {
    const { topics } = domain();
    const refused = (await topics.create(spec({ configs: [['no.such.config', '1'], ['retention.ms', 'soon'], ['retention.bytes', 7]] }), false)) as Refusal;
    assert.equal(refused.errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(refused.details?.length, 3);
    assert.match(refused.details?.[2] ?? '', /'retention.bytes' must be given as a string/);
  });

  it('a failed write of the topic metadata is KAFKA_STORAGE_ERROR', async () => {
    const { topics, events } = domain();
    events.subscribe({ partitionsAdded: () => Promise.reject(new Error('disk full')) });
    const refused = (await topics.create(spec(), false)) as Refusal;
    assert.equal(refused.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.match(refused.errorMessage, /topic metadata of 'orders' could not be saved: disk full/);
  });

  it('deletes a topic once; an unknown one is UNKNOWN_TOPIC_OR_PARTITION (a missing topic)', async () => {
    const { topics, registry } = domain();
    await topics.create(spec(), false);
    assert.equal(await topics.delete('orders'), null);
    assert.equal(registry.get('orders'), undefined);
    const again = await topics.delete('orders');
    assert.deepEqual([again?.errorCode, again?.missing], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'topic']);
  });

  it('deletes topics by name or by id (DeleteTopics v6) with Kafka\'s rules for naming them', async () => {
    const { topics, registry } = domain();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => registry.create(name, 1));
    const byName = (name: string) => ({ name, id: ZERO_UUID });
    const byId = (id: string) => ({ name: null, id });
    const deleted = await topics.deleteTopics([
      byName('a'),
      byId(b!.id),
      byName('c'),
      byName('c'),
      byId(d!.id),
      byName('d'),
      { name: 'a', id: a!.id },
      byId(ZERO_UUID),
      byName('absent'),
      byId('0f0f0f0f-0000-4000-8000-000000000001'),
    ]);
    assert.deepEqual(
      deleted.map((t) => [t.name, t.id === ZERO_UUID ? 'zero' : t.id, t.errorCode]),
      [
        ['a', a!.id, ErrorCode.NONE],
        ['b', b!.id, ErrorCode.NONE],
        ['c', 'zero', ErrorCode.INVALID_REQUEST],
        ['d', d!.id, ErrorCode.INVALID_REQUEST],
        ['d', d!.id, ErrorCode.INVALID_REQUEST],
        ['a', a!.id, ErrorCode.INVALID_REQUEST],
        [null, 'zero', ErrorCode.INVALID_REQUEST],
        ['absent', 'zero', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        [null, '0f0f0f0f-0000-4000-8000-000000000001', ErrorCode.UNKNOWN_TOPIC_ID],
      ],
    );
    assert.deepEqual(deleted.filter((t) => t.errorCode === ErrorCode.INVALID_REQUEST).map((t) => t.errorMessage), [
      'Duplicate topic name.',
      'The provided topic name maps to an ID that was already supplied.',
      'The provided topic name maps to an ID that was already supplied.',
      'You may not specify both topic name and topic id.',
      'Neither topic name nor id were specified.',
    ]);
    assert.deepEqual([...registry.all()].map((t) => t.name), ['c', 'd'], 'only the topics named once and plainly are gone');
    assert.equal(registry.getById(b!.id), undefined, 'the id index forgets a deleted topic');
  });

  it('CreatePartitions only grows, up to 10,000; validate_only changes nothing', async () => {
    const { topics, registry } = domain();
    await topics.create(spec(), false);
    assert.equal(codeOf(await topics.createPartitions('orders', 3, false)), ErrorCode.INVALID_PARTITIONS);
    assert.equal(codeOf(await topics.createPartitions('orders', 10_001, false)), ErrorCode.INVALID_PARTITIONS);
    assert.equal(codeOf(await topics.createPartitions('nope', 5, false)), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(codeOf(await topics.createPartitions('orders', 5, true)), ErrorCode.NONE);
    assert.equal(registry.get('orders')?.partitions.length, 3);
    assert.equal(codeOf(await topics.createPartitions('orders', 5, false)), ErrorCode.NONE);
    assert.equal(registry.get('orders')?.partitions.length, 5);
  });

  it('CreatePartitions assignments: one per new partition, each exactly this broker (INVALID_REPLICA_ASSIGNMENT)', async () => {
    const { topics, registry } = domain();
    await topics.create(spec(), false);
    const refused = (await topics.createPartitions('orders', 5, false, [[1]])) as Refusal;
    assert.equal(refused.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.match(refused.errorMessage, /add 2 additional partition\(s\), but only 1 assignment\(s\)/);
    assert.equal(codeOf(await topics.createPartitions('orders', 4, false, [[9]])), ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.equal(codeOf(await topics.createPartitions('orders', 4, false, [[]])), ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.equal(registry.get('orders')?.partitions.length, 3, 'refused assignments add nothing');
    assert.equal(codeOf(await topics.createPartitions('orders', 4, false, [[1]])), ErrorCode.NONE);
    assert.equal(registry.get('orders')?.partitions.length, 4);
  });

  it('looks up partitions: a missing topic and a missing partition are both UNKNOWN_TOPIC_OR_PARTITION, told apart', async () => {
    const { topics } = domain();
    await topics.create(spec({ partitionCount: 2 }), false);
    assert.equal((topics.findPartition('orders', 1) as PartitionLog).partition, 1);
    const noTopic = topics.findPartition('nope', 0) as Refusal;
    const noPartition = topics.findPartition('orders', 2) as Refusal;
    const notANumber = topics.findPartition('orders', 0.5) as Refusal;
    assert.deepEqual([noTopic.errorCode, noTopic.missing], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'topic']);
    assert.deepEqual([noPartition.errorCode, noPartition.missing], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partition']);
    assert.match(noPartition.errorMessage, /has 2 partition\(s\), numbered 0\.\.1: partition 2 does not exist/);
    assert.equal(notANumber.missing, 'partition');
  });

  it('resolves topics with auto-creation only when asked and allowed; illegal names are INVALID_TOPIC_EXCEPTION', () => {
    const on = domain();
    assert.equal(codeOf(on.topics.resolve('fresh', false)), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Metadata without allow_auto_topic_creation');
    assert.equal(codeOf(on.topics.resolve('fresh', true)), ErrorCode.NONE);
    assert.ok(on.registry.get('fresh') !== undefined);
    assert.equal(codeOf(on.topics.resolve('bad name!', true)), ErrorCode.INVALID_TOPIC_EXCEPTION);
    const off = domain({ AUTO_CREATE_TOPICS: 'false' });
    const refused = off.topics.resolve('fresh', true) as Refusal;
    assert.equal(refused.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.match(refused.errorMessage, /auto_create_topics is off/);
    const created = on.registry.get('fresh')!;
    assert.equal(on.topics.findById(created.id), created);
    assert.equal(codeOf(on.topics.findById('00000000-0000-0000-0000-000000000001')), ErrorCode.UNKNOWN_TOPIC_ID);
  });

  it('DeleteRecords moves the log start; beyond the high watermark or negative is OFFSET_OUT_OF_RANGE and deletes nothing', async () => {
    const { topics, registry, producer } = domain();
    await topics.create(spec({ partitionCount: 1 }), false);
    const log = registry.partition('orders', 0)!;
    for (let i = 0; i < 3; i++) await producer.produce([{ topic: 'orders', partition: 0, records: buildBatch(values(2)) }], 0, 0);
    assert.equal(log.highWatermark, 6);
    const beyond = topics.deleteRecords(log, 7) as Refusal;
    assert.equal(beyond.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.match(beyond.errorMessage, /beyond the high watermark 6/);
    assert.equal(codeOf(topics.deleteRecords(log, -5)), ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal(log.logStartOffset, 0, 'a refused DeleteRecords deletes nothing');
    assert.deepEqual(topics.deleteRecords(log, 2), { lowWatermark: 2, purgedRecords: 2 });
    assert.deepEqual(topics.deleteRecords(log, DELETE_UP_TO_HIGH_WATERMARK), { lowWatermark: 6, purgedRecords: 4 });
    assert.equal(log.batchCount, 0, 'the batches below the new log start left memory');
  });
});
