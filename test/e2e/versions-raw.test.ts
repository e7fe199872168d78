/**
 * Behaviours of Kafka 3.9's newest API versions that no client library here exercises, sent
 * as hand-built flexible frames (raw-flexible.ts) to a real broker process:
 * - Fetch v13/v17 by topic id: the id CreateTopics v7 answered reads the records; an id no
 *   topic has is UNKNOWN_TOPIC_ID;
 * - DeleteTopics v6 by topic id;
 * - OffsetCommit v9 (GROUP_ID_NOT_FOUND for a member of a missing group) and OffsetFetch v8
 *   with a batch of groups;
 * - FindCoordinator v4+ with a batch of keys, and the share-group key type of v6;
 * - JoinGroup v9, SyncGroup v5 protocol type/name checks (INCONSISTENT_GROUP_PROTOCOL),
 *   ListGroups v4 state and v5 type filters, LeaveGroup v5 with a reason.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { buildBatch, values } from '../support/batch-builder.js';
import { TEST_TIMEOUT_MS, useBroker } from './client-suite.js';
import { uniqueTopic } from './harness.js';
import { flexibleCall, FlexWriter, type FlexReader } from './raw-flexible.js';
import { RawConnection, rawProduce } from './raw-kafka.js';

const ApiKey = { FETCH: 1, OFFSET_COMMIT: 8, OFFSET_FETCH: 9, FIND_COORDINATOR: 10, JOIN_GROUP: 11, LEAVE_GROUP: 13, SYNC_GROUP: 14, LIST_GROUPS: 16, CREATE_TOPICS: 19, DELETE_TOPICS: 20 } as const;
/** Kafka error codes (Errors.java). */
const Errors = { NONE: 0, COORDINATOR_NOT_AVAILABLE: 15, INCONSISTENT_GROUP_PROTOCOL: 23, GROUP_ID_NOT_FOUND: 69, MEMBER_ID_REQUIRED: 79, UNKNOWN_TOPIC_ID: 100 } as const;
const UNKNOWN_TOPIC_ID = '0f0f0f0f-0000-4000-8000-00000000beef';
const SESSION_TIMEOUT_MS = 30_000;

const broker = useBroker({ AUTO_CREATE_TOPICS: 'false' });
/** One connection for the whole file, opened on first use (requests on it are answered in order). */
let connection: RawConnection | undefined;
after(() => connection?.close());

async function call(apiKey: number, version: number, body: FlexWriter, what: string): Promise<FlexReader> {
  connection ??= await RawConnection.open(broker().kafkaPort);
  return flexibleCall(connection, apiKey, version, body, what);
}

/** CreateTopics v7: one topic, replication factor 1; its error code and topic id. */
async function createTopic(name: string, partitions: number): Promise<{ errorCode: number; topicId: string }> {
  const body = new FlexWriter()
    .array([name], (w, topic) => w.string(topic).int32(partitions).int16(1).array([], () => undefined).array([], () => undefined).tags())
    .int32(10_000)
    .bool(false)
    .tags();
  const r = await call(ApiKey.CREATE_TOPICS, 7, body, 'CreateTopics');
  r.int32();
  const [result] = r.array((t) => {
    const answer = { name: t.string(), topicId: t.uuid(), errorCode: t.int16(), errorMessage: t.string() };
    t.int32();
    t.int16();
    t.array((c) => [c.string(), c.string(), c.bool(), c.int8(), c.bool(), c.tags()]);
    t.tags();
    return answer;
  })!;
  r.tags();
  r.end();
  assert.equal(result?.name, name);
  return { errorCode: result!.errorCode, topicId: result!.topicId };
}

interface FetchedPartition {
  topicId: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  recordsBytes: number;
}

