/**
 * The classic consumer-group coordinator (Kafka 3.9 GroupCoordinator semantics) for a single
 * node that coordinates every group: JoinGroup / SyncGroup / Heartbeat / LeaveGroup, the
 * admin views (DescribeGroups, ListGroups, DeleteGroups) and the membership checks of offset
 * commits. The state machine itself is in ConsumerGroup.
 *
 * Parking: a JoinGroup or SyncGroup that must wait returns a Promise whose resolver is kept on
 * the member (one of each per member). Every parked request is bounded by a timer:
 * - the join barrier (PreparingRebalance) ends when every known member has rejoined, or at the
 *   group's rebalance timeout (members that did not rejoin are removed, static ones kept);
 *   a rebalance out of Empty first waits GROUP_INITIAL_REBALANCE_DELAY_MS, extended while new
 *   members keep arriving, up to the rebalance timeout;
 * - a SyncGroup parked in CompletingRebalance is answered when the leader's SyncGroup brings
 *   the assignment; members that send none within the rebalance timeout are removed;
 * - each member's session timer evicts it when no heartbeat (or commit, join, sync) arrives in
 *   time; members parked in a rebalance are waiting on us, so they survive it, except a new
 *   member whose JoinGroup is still parked after NEW_MEMBER_JOIN_TIMEOUT_MS.
 * Shutdown answers every parked request with COORDINATOR_NOT_AVAILABLE (retriable: the client
 * looks the coordinator up again) and cancels every timer.
 */
import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ErrorCode } from '../wire/error-codes.js';
import { Clock, type Timer } from '../common/clock.js';
import { ConsumerGroup, type GroupState, type GroupSummary } from './consumer-group.js';
import {
  EMPTY_BYTES,
  GroupMember,
  joinError,
  type JoinResult,
  type MemberProtocol,
  type MemberSettings,
  syncError,
  type SyncResult,
  UNKNOWN_MEMBER_ID,
} from './group-member.js';
import {
  GROUP_INITIAL_REBALANCE_DELAY_MS,
  GROUP_MAX_REBALANCE_TIMEOUT_MS,
  GROUP_MAX_SESSION_TIMEOUT_MS,
  GROUP_MIN_SESSION_TIMEOUT_MS,
  MAX_MEMBERS_PER_GROUP,
  NEW_MEMBER_JOIN_TIMEOUT_MS,
} from './group-limits.js';
import { GroupTable, type GroupClient } from './group-table.js';
import { GroupsProbe } from './groups.probe.js';
import { OFFSET_STORE, type OffsetStore } from './offset-store.js';

export interface JoinParams extends MemberSettings {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** JoinGroup v4+ (KIP-394): a member without an id first gets MEMBER_ID_REQUIRED with its id. */
  readonly requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader rejoining a Stable group learns it leads, with skip_assignment set. */
  readonly supportsSkippingAssignment?: boolean;
  /** JoinGroup v8+ (KIP-800): why the client joins, for the log. */
  readonly reason?: string | null;
}

export interface MemberIdentity {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
}

export interface SyncParams extends MemberIdentity {
  /** SyncGroup v5+; null when not sent. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Buffer }[];
}

export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** LeaveGroup v5+ (KIP-800): why the member leaves, for the log. */
  readonly reason?: string | null;
}

export interface LeaveResult {
  readonly errorCode: number;
  readonly members: (LeavingMember & { readonly errorCode: number })[];
}

export interface GroupDescription extends GroupSummary {
  readonly groupId: string;
}

export interface ListedGroup {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: GroupState;
}

