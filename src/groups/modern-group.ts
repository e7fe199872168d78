/**
 * The state of one consumer-protocol (KIP-848) group, Kafka 3.9's ConsumerGroup: its members,
 * the group epoch (bumped whenever the subscriptions or the subscribed topics change), the
 * target assignment and its epoch (computed by the server assignor for a group epoch), and who
 * holds each partition. States, derived as Kafka derives them:
 *
 *   Empty (no members) · Assigning (group epoch > assignment epoch) · Reconciling (a member is
 *   not yet at the assignment epoch, or waits on revocations or releases) · Stable · Dead
 *   (deleted; no longer in the GroupTable)
 *
 * Invariant (asserted on every change): a partition is held — assigned or pending revocation —
 * by at most one member. The coordinator drives timers and requests; this class keeps the data.
 */
import type { AssignorTopic } from './server-assignors.js';
import type { MemberAssignment, ModernMember } from './modern-member.js';
import { NO_PARTITIONS, type TopicPartitionSet } from './topic-partitions.js';

export const MODERN_GROUP_STATES = ['Empty', 'Assigning', 'Reconciling', 'Stable', 'Dead'] as const;
export type ModernGroupState = (typeof MODERN_GROUP_STATES)[number];

export class ModernGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  /** The subscribed topics that exist, by name, as last resolved (Kafka's subscription metadata). */
  subscriptionMetadata: ReadonlyMap<string, AssignorTopic> = new Map();
  /** The TopicEvents version `subscriptionMetadata` was resolved at; -1 forces a new resolution. */
  metadataVersion = -1;
  /** Topic names each subscribed regex matched at the last resolution. */
  regexMatches: ReadonlyMap<string, ReadonlySet<string>> = new Map();
  private readonly members = new Map<string, ModernMember>();
  private readonly staticMembers = new Map<string, string>();
  private targetAssignment = new Map<string, TopicPartitionSet>();
  /** topic id → partition → id of the member holding it. */
  private readonly holders = new Map<string, Map<number, string>>();
  private dead = false;

  constructor(readonly groupId: string) {}

  get state(): ModernGroupState {
    if (this.dead) return 'Dead';
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const member of this.members.values()) {
      if (member.assignment.state !== 'stable' || member.memberEpoch !== this.assignmentEpoch) return 'Reconciling';
    }
    return 'Stable';
  }

  get isEmpty(): boolean {
    return this.members.size === 0;
  }

  get size(): number {
    return this.members.size;
  }

  markDead(): void {
    this.dead = true;
  }

  member(memberId: string): ModernMember | undefined {
    return this.members.get(memberId);
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  staticMember(instanceId: string): ModernMember | undefined {
    const memberId = this.staticMembers.get(instanceId);
    return memberId === undefined ? undefined : this.members.get(memberId);
  }

  allMembers(): ModernMember[] {
    return [...this.members.values()];
  }

  targetOf(memberId: string): TopicPartitionSet {
    return this.targetAssignment.get(memberId) ?? NO_PARTITIONS;
  }

  /** A new member, holding nothing yet. */
  add(member: ModernMember): void {
    if (this.members.has(member.memberId)) throw new Error(`group ${this.groupId}: member ${member.memberId} is already in`);
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
    this.hold(member.memberId, member.assignment);
  }

  /** The member leaves: its partitions are free for others, its target goes. */
  remove(member: ModernMember): void {
    if (this.members.get(member.memberId) !== member) return;
    this.release(member.memberId, member.assignment);
    this.members.delete(member.memberId);
    this.targetAssignment.delete(member.memberId);
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === member.memberId) this.staticMembers.delete(member.instanceId);
  }

  /** A static member rejoining under a new id takes over the old one's partitions and target. */
  replaceStatic(previous: ModernMember, next: ModernMember): void {
    const target = this.targetOf(previous.memberId);
    this.remove(previous);
    this.add(next);
    this.targetAssignment.set(next.memberId, target);
  }

  /** Records the member's next assignment state, moving partition ownership with it. */
  applyAssignment(member: ModernMember, next: MemberAssignment): void {
    if (this.members.get(member.memberId) !== member) throw new Error(`group ${this.groupId}: ${member.memberId} is not a member`);
    this.release(member.memberId, member.assignment);
    this.hold(member.memberId, next);
    member.assignment = next;
  }

  setTargetAssignment(epoch: number, target: ReadonlyMap<string, TopicPartitionSet>): void {
    this.targetAssignment = new Map(target);
    this.assignmentEpoch = epoch;
  }

  /** Held by a member other than `memberId` (assigned, or revoked and not yet acknowledged). */
  heldByOther(memberId: string, topicId: string, partition: number): boolean {
    const holder = this.holders.get(topicId)?.get(partition);
    return holder !== undefined && holder !== memberId;
  }

  holderOf(topicId: string, partition: number): string | undefined {
    return this.holders.get(topicId)?.get(partition);
  }

  /** Does any member subscribe to the topic (by name or through a regex)? Offsets of such topics stay. */
  isSubscribedTo(topic: string): boolean {
    return this.subscriptionMetadata.has(topic) || this.allMembers().some((m) => m.subscribedTopicNames.includes(topic));
  }

  /** The assignor most members asked for; `fallback` when none asked (Kafka's preferred server assignor). */
  preferredAssignor(fallback: string): string {
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      if (member.serverAssignor !== null) votes.set(member.serverAssignor, (votes.get(member.serverAssignor) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const [name, count] of votes) if (best === undefined || count > votes.get(best)! || (count === votes.get(best)! && name < best)) best = name;
    return best ?? fallback;
  }

  private hold(memberId: string, assignment: MemberAssignment): void {
    for (const set of [assignment.assigned, assignment.pendingRevocation]) {
      for (const [topicId, partitions] of set) {
        let byPartition = this.holders.get(topicId);
        if (byPartition === undefined) this.holders.set(topicId, (byPartition = new Map()));
        for (const p of partitions) {
          const holder = byPartition.get(p);
          if (holder !== undefined && holder !== memberId) {
            throw new Error(`group ${this.groupId}: partition ${topicId}-${p} given to ${memberId} while ${holder} holds it`);
          }
          byPartition.set(p, memberId);
        }
      }
    }
  }

  private release(memberId: string, assignment: MemberAssignment): void {
    for (const set of [assignment.assigned, assignment.pendingRevocation]) {
      for (const [topicId, partitions] of set) {
        const byPartition = this.holders.get(topicId);
        if (byPartition === undefined) continue;
        for (const p of partitions) if (byPartition.get(p) === memberId) byPartition.delete(p);
        if (byPartition.size === 0) this.holders.delete(topicId);
      }
    }
  }
}
