/**
 * Incremental reconciliation of one consumer-protocol member towards its target assignment
 * (Kafka 3.9's CurrentAssignmentBuilder), as a pure function of the member's assignment, the
 * target, who else holds each partition, and what the member says it owns.
 *
 * The rule that keeps a partition from being consumed twice: a member is given a partition only
 * once no other member holds it (assigned, or pending revocation and not yet acknowledged). A
 * member losing partitions first stays at its epoch with them pending revocation
 * (unrevoked_partitions) and moves on only when a heartbeat no longer lists them as owned; a
 * member waiting for partitions another still holds moves to the target epoch with what is free
 * (unreleased_partitions) and picks up the rest on a later heartbeat.
 */
import type { MemberAssignment } from './modern-member.js';
import {
  intersect,
  isEmptySet,
  minus,
  NO_PARTITIONS,
  ownsAnyOf,
  fromEntries,
  union,
  type TopicPartitionSet,
  type WireTopicPartitions,
} from './topic-partitions.js';

export interface ReconcileInput {
  readonly current: MemberAssignment;
  readonly targetEpoch: number;
  readonly target: TopicPartitionSet;
  /** Whether a partition is held by another member of the group. */
  readonly heldByOther: (topicId: string, partition: number) => boolean;
  /** The partitions the member reported owning in this heartbeat; null = not sent (unchanged, unknown). */
  readonly owned: readonly WireTopicPartitions[] | null;
}

/** The member's next assignment state; the same object when nothing changes. */
export function reconcile(input: ReconcileInput): MemberAssignment {
  const { current, targetEpoch } = input;
  switch (current.state) {
    case 'stable':
      return current.memberEpoch === targetEpoch ? current : nextAssignment(input, current.memberEpoch);
    case 'unrevoked_partitions':
      // Waits until the member no longer reports the revoked partitions as owned.
      if (ownsAnyOf(input.owned, current.pendingRevocation)) return current;
      return nextAssignment(input, current.memberEpoch + 1);
    case 'unreleased_partitions':
      return nextAssignment(input, current.memberEpoch);
  }
}

/** Kafka's computeNextAssignment: keep what stays, revoke what goes, take what is free. */
function nextAssignment(input: ReconcileInput, memberEpoch: number): MemberAssignment {
  const { current, target, targetEpoch } = input;
  const kept = intersect(current.assigned, target);
  const revoked = minus(current.assigned, kept);
  const wanted = minus(target, kept);
  const free = fromEntries([...wanted].map(([topicId, ps]) => [topicId, [...ps].filter((p) => !input.heldByOther(topicId, p))] as const));
  const waitsForOthers = !isEmptySet(minus(wanted, free));
  if (!isEmptySet(revoked) && ownsAnyOf(input.owned, revoked)) {
    return withEpoch(current, memberEpoch, { state: 'unrevoked_partitions', assigned: kept, pendingRevocation: revoked });
  }
  const state = waitsForOthers ? 'unreleased_partitions' : 'stable';
  return withEpoch(current, targetEpoch, { state, assigned: union(kept, free), pendingRevocation: NO_PARTITIONS });
}

/** Kafka's updateMemberEpoch: the previous epoch is the one the member had. */
function withEpoch(current: MemberAssignment, memberEpoch: number, next: Omit<MemberAssignment, 'memberEpoch' | 'previousMemberEpoch'>): MemberAssignment {
  return { ...next, memberEpoch, previousMemberEpoch: current.memberEpoch };
}
