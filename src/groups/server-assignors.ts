/**
 * The broker-side assignors of consumer-protocol (KIP-848) groups, as Kafka 3.9 names them in
 * group.consumer.assignors: `uniform` (the default, the first of the list) and `range`. A
 * member picks one with ServerAssignor; the group uses the one most members picked.
 *
 * Both are sticky: a member keeps the partitions of its previous target that are still valid
 * (subscribed, existing) as long as that keeps the assignment balanced, so a member joining or
 * leaving moves only the partitions it must. Both are deterministic: members are taken in
 * member id order. Input and output are bounded by the group's members and its subscribed
 * topics' partitions; the balancing loop ends because each move lowers the sum of squared
 * member loads.
 *
 * - uniform: every member gets as many partitions as possible, at most one apart among members
 *   that could take each other's partitions (all members when the subscriptions are the same).
 * - range: per topic, the members subscribed to it split its partitions in ranges, the first
 *   ones (by member id) taking one more when they do not divide evenly, so members subscribed
 *   to co-partitioned topics get the same partition numbers of each.
 */
import { fromEntries, has, type TopicPartitionSet } from './topic-partitions.js';

export interface AssignorMember {
  readonly memberId: string;
  readonly subscribedTopicIds: ReadonlySet<string>;
  /** The member's previous target assignment. */
  readonly current: TopicPartitionSet;
}

export interface AssignorTopic {
  readonly id: string;
  readonly name: string;
  readonly partitionCount: number;
}

export interface ServerAssignor {
  readonly name: string;
  assign(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): Map<string, TopicPartitionSet>;
}

interface Slot {
  readonly topicId: string;
  readonly partition: number;
}

/** Mutable per-member load while assigning. */
class Load {
  readonly partitions: Slot[] = [];
  constructor(readonly member: AssignorMember) {}
  get count(): number {
    return this.partitions.length;
  }
  subscribes(topicId: string): boolean {
    return this.member.subscribedTopicIds.has(topicId);
  }
}

