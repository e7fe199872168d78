/**
 * The coordinator of consumer-protocol groups (KIP-848, `group.protocol=consumer`), Kafka 3.9's
 * GroupMetadataManager.consumerGroupHeartbeat and its admin views: the broker assigns, members
 * heartbeat (ConsumerGroupHeartbeat) and reconcile incrementally; ConsumerGroupDescribe,
 * ListGroups, DeleteGroups and the member checks of OffsetCommit v9 / OffsetFetch v9.
 *
 * A heartbeat, in Kafka's order: the request checks (consumer-heartbeat.ts); the group (created
 * by a join, epoch 0); the group size; the member (a new one, a known one whose epoch must match,
 * or a static member replacing the one that left with epoch -2); its subscription update; a new
 * group epoch when the subscription or the subscribed topics changed; a new target assignment
 * when the group epoch passed the assignment epoch; the member's reconciliation
 * (modern-reconciliation.ts); its session timer. Nothing changes before the last check passed.
 *
 * Timers, both per member: the session (group_consumer_session_timeout, re-armed by every
 * heartbeat; a static member that left with -2 keeps it running) and the rebalance timeout
 * (armed while the member owes revocations; the member's RebalanceTimeoutMs). Either one fences
 * the member: it is removed, its partitions are free, the group epoch goes up.
 *
 * Where Blink differs from Kafka 3.9, on purpose:
 * - Membership is not persisted: after a restart a member heartbeating with epoch > 0 (or
 *   leaving) for a group that no longer exists gets UNKNOWN_MEMBER_ID, so it rejoins, where
 *   Kafka (which never loses the group) answers GROUP_ID_NOT_FOUND, which clients treat as fatal.
 *   Committed offsets survive in durable mode, so the member resumes where it committed.
 * - A classic JoinGroup for a group of this kind with members gets INCONSISTENT_GROUP_PROTOCOL
 *   (GroupCoordinator): Kafka 3.9 would take it in as a classic member of the consumer group.
 * - ConsumerGroupHeartbeat v1 (Kafka 4.0) is served besides v0: client-generated member ids and
 *   SubscribedTopicRegex (RE2/J syntax, resolved against the topics at each change).
 *
 * The protocol is served while the finalized `group.version` (cluster/features.ts) is 1 or
 * more; at 0 (kafka-features downgrade) every heartbeat and describe is UNSUPPORTED_VERSION,
 * as Kafka 4.x answers when the consumer rebalance protocol is not enabled.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { FinalizedFeatures, GROUP_VERSION } from '../cluster/features.js';
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { TopicEvents } from '../storage/topic-events.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { ErrorCode } from '../wire/error-codes.js';
import { compileTopicRegex, type ConsumerHeartbeat, errorAnswer, type HeartbeatAnswer, validateHeartbeat } from './consumer-heartbeat.js';
import { GroupCoordinator } from './group-coordinator.js';
import { GroupError } from './group-error.js';
import { GROUP_MAX_REBALANCE_TIMEOUT_MS, MAX_GROUPS_PER_CLIENT, MAX_MEMBERS_PER_GROUP } from './group-limits.js';
import { GroupTable, type GroupClient } from './group-table.js';
import { GroupsProbe } from './groups.probe.js';
import { ModernGroup, type ModernGroupState } from './modern-group.js';
import { LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, ModernMember } from './modern-member.js';
import { reconcile } from './modern-reconciliation.js';
import { OFFSET_STORE, type OffsetStore } from './offset-store.js';
import { DEFAULT_SERVER_ASSIGNOR, SERVER_ASSIGNORS, type AssignorTopic } from './server-assignors.js';
import { isOwnedSubset, NO_PARTITIONS, sameSet, type TopicPartitionSet, type WireTopicPartitions } from './topic-partitions.js';

export type ModernGroupSettings = Pick<BlinkConfig, 'groupConsumerSessionTimeoutMs' | 'groupConsumerHeartbeatIntervalMs'>;
/** What the coordinator reads of the topics. */
export type TopicLookup = Pick<TopicRegistry, 'get' | 'all'>;

export interface DescribedModernMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly memberEpoch: number;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly assignment: TopicPartitionSet;
  readonly targetAssignment: TopicPartitionSet;
}

