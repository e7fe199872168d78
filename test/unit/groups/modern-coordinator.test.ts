/**
 * The consumer-protocol (KIP-848) coordinator on a fake clock: joins and epochs, incremental
 * reconciliation (a partition is never held by two members), fencing, static members, session
 * and rebalance timeouts, topic changes, the classic and consumer kinds side by side, and the
 * member checks of offset commits and fetches; group.version switching the protocol off and on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUP_VERSION } from '../../../src/cluster/features.js';
import type { ConsumerHeartbeat, HeartbeatAnswer } from '../../../src/groups/consumer-heartbeat.js';
import { MAX_MEMBERS_PER_GROUP } from '../../../src/groups/group-limits.js';
import { fromWire, toWire, type TopicPartitionSet } from '../../../src/groups/topic-partitions.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { CONSUMER_HEARTBEAT_MS, CONSUMER_SESSION_MS, commitPartition0, harness, join, advanceUntil, type Harness } from './support.js';

const REBALANCE_TIMEOUT_MS = 30_000;

function heartbeat(h: Harness, request: Partial<ConsumerHeartbeat>): HeartbeatAnswer {
  return h.modern.heartbeat({
    apiVersion: 0,
    groupId: 'g',
    memberId: '',
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: -1,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    ownedPartitions: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    ...request,
  });
}

/** A member as a client keeps it: its id, epoch and the partitions it owns. */
interface Client {
  memberId: string;
  epoch: number;
  owned: TopicPartitionSet;
  instanceId: string | null;
}

function joinMember(h: Harness, topics: readonly string[] = ['t'], extra: Partial<ConsumerHeartbeat> = {}): { client: Client; answer: HeartbeatAnswer } {
  const answer = heartbeat(h, { memberEpoch: 0, rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS, subscribedTopicNames: [...topics], ownedPartitions: [], ...extra });
  assert.equal(answer.errorCode, ErrorCode.NONE, answer.errorMessage ?? '');
  const client = { memberId: answer.memberId!, epoch: answer.memberEpoch, owned: answer.assignment ?? new Map(), instanceId: extra.instanceId ?? null };
  return { client, answer };
}

/** One regular heartbeat reporting what the client owns; the client applies the answer (revoking or adding at once). */
function beat(h: Harness, client: Client): HeartbeatAnswer {
  const answer = heartbeat(h, { memberId: client.memberId, memberEpoch: client.epoch, ownedPartitions: toWire(client.owned) });
  if (answer.errorCode === ErrorCode.NONE) {
    client.epoch = answer.memberEpoch;
    if (answer.assignment !== null) client.owned = answer.assignment;
  }
  return answer;
}

const partitionsOf = (h: Harness, set: TopicPartitionSet, topic = 't'): number[] => [...(set.get(h.topicId(topic)) ?? [])].sort((a, b) => a - b);

/** No partition is owned by two clients, and the broker's holders agree with what clients own. */
function assertNoDoubleOwnership(h: Harness, clients: readonly Client[]): void {
  const seen = new Map<string, string>();
  for (const client of clients) {
    for (const [topicId, partitions] of client.owned) {
      for (const p of partitions) {
        const key = `${topicId}-${p}`;
        assert.equal(seen.get(key), undefined, `${key} owned by ${seen.get(key)} and ${client.memberId}`);
        seen.set(key, client.memberId);
        assert.equal(h.modern.group('g')?.holderOf(topicId, p), client.memberId, `the broker thinks ${key} is held by its owner`);
      }
    }
  }
}

/** Heartbeats every client until the group is Stable (at most `rounds` rounds), checking ownership after each beat. */
function converge(h: Harness, clients: readonly Client[], rounds = 6): void {
  for (let round = 0; round < rounds; round++) {
    for (const client of clients) {
      assert.equal(beat(h, client).errorCode, ErrorCode.NONE);
      assertNoDoubleOwnership(h, clients);
    }
    if (h.modern.group('g')?.state === 'Stable') return;
  }
  assert.fail(`not Stable after ${rounds} rounds: ${h.modern.group('g')?.state}`);
}