function byMemberId(members: readonly AssignorMember[]): AssignorMember[] {
  return [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

/** Every partition of the topics some member subscribes to, topics by name then partition. */
function subscribedSlots(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): Slot[] {
  const ids = new Set(members.flatMap((m) => [...m.subscribedTopicIds]));
  const chosen = [...topics.values()].filter((t) => ids.has(t.id)).sort((a, b) => (a.name < b.name ? -1 : 1));
  return chosen.flatMap((t) => Array.from({ length: t.partitionCount }, (_, partition) => ({ topicId: t.id, partition })));
}

function toResult(loads: readonly Load[]): Map<string, TopicPartitionSet> {
  const result = new Map<string, TopicPartitionSet>();
  for (const load of loads) {
    const byTopic = new Map<string, number[]>();
    for (const { topicId, partition } of load.partitions) byTopic.set(topicId, [...(byTopic.get(topicId) ?? []), partition]);
    result.set(load.member.memberId, fromEntries(byTopic));
  }
  return result;
}

const slotKey = (slot: Slot): string => `${slot.topicId}:${slot.partition}`;

export const uniformAssignor: ServerAssignor = {
  name: 'uniform',
  assign(members, topics) {
    const loads = byMemberId(members).map((m) => new Load(m));
    const slots = subscribedSlots(members, topics);
    const homogeneous = loads.every((l) => sameTopics(l.member.subscribedTopicIds, loads[0]!.member.subscribedTopicIds));
    if (homogeneous) assignByQuota(loads, slots);
    else assignGreedilyThenBalance(loads, slots);
    return toResult(loads);
  },
};

function sameTopics(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((t) => b.has(t));
}

/**
 * Same subscriptions everywhere: each member's quota is ⌊P/n⌋, and the first members to keep
 * more than that (then the first ones short of partitions) get one extra while P mod n allows.
 */
function assignByQuota(loads: readonly Load[], slots: readonly Slot[]): void {
  if (loads.length === 0) return;
  const base = Math.floor(slots.length / loads.length);
  let extras = slots.length % loads.length;
  const taken = new Set<string>();
  for (const load of loads) {
    const kept = slots.filter((s) => has(load.member.current, s.topicId, s.partition) && !taken.has(slotKey(s)));
    const quota = kept.length > base && extras > 0 ? base + 1 : base;
    if (quota > base) extras -= 1;
    for (const slot of kept.slice(0, quota)) {
      load.partitions.push(slot);
      taken.add(slotKey(slot));
    }
  }
  const free = slots.filter((s) => !taken.has(slotKey(s)));
  for (const load of loads) while (load.count < base) load.partitions.push(free.shift()!);
  for (const load of loads) {
    if (free.length === 0) break;
    if (load.count === base && extras > 0) {
      load.partitions.push(free.shift()!);
      extras -= 1;
    }
  }
}

/** Different subscriptions: keep what is valid, give each free partition to the least loaded member that can take it, then even out. */
function assignGreedilyThenBalance(loads: readonly Load[], slots: readonly Slot[]): void {
  const taken = new Set<string>();
  for (const load of loads) {
    for (const slot of slots) {
      if (load.subscribes(slot.topicId) && has(load.member.current, slot.topicId, slot.partition) && !taken.has(slotKey(slot))) {
        load.partitions.push(slot);
        taken.add(slotKey(slot));
      }
    }
  }
  for (const slot of slots) {
    if (taken.has(slotKey(slot))) continue;
    const candidates = loads.filter((l) => l.subscribes(slot.topicId));
    const least = candidates.reduce<Load | undefined>((best, l) => (best === undefined || l.count < best.count ? l : best), undefined);
    least?.partitions.push(slot);
  }
  while (moveOnePartition(loads));
}

/** Moves one partition from a member to one holding at least two fewer that subscribes to its topic; false when none can move. */
function moveOnePartition(loads: readonly Load[]): boolean {
  const byLoad = [...loads].sort((a, b) => b.count - a.count);
  for (const donor of byLoad) {
    for (const receiver of [...byLoad].reverse()) {
      if (receiver.count > donor.count - 2) break;
      const index = donor.partitions.findLastIndex((s) => receiver.subscribes(s.topicId));
      if (index < 0) continue;
      receiver.partitions.push(donor.partitions.splice(index, 1)[0]!);
      return true;
    }
  }
  return false;
}

export const rangeAssignor: ServerAssignor = {
  name: 'range',
  assign(members, topics) {
    const loads = byMemberId(members).map((m) => new Load(m));
    const ordered = [...topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const topic of ordered) assignTopicInRanges(loads.filter((l) => l.subscribes(topic.id)), topic);
    return toResult(loads);
  },
};

/** One topic: member i (by member id) gets ⌊P/n⌋ partitions, one more for i < P mod n; it keeps those it had first. */
function assignTopicInRanges(loads: readonly Load[], topic: AssignorTopic): void {
  if (loads.length === 0) return;
  const base = Math.floor(topic.partitionCount / loads.length);
  const extras = topic.partitionCount % loads.length;
  const quotas = loads.map((_, i) => base + (i < extras ? 1 : 0));
  const owner = new Map<number, number>();
  const counts = loads.map(() => 0);
  loads.forEach((load, i) => {
    const kept = [...(load.member.current.get(topic.id) ?? [])].filter((p) => p < topic.partitionCount && !owner.has(p)).sort((a, b) => a - b);
    for (const p of kept.slice(0, quotas[i])) owner.set(p, i);
    counts[i] = Math.min(kept.length, quotas[i]!);
  });
  let next = 0;
  for (let p = 0; p < topic.partitionCount; p++) {
    if (owner.has(p)) continue;
    while (counts[next]! >= quotas[next]!) next += 1;
    owner.set(p, next);
    counts[next] = counts[next]! + 1;
  }
  for (const [partition, i] of [...owner].sort((a, b) => a[0] - b[0])) loads[i]!.partitions.push({ topicId: topic.id, partition });
}

/** group.consumer.assignors: the first one is the default. */
export const SERVER_ASSIGNORS: ReadonlyMap<string, ServerAssignor> = new Map([
  [uniformAssignor.name, uniformAssignor],
  [rangeAssignor.name, rangeAssignor],
]);
export const DEFAULT_SERVER_ASSIGNOR = uniformAssignor.name;