/** Fetch v13+ of partitions 0..partitions-1 of each topic id, from offset 0, without waiting. */
async function fetchByIds(version: number, topicIds: readonly string[], partitions: number): Promise<FetchedPartition[]> {
  const body = new FlexWriter();
  if (version < 15) body.int32(-1);
  body.int32(0).int32(0).int32(1024 * 1024).int8(0).int32(0).int32(-1);
  body.array(topicIds, (w, id) =>
    w.uuid(id).array(Array.from({ length: partitions }, (_, p) => p), (pw, p) => pw.int32(p).int32(-1).int64(0).int32(-1).int64(-1).int32(1024 * 1024).tags()).tags(),
  );
  body.array([], () => undefined).string('').tags();
  const r = await call(ApiKey.FETCH, version, body, 'Fetch');
  r.int32();
  assert.equal(r.int16(), Errors.NONE, 'Fetch top-level error');
  r.int32();
  const topics = r.array((t) => {
    const topicId = t.uuid();
    const parts = t.array((p) => {
      const fetched = { topicId, partition: p.int32(), errorCode: p.int16(), highWatermark: p.int64() };
      p.int64();
      p.int64();
      p.array((a) => [a.int64(), a.int64(), a.tags()]);
      p.int32();
      const records = p.bytes();
      p.tags();
      return { ...fetched, recordsBytes: records === null ? -1 : records.length };
    })!;
    t.tags();
    return parts;
  })!;
  r.tags();
  r.end();
  return topics.flat();
}

/** OffsetCommit v9 of one partition offset per entry; the error code of each partition. */
async function commit(groupId: string, generation: number, memberId: string, topic: string, offsets: readonly number[]): Promise<number[]> {
  const body = new FlexWriter()
    .string(groupId)
    .int32(generation)
    .string(memberId)
    .string(null)
    .array([topic], (w, name) =>
      w.string(name).array(offsets.map((offset, partition) => ({ offset, partition })), (pw, p) => pw.int32(p.partition).int64(p.offset).int32(-1).string(null).tags()).tags(),
    )
    .tags();
  const r = await call(ApiKey.OFFSET_COMMIT, 9, body, 'OffsetCommit');
  r.int32();
  const codes = r.array((t) => {
    t.string();
    const partitions = t.array((p) => [p.int32(), p.int16(), p.tags()][1] as number)!;
    t.tags();
    return partitions;
  })!;
  r.tags();
  r.end();
  return codes.flat();
}

interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
  type: string;
}

/** ListGroups v4 (states filter) or v5 (states and types filters). */
async function listGroups(version: 4 | 5, states: readonly string[], types: readonly string[] = []): Promise<ListedGroup[]> {
  const body = new FlexWriter().array(states, (w, s) => w.string(s));
  if (version >= 5) body.array(types, (w, t) => w.string(t));
  const r = await call(ApiKey.LIST_GROUPS, version, body.tags(), 'ListGroups');
  r.int32();
  assert.equal(r.int16(), Errors.NONE, 'ListGroups error');
  const groups = r.array((g) => {
    const listed = { groupId: g.string()!, protocolType: g.string()!, state: g.string()!, type: version >= 5 ? g.string()! : '' };
    g.tags();
    return listed;
  })!;
  r.tags();
  r.end();
  return groups;
}

