/**
 * The group handlers as the transport sees them: which APIs belong to the consumer-groups
 * feature, what a disabled feature answers, and that every answer encodes in every version
 * served (a null where a version wants a string would only show on the wire).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffsetCommitHandler } from '../../../src/kafka/handlers/08-offset-commit.handler.js';
import { OffsetFetchHandler } from '../../../src/kafka/handlers/09-offset-fetch.handler.js';
import { JoinGroupHandler } from '../../../src/kafka/handlers/11-join-group.handler.js';
import { HeartbeatHandler } from '../../../src/kafka/handlers/12-heartbeat.handler.js';
import { LeaveGroupHandler } from '../../../src/kafka/handlers/13-leave-group.handler.js';
import { SyncGroupHandler } from '../../../src/kafka/handlers/14-sync-group.handler.js';
import { DescribeGroupsHandler } from '../../../src/kafka/handlers/15-describe-groups.handler.js';
import { ListGroupsHandler } from '../../../src/kafka/handlers/16-list-groups.handler.js';
import { DeleteGroupsHandler } from '../../../src/kafka/handlers/42-delete-groups.handler.js';
import { OffsetDeleteHandler } from '../../../src/kafka/handlers/47-offset-delete.handler.js';
import { ConsumerGroupHeartbeatHandler } from '../../../src/kafka/handlers/68-consumer-group-heartbeat.handler.js';
import { ConsumerGroupDescribeHandler } from '../../../src/kafka/handlers/69-consumer-group-describe.handler.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { advertisedRanges, ApiRegistry } from '../../../src/kafka/transport/api-registry.js';
import { disabledFeature, FEATURE_REFUSAL_ERRORS } from '../../../src/kafka/transport/kafka-api.decorator.js';
import { encodesInEveryVersion, registration, request } from '../kafka/support.js';
import { commitPartition0, harness, settle, subscription } from './support.js';
import { OPEN_AUTHORIZER as OPEN } from '../kafka/authorizer-support.js';
import { idleTransactionCoordinator } from '../../support/transactions.js';

const FEATURE_DISABLED_ERROR = FEATURE_REFUSAL_ERRORS['consumer-groups'];

const HANDLERS = {
  JoinGroup: JoinGroupHandler.prototype.joinGroup,
  SyncGroup: SyncGroupHandler.prototype.syncGroup,
  Heartbeat: HeartbeatHandler.prototype.heartbeat,
  LeaveGroup: LeaveGroupHandler.prototype.leaveGroup,
  DescribeGroups: DescribeGroupsHandler.prototype.describeGroups,
  ListGroups: ListGroupsHandler.prototype.listGroups,
  DeleteGroups: DeleteGroupsHandler.prototype.deleteGroups,
  OffsetCommit: OffsetCommitHandler.prototype.offsetCommit,
  OffsetFetch: OffsetFetchHandler.prototype.offsetFetch,
  OffsetDelete: OffsetDeleteHandler.prototype.offsetDelete,
  ConsumerGroupHeartbeat: ConsumerGroupHeartbeatHandler.prototype.consumerGroupHeartbeat,
  ConsumerGroupDescribe: ConsumerGroupDescribeHandler.prototype.consumerGroupDescribe,
};

describe('group APIs and the consumer-groups feature', () => {
  it('tags the membership and admin APIs with the feature, not the offset APIs', () => {
    const tagged = Object.entries(HANDLERS)
      .filter(([, handler]) => registration(handler).feature === 'consumer-groups')
      .map(([name]) => name);
    assert.deepEqual(tagged, ['JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'DescribeGroups', 'ListGroups', 'DeleteGroups', 'ConsumerGroupHeartbeat', 'ConsumerGroupDescribe']);
    assert.deepEqual(
      Object.values(HANDLERS).map((h) => `${registration(h).codec.name} ${registration(h).minVersion}-${registration(h).maxVersion}`),
      ['JoinGroup 0-9', 'SyncGroup 0-5', 'Heartbeat 0-4', 'LeaveGroup 0-5', 'DescribeGroups 0-5', 'ListGroups 0-5', 'DeleteGroups 0-2', 'OffsetCommit 0-9', 'OffsetFetch 0-9', 'OffsetDelete 0-0',
        'ConsumerGroupHeartbeat 0-1', 'ConsumerGroupDescribe 0-0'],
    );
  });

  it('leaves disabled APIs out of ApiVersions', () => {
    const registry = new ApiRegistry();
    for (const handler of Object.values(HANDLERS)) {
      const reg = registration(handler);
      registry.register({ ...reg, advertised: disabledFeature(reg, { enableConsumerGroups: false }) === null, invoke: async () => undefined });
    }
    assert.deepEqual(advertisedRanges(registry).map((r) => r.apiKey), [8, 9, 47]);
    assert.equal(disabledFeature(registration(HANDLERS.JoinGroup), { enableConsumerGroups: true }), null);
    assert.equal(disabledFeature(registration(HANDLERS.JoinGroup), { enableConsumerGroups: false }), 'consumer-groups');
  });

  it('refuses each disabled API with GROUP_AUTHORIZATION_FAILED where the client looks for an error', () => {
    const join = registration(HANDLERS.JoinGroup).refuse({}, FEATURE_DISABLED_ERROR);
    assert.deepEqual(join, { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED });
    const described = registration(HANDLERS.DescribeGroups).refuse({ groups: ['a', 'b'] }, FEATURE_DISABLED_ERROR);
    assert.deepEqual(described, { groups: [{ groupId: 'a', errorCode: 30 }, { groupId: 'b', errorCode: 30 }] });
    const deleted = registration(HANDLERS.DeleteGroups).refuse({ groupsNames: ['a'] }, FEATURE_DISABLED_ERROR);
    assert.deepEqual(deleted, { results: [{ groupId: 'a', errorCode: 30 }] });
    for (const [name, handler] of Object.entries(HANDLERS).slice(0, 7)) {
      const reg = registration(handler);
      const body = { groups: ['a'], groupsNames: ['a'] };
      assert.doesNotThrow(() => encodesInEveryVersion(reg, () => reg.refuse(body, FEATURE_DISABLED_ERROR)), name);
    }
  });
});

describe('group handlers', () => {
  it('answers JoinGroup, SyncGroup, Heartbeat and LeaveGroup in every version', async () => {
    const h = harness();
    const join = new JoinGroupHandler(h.coordinator, OPEN);
    const joinBody = {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 30_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t']) }],
      reason: null,
    };
    const required = await join.joinGroup(request(4, joinBody));
    assert.equal(required.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    encodesInEveryVersion(registration(HANDLERS.JoinGroup), () => required);
    const joining = join.joinGroup(request(4, { ...joinBody, memberId: required.memberId! }));
    h.clock.advance(1_000);
    const joined = await joining;
    assert.equal(joined.generationId, 1);
    assert.equal(joined.protocolName, 'range');
    encodesInEveryVersion(registration(HANDLERS.JoinGroup), () => joined);
    const member = { groupId: 'g', generationId: 1, memberId: joined.memberId!, groupInstanceId: null };
    const synced = await new SyncGroupHandler(h.coordinator, OPEN).syncGroup(
      request(3, { ...member, protocolType: null, protocolName: null, assignments: [{ memberId: joined.memberId!, assignment: Buffer.from('x') }] }),
    );
    assert.equal(synced.assignment?.toString(), 'x');
    encodesInEveryVersion(registration(HANDLERS.SyncGroup), () => synced);
    const heartbeat = await new HeartbeatHandler(h.coordinator, OPEN).heartbeat(request(1, member));
    encodesInEveryVersion(registration(HANDLERS.Heartbeat), () => heartbeat);
    const leave = new LeaveGroupHandler(h.coordinator, OPEN);
    const single = await leave.leaveGroup(request(1, { groupId: 'g', memberId: 'nobody', members: [] }));
    assert.deepEqual(single, { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }, 'v0-2: the member error at top level');
    const batch = await leave.leaveGroup(request(3, { groupId: 'g', memberId: '', members: [{ memberId: joined.memberId!, groupInstanceId: null, reason: null }] }));
    assert.equal(batch.errorCode, ErrorCode.NONE);
    assert.deepEqual(batch.members, [{ memberId: joined.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE }]);
    encodesInEveryVersion(registration(HANDLERS.LeaveGroup), () => batch);
  });

  it('answers the v0 JoinGroup with the session timeout as rebalance timeout, and a non-null protocol name on errors', async () => {
    const h = harness();
    const controller = new JoinGroupHandler(h.coordinator, OPEN);
    const refused = await controller.joinGroup(
      request(6, { groupId: '', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: -1, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [], reason: null }),
    );
    assert.equal(refused.errorCode, ErrorCode.INVALID_GROUP_ID);
    assert.equal(refused.protocolName, '', 'v0-6 protocol name is not nullable');
    const joining = controller.joinGroup(
      request(0, { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: -1, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null }),
    );
    h.clock.advance(1_000);
    await settle();
    assert.equal((await joining).errorCode, ErrorCode.NONE);
    const description = h.coordinator.describe('g');
    assert.equal(description.members[0]?.clientHost, '/127.0.0.1');
    assert.equal(description.members[0]?.clientId, 'test-client');
  });

  it('answers the admin APIs in every version', async () => {
    const h = harness();
    commitPartition0(h, 'g', 1);
    const described = await new DescribeGroupsHandler(h.coordinator, OPEN).describeGroups(request(5, { groups: ['g', 'absent'], includeAuthorizedOperations: true }));
    assert.deepEqual(described.groups?.map((g) => [g.groupId, g.groupState, g.authorizedOperations]), [['g', 'Empty', 328], ['absent', 'Dead', 328]]);
    encodesInEveryVersion(registration(HANDLERS.DescribeGroups), () => described);
    const listed = await new ListGroupsHandler(h.directory, OPEN).listGroups(request(4, { statesFilter: ['Empty'], typesFilter: [] }));
    assert.deepEqual(listed.groups, [{ groupId: 'g', protocolType: '', state: 'Empty', groupState: 'Empty', groupType: 'classic' }]);
    encodesInEveryVersion(registration(HANDLERS.ListGroups), () => listed);
    const deleted = await new DeleteGroupsHandler(h.directory, OPEN).deleteGroups(request(2, { groupsNames: ['g', 'g', 'absent'] }));
    assert.deepEqual(deleted.results, [{ groupId: 'g', errorCode: ErrorCode.NONE }, { groupId: 'absent', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
    encodesInEveryVersion(registration(HANDLERS.DeleteGroups), () => deleted);
  });

  it('answers the offset APIs in every version', async () => {
    const h = harness();
    const committed = await new OffsetCommitHandler(h.offsets, OPEN).offsetCommit(
      request(2, {
        groupId: 'g',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
      }),
    );
    assert.deepEqual(committed.topics, [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE }] }]);
    encodesInEveryVersion(registration(HANDLERS.OffsetCommit), () => committed);
    const fetcher = new OffsetFetchHandler(h.offsets, idleTransactionCoordinator(h.clock), OPEN);
    const fetched = await fetcher.offsetFetch(request(1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable: false }));
    assert.deepEqual(fetched.topics?.[0]?.partitions?.map((p) => p.committedOffset), [5, -1]);
    encodesInEveryVersion(registration(HANDLERS.OffsetFetch), () => fetched);
    const all = await fetcher.offsetFetch(request(7, { groupId: 'g', topics: null, groups: [], requireStable: true }));
    assert.equal(all.topics?.[0]?.partitions?.length, 1);
    const deleted = await new OffsetDeleteHandler(h.offsets, OPEN).offsetDelete(request(0, { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] }));
    assert.equal(deleted.errorCode, ErrorCode.NONE);
    encodesInEveryVersion(registration(HANDLERS.OffsetDelete), () => deleted);
  });

  it('fetches the offsets of a batch of groups from OffsetFetch v8, each with its own error code', async () => {
    const h = harness();
    commitPartition0(h, 'g1', 4);
    commitPartition0(h, 'g2', 9);
    const fetched = await new OffsetFetchHandler(h.offsets, idleTransactionCoordinator(h.clock), OPEN).offsetFetch(
      request(8, {
        groupId: '',
        topics: [],
        requireStable: false,
        groups: [
          { groupId: 'g1', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0, 1] }] },
          { groupId: 'g2', memberId: null, memberEpoch: -1, topics: null },
          { groupId: 'none', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] },
        ],
      }),
    );
    const offsets = fetched.groups?.map((g) => [g.groupId, g.errorCode, g.topics?.flatMap((t) => t.partitions?.map((p) => `${t.name}-${p.partitionIndex}@${p.committedOffset}`))]);
    assert.deepEqual(offsets, [
      ['g1', ErrorCode.NONE, ['t-0@4', 't-1@-1']],
      ['g2', ErrorCode.NONE, ['t-0@9']],
      ['none', ErrorCode.NONE, ['t-0@-1']],
    ]);
    assert.equal(fetched.topics, undefined, 'v8+ has no top-level topics');
    encodesInEveryVersion(registration(HANDLERS.OffsetFetch), () => fetched);
  });

  it('answers a member commit to a missing group with GROUP_ID_NOT_FOUND from OffsetCommit v9, ILLEGAL_GENERATION before', async () => {
    const h = harness();
    const commit = (version: number) =>
      new OffsetCommitHandler(h.offsets, OPEN).offsetCommit(
        request(version, {
          groupId: 'missing',
          generationIdOrMemberEpoch: 3,
          memberId: 'm',
          groupInstanceId: null,
          retentionTimeMs: -1,
          topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
        }),
      );
    const errorOf = (response: Awaited<ReturnType<typeof commit>>) => response.topics?.[0]?.partitions?.[0]?.errorCode;
    assert.equal(errorOf(await commit(8)), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(errorOf(await commit(9)), ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(h.coordinator.group('missing'), undefined, 'no group was created');
  });
});