describe('ModernGroupCoordinator: joining and epochs', () => {
  it('gives a v0 member without an id a generated one, epoch 1 and every partition (uniform)', () => {
    const h = harness();
    const { client, answer } = joinMember(h);
    assert.match(client.memberId, /^[0-9a-f-]{36}$/);
    assert.deepEqual([answer.memberEpoch, answer.heartbeatIntervalMs], [1, CONSUMER_HEARTBEAT_MS]);
    assert.deepEqual(partitionsOf(h, client.owned), [0, 1, 2]);
    const described = h.modern.describe('g');
    assert.deepEqual([described.state, described.groupEpoch, described.assignmentEpoch, described.assignorName], ['Stable', 1, 1, 'uniform']);
  });

  it('v1: the client brings its own member id; an empty one is INVALID_REQUEST', () => {
    const h = harness();
    assert.equal(heartbeat(h, { apiVersion: 1, memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], ownedPartitions: [] }).errorCode, ErrorCode.INVALID_REQUEST);
    const { client } = joinMember(h, ['t'], { apiVersion: 1, memberId: 'client-made-id' });
    assert.equal(client.memberId, 'client-made-id');
  });

  it('answers a steady heartbeat without an assignment, and the assignment again on a full request', () => {
    const h = harness();
    const { client } = joinMember(h);
    assert.equal(beat(h, client).assignment, null);
    const full = heartbeat(h, { memberId: client.memberId, memberEpoch: client.epoch, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], ownedPartitions: toWire(client.owned) });
    assert.deepEqual(partitionsOf(h, full.assignment!), [0, 1, 2]);
  });

  it('refuses bad requests as Kafka 3.9 does', () => {
    const h = harness();
    const cases: [Partial<ConsumerHeartbeat>, number, RegExp][] = [
      [{ groupId: '' }, ErrorCode.INVALID_REQUEST, /GroupId can't be empty/],
      [{ rebalanceTimeoutMs: -1, subscribedTopicNames: ['t'], ownedPartitions: [] }, ErrorCode.INVALID_REQUEST, /RebalanceTimeoutMs must be provided/],
      [{ rebalanceTimeoutMs: 1, subscribedTopicNames: ['t'], ownedPartitions: null }, ErrorCode.INVALID_REQUEST, /TopicPartitions must be empty/],
      [{ rebalanceTimeoutMs: 1, subscribedTopicNames: [], ownedPartitions: [] }, ErrorCode.INVALID_REQUEST, /SubscribedTopicNames must be set/],
      [{ memberEpoch: 3 }, ErrorCode.INVALID_REQUEST, /MemberId can't be empty/],
      [{ memberId: 'm', memberEpoch: -2 }, ErrorCode.INVALID_REQUEST, /InstanceId can't be null/],
      [{ memberId: 'm', memberEpoch: -3 }, ErrorCode.INVALID_REQUEST, /MemberEpoch is invalid/],
      [{ rebalanceTimeoutMs: 1, subscribedTopicNames: ['t'], ownedPartitions: [], serverAssignor: 'sticky' }, ErrorCode.UNSUPPORTED_ASSIGNOR, /uniform, range/],
      [{ apiVersion: 1, memberId: 'm', rebalanceTimeoutMs: 1, subscribedTopicRegex: '(t', ownedPartitions: [] }, ErrorCode.INVALID_REGULAR_EXPRESSION, /regular expression/],
      [{ memberId: 'ghost', memberEpoch: 4 }, ErrorCode.UNKNOWN_MEMBER_ID, /not found/],
    ];
    for (const [request, code, message] of cases) {
      const answer = heartbeat(h, request);
      assert.equal(answer.errorCode, code, JSON.stringify(request));
      assert.match(answer.errorMessage ?? '', message);
    }
    assert.equal(h.table.modern.size, 0, 'no refused request created a group');
  });

  it('fences a member whose epoch is ahead, or behind without being a lost answer', () => {
    const h = harness();
    const { client: a } = joinMember(h);
    const { client: b } = joinMember(h);
    converge(h, [a, b]);
    assert.equal(heartbeat(h, { memberId: a.memberId, memberEpoch: a.epoch + 1 }).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
    const allOfT = [{ topicId: h.topicId('t'), partitions: [0, 1, 2] }];
    const behind = heartbeat(h, { memberId: a.memberId, memberEpoch: a.epoch - 1, ownedPartitions: allOfT });
    assert.equal(behind.errorCode, ErrorCode.FENCED_MEMBER_EPOCH, 'the previous epoch, but owning more than its assignment');
    assert.equal(heartbeat(h, { memberId: 'nobody', memberEpoch: 1 }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('forgives the previous epoch when the member owns a subset of its assignment (the answer was lost)', () => {
    const h = harness();
    const { client: a } = joinMember(h, ['t', 'other']);
    h.topics.set('t', 4);
    h.events.partitionsAdded({} as never, 3);
    const answer = beat(h, a);
    assert.equal(answer.memberEpoch, 2);
    const retry = heartbeat(h, { memberId: a.memberId, memberEpoch: 1, ownedPartitions: [{ topicId: h.topicId('t'), partitions: [0] }] });
    assert.equal(retry.errorCode, ErrorCode.NONE);
    assert.equal(retry.memberEpoch, 2);
  });

  it('refuses a member beyond the group size limit (GROUP_MAX_SIZE_REACHED)', () => {
    const h = harness();
    for (let i = 0; i < MAX_MEMBERS_PER_GROUP; i++) joinMember(h);
    const answer = heartbeat(h, { memberEpoch: 0, rebalanceTimeoutMs: 1, subscribedTopicNames: ['t'], ownedPartitions: [] });
    assert.equal(answer.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  });
});

describe('ModernGroupCoordinator: incremental reconciliation', () => {
  it('revokes from the owner before assigning to a newcomer: never owned by two', () => {
    const h = harness();
    const { client: a } = joinMember(h);
    const { client: b, answer } = joinMember(h);
    assert.deepEqual(partitionsOf(h, b.owned), [], 'b waits: every partition is still a\'s');
    assert.equal(h.modern.describe('g').state, 'Reconciling');
    const revoke = beat(h, a);
    assert.equal(revoke.memberEpoch, 1, 'a stays at its epoch while it revokes');
    assert.equal(partitionsOf(h, revoke.assignment!).length, 2);
    assert.equal(answer.memberEpoch, 2);
    assert.equal(partitionsOf(h, beat(h, b).assignment ?? new Map()).length, 0, 'b still gets nothing: a has not acknowledged');
    converge(h, [a, b]);
    assert.deepEqual([...partitionsOf(h, a.owned), ...partitionsOf(h, b.owned)].sort(), [0, 1, 2]);
    assert.deepEqual([a.epoch, b.epoch], [2, 2]);
  });

  it('moves partitions among three members and back when one leaves, always reconciling without double ownership', () => {
    const h = harness();
    h.topics.set('t', 7);
    const clients = [joinMember(h).client, joinMember(h).client, joinMember(h).client];
    converge(h, clients);
    assert.deepEqual(clients.map((c) => partitionsOf(h, c.owned).length).sort(), [2, 2, 3]);
    assert.equal(heartbeat(h, { memberId: clients[2]!.memberId, memberEpoch: -1 }).memberEpoch, -1);
    converge(h, clients.slice(0, 2));
    assert.deepEqual(clients.slice(0, 2).map((c) => partitionsOf(h, c.owned).length).sort(), [3, 4]);
  });

  it('keeps the assignment sticky: a member that stays keeps what it had where it can', () => {
    const h = harness();
    h.topics.set('t', 6);
    const { client: a } = joinMember(h);
    const { client: b } = joinMember(h);
    converge(h, [a, b]);
    const before = partitionsOf(h, a.owned);
    const { client: c } = joinMember(h);
    converge(h, [a, b, c]);
    assert.equal(partitionsOf(h, a.owned).filter((p) => before.includes(p)).length, 2);
  });

  it('gives new partitions after the topic grows, and takes a deleted topic away', () => {
    const h = harness();
    const { client: a } = joinMember(h, ['t', 'other']);
    h.topics.set('t', 5);
    h.events.partitionsAdded({} as never, 3);
    beat(h, a);
    assert.deepEqual(partitionsOf(h, a.owned), [0, 1, 2, 3, 4]);
    h.topics.delete('other');
    h.events.topicDeleted({} as never);
    const answer = beat(h, a);
    assert.equal(answer.assignment?.has(h.topicId('t')), true);
    assert.equal(answer.assignment?.size, 1, 'the deleted topic is no longer assigned');
  });

  it('resolves a v1 regex subscription against the topics, and again when topics appear', () => {
    const h = harness();
    const { client } = joinMember(h, [], { apiVersion: 1, memberId: 'regex-member', subscribedTopicNames: null, subscribedTopicRegex: 'o.*' });
    assert.deepEqual(partitionsOf(h, client.owned, 'other'), [0]);
    h.topics.set('orders', 2);
    h.events.partitionsAdded({} as never, 0);
    beat(h, client);
    assert.deepEqual(partitionsOf(h, client.owned, 'orders'), [0, 1]);
    assert.equal(client.owned.has(h.topicId('t')), false);
  });

  it('uses the assignor most members ask for (range splits in ranges)', () => {
    const h = harness();
    h.topics.set('t', 4);
    const a = joinMember(h, ['t'], { memberId: 'a', apiVersion: 1, serverAssignor: 'range' }).client;
    const b = joinMember(h, ['t'], { memberId: 'b', apiVersion: 1, serverAssignor: 'range' }).client;
    converge(h, [a, b]);
    assert.deepEqual([partitionsOf(h, a.owned), partitionsOf(h, b.owned)], [[0, 1], [2, 3]]);
    assert.equal(h.modern.describe('g').assignorName, 'range');
  });
});

describe('ModernGroupCoordinator: timeouts and static members', () => {
  it('fences a member that stops heartbeating after the session timeout; its partitions move', () => {
    const h = harness();
    const { client: a } = joinMember(h);
    const { client: b } = joinMember(h);
    converge(h, [a, b]);
    for (let elapsed = 0; elapsed < CONSUMER_SESSION_MS + CONSUMER_HEARTBEAT_MS; elapsed += CONSUMER_HEARTBEAT_MS) {
      h.clock.advance(CONSUMER_HEARTBEAT_MS);
      beat(h, a);
    }
    assert.equal(beat(h, b).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.deepEqual(partitionsOf(h, a.owned), [0, 1, 2]);
  });

  it('fences a member that does not revoke within its rebalance timeout', () => {
    const h = harness();
    const { client: a } = joinMember(h);
    const { client: b } = joinMember(h);
    const answer = heartbeat(h, { memberId: a.memberId, memberEpoch: a.epoch, ownedPartitions: toWire(a.owned) });
    assert.equal(partitionsOf(h, answer.assignment!).length, 2, 'a is asked to revoke one partition');
    for (let elapsed = 0; elapsed < REBALANCE_TIMEOUT_MS; elapsed += CONSUMER_HEARTBEAT_MS) {
      h.clock.advance(CONSUMER_HEARTBEAT_MS);
      heartbeat(h, { memberId: a.memberId, memberEpoch: a.epoch, ownedPartitions: toWire(a.owned) });
      beat(h, b);
    }
    assert.equal(beat(h, a).errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'a never revoked: fenced');
    beat(h, b);
    assert.deepEqual(partitionsOf(h, b.owned), [0, 1, 2]);
  });

  it('lets a static member leave for now (-2) and come back under a new id with its partitions', () => {
    const h = harness();
    const { client: a } = joinMember(h, ['t'], { instanceId: 'instance-a' });
    const { client: b } = joinMember(h);
    converge(h, [a, b]);
    const aPartitions = partitionsOf(h, a.owned);
    const left = heartbeat(h, { memberId: a.memberId, memberEpoch: -2, instanceId: 'instance-a' });
    assert.deepEqual([left.errorCode, left.memberEpoch], [ErrorCode.NONE, -2]);
    beat(h, b);
    assert.equal(partitionsOf(h, b.owned).length, 3 - aPartitions.length, 'b does not take the static member\'s partitions');
    const back = joinMember(h, ['t'], { instanceId: 'instance-a' });
    assert.notEqual(back.client.memberId, a.memberId);
    assert.deepEqual(partitionsOf(h, back.client.owned), aPartitions);
    assert.equal(heartbeat(h, { memberId: a.memberId, memberEpoch: a.epoch, instanceId: 'instance-a' }).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  });

  it('refuses a second instance while the first has not left (UNRELEASED_INSTANCE_ID), and frees it at the session timeout', () => {
    const h = harness();
    joinMember(h, ['t'], { instanceId: 'instance-a' });
    const refused = heartbeat(h, { memberEpoch: 0, rebalanceTimeoutMs: 1, subscribedTopicNames: ['t'], ownedPartitions: [], instanceId: 'instance-a' });
    assert.equal(refused.errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
    h.clock.advance(CONSUMER_SESSION_MS);
    assert.equal(h.modern.describe('g').errorCode, ErrorCode.GROUP_ID_NOT_FOUND, 'its last member gone and nothing committed, the group went at once (issue 14)');
    joinMember(h, ['t'], { instanceId: 'instance-a' });
  });
});

describe('ModernGroupCoordinator: both protocols and the offset APIs', () => {
  it('keeps the kinds apart: no consumer heartbeat for a classic group with members, no classic join into a consumer group', async () => {
    const h = harness();
    const classic = join(h, { groupId: 'classic' });
    await advanceUntil(h, () => classic.answered);
    assert.equal(heartbeat(h, { groupId: 'classic', rebalanceTimeoutMs: 1, subscribedTopicNames: ['t'], ownedPartitions: [] }).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    joinMember(h);
    const intruder = join(h, { groupId: 'g' });
    await advanceUntil(h, () => intruder.answered);
    assert.equal(intruder.result.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.deepEqual(h.modern.describe('classic').errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(h.coordinator.describe('g').state, 'Dead', 'DescribeGroups does not know a consumer group (Kafka 3.9)');
    assert.deepEqual(
      h.directory.list([], ['consumer']).map((g) => [g.groupId, g.protocolType, g.state]),
      [['g', 'consumer', 'Stable']],
    );
    assert.deepEqual(h.directory.list([], []).map((g) => [g.groupId, g.groupType]).sort(), [['classic', 'classic'], ['g', 'consumer']]);
    assert.deepEqual(h.directory.list(['STABLE'], []).map((g) => g.groupId), ['g'], 'states compare case-insensitively');
  });

  it('converts an empty group either way, keeping its offsets', () => {
    const h = harness();
    assert.equal(commitPartition0(h, 'g', 7), ErrorCode.NONE);
    assert.equal(h.coordinator.group('g')?.state, 'Empty');
    const { client } = joinMember(h);
    assert.equal(h.coordinator.group('g'), undefined);
    assert.equal(h.offsets.fetch('g', [{ name: 't', partitionIndexes: [0] }])[0]?.partitions[0]?.committedOffset, 7);
    heartbeat(h, { memberId: client.memberId, memberEpoch: -1 });
    assert.equal(h.modern.describe('g').state, 'Empty');
    join(h, { groupId: 'g' });
    assert.equal(h.modern.group('g'), undefined, 'a classic join takes over the empty consumer group');
  });

  it('checks a member\'s epoch on OffsetCommit v9 and OffsetFetch v9', () => {
    const h = harness();
    const { client } = joinMember(h);
    const commit = (memberEpoch: number, apiVersion: number, memberId = client.memberId) =>
      h.offsets.commit({
        apiVersion,
        groupId: 'g',
        generationId: memberEpoch,
        memberId,
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: null }] }],
      })[0]!.partitions[0]!.errorCode;
    assert.equal(commit(client.epoch, 9), ErrorCode.NONE);
    assert.equal(commit(client.epoch + 1, 9), ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal(commit(client.epoch, 8), ErrorCode.UNSUPPORTED_VERSION);
    assert.equal(commit(client.epoch, 9, 'nobody'), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(commit(-1, 9, ''), ErrorCode.UNKNOWN_MEMBER_ID, 'an admin commit while the group has members');
    assert.equal(h.offsets.commit({ apiVersion: 9, groupId: 'absent', generationId: 1, memberId: 'm', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }] })[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(h.offsets.authorizeFetch({ groupId: 'g', memberId: client.memberId, memberEpoch: client.epoch }), ErrorCode.NONE);
    assert.equal(h.offsets.authorizeFetch({ groupId: 'g', memberId: client.memberId, memberEpoch: client.epoch - 1 }), ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal(h.offsets.authorizeFetch({ groupId: 'g', memberId: 'nobody', memberEpoch: 1 }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(h.offsets.authorizeFetch({ groupId: 'g', memberId: null, memberEpoch: -1 }), ErrorCode.NONE, 'an admin fetch');
  });

  it('deletes offsets and groups as Kafka does: subscribed topics and groups with members stay', () => {
    const h = harness();
    const { client } = joinMember(h);
    h.offsets.commit({ apiVersion: 9, groupId: 'g', generationId: client.epoch, memberId: client.memberId, groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: null }] }, { name: 'other', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    const deleted = h.offsets.deleteOffsets('g', [{ name: 't', partitions: [{ partitionIndex: 0 }] }, { name: 'other', partitions: [{ partitionIndex: 0 }] }]);
    assert.deepEqual(deleted.topics.map((t) => t.partitions[0]!.errorCode), [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE]);
    assert.deepEqual(h.directory.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP }]);
    heartbeat(h, { memberId: client.memberId, memberEpoch: -1 });
    assert.deepEqual(h.directory.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NONE }]);
    assert.equal(h.store.hasOffsets('g'), false);
    assert.equal(h.modern.describe('g').errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('drops an Empty group without offsets at the retention sweep', () => {
    const h = harness();
    const { client } = joinMember(h);
    heartbeat(h, { memberId: client.memberId, memberEpoch: -1 });
    h.offsets.sweep();
    assert.equal(h.modern.group('g'), undefined);
  });

  it('answers COORDINATOR_NOT_AVAILABLE after shutdown and leaves no timer behind', () => {
    const h = harness();
    joinMember(h);
    h.modern.shutdown();
    h.coordinator.shutdown();
    assert.equal(heartbeat(h, { memberId: 'm', memberEpoch: 1 }).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(h.clock.pendingTimers, 0);
  });

  it('round-trips partition sets through the wire shape', () => {
    const set = fromWire([{ topicId: 'b', partitions: [2, 0] }, { topicId: 'a', partitions: [1] }, { topicId: 'c', partitions: [] }]);
    assert.deepEqual(toWire(set), [{ topicId: 'a', partitions: [1] }, { topicId: 'b', partitions: [0, 2] }]);
  });
});

describe('ModernGroupCoordinator: group.version switches the protocol', () => {
  it('at level 0 every heartbeat and describe is UNSUPPORTED_VERSION; back at 1 members join again', () => {
    const h = harness();
    const { client } = joinMember(h);
    h.features.apply(new Map([[GROUP_VERSION, 0]]), 1);
    const refused = beat(h, client);
    assert.equal(refused.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.match(refused.errorMessage ?? '', /group\.version is 0/);
    assert.equal(h.modern.describe('g').errorCode, ErrorCode.UNSUPPORTED_VERSION);
    h.features.apply(new Map([[GROUP_VERSION, 1]]), 2);
    assert.equal(beat(h, client).errorCode, ErrorCode.NONE, 'the member was not fenced by the refusal');
    assert.equal(h.modern.describe('g').errorCode, ErrorCode.NONE);
  });
});
