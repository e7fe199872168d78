/**
 * The state of one classic consumer group (Kafka's GroupMetadata): its members, generation,
 * leader and chosen protocol, and the state machine
 *
 *   Empty → PreparingRebalance → CompletingRebalance → Stable → PreparingRebalance …
 *   any state → Dead (deleted or expired; a Dead group is no longer in the coordinator)
 *
 * Empty: no members (it may still hold committed offsets). PreparingRebalance: the join
 * barrier — JoinGroups are parked until every known member has rejoined or the rebalance
 * timeout passes. CompletingRebalance: the generation is chosen, followers' SyncGroups are
 * parked until the leader sends the assignment. Stable: everyone has (or can fetch) its
 * assignment. This class holds the data and enforces the transitions; the timers and the
 * parked requests are driven by the GroupCoordinator.
 */
import type { Timer } from '../common/clock.js';
import { CONSUMER_PROTOCOL_TYPE, subscribedTopics } from './consumer-protocol.js';
import { EMPTY_BYTES, type GroupMember, type JoinedMember, type MemberProtocol } from './group-member.js';

export const GROUP_STATES = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'] as const;
export type GroupState = (typeof GROUP_STATES)[number];

/** Kafka's GroupState.validPreviousStates. */
const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Empty', 'CompletingRebalance', 'Stable'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'],
};

export interface DescribedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly metadata: Buffer;
  readonly assignment: Buffer;
}

export interface GroupSummary {
  readonly state: GroupState;
  readonly protocolType: string;
  /** The chosen protocol while Stable, else "" (as Kafka describes it). */
  readonly protocolData: string;
  readonly members: readonly DescribedMember[];
}

export class ConsumerGroup {
  private currentState: GroupState = 'Empty';
  private stateSinceMs: number;
  generationId = 0;
  /** Set by the first member; null for a group that only ever stored simple commits. */
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Topics the members subscribe to ("consumer" protocol only), fixed per generation; null = unknown. */
  subscribedTopics: ReadonlySet<string> | null = null;
  /** Member ids handed out with MEMBER_ID_REQUIRED, each expiring after its session timeout. */
  readonly pendingMembers = new Map<string, Timer>();
  /** Members of the current generation whose SyncGroup has not arrived yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Kafka's newMemberAdded: a member arrived during the initial rebalance delay, which extends it. */
  newMemberAdded = false;
  /** The join barrier's deadline while PreparingRebalance; `initialJoin` when it is the initial delay. */
  joinTimer: Timer | null = null;
  initialJoin = false;
  /** The deadline for the pending SyncGroups of the current generation. */
  syncTimer: Timer | null = null;
  private readonly members = new Map<string, GroupMember>();
  private readonly staticMembers = new Map<string, string>();

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateSinceMs = nowMs;
  }

  get state(): GroupState {
    return this.currentState;
  }

  /** When the group entered its current state (Kafka's currentStateTimestamp). */
  get stateTimestampMs(): number {
    return this.stateSinceMs;
  }

  get size(): number {
    return this.members.size;
  }

  /** Kafka's canRebalance: PreparingRebalance may be entered from here. */
  get canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.currentState);
  }

  /** The longest rebalance timeout among the members: how long the join barrier waits. */
  get rebalanceTimeoutMs(): number {
    let timeoutMs = 0;
    for (const member of this.members.values()) timeoutMs = Math.max(timeoutMs, member.rebalanceTimeoutMs);
    return timeoutMs;
  }

  transitionTo(next: GroupState, nowMs: number): void {
    if (!VALID_PREVIOUS_STATES[next].includes(this.currentState)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.currentState} → ${next}`);
    }
    this.currentState = next;
    this.stateSinceMs = nowMs;
  }

  member(memberId: string): GroupMember | undefined {
    return this.members.get(memberId);
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  allMembers(): GroupMember[] {
    return [...this.members.values()];
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  add(member: GroupMember): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  /** Removes the member; a leaving leader hands over to the oldest remaining member. */
  remove(memberId: string): GroupMember | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    this.members.delete(memberId);
    if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
    this.pendingSyncMembers.delete(memberId);
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /**
   * A static member rejoined without its member id: the same member continues under a new
   * id, and whatever the old id had parked is fenced (Kafka's replaceStaticMember).
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string, fence: (member: GroupMember) => void): GroupMember {
    const member = this.members.get(oldMemberId);
    if (member === undefined || member.groupInstanceId !== groupInstanceId) {
      throw new Error(`group ${this.groupId}: ${groupInstanceId} is not mapped to member ${oldMemberId}`);
    }
    fence(member);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  /** Kafka's supportsProtocols: the first member sets the type; later ones must share it and one protocol with everyone. */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    const candidates = this.candidateProtocols();
    return this.protocolType === protocolType && protocols.some((p) => candidates.has(p.name));
  }

  /** The protocol most members prefer among those all of them support; ties go to the earliest member's vote. */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const [name, count] of votes) if (best === undefined || count > votes.get(best)!) best = name;
    if (best === undefined) throw new Error(`group ${this.groupId}: no protocol to select without members`);
    return best;
  }

  /** Every member has a JoinGroup parked and no member id handed out is still unused. */
  hasAllMembersJoined(): boolean {
    for (const member of this.members.values()) if (!member.isAwaitingJoin) return false;
    return this.pendingMembers.size === 0;
  }

  /** If the leader did not rejoin, any member that did takes over; false when nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    const leader = this.leaderId === null ? undefined : this.members.get(this.leaderId);
    if (leader === undefined) return false;
    if (leader.isAwaitingJoin) return true;
    for (const member of this.members.values()) {
      if (member.isAwaitingJoin) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  /** Closes the join barrier: a new generation with the chosen protocol, or Empty without members. */
  initNextGeneration(nowMs: number): void {
    this.generationId += 1;
    this.pendingSyncMembers.clear();
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      for (const memberId of this.members.keys()) this.pendingSyncMembers.add(memberId);
      this.transitionTo('CompletingRebalance', nowMs);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.protocolType === CONSUMER_PROTOCOL_TYPE ? new Set() : null;
      this.transitionTo('Empty', nowMs);
    }
  }

  /** What the leader needs to assign: every member with its metadata for the chosen protocol. */
  joinedMembers(): JoinedMember[] {
    const protocolName = this.protocolName ?? '';
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(protocolName),
    }));
  }

  /** Kafka's isSubscribedToTopic: when the subscriptions are unknown, assume the topic is consumed. */
  isSubscribedTo(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }

  /** Kafka's GroupMetadata.summary: metadata and assignments are shown only while Stable. */
  summary(): GroupSummary {
    const stable = this.currentState === 'Stable' && this.protocolName !== null;
    return {
      state: this.currentState,
      protocolType: this.protocolType ?? '',
      protocolData: stable ? this.protocolName! : '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(this.protocolName!) : EMPTY_BYTES,
        assignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  private candidateProtocols(): Set<string> {
    const members = [...this.members.values()];
    const candidates = new Set<string>();
    for (const protocol of members[0]?.protocols ?? []) {
      if (members.every((m) => m.supports(protocol.name))) candidates.add(protocol.name);
    }
    return candidates;
  }

  private computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const member of this.members.values()) {
      const subscribed = subscribedTopics(member.metadataFor(this.protocolName));
      if (subscribed === null) return null;
      for (const topic of subscribed) topics.add(topic);
    }
    return topics;
  }
}
