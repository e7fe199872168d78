/**
 * Issue 14 item 2: the group table cannot be grown into a denial of service. One client is
 * held to MAX_GROUPS_PER_CLIENT groups it created (THROTTLING_QUOTA_EXCEEDED beyond, its slot
 * back once a group goes); a full table evicts the least recently active group without
 * members, with its offsets, so a new consumer group always gets in unless every group has
 * members; groups without members and without offsets never linger; offsets without a live
 * group (restored after a restart) still expire.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsumerGroup } from '../../../src/groups/consumer-group.js';
import { MAX_GROUPS, MAX_GROUPS_PER_CLIENT, OFFSETS_RETENTION_MS } from '../../../src/groups/group-limits.js';
import { GroupTable } from '../../../src/groups/group-table.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { advanceUntil, harness, join, type Harness } from './support.js';

function simpleCommit(h: Harness, groupId: string, clientId: string, metadata: string | null = null): number {
  const [topic] = h.offsets.commit({
    groupId,
    memberId: '',
    groupInstanceId: null,
    generationId: -1,
    retentionTimeMs: -1,
    client: { clientId, clientHost: '/10.0.0.1' },
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: metadata }] }],
  });
  return topic!.partitions[0]!.errorCode;
}

describe('group table growth (issue 14, item 2)', () => {
  it(`holds one client to ${MAX_GROUPS_PER_CLIENT} groups it created, with THROTTLING_QUOTA_EXCEEDED beyond; other clients are not affected`, () => {
    const h = harness();
    for (let i = 0; i < MAX_GROUPS_PER_CLIENT; i++) assert.equal(simpleCommit(h, `flood-${i}`, 'flooder'), ErrorCode.NONE);
    assert.equal(simpleCommit(h, 'flood-one-more', 'flooder'), ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    assert.equal(h.coordinator.group('flood-one-more'), undefined, 'the refused group was not created');
    assert.equal(simpleCommit(h, 'flood-0', 'flooder'), ErrorCode.NONE, 'committing to a group it holds is fine');
    assert.equal(simpleCommit(h, 'legit', 'another-client'), ErrorCode.NONE);
    assert.deepEqual(h.directory.deleteGroups(['flood-1']), [{ groupId: 'flood-1', errorCode: ErrorCode.NONE }]);
    assert.equal(simpleCommit(h, 'flood-one-more', 'flooder'), ErrorCode.NONE, 'a deleted group gives its slot back');
  });

  it('a JoinGroup that would create a group is held to the same bound', async () => {
    const h = harness();
    for (let i = 0; i < MAX_GROUPS_PER_CLIENT; i++) simpleCommit(h, `g-${i}`, 'client');
    const refused = join(h, { groupId: 'new-group', clientId: 'client', clientHost: '/10.0.0.1' });
    await advanceUntil(h, () => refused.answered);
    assert.equal(refused.result.errorCode, ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    const fine = join(h, { groupId: 'new-group', clientId: 'client', clientHost: '/10.0.0.2' });
    await advanceUntil(h, () => fine.answered);
    assert.equal(fine.result.errorCode, ErrorCode.NONE, 'the same client id from another host is another client');
  });

  it('a transactional offset commit that would create a group is held to the same bound', () => {
    const h = harness();
    for (let i = 0; i < MAX_GROUPS_PER_CLIENT; i++) simpleCommit(h, `g-${i}`, 'producer');
    const identity = { groupId: 'txn-group', memberId: '', groupInstanceId: null, generationId: -1 };
    assert.equal(h.offsets.authorizeTxnCommit(identity, { clientId: 'producer', clientHost: '/10.0.0.1' }), ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    assert.equal(h.coordinator.group('txn-group'), undefined, 'the refused group was not created');
    assert.equal(h.offsets.authorizeTxnCommit(identity, { clientId: 'other-producer', clientHost: '/10.0.0.1' }), ErrorCode.NONE);
    assert.notEqual(h.coordinator.group('txn-group'), undefined, 'another client creates it');
  });

  it(`a full table (${MAX_GROUPS} groups) evicts the least recently active memberless group, offsets and all, for a new consumer group`, async () => {
    const h = harness();
    const clients = MAX_GROUPS / MAX_GROUPS_PER_CLIENT;
    for (let c = 0; c < clients; c++) for (let i = 0; i < MAX_GROUPS_PER_CLIENT; i++) simpleCommit(h, `c${c}-${i}`, `client-${c}`);
    assert.equal(h.table.size, MAX_GROUPS);
    h.clock.advance(1_000);
    assert.equal(simpleCommit(h, 'c0-0', 'client-0'), ErrorCode.NONE, 'c0-0 is active again: not the first to go');
    const consumer = join(h, { groupId: 'real-consumers', clientId: 'app' });
    await advanceUntil(h, () => consumer.answered);
    assert.equal(consumer.result.errorCode, ErrorCode.NONE);
    assert.equal(h.table.size, MAX_GROUPS);
    assert.equal(h.coordinator.group('c0-1'), undefined, 'the least recently active group went');
    assert.equal(h.store.hasOffsets('c0-1'), false, 'with its offsets');
    assert.notEqual(h.coordinator.group('c0-0'), undefined);
    assert.equal(simpleCommit(h, 'another-new', 'client-x'), ErrorCode.NONE, 'simple commits get room the same way');
    assert.equal(h.coordinator.group('c0-2'), undefined);
  });

  it('a table whose every group has members refuses a new one with COORDINATOR_NOT_AVAILABLE', () => {
    const table = new GroupTable();
    for (let i = 0; i < MAX_GROUPS; i++) {
      const group = new ConsumerGroup(`busy-${i}`, 0);
      group.transitionTo('PreparingRebalance', 0);
      table.classic.set(group.groupId, group);
      table.register(group.groupId, null);
    }
    assert.deepEqual(table.admit({ clientId: 'app', clientHost: '/10.0.0.9' }, 0), { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, evicted: null });
    const idle = table.classic.get('busy-5000')!;
    idle.transitionTo('Empty', 0);
    assert.deepEqual(table.admit(null, 0), { errorCode: ErrorCode.NONE, evicted: 'busy-5000' }, 'one memberless group: that one goes');
    assert.equal(table.size, MAX_GROUPS - 1);
  });

  it('a simple commit that stores nothing leaves no group behind', () => {
    const h = harness();
    assert.equal(simpleCommit(h, 'too-large', 'client', 'x'.repeat(5_000)), ErrorCode.OFFSET_METADATA_TOO_LARGE);
    assert.equal(h.coordinator.group('too-large'), undefined);
    assert.equal(h.table.size, 0);
  });

  it('a member id handed out with MEMBER_ID_REQUIRED and never used: the group goes with it', async () => {
    const h = harness();
    const first = join(h, { groupId: 'abandoned', requireKnownMemberId: true });
    await advanceUntil(h, () => first.answered);
    assert.equal(first.result.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.notEqual(h.coordinator.group('abandoned'), undefined);
    h.clock.advance(30_000);
    assert.equal(h.coordinator.group('abandoned'), undefined);
  });

  it(`offsets without a live group (restored after a restart) expire after offsets.retention.minutes`, () => {
    const h = harness();
    h.store.commit('restored', 't', 1, { offset: 3, leaderEpoch: -1, metadata: '', commitTimestampMs: h.clock.nowMs(), expireTimestampMs: null });
    h.clock.advance(OFFSETS_RETENTION_MS - 1);
    assert.equal(h.offsets.sweep(), 0);
    h.clock.advance(1);
    assert.equal(h.offsets.sweep(), 1);
    assert.equal(h.store.hasOffsets('restored'), false);
  });
});