describe('newest API versions in hand-built frames', () => {
  test('Fetch v13 and v17 by the id CreateTopics v7 answered read the records; an unknown id is UNKNOWN_TOPIC_ID', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('raw-fetch-ids');
    const created = await createTopic(topic, 2);
    assert.equal(created.errorCode, Errors.NONE);
    assert.notEqual(created.topicId, '00000000-0000-0000-0000-000000000000', 'a real topic id');
    const produced = await rawProduce(broker().kafkaPort, { topic, partition: 1, records: buildBatch(values(4)) });
    assert.equal(produced.errorCode, Errors.NONE);
    for (const version of [13, 17]) {
      const fetched = await fetchByIds(version, [created.topicId, UNKNOWN_TOPIC_ID], 2);
      assert.deepEqual(
        fetched.map((p) => [p.topicId === created.topicId ? 'created' : p.topicId, p.partition, p.errorCode, p.highWatermark]),
        [
          ['created', 0, Errors.NONE, 0],
          ['created', 1, Errors.NONE, 4],
          [UNKNOWN_TOPIC_ID, 0, Errors.UNKNOWN_TOPIC_ID, -1],
          [UNKNOWN_TOPIC_ID, 1, Errors.UNKNOWN_TOPIC_ID, -1],
        ],
        `Fetch v${version}`,
      );
      assert.ok(fetched[1]!.recordsBytes > 0, `v${version}: partition 1 returns its batch`);
    }
  });

  test('DeleteTopics v6 deletes by topic id; an unknown id is UNKNOWN_TOPIC_ID', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('raw-delete-id');
    const { topicId } = await createTopic(topic, 1);
    const body = new FlexWriter().array([topicId, UNKNOWN_TOPIC_ID], (w, id) => w.string(null).uuid(id).tags()).int32(10_000).tags();
    const r = await call(ApiKey.DELETE_TOPICS, 6, body, 'DeleteTopics');
    r.int32();
    const results = r.array((t) => {
      const result = { name: t.string(), topicId: t.uuid(), errorCode: t.int16(), errorMessage: t.string() };
      t.tags();
      return result;
    })!;
    r.tags();
    r.end();
    assert.deepEqual(results.map((t) => [t.name, t.topicId, t.errorCode]), [
      [topic, topicId, Errors.NONE],
      [null, UNKNOWN_TOPIC_ID, Errors.UNKNOWN_TOPIC_ID],
    ]);
    assert.equal((await fetchByIds(17, [topicId], 1))[0]!.errorCode, Errors.UNKNOWN_TOPIC_ID, 'the deleted topic is gone');
    const again = await createTopic(topic, 1);
    assert.deepEqual([again.errorCode, again.topicId === topicId], [Errors.NONE, false], 'the name is free again, under a new id');
  });

  test('OffsetFetch v8 reads a batch of groups; OffsetCommit v9 answers a member of a missing group with GROUP_ID_NOT_FOUND', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('raw-offsets');
    await createTopic(topic, 2);
    const [first, second, missing] = ['a', 'b', 'none'].map((g) => `${topic}-${g}`) as [string, string, string];
    assert.deepEqual(await commit(first, -1, '', topic, [3, 4]), [Errors.NONE, Errors.NONE], 'a simple commit (generation -1)');
    assert.deepEqual(await commit(second, -1, '', topic, [7]), [Errors.NONE]);
    assert.deepEqual(await commit(missing, 5, 'ghost-member', topic, [1]), [Errors.GROUP_ID_NOT_FOUND], 'v9: a member commit to a group that does not exist');

    const body = new FlexWriter()
      .array([first, second, missing], (w, groupId) =>
        w.string(groupId).array(groupId === second ? null : [topic], (tw, name) => tw.string(name).array([0, 1], (pw, p) => pw.int32(p)).tags()).tags(),
      )
      .bool(false)
      .tags();
    const r = await call(ApiKey.OFFSET_FETCH, 8, body, 'OffsetFetch');
    r.int32();
    const groups = r.array((g) => {
      const groupId = g.string();
      const offsets = g.array((t) => {
        const name = t.string();
        const parts = t.array((p) => {
          const entry = `${name === topic ? 't' : name}-${p.int32()}@${p.int64()}`;
          p.int32();
          p.string();
          const errorCode = p.int16();
          p.tags();
          return errorCode === Errors.NONE ? entry : `${entry}!${errorCode}`;
        })!;
        t.tags();
        return parts;
      })!;
      const errorCode = g.int16();
      g.tags();
      return [groupId, errorCode, offsets.flat()];
    })!;
    r.tags();
    r.end();
    assert.deepEqual(groups, [
      [first, Errors.NONE, ['t-0@3', 't-1@4']],
      [second, Errors.NONE, ['t-0@7']],
      [missing, Errors.NONE, ['t-0@-1', 't-1@-1']],
    ]);
  });

  test('FindCoordinator v4+ answers a batch of keys one by one; share groups (v6 key type 2) have no coordinator', { timeout: TEST_TIMEOUT_MS }, async () => {
    const find = async (version: number, keyType: number, keys: readonly string[]) => {
      const r = await call(ApiKey.FIND_COORDINATOR, version, new FlexWriter().int8(keyType).array(keys, (w, k) => w.string(k)).tags(), 'FindCoordinator');
      r.int32();
      const coordinators = r.array((c) => {
        const found = { key: c.string(), nodeId: c.int32(), host: c.string(), port: c.int32(), errorCode: c.int16() };
        c.string();
        c.tags();
        return found;
      })!;
      r.tags();
      r.end();
      return coordinators;
    };
    const groups = await find(4, 0, ['group-a', 'group-b', 'group-c']);
    assert.deepEqual(groups.map((c) => [c.key, c.errorCode, c.nodeId, c.port]), [
      ['group-a', Errors.NONE, 1, broker().kafkaPort],
      ['group-b', Errors.NONE, 1, broker().kafkaPort],
      ['group-c', Errors.NONE, 1, broker().kafkaPort],
    ]);
    assert.deepEqual((await find(6, 2, ['share-group'])).map((c) => [c.key, c.errorCode, c.nodeId]), [['share-group', Errors.COORDINATOR_NOT_AVAILABLE, -1]]);
  });

  test('SyncGroup v5 refuses a protocol type or name the group does not have; ListGroups v4/v5 filter by state and type; LeaveGroup v5', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('raw-groups');
    await createTopic(topic, 1);
    const group = `${topic}-live`;
    const idle = `${topic}-idle`;
    assert.deepEqual(await commit(idle, -1, '', topic, [1]), [Errors.NONE], 'an Empty group with offsets');

    const join = async (memberId: string) => {
      const body = new FlexWriter()
        .string(group)
        .int32(SESSION_TIMEOUT_MS)
        .int32(SESSION_TIMEOUT_MS)
        .string(memberId)
        .string(null)
        .string('consumer')
        .array(['range'], (w, name) => w.string(name).bytes(Buffer.from('subscription')).tags())
        .string('raw e2e join')
        .tags();
      const r = await call(ApiKey.JOIN_GROUP, 9, body, 'JoinGroup');
      r.int32();
      const answer = { errorCode: r.int16(), generationId: r.int32(), protocolType: r.string(), protocolName: r.string(), leader: r.string(), skipAssignment: r.bool(), memberId: r.string()! };
      r.array((m) => [m.string(), m.string(), m.bytes(), m.tags()]);
      r.tags();
      r.end();
      return answer;
    };
    const required = await join('');
    assert.equal(required.errorCode, Errors.MEMBER_ID_REQUIRED);
    const joined = await join(required.memberId);
    assert.deepEqual([joined.errorCode, joined.protocolType, joined.protocolName, joined.leader, joined.skipAssignment], [Errors.NONE, 'consumer', 'range', joined.memberId, false]);

    const sync = async (protocolType: string | null, protocolName: string | null) => {
      const body = new FlexWriter()
        .string(group)
        .int32(joined.generationId)
        .string(joined.memberId)
        .string(null)
        .string(protocolType)
        .string(protocolName)
        .array([joined.memberId], (w, id) => w.string(id).bytes(Buffer.from('assignment')).tags())
        .tags();
      const r = await call(ApiKey.SYNC_GROUP, 5, body, 'SyncGroup');
      r.int32();
      const answer = { errorCode: r.int16(), protocolType: r.string(), protocolName: r.string(), assignment: r.bytes()?.toString() };
      r.tags();
      r.end();
      return answer;
    };
    assert.equal((await sync('consumer', 'roundrobin')).errorCode, Errors.INCONSISTENT_GROUP_PROTOCOL, 'another protocol name');
    assert.equal((await sync('connect', 'range')).errorCode, Errors.INCONSISTENT_GROUP_PROTOCOL, 'another protocol type');
    assert.deepEqual(await sync('consumer', 'range'), { errorCode: Errors.NONE, protocolType: 'consumer', protocolName: 'range', assignment: 'assignment' });

    const ours = (groups: ListedGroup[]) => groups.filter((g) => g.groupId.startsWith(topic)).map((g) => [g.groupId, g.state, g.type]).sort();
    assert.deepEqual(ours(await listGroups(4, ['stable'])), [[group, 'Stable', '']], 'v4: by state, case-insensitive');
    assert.deepEqual(ours(await listGroups(5, [], ['classic'])), [[idle, 'Empty', 'classic'], [group, 'Stable', 'classic']], 'v5: every group here is classic');
    assert.deepEqual(ours(await listGroups(5, ['Empty'], ['Classic'])), [[idle, 'Empty', 'classic']]);
    assert.deepEqual(ours(await listGroups(5, [], ['consumer'])), [], 'no KIP-848 consumer groups');

    const leave = new FlexWriter().string(group).array([joined.memberId], (w, id) => w.string(id).string(null).string('raw e2e leaves').tags()).tags();
    const r = await call(ApiKey.LEAVE_GROUP, 5, leave, 'LeaveGroup');
    r.int32();
    assert.equal(r.int16(), Errors.NONE);
    const left = r.array((m) => {
      const member = [m.string(), m.string(), m.int16()];
      m.tags();
      return member;
    });
    r.tags();
    r.end();
    assert.deepEqual(left, [[joined.memberId, null, Errors.NONE]]);
    assert.deepEqual(ours(await listGroups(4, ['Empty'])), [[idle, 'Empty', ''], [group, 'Empty', '']], 'the group is Empty once its member left');
  });
});