export interface DescribedModernGroup {
  readonly groupId: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly state: ModernGroupState | '';
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignorName: string;
  readonly members: readonly DescribedModernMember[];
}

/** The member fields of an OffsetCommit / OffsetFetch. */
export interface OffsetMember {
  readonly groupId: string;
  readonly memberId: string | null;
  readonly memberEpoch: number;
}

/** OffsetCommit v9 is the first a consumer-protocol member may commit with (KIP-848). */
const FIRST_MEMBER_EPOCH_COMMIT_VERSION = 9;
const PROTOCOL_OFF = 'The consumer group protocol is not enabled: group.version is 0 (kafka-features upgrade --feature group.version=1).';

@Injectable()
export class ModernGroupCoordinator implements OnApplicationShutdown {
  private readonly log = new Logger('ModernGroupCoordinator');
  /** Bumped by every topic change; a group whose subscription metadata is older resolves it again. */
  private topicsVersion = 0;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly table: GroupTable,
    private readonly classic: GroupCoordinator,
    @Inject(OFFSET_STORE) private readonly offsets: OffsetStore,
    private readonly probe: GroupsProbe,
    @Inject(TopicRegistry) private readonly topics: TopicLookup,
    @Inject(BLINK_CONFIG) private readonly settings: ModernGroupSettings,
    events: TopicEvents,
    private readonly features: FinalizedFeatures,
  ) {
    const changed = () => {
      this.topicsVersion += 1;
    };
    events.subscribe({ partitionsAdded: changed, topicDeleted: changed });
  }

  /** group.version 1 is the consumer rebalance protocol (KIP-848). */
  private get protocolEnabled(): boolean {
    return this.features.level(GROUP_VERSION) >= 1;
  }

  // ---- ConsumerGroupHeartbeat --------------------------------------------------------------

  heartbeat(request: ConsumerHeartbeat): HeartbeatAnswer {
    try {
      if (this.closed) throw new GroupError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is shutting down.');
      if (!this.protocolEnabled) throw new GroupError(ErrorCode.UNSUPPORTED_VERSION, PROTOCOL_OFF);
      validateHeartbeat(request, SERVER_ASSIGNORS);
      if (request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return this.leave(request);
      return this.joinOrHeartbeat(request);
    } catch (error) {
      if (error instanceof GroupError) return errorAnswer(error);
      throw error;
    }
  }

  private joinOrHeartbeat(request: ConsumerHeartbeat): HeartbeatAnswer {
    const existing = this.existingGroup(request.groupId, request.memberEpoch === 0);
    if (existing !== undefined) this.throwIfFull(existing, request.memberId);
    const memberId = request.memberId === '' ? randomUUID() : request.memberId;
    const group = existing ?? this.createGroup(request.groupId, request);
    const member = request.instanceId === null ? this.dynamicMember(group, memberId, request) : this.staticMember(group, memberId, request);
    const assignedBefore = member.assignment.assigned;
    const subscriptionChanged = member.update(request, GROUP_MAX_REBALANCE_TIMEOUT_MS);
    if (!group.hasMember(member.memberId)) {
      group.add(member);
      this.log.log(`group ${group.groupId}: member ${member.memberId}${member.isStatic ? ` (instance ${member.instanceId})` : ''} joins`);
    }
    const topicsChanged = (subscriptionChanged || group.metadataVersion !== this.topicsVersion) && this.refreshMetadata(group);
    if (subscriptionChanged || topicsChanged) this.bumpGroupEpoch(group);
    if (group.groupEpoch > group.assignmentEpoch) this.computeTargetAssignment(group);
    this.reconcileMember(group, member, request.ownedPartitions);
    this.armSessionTimer(group, member);
    const full = request.memberEpoch === 0 || (request.rebalanceTimeoutMs !== -1 && request.subscribedTopicNames !== null && request.ownedPartitions !== null);
    const assignmentChanged = !sameSet(assignedBefore, member.assignment.assigned);
    return this.answer(member.memberId, member.memberEpoch, full || assignmentChanged ? member.assignment.assigned : null);
  }

  /**
   * The group a heartbeat is for: a consumer-protocol group; none yet (undefined) for a join,
   * which then creates it, replacing a classic group without members.
   */
  private existingGroup(groupId: string, joining: boolean): ModernGroup | undefined {
    const group = this.table.modern.get(groupId);
    if (group !== undefined) return group;
    const classic = this.classic.group(groupId);
    if (classic !== undefined && (!joining || classic.state !== 'Empty')) {
      throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    }
    if (!joining) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Consumer group ${groupId} not found (memberships do not survive a restart): rejoin.`);
    return undefined;
  }

  /** A new group (replacing an empty classic one), if the group table admits one for this client. */
  private createGroup(groupId: string, client: GroupClient): ModernGroup {
    if (!this.classic.releaseEmptyGroup(groupId)) this.admit(client);
    const group = new ModernGroup(groupId);
    this.table.modern.set(groupId, group);
    this.table.register(groupId, client);
    this.probe.groupCountChanged(this.table.size);
    return group;
  }

  private admit(client: GroupClient): void {
    const admission = this.table.admit(client, this.clock.nowMs());
    if (admission.evicted !== null) this.offsets.deleteGroup(admission.evicted);
    this.probe.groupAdmission(admission);
    if (admission.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED) {
      throw new GroupError(admission.errorCode, `This client already holds ${MAX_GROUPS_PER_CLIENT} groups, the most one client may create.`);
    }
    if (admission.errorCode !== ErrorCode.NONE) throw new GroupError(admission.errorCode, 'Too many groups, every one of them with members.');
  }

  private throwIfFull(group: ModernGroup, memberId: string): void {
    if (group.size >= MAX_MEMBERS_PER_GROUP && (memberId === '' || !group.hasMember(memberId))) {
      throw new GroupError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${MAX_MEMBERS_PER_GROUP} members.`);
    }
  }

  private dynamicMember(group: ModernGroup, memberId: string, request: ConsumerHeartbeat): ModernMember {
    const member = group.member(memberId);
    if (member === undefined) {
      if (request.memberEpoch !== 0) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
      return new ModernMember(memberId, null);
    }
    throwIfEpochInvalid(member, request.memberEpoch, request.ownedPartitions);
    return member;
  }

  /** Kafka's getOrMaybeSubscribeStaticConsumerGroupMember. */
  private staticMember(group: ModernGroup, memberId: string, request: ConsumerHeartbeat): ModernMember {
    const instanceId = request.instanceId!;
    const existing = group.staticMember(instanceId);
    if (request.memberEpoch === 0) {
      if (existing === undefined) return group.member(memberId) ?? new ModernMember(memberId, instanceId);
      if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        throw new GroupError(
          ErrorCode.UNRELEASED_INSTANCE_ID,
          `Static member ${memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`,
        );
      }
      const replacement = ModernMember.replacing(existing, memberId);
      existing.cancelTimers();
      group.replaceStatic(existing, replacement);
      this.log.log(`group ${group.groupId}: static member ${instanceId} rejoins, member ${replacement.memberId} replaces ${existing.memberId}`);
      return replacement;
    }
    if (existing === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
    if (existing.memberId !== memberId) {
      throw new GroupError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} is not the member ${existing.memberId}.`);
    }
    throwIfEpochInvalid(existing, request.memberEpoch, request.ownedPartitions);
    return existing;
  }

  // ---- leaving -------------------------------------------------------------------------------

  /** Epoch -1: the member leaves; -2: a static member leaves for now, keeping its partitions until its session ends. */
  private leave(request: ConsumerHeartbeat): HeartbeatAnswer {
    const group = this.table.modern.get(request.groupId);
    if (group === undefined) {
      if (this.classic.group(request.groupId) !== undefined) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${request.groupId} is not a consumer group.`);
      throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Consumer group ${request.groupId} not found.`);
    }
    const member = this.leavingMember(group, request);
    if (request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      this.log.log(`group ${group.groupId}: static member ${member.instanceId} (${member.memberId}) left for now`);
      member.cancelRebalanceTimer();
      group.applyAssignment(member, { ...member.assignment, state: 'stable', memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, pendingRevocation: NO_PARTITIONS });
    } else {
      this.fence(group, member, `member ${member.memberId} left`);
    }
    return this.answer(member.memberId, request.memberEpoch, null, 0);
  }

  private leavingMember(group: ModernGroup, request: ConsumerHeartbeat): ModernMember {
    if (request.instanceId === null) {
      const member = group.member(request.memberId);
      if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${request.memberId} is not a member of group ${group.groupId}.`);
      return member;
    }
    const member = group.staticMember(request.instanceId);
    if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${request.instanceId} is unknown.`);
    if (member.memberId !== request.memberId) {
      throw new GroupError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${request.memberId} with instance id ${request.instanceId} is not the member ${member.memberId}.`);
    }
    return member;
  }

  /** The member is out (left, or missed a deadline): its partitions are free, the group needs a new assignment. */
  private fence(group: ModernGroup, member: ModernMember, reason: string): void {
    member.cancelTimers();
    group.remove(member);
    this.log.log(`group ${group.groupId}: ${reason}`);
    if (this.removeGroupIfUnused(group)) return;
    this.refreshMetadata(group);
    this.bumpGroupEpoch(group);
  }

  // ---- epochs, target assignment, reconciliation ---------------------------------------------

  private bumpGroupEpoch(group: ModernGroup): void {
    group.groupEpoch += 1;
    this.probe.groupEpochBumped();
  }

  /**
   * Resolves the members' subscriptions (names and regexes) against the topics; returns
   * whether the subscribed topics (or their partition counts) differ from before. Called when a
   * subscription or the topics changed (TopicEvents), not on every heartbeat.
   */
  private refreshMetadata(group: ModernGroup): boolean {
    const names = new Set<string>();
    const regexMatches = new Map<string, ReadonlySet<string>>();
    for (const member of group.allMembers()) {
      for (const name of member.subscribedTopicNames) names.add(name);
      const regex = member.subscribedTopicRegex;
      if (regex !== null && !regexMatches.has(regex)) regexMatches.set(regex, this.topicsMatching(regex));
    }
    for (const matches of regexMatches.values()) for (const name of matches) names.add(name);
    const metadata = new Map<string, AssignorTopic>();
    for (const name of [...names].sort()) {
      const topic = this.topics.get(name);
      if (topic !== undefined) metadata.set(name, { id: topic.id, name, partitionCount: topic.partitions.length });
    }
    group.regexMatches = regexMatches;
    group.metadataVersion = this.topicsVersion;
    if (sameMetadata(metadata, group.subscriptionMetadata)) return false;
    group.subscriptionMetadata = metadata;
    return true;
  }

  private topicsMatching(regex: string): ReadonlySet<string> {
    const pattern = compileTopicRegex(regex);
    const matches = new Set<string>();
    for (const topic of this.topics.all()) if (pattern.matches(topic.name)) matches.add(topic.name);
    return matches;
  }

  private computeTargetAssignment(group: ModernGroup): void {
    const assignorName = group.preferredAssignor(DEFAULT_SERVER_ASSIGNOR);
    const topicsById = new Map([...group.subscriptionMetadata.values()].map((t) => [t.id, t]));
    const members = group.allMembers().map((m) => ({ memberId: m.memberId, subscribedTopicIds: this.subscribedTopicIds(group, m), current: group.targetOf(m.memberId) }));
    group.setTargetAssignment(group.groupEpoch, SERVER_ASSIGNORS.get(assignorName)!.assign(members, topicsById));
    this.probe.assignmentComputed(assignorName);
  }

  private subscribedTopicIds(group: ModernGroup, member: ModernMember): Set<string> {
    const names = [...member.subscribedTopicNames, ...(member.subscribedTopicRegex === null ? [] : (group.regexMatches.get(member.subscribedTopicRegex) ?? []))];
    const ids = new Set<string>();
    for (const name of names) {
      const topic = group.subscriptionMetadata.get(name);
      if (topic !== undefined) ids.add(topic.id);
    }
    return ids;
  }

  private reconcileMember(group: ModernGroup, member: ModernMember, owned: readonly WireTopicPartitions[] | null): void {
    const next = reconcile({
      current: member.assignment,
      targetEpoch: group.assignmentEpoch,
      target: group.targetOf(member.memberId),
      heldByOther: (topicId, partition) => group.heldByOther(member.memberId, topicId, partition),
      owned,
    });
    if (next === member.assignment) return;
    group.applyAssignment(member, next);
    if (next.state === 'unrevoked_partitions') this.armRebalanceTimer(group, member);
    else member.cancelRebalanceTimer();
  }

  // ---- timers ------------------------------------------------------------------------------

  private armSessionTimer(group: ModernGroup, member: ModernMember): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = this.schedule(this.settings.groupConsumerSessionTimeoutMs, () => {
      member.sessionTimer = null;
      if (group.member(member.memberId) !== member) return;
      this.probe.memberEvicted();
      this.fence(group, member, `member ${member.memberId} fenced: its session expired`);
    });
  }

  /** Kafka's rebalance timeout: a member that does not revoke within its RebalanceTimeoutMs is fenced. */
  private armRebalanceTimer(group: ModernGroup, member: ModernMember): void {
    member.cancelRebalanceTimer();
    const epoch = member.memberEpoch;
    member.rebalanceTimer = this.schedule(member.rebalanceTimeoutMs, () => {
      member.rebalanceTimer = null;
      if (group.member(member.memberId) !== member || member.memberEpoch !== epoch || member.assignment.state !== 'unrevoked_partitions') return;
      this.probe.memberEvicted();
      this.fence(group, member, `member ${member.memberId} fenced: it did not revoke its partitions within ${member.rebalanceTimeoutMs} ms`);
    });
  }

  private schedule(delayMs: number, task: () => void): Timer {
    if (this.closed) return { cancel: () => undefined };
    return this.clock.schedule(delayMs, task);
  }

  private answer(memberId: string, memberEpoch: number, assignment: TopicPartitionSet | null, heartbeatIntervalMs = this.settings.groupConsumerHeartbeatIntervalMs): HeartbeatAnswer {
    return { errorCode: ErrorCode.NONE, errorMessage: null, memberId, memberEpoch, heartbeatIntervalMs, assignment };
  }

  // ---- offsets (OffsetCommit v9, OffsetFetch v9) ---------------------------------------------

  hasGroup(groupId: string): boolean {
    return this.table.modern.has(groupId);
  }

  /**
   * Kafka's ConsumerGroup.validateOffsetCommit: without a member epoch (< 0) only an Empty group
   * takes commits (admin tools); a member commits with OffsetCommit v9+ and its current epoch
   * (STALE_MEMBER_EPOCH otherwise; UNSUPPORTED_VERSION below v9).
   */
  authorizeCommit(member: OffsetMember, apiVersion: number): number {
    const group = this.table.modern.get(member.groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    const errorCode = this.commitError(group, member, apiVersion);
    if (errorCode === ErrorCode.NONE) this.table.touch(group.groupId);
    return errorCode;
  }

  private commitError(group: ModernGroup, member: OffsetMember, apiVersion: number): number {
    if (member.memberEpoch < 0 && group.isEmpty) return ErrorCode.NONE;
    const current = member.memberId === null ? undefined : group.member(member.memberId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (apiVersion < FIRST_MEMBER_EPOCH_COMMIT_VERSION) return ErrorCode.UNSUPPORTED_VERSION;
    return member.memberEpoch === current.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  /**
   * Kafka's ConsumerGroup.validateOffsetCommit for a transactional commit (TxnOffsetCommit):
   * without a member epoch only a group without members; else a current member with its
   * current epoch (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION).
   */
  authorizeTxnCommit(member: OffsetMember): number {
    const group = this.table.modern.get(member.groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (member.memberEpoch < 0 && group.isEmpty) return ErrorCode.NONE;
    const current = member.memberId === null ? undefined : group.member(member.memberId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return member.memberEpoch === current.memberEpoch ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  }

  /** Kafka's ConsumerGroup.validateOffsetFetch: no member id and no epoch = an admin fetch, always answered. */
  authorizeFetch(member: OffsetMember): number {
    const group = this.table.modern.get(member.groupId);
    if (group === undefined || (member.memberId === null && member.memberEpoch < 0)) return ErrorCode.NONE;
    const current = member.memberId === null ? undefined : group.member(member.memberId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return member.memberEpoch === current.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  // ---- admin views ---------------------------------------------------------------------------

  group(groupId: string): ModernGroup | undefined {
    return this.table.modern.get(groupId);
  }

  allGroups(): ModernGroup[] {
    return [...this.table.modern.values()];
  }

  /** ConsumerGroupDescribe: GROUP_ID_NOT_FOUND for an unknown id or a classic group, as Kafka 3.9. */
  describe(groupId: string): DescribedModernGroup {
    const none = { groupId, state: '' as const, groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] };
    if (!this.protocolEnabled) return { ...none, errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: PROTOCOL_OFF };
    if (groupId === '') return { ...none, errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: null };
    const group = this.table.modern.get(groupId);
    if (group === undefined) {
      const message = this.classic.group(groupId) === undefined ? `Group ${groupId} not found.` : `Group ${groupId} is not a consumer group.`;
      return { ...none, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: message };
    }
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      state: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: group.preferredAssignor(DEFAULT_SERVER_ASSIGNOR),
      members: group.allMembers().map((m) => describeMember(group, m)),
    };
  }

  /** Topic id → name of the topics that exist (describe answers carry both). */
  topicNames(): Map<string, string> {
    return new Map([...this.topics.all()].map((t) => [t.id, t.name]));
  }

  /** DeleteGroups for a group of this kind: only an Empty group goes, with its committed offsets. */
  deleteGroup(groupId: string): number {
    const group = this.table.modern.get(groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.isEmpty) return ErrorCode.NON_EMPTY_GROUP;
    this.offsets.deleteGroup(groupId);
    this.removeGroup(group);
    return ErrorCode.NONE;
  }

  /** Kafka's cleanup, applied at once (Kafka waits for its next sweep): an Empty group without committed offsets is dropped. */
  removeGroupIfUnused(group: ModernGroup): boolean {
    if (!group.isEmpty || this.offsets.hasOffsets(group.groupId) || this.table.modern.get(group.groupId) !== group) return false;
    this.removeGroup(group);
    return true;
  }

  private removeGroup(group: ModernGroup): void {
    group.markDead();
    this.table.modern.delete(group.groupId);
    this.table.unregister(group.groupId);
    this.probe.groupCountChanged(this.table.size);
  }

  // ---- shutdown ------------------------------------------------------------------------------

  onApplicationShutdown(): void {
    this.shutdown();
  }

  /** Idempotent: refuses further heartbeats and cancels every member's timers. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const group of this.table.modern.values()) for (const member of group.allMembers()) member.cancelTimers();
  }
}

/** Kafka's throwIfConsumerGroupMemberEpochIsInvalid: a lost answer (previous epoch, owning a subset of the assignment) is forgiven. */
function throwIfEpochInvalid(member: ModernMember, receivedEpoch: number, owned: readonly WireTopicPartitions[] | null): void {
  const known = member.memberEpoch;
  if (receivedEpoch > known) {
    throw new GroupError(
      ErrorCode.FENCED_MEMBER_EPOCH,
      `The consumer group member has a greater member epoch (${receivedEpoch}) than the one known by the group coordinator (${known}). The member must abandon all its partitions and rejoin.`,
    );
  }
  if (receivedEpoch < known && (receivedEpoch !== member.assignment.previousMemberEpoch || !isOwnedSubset(owned, member.assignment.assigned))) {
    throw new GroupError(
      ErrorCode.FENCED_MEMBER_EPOCH,
      `The consumer group member has a smaller member epoch (${receivedEpoch}) than the one known by the group coordinator (${known}). The member must abandon all its partitions and rejoin.`,
    );
  }
}

function sameMetadata(a: ReadonlyMap<string, AssignorTopic>, b: ReadonlyMap<string, AssignorTopic>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, topic] of a) {
    const other = b.get(name);
    if (other === undefined || other.id !== topic.id || other.partitionCount !== topic.partitionCount) return false;
  }
  return true;
}

function describeMember(group: ModernGroup, member: ModernMember): DescribedModernMember {
  return {
    memberId: member.memberId,
    instanceId: member.instanceId,
    rackId: member.rackId,
    memberEpoch: member.memberEpoch,
    clientId: member.clientId,
    clientHost: member.clientHost,
    subscribedTopicNames: member.subscribedTopicNames,
    subscribedTopicRegex: member.subscribedTopicRegex,
    assignment: member.assignment.assigned,
    targetAssignment: group.targetOf(member.memberId),
  };
}
