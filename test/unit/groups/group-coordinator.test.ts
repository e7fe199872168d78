import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUP_INITIAL_REBALANCE_DELAY_MS, MAX_MEMBERS_PER_GROUP, NEW_MEMBER_JOIN_TIMEOUT_MS } from '../../../src/groups/group-limits.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import {
  advanceUntil,
  commitPartition0,
  harness,
  heartbeat,
  join,
  REBALANCE_MS,
  SESSION_MS,
  settle,
  stableGroupOfTwo,
  subscription,
  sync,
  type Harness,
  Watched,
} from './support.js';

const state = (h: Harness) => h.coordinator.describe('g').state;

/** Keeps `member` alive with heartbeats for `ms`, returning the last heartbeat's error. */
function heartbeatFor(h: Harness, member: Parameters<typeof heartbeat>[1], ms: number, groupInstanceId: string | null = null): number {
  let errorCode: number = ErrorCode.NONE;
  for (let elapsed = 0; elapsed < ms; elapsed += 1_000) {
    h.clock.advance(1_000);
    errorCode = heartbeat(h, member, groupInstanceId);
  }
  return errorCode;
}

describe('GroupCoordinator: joining', () => {
  it('runs a lone member through Empty → PreparingRebalance → CompletingRebalance → Stable', async () => {
    const h = harness();
    const joined = join(h);
    await settle();
    assert.equal(joined.answered, false, 'the first join waits for the initial rebalance delay');
    assert.equal(state(h), 'PreparingRebalance');
    h.clock.advance(GROUP_INITIAL_REBALANCE_DELAY_MS);
    await settle();
    const result = joined.result;
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.equal(result.generationId, 1);
    assert.equal(result.leaderId, result.memberId);
    assert.equal(result.protocolName, 'range');
    assert.deepEqual(result.members.map((m) => m.memberId), [result.memberId], 'the leader gets the member list');
    assert.match(result.memberId, /^client-[0-9a-f-]{36}$/);
    assert.equal(state(h), 'CompletingRebalance');
    const synced = sync(h, result, [{ memberId: result.memberId, assignment: Buffer.from('all') }]);
    await settle();
    assert.equal(synced.result.errorCode, ErrorCode.NONE);
    assert.equal(synced.result.assignment.toString(), 'all');
    assert.equal(state(h), 'Stable');
  });

  it('extends the initial delay while members keep arriving, so they share generation 1', async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    h.clock.advance(GROUP_INITIAL_REBALANCE_DELAY_MS - 50);
    const b = join(h, { clientId: 'b' });
    h.clock.advance(50);
    await settle();
    assert.equal(a.answered, false, 'a member arrived during the delay: it is extended');
    h.clock.advance(GROUP_INITIAL_REBALANCE_DELAY_MS);
    await settle();
    assert.equal(a.result.generationId, 1);
    assert.equal(b.result.generationId, 1);
    assert.equal(a.result.leaderId, a.result.memberId, 'the first member leads');
    assert.equal(b.result.leaderId, a.result.memberId);
    assert.equal(a.result.members.length, 2);
    assert.equal(b.result.members.length, 0, 'followers get no member list');
  });

  it('answers MEMBER_ID_REQUIRED with a member id from v4 on, then accepts that id', async () => {
    const h = harness();
    const first = join(h, { requireKnownMemberId: true });
    await settle();
    assert.equal(first.result.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.notEqual(first.result.memberId, '');
    const second = join(h, { requireKnownMemberId: true, memberId: first.result.memberId });
    await advanceUntil(h, () => second.answered);
    assert.equal(second.result.errorCode, ErrorCode.NONE);
    assert.equal(second.result.memberId, first.result.memberId);
  });

  it('forgets a member id handed out with MEMBER_ID_REQUIRED after the session timeout', async () => {
    const h = harness();
    const first = join(h, { requireKnownMemberId: true });
    await settle();
    h.clock.advance(SESSION_MS);
    const late = join(h, { requireKnownMemberId: true, memberId: first.result.memberId });
    await settle();
    assert.equal(late.result.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('refuses bad joins with the Kafka error codes', async () => {
    const h = harness();
    const cases = [
      [join(h, { groupId: '' }), ErrorCode.INVALID_GROUP_ID],
      [join(h, { sessionTimeoutMs: 1_000 }), ErrorCode.INVALID_SESSION_TIMEOUT],
      [join(h, { sessionTimeoutMs: 3_600_000 }), ErrorCode.INVALID_SESSION_TIMEOUT],
      [join(h, { groupId: 'absent', memberId: 'who' }), ErrorCode.UNKNOWN_MEMBER_ID],
      [join(h, { protocols: [] }), ErrorCode.INCONSISTENT_GROUP_PROTOCOL],
    ] as const;
    await settle();
    for (const [watched, errorCode] of cases) assert.equal(watched.result.errorCode, errorCode);
  });

  it('refuses a member whose protocol type or assignors the group does not share', async () => {
    const h = harness();
    join(h);
    const otherType = join(h, { protocolType: 'connect' });
    const otherAssignor = join(h, { protocols: [{ name: 'sticky', metadata: subscription(['t']) }] });
    const common = join(h, { protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }, { name: 'range', metadata: subscription(['t']) }] });
    await settle();
    assert.equal(otherType.result.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(otherAssignor.result.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    await advanceUntil(h, () => common.answered);
    assert.equal(common.result.protocolName, 'range', 'the only protocol every member supports');
  });

  it('selects the protocol most members prefer among the common ones', async () => {
    const h = harness();
    const both = (first: string, second: string) => [
      { name: first, metadata: Buffer.from(first) },
      { name: second, metadata: Buffer.from(second) },
    ];
    const a = join(h, { protocols: both('range', 'roundrobin') });
    join(h, { protocols: both('roundrobin', 'range') });
    join(h, { protocols: both('roundrobin', 'range') });
    await advanceUntil(h, () => a.answered);
    assert.equal(a.result.protocolName, 'roundrobin');
    assert.deepEqual(a.result.members.map((m) => m.metadata.toString()), ['roundrobin', 'roundrobin', 'roundrobin']);
  });

  it(`bounds a group at ${MAX_MEMBERS_PER_GROUP} members`, async () => {
    const h = harness();
    for (let i = 0; i < MAX_MEMBERS_PER_GROUP; i++) join(h);
    const extra = join(h);
    await settle();
    assert.equal(extra.result.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  });

  it('drops a new member whose JoinGroup is parked longer than the new-member timeout', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    const rejoin = join(h, { memberId: a.memberId, rebalanceTimeoutMs: 1_800_000 });
    const newcomer = join(h, { clientId: 'c' });
    for (let t = 0; t < NEW_MEMBER_JOIN_TIMEOUT_MS; t += 3_000) {
      h.clock.advance(3_000);
      heartbeat(h, b);
    }
    await settle();
    assert.equal(newcomer.result.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(rejoin.answered, false, 'b still has not rejoined');
  });
});

describe('GroupCoordinator: the join barrier', () => {
  it('completes as soon as every known member has rejoined', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    const bRejoin = join(h, { memberId: b.memberId, protocols: [{ name: 'range', metadata: subscription(['t', 'other']) }] });
    await settle();
    assert.equal(bRejoin.answered, false);
    assert.equal(state(h), 'PreparingRebalance', 'changed metadata triggers a rebalance');
    assert.equal(heartbeat(h, a), ErrorCode.REBALANCE_IN_PROGRESS);
    const aRejoin = join(h, { memberId: a.memberId });
    await settle();
    assert.equal(aRejoin.result.generationId, 2);
    assert.equal(bRejoin.result.generationId, 2);
    assert.equal(state(h), 'CompletingRebalance');
  });

  it('removes a member that did not rejoin within the rebalance timeout', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    const aRejoin = join(h, { memberId: a.memberId });
    await settle();
    assert.equal(aRejoin.answered, false, 'a rejoining leader forces a rebalance and waits for b');
    assert.equal(heartbeatFor(h, b, REBALANCE_MS - 1_000), ErrorCode.REBALANCE_IN_PROGRESS);
    await settle();
    assert.equal(aRejoin.answered, false);
    h.clock.advance(1_000);
    await settle();
    assert.equal(aRejoin.result.generationId, 2);
    assert.deepEqual(aRejoin.result.members.map((m) => m.memberId), [a.memberId]);
    assert.equal(heartbeat(h, b), ErrorCode.UNKNOWN_MEMBER_ID, 'b was removed');
  });

  it('hands leadership to a rejoined member when the leader is gone', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    const bRejoin = join(h, { memberId: b.memberId, protocols: [{ name: 'range', metadata: subscription(['other']) }] });
    h.clock.advance(SESSION_MS);
    await settle();
    assert.equal(bRejoin.result.leaderId, b.memberId);
    assert.equal(heartbeat(h, a), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('evicts a member that stops heartbeating after its session timeout, then rebalances', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    assert.equal(heartbeatFor(h, a, SESSION_MS - 1_000), ErrorCode.NONE, 'b is not evicted before its session timeout');
    assert.equal(heartbeat(h, b), ErrorCode.NONE);
    assert.equal(heartbeatFor(h, a, SESSION_MS), ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(heartbeat(h, b), ErrorCode.UNKNOWN_MEMBER_ID);
    const aRejoin = join(h, { memberId: a.memberId });
    await settle();
    assert.equal(aRejoin.result.generationId, 2, 'the survivor alone completes the barrier at once');
    assert.equal(aRejoin.result.members.length, 1);
  });

  it('goes Empty when the last member times out; without offsets it goes at the offsets sweep, as Kafka cleans up (issue 14)', async () => {
    const h = harness();
    const joined = join(h);
    await advanceUntil(h, () => joined.answered);
    sync(h, joined.result, []);
    h.store.commit('g', 't', 0, { offset: 5, leaderEpoch: -1, metadata: '', commitTimestampMs: 0, expireTimestampMs: null });
    h.clock.advance(SESSION_MS);
    assert.equal(state(h), 'Empty', 'a group holding offsets stays');
    assert.equal(h.coordinator.describe('g').members.length, 0);
    const other = join(h, { groupId: 'uncommitted' });
    await advanceUntil(h, () => other.answered);
    assert.equal(h.coordinator.group('uncommitted')?.state, 'CompletingRebalance');
    h.coordinator.leave('uncommitted', [{ memberId: other.result.memberId, groupInstanceId: null }]);
    await settle();
    assert.equal(h.coordinator.group('uncommitted')?.state, 'Empty', 'listed as Empty once its member left, as Kafka shows it');
    h.offsets.sweep();
    assert.equal(h.coordinator.group('uncommitted'), undefined, 'a group without offsets goes at the sweep');
    assert.equal(state(h), 'Empty', 'a group holding offsets stays');
    assert.equal(h.table.size, 1);
  });
});

describe('GroupCoordinator: SyncGroup', () => {
  it("parks followers until the leader's SyncGroup brings the assignment", async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    const b = join(h, { clientId: 'b' });
    await advanceUntil(h, () => a.answered && b.answered);
    const followerSync = sync(h, b.result);
    await settle();
    assert.equal(followerSync.answered, false, 'the follower waits for the leader');
    const leaderSync = sync(h, a.result, [
      { memberId: a.result.memberId, assignment: Buffer.from('A') },
      { memberId: b.result.memberId, assignment: Buffer.from('B') },
    ]);
    await settle();
    assert.equal(leaderSync.result.assignment.toString(), 'A');
    assert.equal(followerSync.result.assignment.toString(), 'B');
    assert.equal(followerSync.result.protocolName, 'range');
    assert.equal(state(h), 'Stable');
  });

  it('hands a late follower its assignment at once after the leader synced', async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    const b = join(h, { clientId: 'b' });
    await advanceUntil(h, () => a.answered && b.answered);
    sync(h, a.result, [{ memberId: b.result.memberId, assignment: Buffer.from('B') }]);
    h.clock.advance(2_000);
    const lateSync = sync(h, b.result);
    await settle();
    assert.equal(lateSync.result.errorCode, ErrorCode.NONE);
    assert.equal(lateSync.result.assignment.toString(), 'B');
    assert.equal(h.coordinator.describe('g').members.find((m) => m.memberId === a.result.memberId)?.assignment.length, 0, 'left out of the assignment: empty');
  });

  it('answers REBALANCE_IN_PROGRESS to parked followers when a rebalance starts before the leader syncs', async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    const b = join(h, { clientId: 'b' });
    await advanceUntil(h, () => a.answered && b.answered);
    const followerSync = sync(h, b.result);
    const newcomer = join(h, { clientId: 'c' });
    await settle();
    assert.equal(followerSync.result.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(newcomer.answered, false);
    assert.equal(state(h), 'PreparingRebalance');
  });

  it('removes members that send no SyncGroup within the rebalance timeout', async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    const b = join(h, { clientId: 'b' });
    await advanceUntil(h, () => a.answered && b.answered);
    sync(h, a.result, []);
    for (let elapsed = 0; elapsed < REBALANCE_MS - 1_000; elapsed += 1_000) {
      h.clock.advance(1_000);
      assert.equal(heartbeat(h, b.result), ErrorCode.NONE, 'b heartbeats but never syncs');
      heartbeat(h, a.result);
    }
    h.clock.advance(1_000);
    assert.equal(heartbeat(h, b.result), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(heartbeat(h, a.result), ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('keeps timing out a follower that waited longer than its session for the leader', async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    const b = join(h, { clientId: 'b' });
    await advanceUntil(h, () => a.answered && b.answered);
    const parked = sync(h, b.result);
    assert.equal(heartbeatFor(h, a.result, SESSION_MS + 2_000), ErrorCode.NONE, 'a parked member outlives its session');
    sync(h, a.result, [{ memberId: b.result.memberId, assignment: Buffer.from('B') }]);
    await settle();
    assert.equal(parked.result.assignment.toString(), 'B');
    assert.equal(heartbeatFor(h, a.result, SESSION_MS), ErrorCode.REBALANCE_IN_PROGRESS, 'b, silent since its answer, is evicted');
    assert.equal(heartbeat(h, b.result), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('checks generation, member and state', async () => {
    const h = harness();
    const { a } = await stableGroupOfTwo(h);
    const staleGeneration = sync(h, { ...a, generationId: 0 });
    const unknown = sync(h, { ...a, memberId: 'nobody' });
    const noGroup = new Watched(
      h.coordinator.sync({ groupId: 'none', memberId: 'x', generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
    );
    const wrongProtocol = new Watched(
      h.coordinator.sync({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] }),
    );
    await settle();
    assert.equal(staleGeneration.result.errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal(unknown.result.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(noGroup.result.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(wrongProtocol.result.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    join(h, { memberId: a.memberId });
    const duringRebalance = sync(h, a);
    await settle();
    assert.equal(duringRebalance.result.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  });
});

describe('GroupCoordinator: Heartbeat', () => {
  it('answers by state, generation and member', async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    const b = join(h, { clientId: 'b' });
    await advanceUntil(h, () => a.answered && b.answered);
    assert.equal(heartbeat(h, a.result), ErrorCode.NONE, 'CompletingRebalance: heartbeats are fine');
    assert.equal(heartbeat(h, { ...a.result, generationId: 7 }), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(heartbeat(h, { ...a.result, memberId: 'nobody' }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(h.coordinator.heartbeat({ groupId: '', memberId: 'x', generationId: 1, groupInstanceId: null }), ErrorCode.INVALID_GROUP_ID);
    join(h, { clientId: 'c' });
    assert.equal(heartbeat(h, a.result), ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(heartbeat(h, b.result), ErrorCode.REBALANCE_IN_PROGRESS);
  });
});

describe('GroupCoordinator: LeaveGroup', () => {
  it('removes a single member and rebalances the rest', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    const left = h.coordinator.leave('g', [{ memberId: b.memberId, groupInstanceId: null }]);
    assert.deepEqual(left, { errorCode: ErrorCode.NONE, members: [{ memberId: b.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE }] });
    assert.equal(heartbeat(h, a), ErrorCode.REBALANCE_IN_PROGRESS);
    const aRejoin = join(h, { memberId: a.memberId });
    await settle();
    assert.deepEqual(aRejoin.result.members.map((m) => m.memberId), [a.memberId]);
  });

  it('answers a batch member by member, and goes Empty when everyone left', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    const left = h.coordinator.leave('g', [
      { memberId: a.memberId, groupInstanceId: null },
      { memberId: 'nobody', groupInstanceId: null },
      { memberId: b.memberId, groupInstanceId: null },
    ]);
    assert.deepEqual(left.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.NONE]);
    assert.equal(state(h), 'Empty', 'everyone left: Empty until the offsets sweep');
    assert.deepEqual(h.coordinator.leave('absent', [{ memberId: 'x', groupInstanceId: null }]).members[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('answers the parked JoinGroup of a member removed while it waits at the barrier', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    const aRejoin = join(h, { memberId: a.memberId });
    await settle();
    assert.equal(aRejoin.answered, false);
    h.coordinator.leave('g', [{ memberId: a.memberId, groupInstanceId: null }]);
    await settle();
    assert.equal(aRejoin.result.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const bRejoin = join(h, { memberId: b.memberId });
    await settle();
    assert.equal(bRejoin.result.leaderId, b.memberId);
  });
});

describe('GroupCoordinator: static membership', () => {
  async function staticPair(h: Harness) {
    const a = join(h, { clientId: 'a', groupInstanceId: 'instance-a' });
    const b = join(h, { clientId: 'b', groupInstanceId: 'instance-b' });
    await advanceUntil(h, () => a.answered && b.answered);
    sync(h, a.result, [{ memberId: b.result.memberId, assignment: Buffer.from('B') }], 'instance-a');
    sync(h, b.result, [], 'instance-b');
    await settle();
    assert.equal(state(h), 'Stable');
    return { a: a.result, b: b.result };
  }

  it('replaces the member id of a rejoining instance without a rebalance, and fences the old id', async () => {
    const h = harness();
    const { a, b } = await staticPair(h);
    assert.match(b.memberId, /^instance-b-/);
    const rejoin = join(h, { clientId: 'b', groupInstanceId: 'instance-b' });
    await settle();
    const replaced = rejoin.result;
    assert.equal(replaced.errorCode, ErrorCode.NONE);
    assert.notEqual(replaced.memberId, b.memberId);
    assert.equal(replaced.generationId, b.generationId, 'no new generation');
    assert.equal(replaced.leaderId, a.memberId);
    assert.equal(state(h), 'Stable');
    assert.equal(heartbeat(h, b, 'instance-b'), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(heartbeat(h, replaced, 'instance-b'), ErrorCode.NONE);
    const resync = sync(h, replaced, [], 'instance-b');
    await settle();
    assert.equal(resync.result.assignment.toString(), 'B', 'the assignment carries over');
  });

  it('returns the old leader id to a replaced leader, so it does not assign (JoinGroup v0-8)', async () => {
    const h = harness();
    const { a } = await staticPair(h);
    const rejoin = join(h, { clientId: 'a', groupInstanceId: 'instance-a' });
    await settle();
    assert.equal(rejoin.result.leaderId, a.memberId);
    assert.notEqual(rejoin.result.memberId, a.memberId);
    assert.equal(rejoin.result.members.length, 0);
    assert.equal(rejoin.result.skipAssignment, false);
  });

  it('tells a replaced leader it leads, with the members, and to skip the assignment (JoinGroup v9+)', async () => {
    const h = harness();
    const { a, b } = await staticPair(h);
    const rejoin = join(h, { clientId: 'a', groupInstanceId: 'instance-a', supportsSkippingAssignment: true });
    await settle();
    const answer = rejoin.result;
    assert.notEqual(answer.memberId, a.memberId);
    assert.deepEqual([answer.leaderId, answer.skipAssignment, answer.generationId], [answer.memberId, true, a.generationId]);
    assert.deepEqual(answer.members.map((m) => m.groupInstanceId).sort(), ['instance-a', 'instance-b']);
    assert.equal(state(h), 'Stable', 'no rebalance');
    const follower = join(h, { clientId: 'b', groupInstanceId: 'instance-b', supportsSkippingAssignment: true });
    await settle();
    assert.deepEqual([follower.result.leaderId, follower.result.skipAssignment, follower.result.members.length], [answer.memberId, false, 0], 'a follower is not told to skip');
    assert.notEqual(follower.result.memberId, b.memberId);
    const resync = sync(h, answer, [], 'instance-a');
    await settle();
    assert.equal(resync.result.errorCode, ErrorCode.NONE, 'the leader syncs without assigning and keeps what it had');
  });

  it('rebalances when the rejoining instance changes the selected protocol', async () => {
    const h = harness();
    await staticPair(h);
    const rejoin = join(h, { groupInstanceId: 'instance-b', protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] });
    await settle();
    assert.equal(rejoin.result.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'no protocol in common with a');
    const rejoinBoth = join(h, {
      groupInstanceId: 'instance-b',
      protocols: [
        { name: 'range', metadata: subscription(['other']) },
        { name: 'roundrobin', metadata: Buffer.alloc(0) },
      ],
    });
    await settle();
    assert.equal(rejoinBoth.result.errorCode, ErrorCode.NONE, 'same protocol chosen: no rebalance');
    assert.equal(state(h), 'Stable');
  });

  it('keeps a static member that did not rejoin through the barrier, electing a rejoined leader', async () => {
    const h = harness();
    const { a, b } = await staticPair(h);
    const bRejoin = join(h, { memberId: b.memberId, groupInstanceId: 'instance-b', protocols: [{ name: 'range', metadata: subscription(['other']) }] });
    assert.equal(heartbeatFor(h, a, REBALANCE_MS - 1_000, 'instance-a'), ErrorCode.REBALANCE_IN_PROGRESS);
    h.clock.advance(1_000);
    await settle();
    assert.equal(bRejoin.result.generationId, 2);
    assert.equal(bRejoin.result.leaderId, b.memberId, 'the leader a did not rejoin');
    assert.deepEqual(bRejoin.result.members.map((m) => m.groupInstanceId).sort(), ['instance-a', 'instance-b']);
  });

  it('refuses a known member id under another instance id, and removes a member by instance id', async () => {
    const h = harness();
    const { a, b } = await staticPair(h);
    const wrong = join(h, { memberId: a.memberId, groupInstanceId: 'instance-b' });
    await settle();
    assert.equal(wrong.result.errorCode, ErrorCode.FENCED_INSTANCE_ID);
    const left = h.coordinator.leave('g', [{ memberId: '', groupInstanceId: 'instance-b' }, { memberId: '', groupInstanceId: 'instance-z' }]);
    assert.deepEqual(left.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.equal(heartbeat(h, b, 'instance-b'), ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('GroupCoordinator: admin views', () => {
  it('describes a group by state, with metadata and assignments only while Stable', async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    await advanceUntil(h, () => a.answered);
    const completing = h.coordinator.describe('g');
    assert.equal(completing.state, 'CompletingRebalance');
    assert.equal(completing.protocolData, '');
    assert.equal(completing.members[0]?.metadata.length, 0);
    sync(h, a.result, [{ memberId: a.result.memberId, assignment: Buffer.from('x') }]);
    const stable = h.coordinator.describe('g');
    assert.equal(stable.state, 'Stable');
    assert.equal(stable.protocolType, 'consumer');
    assert.equal(stable.protocolData, 'range');
    assert.deepEqual(
      stable.members.map((m) => [m.clientId, m.clientHost, m.assignment.toString()]),
      [['a', '/127.0.0.1', 'x']],
    );
    assert.deepEqual(stable.members[0]?.metadata, subscription(['t']));
    assert.equal(h.coordinator.describe('absent').state, 'Dead');
  });

  it('lists groups, filtered by state (case-insensitive)', async () => {
    const h = harness();
    await stableGroupOfTwo(h);
    commitPartition0(h, 'simple', 1);
    assert.deepEqual(h.coordinator.list([]), [
      { groupId: 'g', protocolType: 'consumer', state: 'Stable' },
      { groupId: 'simple', protocolType: '', state: 'Empty' },
    ]);
    assert.deepEqual(h.coordinator.list(['empty']).map((g) => g.groupId), ['simple']);
  });

  it('deletes only Empty groups, with their offsets', async () => {
    const h = harness();
    const { a, b } = await stableGroupOfTwo(h);
    assert.equal(commitPartition0(h, 'g', 5, a), ErrorCode.NONE);
    assert.deepEqual(h.coordinator.deleteGroups(['g', 'absent']), [
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'absent', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    h.coordinator.leave('g', [a, b].map((m) => ({ memberId: m.memberId, groupInstanceId: null })));
    assert.deepEqual(h.coordinator.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NONE }]);
    assert.equal(h.store.hasOffsets('g'), false);
    assert.equal(h.coordinator.describe('g').state, 'Dead');
    assert.equal(h.coordinator.list([]).length, 0);
  });
});

describe('GroupCoordinator: shutdown', () => {
  it('answers every parked JoinGroup and SyncGroup, cancels every timer, refuses new joins', async () => {
    const h = harness();
    const a = join(h, { clientId: 'a' });
    const b = join(h, { clientId: 'b' });
    await advanceUntil(h, () => a.answered && b.answered);
    const parkedSync = sync(h, b.result);
    const parkedJoin = join(h, { groupId: 'other-group' });
    await settle();
    assert.equal(parkedSync.answered || parkedJoin.answered, false);
    h.coordinator.shutdown();
    await settle();
    assert.equal(parkedSync.result.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(parkedJoin.result.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(h.clock.pendingTimers, 0);
    const late = join(h);
    await settle();
    assert.equal(late.result.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(heartbeat(h, a.result), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(h.clock.pendingTimers, 0, 'nothing armed after shutdown');
  });
});