@Injectable()
export class GroupCoordinator implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log = new Logger('GroupCoordinator');
  private closed = false;

  constructor(
    private readonly clock: Clock,
    @Inject(OFFSET_STORE) private readonly offsets: OffsetStore,
    private readonly probe: GroupsProbe,
    /** Shared with the consumer-protocol coordinator: one namespace of group ids. */
    private readonly table: GroupTable = new GroupTable(),
  ) {}

  /** The classic groups of the shared table. */
  private get groups(): Map<string, ConsumerGroup> {
    return this.table.classic;
  }

  // ---- JoinGroup ----------------------------------------------------------------------

  join(params: JoinParams): Promise<JoinResult> {
    const refusal = this.refuseJoin(params);
    if (refusal !== ErrorCode.NONE) return Promise.resolve(joinError(params.memberId, refusal));
    const isNewMember = params.memberId === UNKNOWN_MEMBER_ID;
    const group = isNewMember ? this.getOrCreateGroup(params.groupId, params) : (this.groups.get(params.groupId) ?? ErrorCode.UNKNOWN_MEMBER_ID);
    if (typeof group === 'number') return Promise.resolve(joinError(params.memberId, group));
    this.table.touch(group.groupId);
    const joining: JoinParams = { ...params, ...clampedSettings(params) };
    return new Promise((resolve) => {
      if (!this.acceptsJoiningMember(group, joining)) resolve(joinError(joining.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
      else if (isNewMember) this.joinNewMember(group, joining, resolve);
      else this.joinCurrentMember(group, joining, resolve);
      this.tryCompleteJoin(group);
    });
  }

  private refuseJoin(params: JoinParams): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (params.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (params.sessionTimeoutMs < GROUP_MIN_SESSION_TIMEOUT_MS || params.sessionTimeoutMs > GROUP_MAX_SESSION_TIMEOUT_MS) {
      return ErrorCode.INVALID_SESSION_TIMEOUT;
    }
    // A consumer-protocol (KIP-848) group with members keeps its id (see GroupTable); an empty one gives way.
    if (!this.table.claimForClassic(params.groupId)) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return ErrorCode.NONE;
  }

  /** Bounds the group size; members already in (or rejoining as a known static instance) always fit. */
  private acceptsJoiningMember(group: ConsumerGroup, params: JoinParams): boolean {
    if (group.hasMember(params.memberId) || group.pendingMembers.has(params.memberId)) return true;
    if (params.groupInstanceId !== null && group.staticMemberId(params.groupInstanceId) !== undefined) return true;
    return group.size + group.pendingMembers.size < MAX_MEMBERS_PER_GROUP;
  }

  private joinNewMember(group: ConsumerGroup, params: JoinParams, resolve: (result: JoinResult) => void): void {
    if (!group.supportsProtocols(params.protocolType, params.protocols)) {
      resolve(joinError(UNKNOWN_MEMBER_ID, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const memberId = `${params.groupInstanceId ?? params.clientId}-${randomUUID()}`;
    const staticMemberId = params.groupInstanceId === null ? undefined : group.staticMemberId(params.groupInstanceId);
    if (staticMemberId !== undefined) {
      this.replaceStaticMember(group, staticMemberId, memberId, params, resolve);
    } else if (params.groupInstanceId === null && params.requireKnownMemberId) {
      this.addPendingMember(group, memberId, params.sessionTimeoutMs);
      resolve(joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, memberId, params, resolve);
    }
  }

  private joinCurrentMember(group: ConsumerGroup, params: JoinParams, resolve: (result: JoinResult) => void): void {
    const { memberId } = params;
    if (!group.supportsProtocols(params.protocolType, params.protocols)) {
      resolve(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.pendingMembers.has(memberId)) {
      // Ids from MEMBER_ID_REQUIRED go to dynamic members only; a static one must join without an id.
      if (params.groupInstanceId !== null) resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      else this.addMemberAndRebalance(group, memberId, params, resolve);
      return;
    }
    const error = this.validateCurrentMember(group, memberId, params.groupInstanceId);
    const member = group.member(memberId);
    if (error !== ErrorCode.NONE || member === undefined) {
      resolve(joinError(memberId, error));
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, params, resolve);
        break;
      case 'CompletingRebalance':
        // Same metadata: the member probably missed our JoinGroup answer; repeat it.
        if (member.matches(params.protocols)) resolve(this.joinAnswer(group, member, group.isLeader(memberId)));
        else this.updateMemberAndRebalance(group, member, params, resolve);
        break;
      case 'Stable':
        // A rejoining leader forces a rebalance: it may have seen a change the metadata does not show.
        if (group.isLeader(memberId) || !member.matches(params.protocols)) this.updateMemberAndRebalance(group, member, params, resolve);
        else resolve(this.joinAnswer(group, member, false));
        break;
      case 'Empty':
      case 'Dead':
        resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        break;
    }
  }

  private addMemberAndRebalance(group: ConsumerGroup, memberId: string, params: JoinParams, resolve: (result: JoinResult) => void): void {
    this.removePendingMember(group, memberId);
    const member = new GroupMember(memberId, params.groupInstanceId, params);
    member.isNew = true;
    if (group.state === 'PreparingRebalance' && group.generationId === 0) group.newMemberAdded = true;
    group.add(member);
    member.awaitJoin(resolve);
    this.armSessionTimer(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group, withClientReason(`member ${memberId} joined`, params.reason));
  }

  private updateMemberAndRebalance(group: ConsumerGroup, member: GroupMember, params: JoinParams, resolve: (result: JoinResult) => void): void {
    member.update(params);
    member.awaitJoin(resolve);
    this.maybePrepareRebalance(group, withClientReason(`member ${member.memberId} rejoined`, params.reason));
  }

  /**
   * Static membership (KIP-345): an instance rejoining without its member id takes over its
   * old member under a new id. In a Stable group whose protocol choice stays the same there is
   * no rebalance: it gets the current generation, and must not run an assignment that a Stable
   * group would never distribute. Before JoinGroup v9 a rejoining leader is told the old leader
   * id (not its own), so it acts as a follower; from v9 it is told it leads, with the members,
   * and skip_assignment (it keeps watching metadata changes as a leader does), as Kafka 3.9.
   */
  private replaceStaticMember(
    group: ConsumerGroup,
    oldMemberId: string,
    newMemberId: string,
    params: JoinParams,
    resolve: (result: JoinResult) => void,
  ): void {
    const previousLeaderId = group.leaderId ?? '';
    const member = group.replaceStaticMember(params.groupInstanceId!, oldMemberId, newMemberId, (fenced) => {
      fenced.answerJoin(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
      fenced.answerSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
    });
    this.log.log(`group ${group.groupId}: static member ${params.groupInstanceId} rejoined, member ${oldMemberId} is now ${newMemberId}`);
    member.update(params);
    member.awaitJoin(resolve);
    this.armSessionTimer(group, member);
    switch (group.state) {
      case 'Stable':
        if (group.protocolName === group.selectProtocol()) {
          member.answerJoin(this.staticRejoinAnswer(group, member, previousLeaderId, params.supportsSkippingAssignment ?? false));
        } else {
          this.prepareRebalance(group, withClientReason(`static member ${params.groupInstanceId} rejoined with another protocol`, params.reason));
        }
        break;
      case 'CompletingRebalance':
        // The leader may be assigning to the old member id: start over so the ids match.
        this.prepareRebalance(group, withClientReason(`static member ${params.groupInstanceId} rejoined during the sync`, params.reason));
        break;
      case 'PreparingRebalance':
        break;
      case 'Empty':
      case 'Dead':
        throw new Error(`group ${group.groupId}: a static member in state ${group.state}`);
    }
  }

  private staticRejoinAnswer(group: ConsumerGroup, member: GroupMember, previousLeaderId: string, supportsSkippingAssignment: boolean): JoinResult {
    if (!supportsSkippingAssignment) return { ...this.joinAnswer(group, member, false), leaderId: previousLeaderId };
    const leads = group.isLeader(member.memberId);
    return { ...this.joinAnswer(group, member, leads), skipAssignment: leads };
  }

  private joinAnswer(group: ConsumerGroup, member: GroupMember, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId ?? '',
      members: withMembers ? group.joinedMembers() : [],
      skipAssignment: false,
    };
  }

  // ---- the join barrier ------------------------------------------------------------------

  private maybePrepareRebalance(group: ConsumerGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: ConsumerGroup, reason: string): void {
    if (group.state === 'CompletingRebalance') this.resetAssignments(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.cancelSyncDeadline(group);
    const fromEmpty = group.state === 'Empty';
    group.transitionTo('PreparingRebalance', this.clock.nowMs());
    this.log.log(`group ${group.groupId} rebalancing (generation ${group.generationId}): ${reason}`);
    if (fromEmpty) {
      const delayMs = Math.min(GROUP_INITIAL_REBALANCE_DELAY_MS, group.rebalanceTimeoutMs);
      this.armInitialJoinDeadline(group, delayMs, group.rebalanceTimeoutMs - delayMs);
    } else {
      this.armJoinDeadline(group, group.rebalanceTimeoutMs);
      this.tryCompleteJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: never completes early; extends itself while new members arrive. */
  private armInitialJoinDeadline(group: ConsumerGroup, delayMs: number, remainingMs: number): void {
    group.joinTimer?.cancel();
    group.initialJoin = true;
    group.joinTimer = this.schedule(delayMs, () => {
      group.joinTimer = null;
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const nextDelayMs = Math.min(GROUP_INITIAL_REBALANCE_DELAY_MS, remainingMs);
        this.armInitialJoinDeadline(group, nextDelayMs, remainingMs - nextDelayMs);
      } else {
        this.completeJoin(group);
      }
    });
  }

  private armJoinDeadline(group: ConsumerGroup, delayMs: number): void {
    group.joinTimer?.cancel();
    group.initialJoin = false;
    group.joinTimer = this.schedule(delayMs, () => {
      group.joinTimer = null;
      this.completeJoin(group);
    });
  }

  private tryCompleteJoin(group: ConsumerGroup): void {
    if (group.state === 'PreparingRebalance' && !group.initialJoin && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  /** Kafka's onCompleteJoin: drop who did not rejoin, open the next generation, answer every parked JoinGroup. */
  private completeJoin(group: ConsumerGroup): void {
    if (group.state !== 'PreparingRebalance') return;
    group.joinTimer?.cancel();
    group.joinTimer = null;
    for (const member of group.allMembers()) {
      if (!member.isAwaitingJoin && !member.isStatic) {
        this.log.log(`group ${group.groupId}: member ${member.memberId} did not rejoin in time, removing it`);
        this.probe.memberEvicted();
        this.dropMember(group, member);
      }
    }
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that have not rejoined remain: wait again; their sessions bound this.
      this.armJoinDeadline(group, group.rebalanceTimeoutMs);
      return;
    }
    group.initNextGeneration(this.clock.nowMs());
    if (group.size === 0) {
      // Kept until the offsets sweep (as Kafka's cleanup), or evicted first when the table is full.
      this.log.log(`group ${group.groupId} is empty at generation ${group.generationId}`);
      return;
    }
    this.probe.rebalanceCompleted();
    this.log.log(
      `group ${group.groupId} generation ${group.generationId}: ${group.size} member(s), protocol ${group.protocolName}, leader ${group.leaderId}`,
    );
    for (const member of group.allMembers()) {
      member.answerJoin(this.joinAnswer(group, member, group.isLeader(member.memberId)));
      this.armSessionTimer(group, member);
      member.isNew = false;
    }
    this.armSyncDeadline(group);
  }

  // ---- SyncGroup ---------------------------------------------------------------------------

  sync(params: SyncParams): Promise<SyncResult> {
    const group = this.groups.get(params.groupId);
    const errorCode = this.refuseSync(group, params);
    if (errorCode !== ErrorCode.NONE || group === undefined) return Promise.resolve(syncError(errorCode));
    const member = group.member(params.memberId)!;
    switch (group.state) {
      case 'Empty':
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          member.awaitSync(resolve);
          this.memberSynced(group, member.memberId);
          if (group.isLeader(member.memberId)) this.completeSync(group, params.assignments);
        });
      case 'Stable':
        // Followers arriving after the leader's SyncGroup get their assignment at once.
        this.memberSynced(group, member.memberId);
        this.armSessionTimer(group, member);
        return Promise.resolve(this.syncAnswer(group, member));
      case 'Dead':
        return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  private refuseSync(group: ConsumerGroup | undefined, params: SyncParams): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (params.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateCurrentMember(group, params.memberId, params.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (params.protocolType !== null && params.protocolType !== group.protocolType) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (params.protocolName !== null && params.protocolName !== group.protocolName) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return ErrorCode.NONE;
  }

  /** The leader's assignment: members it left out get an empty one; the group becomes Stable. */
  private completeSync(group: ConsumerGroup, assignments: SyncParams['assignments']): void {
    // Copied: the request frame the views point into would otherwise live as long as the group.
    const byMember = new Map(assignments.map((a) => [a.memberId, Buffer.from(a.assignment)]));
    for (const member of group.allMembers()) member.assignment = byMember.get(member.memberId) ?? EMPTY_BYTES;
    group.transitionTo('Stable', this.clock.nowMs());
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  private syncAnswer(group: ConsumerGroup, member: GroupMember): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }

  /** Answers every parked SyncGroup; a member answered gets a fresh session (its expiry was ignored while parked). */
  private propagateAssignment(group: ConsumerGroup, errorCode: number): void {
    for (const member of group.allMembers()) {
      const answer = errorCode === ErrorCode.NONE ? this.syncAnswer(group, member) : syncError(errorCode);
      if (member.answerSync(answer)) this.armSessionTimer(group, member);
    }
  }

  private resetAssignments(group: ConsumerGroup, errorCode: number): void {
    for (const member of group.allMembers()) member.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, errorCode);
  }

  private armSyncDeadline(group: ConsumerGroup): void {
    this.cancelSyncDeadline(group);
    const generationId = group.generationId;
    group.syncTimer = this.schedule(group.rebalanceTimeoutMs, () => {
      group.syncTimer = null;
      if (group.generationId !== generationId || (group.state !== 'CompletingRebalance' && group.state !== 'Stable')) return;
      for (const memberId of [...group.pendingSyncMembers]) {
        const member = group.member(memberId);
        if (member === undefined) continue;
        this.log.log(`group ${group.groupId}: member ${memberId} sent no SyncGroup in time, removing it`);
        this.probe.memberEvicted();
        this.dropMember(group, member);
      }
      this.maybePrepareRebalance(group, 'members did not sync in time');
    });
  }

  private memberSynced(group: ConsumerGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.cancelSyncDeadline(group);
  }

  private cancelSyncDeadline(group: ConsumerGroup): void {
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }

  // ---- Heartbeat and LeaveGroup --------------------------------------------------------------

  heartbeat(params: MemberIdentity): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (params.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(params.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.validateCurrentMember(group, params.memberId, params.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID;
    this.armSessionTimer(group, group.member(params.memberId)!);
    return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** LeaveGroup: v0-2 carry one member id; v3+ a batch, members given by instance id alone included (KIP-345). */
  leave(groupId: string, leaving: readonly LeavingMember[]): LeaveResult {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    const answer = (m: LeavingMember, errorCode: number) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    if (group === undefined) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    const members = leaving.map((m) => answer(m, this.leaveOne(group, m)));
    return { errorCode: ErrorCode.NONE, members };
  }

  private leaveOne(group: ConsumerGroup, { memberId, groupInstanceId, reason }: LeavingMember): number {
    if (memberId === UNKNOWN_MEMBER_ID) {
      const staticMemberId = groupInstanceId === null ? undefined : group.staticMemberId(groupInstanceId);
      const member = staticMemberId === undefined ? undefined : group.member(staticMemberId);
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMemberAndUpdateGroup(group, member, withClientReason(`static member ${groupInstanceId} removed by LeaveGroup`, reason));
      return ErrorCode.NONE;
    }
    if (this.removePendingMember(group, memberId)) return ErrorCode.NONE;
    const memberError = this.validateCurrentMember(group, memberId, groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    this.removeMemberAndUpdateGroup(group, group.member(memberId)!, withClientReason(`member ${memberId} left`, reason));
    return ErrorCode.NONE;
  }

  // ---- offset commits (the membership side) ----------------------------------------------------

  /**
   * May this commit be stored now? Kafka's validateOffsetCommit plus the state rules of
   * doCommitOffsets. A simple commit (generation < 0, no member id, no instance id) is allowed
   * only while the group has no members, and creates the group (Empty, no protocol type) if it
   * does not exist. A member's valid commit also counts as its heartbeat.
   */
  authorizeCommit(identity: MemberIdentity, client: GroupClient | null): number {
    let group = this.groups.get(identity.groupId);
    const simple = identity.generationId < 0 && identity.memberId === UNKNOWN_MEMBER_ID && identity.groupInstanceId === null;
    if (group === undefined) {
      if (identity.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      const created = this.getOrCreateGroup(identity.groupId, client);
      if (typeof created === 'number') return created;
      group = created;
    }
    this.table.touch(group.groupId);
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!simple) {
      const memberError = this.validateCurrentMember(group, identity.memberId, identity.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
      if (identity.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (group.state !== 'Empty') {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = group.member(identity.memberId);
    if (member !== undefined) this.armSessionTimer(group, member);
    return ErrorCode.NONE;
  }

  /**
   * The membership check of a TxnOffsetCommit (Kafka's doTxnCommitOffsets): looser than a
   * plain commit, since producers before TxnOffsetCommit v3 send no member id or generation
   * (KIP-447): those commit to any group; a member id or generation that is sent must match.
   * The group is created when it does not exist, as Kafka does, if the group table admits it
   * for this client (the per-client bound holds here too: any producer may start a transaction).
   */
  authorizeTxnCommit(identity: MemberIdentity, client: GroupClient | null): number {
    const group = this.getOrCreateGroup(identity.groupId, client);
    if (typeof group === 'number') return group;
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (identity.generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
    if (identity.groupInstanceId !== null) {
      const memberError = this.validateCurrentMember(group, identity.memberId, identity.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
    }
    if (identity.memberId !== UNKNOWN_MEMBER_ID && !group.hasMember(identity.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (identity.generationId >= 0 && identity.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  /** The group a committed transaction's offsets go to, created when needed (null: no room for another group). */
  groupForOffsets(groupId: string): ConsumerGroup | null {
    const group = this.getOrCreateGroup(groupId, null);
    return typeof group === 'number' ? null : group;
  }

  // ---- admin views -------------------------------------------------------------------------

  group(groupId: string): ConsumerGroup | undefined {
    return this.groups.get(groupId);
  }

  allGroups(): ConsumerGroup[] {
    return [...this.groups.values()];
  }

  /** An unknown group is described as Dead with no error, as Kafka does up to DescribeGroups v5. */
  describe(groupId: string): GroupDescription {
    const group = this.groups.get(groupId);
    if (group === undefined) return { groupId, state: 'Dead', protocolType: '', protocolData: '', members: [] };
    return { groupId, ...group.summary() };
  }

  /** ListGroups; v4+ may filter by state (compared case-insensitively). */
  list(statesFilter: readonly string[]): ListedGroup[] {
    const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
    return this.allGroups()
      .filter((g) => wanted.size === 0 || wanted.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
  }

  /** DeleteGroups: only an Empty group goes, with its committed offsets. */
  deleteGroups(groupIds: readonly string[]): { groupId: string; errorCode: number }[] {
    return [...new Set(groupIds)].map((groupId) => ({ groupId, errorCode: this.deleteGroup(groupId) }));
  }

  private deleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    this.offsets.deleteGroup(groupId);
    this.removeGroup(group);
    return ErrorCode.NONE;
  }

  /**
   * Kafka's cleanup rule: an Empty group without offsets is dropped, unless a member id it
   * handed out is pending. Called by the offsets sweep (as Kafka's cleanup), and at once only
   * where nothing was ever joined (an unused member id expired, a simple commit stored nothing).
   */
  removeGroupIfUnused(group: ConsumerGroup): boolean {
    if (group.state !== 'Empty' || group.pendingMembers.size > 0 || this.offsets.hasOffsets(group.groupId)) return false;
    if (this.groups.get(group.groupId) !== group) return false;
    this.removeGroup(group);
    return true;
  }

  /**
   * A consumer-protocol group takes over the id (Kafka converts an empty group either way): an
   * Empty classic group goes, its committed offsets stay; returns whether one went.
   */
  releaseEmptyGroup(groupId: string): boolean {
    const group = this.groups.get(groupId);
    if (group === undefined || group.state !== 'Empty') return false;
    this.removeGroup(group);
    return true;
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /** Runs before the transport closes, so parked requests do not hold its shutdown grace period. */
  beforeApplicationShutdown(): void {
    this.shutdown();
  }

  onApplicationShutdown(): void {
    this.shutdown();
  }

  /** Idempotent: refuses further membership requests, answers every parked one, cancels every timer. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const group of this.groups.values()) this.cancelTimers(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Kafka's validateCurrentMember: an instance id must map to this member id, else the member id must exist. */
  private validateCurrentMember(group: ConsumerGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const currentMemberId = group.staticMemberId(groupInstanceId);
      if (currentMemberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      return currentMemberId === memberId ? ErrorCode.NONE : ErrorCode.FENCED_INSTANCE_ID;
    }
    return group.hasMember(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** The group, or the error code that refuses to create it (the table's admission: per-client bound, full table). */
  private getOrCreateGroup(groupId: string, client: GroupClient | null): ConsumerGroup | number {
    const existing = this.groups.get(groupId);
    if (existing !== undefined) return existing;
    const admission = this.table.admit(client, this.clock.nowMs());
    if (admission.evicted !== null) this.offsets.deleteGroup(admission.evicted);
    this.probe.groupAdmission(admission);
    if (admission.errorCode !== ErrorCode.NONE) return admission.errorCode;
    const group = new ConsumerGroup(groupId, this.clock.nowMs());
    this.groups.set(groupId, group);
    this.table.register(groupId, client);
    this.probe.groupCountChanged(this.table.size);
    return group;
  }

  private removeGroup(group: ConsumerGroup): void {
    this.cancelTimers(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    group.pendingMembers.clear();
    group.transitionTo('Dead', this.clock.nowMs());
    this.groups.delete(group.groupId);
    this.table.unregister(group.groupId);
    this.probe.groupCountChanged(this.table.size);
  }

  private cancelTimers(group: ConsumerGroup, errorCode: number): void {
    group.joinTimer?.cancel();
    group.joinTimer = null;
    this.cancelSyncDeadline(group);
    for (const timer of group.pendingMembers.values()) timer.cancel();
    for (const member of group.allMembers()) {
      member.answerJoin(joinError(member.memberId, errorCode));
      member.answerSync(syncError(errorCode));
      member.sessionTimer?.cancel();
      member.sessionTimer = null;
    }
  }

  private addPendingMember(group: ConsumerGroup, memberId: string, sessionTimeoutMs: number): void {
    group.pendingMembers.set(
      memberId,
      this.schedule(sessionTimeoutMs, () => {
        // The id handed out was never used: a group it alone kept goes now.
        if (this.removePendingMember(group, memberId)) this.removeGroupIfUnused(group);
      }),
    );
  }

  /** Returns whether `memberId` was pending; its removal may complete the join barrier. */
  private removePendingMember(group: ConsumerGroup, memberId: string): boolean {
    const timer = group.pendingMembers.get(memberId);
    if (timer === undefined) return false;
    timer.cancel();
    group.pendingMembers.delete(memberId);
    this.tryCompleteJoin(group);
    return true;
  }

  /** (Re)arms the member's session timeout; this is what a heartbeat does. */
  private armSessionTimer(group: ConsumerGroup, member: GroupMember, timeoutMs = member.sessionTimeoutMs): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = this.schedule(timeoutMs, () => {
      member.sessionTimer = null;
      if (group.member(member.memberId) !== member || member.survivesSessionExpiry) return;
      this.log.log(`group ${group.groupId}: member ${member.memberId} missed its session timeout, removing it`);
      this.probe.memberEvicted();
      this.removeMemberAndUpdateGroup(group, member, `member ${member.memberId} session expired`);
    });
  }

  private removeMemberAndUpdateGroup(group: ConsumerGroup, member: GroupMember, reason: string): void {
    this.dropMember(group, member);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      case 'Empty':
      case 'Dead':
        break;
    }
  }

  /** Removes the member without touching the group state; nothing it had parked stays unanswered. */
  private dropMember(group: ConsumerGroup, member: GroupMember): void {
    member.answerJoin(joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    member.answerSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.sessionTimer?.cancel();
    member.sessionTimer = null;
    group.remove(member.memberId);
  }

  /** Every timer of the coordinator goes through here: none is armed after shutdown. */
  private schedule(delayMs: number, task: () => void): Timer {
    if (this.closed) return { cancel: () => undefined };
    return this.clock.schedule(delayMs, task);
  }
}

/** A rebalance reason with the client's own (JoinGroup v8+, LeaveGroup v5+, KIP-800), as Kafka logs it. */
function withClientReason(what: string, clientReason: string | null | undefined): string {
  return clientReason ? `${what}; client reason: ${clientReason}` : what;
}

/** The member settings as the coordinator uses them: protocol bytes owned, the rebalance timeout bounded. */
function clampedSettings(params: JoinParams): MemberSettings {
  return {
    clientId: params.clientId,
    clientHost: params.clientHost,
    sessionTimeoutMs: params.sessionTimeoutMs,
    rebalanceTimeoutMs: Math.min(Math.max(params.rebalanceTimeoutMs, 0), GROUP_MAX_REBALANCE_TIMEOUT_MS),
    protocolType: params.protocolType,
    // Copied: the request frame the views point into would otherwise live as long as the member.
    protocols: params.protocols.map((p): MemberProtocol => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
  };
}
