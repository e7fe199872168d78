import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OFFSET_METADATA_MAX_CHARS, OFFSETS_RETENTION_CHECK_INTERVAL_MS, OFFSETS_RETENTION_MS } from '../../../src/groups/group-limits.js';
import type { JoinResult } from '../../../src/groups/group-member.js';
import type { CommitParams } from '../../../src/groups/offset-manager.js';
import type { OffsetChange } from '../../../src/groups/offset-store.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { advanceUntil, harness, heartbeat, join, SESSION_MS, stableGroupOfTwo, sync, type Harness } from './support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function commit(
  h: Harness,
  offsets: Record<string, number>,
  who: Partial<Pick<CommitParams, 'groupId' | 'generationId' | 'memberId' | 'groupInstanceId' | 'retentionTimeMs'>> = {},
  metadata: string | null = null,
): number[] {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
  for (const [key, offset] of Object.entries(offsets)) {
    const [topic, partition] = key.split(':') as [string, string];
    const partitions = byTopic.get(topic) ?? [];
    partitions.push({ partitionIndex: Number(partition), committedOffset: offset, committedLeaderEpoch: 0, committedMetadata: metadata });
    byTopic.set(topic, partitions);
  }
  const result = h.offsets.commit({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    ...who,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  });
  return result.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

/** Advances `ms` with the members heartbeating every half session. */
function keepAlive(h: Harness, members: JoinResult[], ms: number): void {
  for (let elapsed = 0; elapsed < ms; elapsed += SESSION_MS / 2) {
    h.clock.advance(SESSION_MS / 2);
    for (const member of members) assert.equal(heartbeat(h, member), ErrorCode.NONE);
  }
}

const asMember = (m: JoinResult) => ({ generationId: m.generationId, memberId: m.memberId });

function committedOffset(h: Harness, topic: string, partition: number, groupId = 'g'): number | undefined {
  return h.offsets.fetch(groupId, [{ name: topic, partitionIndexes: [partition] }])[0]?.partitions[0]?.committedOffset;
}

describe('OffsetManager: commits', () => {
  it('accepts a simple commit into a new group and fetches it back', () => {
    const h = harness();
    assert.deepEqual(commit(h, { 't:0': 42, 't:1': 7 }, {}, 'meta'), [ErrorCode.NONE, ErrorCode.NONE]);
    const fetched = h.offsets.fetch('g', [{ name: 't', partitionIndexes: [0, 2] }]);
    assert.deepEqual(fetched, [
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 0, metadata: 'meta', errorCode: ErrorCode.NONE },
          { partitionIndex: 2, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
        ],
      },
    ]);
    assert.deepEqual(h.coordinator.describe('g'), { groupId: 'g', state: 'Empty', protocolType: '', protocolData: '', members: [] });
  });

  it('returns every committed partition for null topics, and -1 for an unknown group', () => {
    const h = harness();
    commit(h, { 't:0': 1, 't:2': 3, 'other:0': 9 });
    const all = h.offsets.fetch('g', null);
    assert.deepEqual(
      all.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])]),
      [
        ['t', [[0, 1], [2, 3]]],
        ['other', [[0, 9]]],
      ],
    );
    assert.equal(committedOffset(h, 't', 0, 'nobody'), -1);
    assert.deepEqual(h.offsets.fetch('nobody', null), []);
  });

  it('refuses unknown partitions, and oversized metadata', () => {
    const h = harness();
    assert.deepEqual(commit(h, { 'nope:0': 1, 't:9': 1 }), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    assert.equal(h.coordinator.describe('g').state, 'Dead', 'a commit of unknown partitions only creates no group');
    assert.deepEqual(commit(h, { 't:0': 1 }, {}, 'x'.repeat(OFFSET_METADATA_MAX_CHARS + 1)), [ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  });

  it('checks generation and member of a group with members', async () => {
    const h = harness();
    const { a } = await stableGroupOfTwo(h);
    assert.deepEqual(commit(h, { 't:0': 1 }, asMember(a)), [ErrorCode.NONE]);
    assert.deepEqual(commit(h, { 't:0': 2 }), [ErrorCode.UNKNOWN_MEMBER_ID], 'a simple commit while the group has members');
    assert.deepEqual(commit(h, { 't:0': 2 }, { ...asMember(a), generationId: a.generationId - 1 }), [ErrorCode.ILLEGAL_GENERATION]);
    assert.deepEqual(commit(h, { 't:0': 2 }, { ...asMember(a), memberId: 'nobody' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(commit(h, { 't:0': 2 }, { ...asMember(a), groupInstanceId: 'instance-x' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(commit(h, { 't:0': 2 }, { groupId: 'new-group', generationId: 3, memberId: 'm' }), [ErrorCode.ILLEGAL_GENERATION]);
    assert.equal(committedOffset(h, 't', 0), 1);
  });

  it('allows commits during PreparingRebalance but not CompletingRebalance', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    join(h, { memberId: a.memberId });
    assert.deepEqual(commit(h, { 't:0': 5 }, asMember(b)), [ErrorCode.NONE], 'PreparingRebalance');
    const bRejoin = join(h, { memberId: b.memberId });
    await advanceUntil(h, () => bRejoin.answered);
    assert.equal(h.coordinator.describe('g').state, 'CompletingRebalance');
    assert.deepEqual(commit(h, { 't:0': 6 }, asMember(bRejoin.result)), [ErrorCode.REBALANCE_IN_PROGRESS]);
  });

  it('fences a replaced static member', async () => {
    const h = harness();
    const first = join(h, { groupInstanceId: 'instance-a' });
    await advanceUntil(h, () => first.answered);
    sync(h, first.result, [], 'instance-a');
    const replaced = join(h, { groupInstanceId: 'instance-a' });
    await advanceUntil(h, () => replaced.answered);
    assert.deepEqual(commit(h, { 't:0': 1 }, { ...asMember(first.result), groupInstanceId: 'instance-a' }), [ErrorCode.FENCED_INSTANCE_ID]);
    assert.deepEqual(commit(h, { 't:0': 1 }, { ...asMember(replaced.result), groupInstanceId: 'instance-a' }), [ErrorCode.NONE]);
  });

  it("counts a member's commit as its heartbeat", async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    for (let elapsed = 0; elapsed < 3 * SESSION_MS; elapsed += 2_000) {
      h.clock.advance(2_000);
      assert.deepEqual(commit(h, { 't:0': elapsed }, asMember(a)), [ErrorCode.NONE]);
      heartbeat(h, b);
    }
  });

  it('reports each commit and deletion to the change listener', () => {
    const h = harness();
    const changes: OffsetChange[] = [];
    h.store.onChange((change) => changes.push(change));
    commit(h, { 't:1': 8 });
    h.coordinator.deleteGroups(['g']);
    assert.deepEqual(
      changes.map((c) => [c.kind, c.groupId, c.topic, c.partition]),
      [
        ['commit', 'g', 't', 1],
        ['delete', 'g', 't', 1],
      ],
    );
  });
});

describe('OffsetManager: retention', () => {
  it('expires the offsets of an Empty group after the retention, counted from when it became Empty', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    commit(h, { 't:0': 10 }, asMember(a));
    keepAlive(h, [a, b], DAY_MS);
    h.coordinator.leave('g', [a, b].map((m) => ({ memberId: m.memberId, groupInstanceId: null })));
    assert.equal(h.coordinator.describe('g').state, 'Empty');
    h.clock.advance(OFFSETS_RETENTION_MS - 1);
    assert.equal(h.offsets.sweep(), 0);
    assert.equal(committedOffset(h, 't', 0), 10);
    h.clock.advance(1);
    assert.equal(h.offsets.sweep(), 1);
    assert.equal(committedOffset(h, 't', 0), -1);
    assert.equal(h.coordinator.describe('g').state, 'Dead', 'an Empty group without offsets goes away');
  });

  it("expires a simple group's offsets by commit time, and keeps an active group's subscribed offsets", async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    commit(h, { 't:0': 3, 'other:0': 4 }, asMember(a));
    commit(h, { 't:0': 1 }, { groupId: 'simple' });
    keepAlive(h, [a, b], DAY_MS);
    commit(h, { 't:1': 2 }, { groupId: 'simple' });
    keepAlive(h, [a, b], OFFSETS_RETENTION_MS - DAY_MS);
    assert.equal(h.offsets.sweep(), 2);
    assert.equal(committedOffset(h, 't', 0, 'simple'), -1);
    assert.equal(committedOffset(h, 't', 1, 'simple'), 2, 'committed a day later');
    assert.equal(committedOffset(h, 't', 0), 3, 'subscribed by the Stable group');
    assert.equal(committedOffset(h, 'other', 0), -1, 'nobody subscribes to it');
  });

  it('honours an explicit retention time (OffsetCommit v2-4)', () => {
    const h = harness();
    commit(h, { 't:0': 1 }, { retentionTimeMs: 60_000 });
    h.clock.advance(60_000);
    assert.equal(h.offsets.sweep(), 1);
  });

  it('drops offsets of partitions that no longer exist', () => {
    const h = harness();
    commit(h, { 't:0': 1, 'other:0': 2 });
    h.topics.delete('other');
    assert.equal(h.offsets.sweep(), 1);
    assert.equal(committedOffset(h, 't', 0), 1);
  });

  it('sweeps every retention check interval until shutdown', () => {
    const h = harness();
    commit(h, { 't:0': 1 }, { retentionTimeMs: 0 });
    h.offsets.onModuleInit();
    h.clock.advance(OFFSETS_RETENTION_CHECK_INTERVAL_MS);
    assert.equal(committedOffset(h, 't', 0), -1);
    h.offsets.onApplicationShutdown();
    assert.equal(h.clock.pendingTimers, 0);
  });
});

describe('OffsetManager: OffsetDelete', () => {
  const deleteOffsets = (h: Harness, groupId: string, topic: string, partitions: number[]) =>
    h.offsets.deleteOffsets(groupId, [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) }]);

  it('refuses topics an active consumer group subscribes to, deletes the others', async () => {
    const h = harness();
    const { a } = await stableGroupOfTwo(h);
    commit(h, { 't:0': 1, 'other:0': 2 }, asMember(a));
    assert.deepEqual(deleteOffsets(h, 'g', 't', [0]), {
      errorCode: ErrorCode.NONE,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }] }],
    });
    assert.deepEqual(deleteOffsets(h, 'g', 'other', [0]).topics[0]?.partitions, [{ partitionIndex: 0, errorCode: ErrorCode.NONE }]);
    assert.equal(committedOffset(h, 'other', 0), -1);
    assert.equal(committedOffset(h, 't', 0), 1);
  });

  it('deletes anything from an Empty group, which goes away with its last offset', () => {
    const h = harness();
    commit(h, { 't:0': 1 });
    assert.deepEqual(deleteOffsets(h, 'g', 't', [0, 1]).topics[0]?.partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.NONE]);
    assert.deepEqual(deleteOffsets(h, 'g', 'nope', [0]).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('answers unknown groups, unknown partitions and non-consumer groups', async () => {
    const h = harness();
    assert.equal(deleteOffsets(h, 'absent', 't', [0]).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(deleteOffsets(h, '', 't', [0]).errorCode, ErrorCode.INVALID_GROUP_ID);
    commit(h, { 't:0': 1 });
    assert.deepEqual(deleteOffsets(h, 'g', 'nope', [0]).topics[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const connect = join(h, { groupId: 'workers', protocolType: 'connect', protocols: [{ name: 'sessioned', metadata: Buffer.alloc(0) }] });
    await advanceUntil(h, () => connect.answered);
    assert.equal(deleteOffsets(h, 'workers', 't', [0]).errorCode, ErrorCode.NON_EMPTY_GROUP);
  });
});
