/**
 * Sets of partitions keyed by topic id, the way consumer-protocol (KIP-848) assignments are
 * kept and sent: ConsumerGroupHeartbeat names topics by id only, so a topic deleted and created
 * again under its name is another topic. Values are immutable: every operation returns a new
 * set, and a topic never maps to an empty partition set.
 */

export type TopicPartitionSet = ReadonlyMap<string, ReadonlySet<number>>;

/** The wire shape (ConsumerGroupHeartbeat / ConsumerGroupDescribe TopicPartitions). */
export interface WireTopicPartitions {
  readonly topicId: string;
  readonly partitions: readonly number[];
}

export const NO_PARTITIONS: TopicPartitionSet = new Map();

export function fromWire(topics: readonly WireTopicPartitions[]): TopicPartitionSet {
  const set = new Map<string, Set<number>>();
  for (const { topicId, partitions } of topics) {
    if (partitions.length === 0) continue;
    const existing = set.get(topicId);
    if (existing === undefined) set.set(topicId, new Set(partitions));
    else for (const p of partitions) existing.add(p);
  }
  return set;
}

/** Sorted by topic id, then partition, so answers are stable. */
export function toWire(set: TopicPartitionSet): { topicId: string; partitions: number[] }[] {
  return [...set.keys()].sort().map((topicId) => ({ topicId, partitions: [...set.get(topicId)!].sort((a, b) => a - b) }));
}

export function fromEntries(entries: Iterable<readonly [string, Iterable<number>]>): TopicPartitionSet {
  const set = new Map<string, ReadonlySet<number>>();
  for (const [topicId, partitions] of entries) {
    const ps = new Set(partitions);
    if (ps.size > 0) set.set(topicId, ps);
  }
  return set;
}

export function partitionCount(set: TopicPartitionSet): number {
  let n = 0;
  for (const ps of set.values()) n += ps.size;
  return n;
}

export function has(set: TopicPartitionSet, topicId: string, partition: number): boolean {
  return set.get(topicId)?.has(partition) ?? false;
}

/** Partitions in `a` and in `b`. */
export function intersect(a: TopicPartitionSet, b: TopicPartitionSet): TopicPartitionSet {
  return fromEntries([...a].map(([topicId, ps]) => [topicId, [...ps].filter((p) => has(b, topicId, p))] as const));
}

/** Partitions in `a` but not in `b`. */
export function minus(a: TopicPartitionSet, b: TopicPartitionSet): TopicPartitionSet {
  return fromEntries([...a].map(([topicId, ps]) => [topicId, [...ps].filter((p) => !has(b, topicId, p))] as const));
}

export function union(a: TopicPartitionSet, b: TopicPartitionSet): TopicPartitionSet {
  const topicIds = new Set([...a.keys(), ...b.keys()]);
  return fromEntries([...topicIds].map((topicId) => [topicId, [...(a.get(topicId) ?? []), ...(b.get(topicId) ?? [])]] as const));
}

export function isEmptySet(set: TopicPartitionSet): boolean {
  return set.size === 0;
}

export function sameSet(a: TopicPartitionSet, b: TopicPartitionSet): boolean {
  return partitionCount(a) === partitionCount(b) && isEmptySet(minus(a, b));
}

/** Does the member still report any of `set` as owned? An unknown owned list (null) counts as yes. */
export function ownsAnyOf(owned: readonly WireTopicPartitions[] | null, set: TopicPartitionSet): boolean {
  if (owned === null) return true;
  return owned.some(({ topicId, partitions }) => partitions.some((p) => has(set, topicId, p)));
}

/** Is every owned partition in `set`? An unknown owned list (null) is not a subset. */
export function isOwnedSubset(owned: readonly WireTopicPartitions[] | null, set: TopicPartitionSet): boolean {
  if (owned === null) return false;
  return owned.every(({ topicId, partitions }) => partitions.every((p) => has(set, topicId, p)));
}
