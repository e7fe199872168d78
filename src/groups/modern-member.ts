/**
 * One member of a consumer-protocol (KIP-848) group: what it subscribes to, how far it has
 * reconciled towards its target assignment, and its two timers (Kafka's ConsumerGroupMember).
 * Its assignment state is one immutable value (MemberAssignment) so that reconciliation
 * computes the next one and the group applies it in one step, keeping partition ownership
 * exact.
 */
import type { Timer } from '../common/clock.js';
import { NO_PARTITIONS, type TopicPartitionSet } from './topic-partitions.js';

/** Kafka's MemberState: waiting on nothing, on the member's revocations, or on other members' releases. */
export type ReconciliationState = 'stable' | 'unrevoked_partitions' | 'unreleased_partitions';

export interface MemberAssignment {
  readonly state: ReconciliationState;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  /** Partitions the member may consume now (what the heartbeat answer lists). */
  readonly assigned: TopicPartitionSet;
  /** Partitions taken from it that it has not acknowledged giving up yet; still owned by it. */
  readonly pendingRevocation: TopicPartitionSet;
}

export const NEW_MEMBER_ASSIGNMENT: MemberAssignment = {
  state: 'stable',
  memberEpoch: 0,
  previousMemberEpoch: 0,
  assigned: NO_PARTITIONS,
  pendingRevocation: NO_PARTITIONS,
};

/** ConsumerGroupHeartbeat's sentinel epochs. */
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** What a heartbeat may change; null (or -1 for the timeout) = unchanged since the last one. */
export interface MemberUpdate {
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[] | null;
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignor: string | null;
  readonly clientId: string;
  readonly clientHost: string;
}

export class ModernMember {
  instanceId: string | null;
  rackId: string | null = null;
  clientId = '';
  clientHost = '';
  rebalanceTimeoutMs = 0;
  subscribedTopicNames: readonly string[] = [];
  subscribedTopicRegex: string | null = null;
  serverAssignor: string | null = null;
  assignment: MemberAssignment = NEW_MEMBER_ASSIGNMENT;
  sessionTimer: Timer | null = null;
  /** Armed while the member owes revocations: it is fenced if it does not make them in time. */
  rebalanceTimer: Timer | null = null;

  constructor(
    readonly memberId: string,
    instanceId: string | null,
  ) {
    this.instanceId = instanceId;
  }

  /** A static member rejoining under a new member id (Kafka's replacement): same subscription and assignment, epoch 0. */
  static replacing(previous: ModernMember, memberId: string): ModernMember {
    const member = new ModernMember(memberId, previous.instanceId);
    member.rackId = previous.rackId;
    member.clientId = previous.clientId;
    member.clientHost = previous.clientHost;
    member.rebalanceTimeoutMs = previous.rebalanceTimeoutMs;
    member.subscribedTopicNames = previous.subscribedTopicNames;
    member.subscribedTopicRegex = previous.subscribedTopicRegex;
    member.serverAssignor = previous.serverAssignor;
    member.assignment = { ...previous.assignment, memberEpoch: 0, previousMemberEpoch: 0 };
    return member;
  }

  get memberEpoch(): number {
    return this.assignment.memberEpoch;
  }

  get isStatic(): boolean {
    return this.instanceId !== null;
  }

  /** Applies the heartbeat's changes; returns whether the subscription or the chosen assignor changed (a new group epoch). */
  update(update: MemberUpdate, rebalanceTimeoutMaxMs: number): boolean {
    if (update.instanceId !== null) this.instanceId = update.instanceId;
    if (update.rackId !== null) this.rackId = update.rackId;
    if (update.rebalanceTimeoutMs !== -1) this.rebalanceTimeoutMs = Math.min(update.rebalanceTimeoutMs, rebalanceTimeoutMaxMs);
    this.clientId = update.clientId;
    this.clientHost = update.clientHost;
    let changed = false;
    if (update.subscribedTopicNames !== null) {
      const names = [...new Set(update.subscribedTopicNames)].sort();
      changed ||= names.join('\u0000') !== this.subscribedTopicNames.join('\u0000') || names.length !== this.subscribedTopicNames.length;
      this.subscribedTopicNames = names;
    }
    if (update.subscribedTopicRegex !== null) {
      // An empty regex means "no regex" (Kafka 4.0).
      const regex = update.subscribedTopicRegex === '' ? null : update.subscribedTopicRegex;
      changed ||= regex !== this.subscribedTopicRegex;
      this.subscribedTopicRegex = regex;
    }
    if (update.serverAssignor !== null) {
      changed ||= update.serverAssignor !== this.serverAssignor;
      this.serverAssignor = update.serverAssignor;
    }
    return changed;
  }

  cancelTimers(): void {
    this.sessionTimer?.cancel();
    this.sessionTimer = null;
    this.cancelRebalanceTimer();
  }

  cancelRebalanceTimer(): void {
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = null;
  }
}
