/**
 * Committed offsets: group → topic → partition → CommittedOffset, held in memory.
 *
 * Not durable yet: a restart forgets every commit. The store is an interface with one change
 * hook so the WAL issue can log each commit and deletion, and replay them into `commit` at
 * boot, without touching the coordinator. Invariants: every mutation goes through this
 * class and is reported to the listeners after it is applied, in order; `list` never yields
 * a group or topic without at least one partition.
 */
import { Injectable } from '@nestjs/common';

export interface CommittedOffset {
  readonly offset: number;
  /** -1 when the client sent none (OffsetCommit < v6). */
  readonly leaderEpoch: number;
  /** "" when the client sent null, as Kafka stores it. */
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** Set only by OffsetCommit v2-4 with an explicit retention time (Kafka's pre-2.1 expiry). */
  readonly expireTimestampMs: number | null;
}

export interface CommittedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly committed: CommittedOffset;
}

export type OffsetChange =
  | { readonly kind: 'commit'; readonly groupId: string; readonly topic: string; readonly partition: number; readonly committed: CommittedOffset }
  | { readonly kind: 'delete'; readonly groupId: string; readonly topic: string; readonly partition: number };

export type OffsetChangeListener = (change: OffsetChange) => void;

export interface OffsetStore {
  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined;
  /** Every committed partition of the group. */
  list(groupId: string): CommittedPartition[];
  hasOffsets(groupId: string): boolean;
  /** Every group that has at least one committed offset. */
  groupIds(): IterableIterator<string>;
  commit(groupId: string, topic: string, partition: number, committed: CommittedOffset): void;
  /** Returns whether there was an offset to delete. */
  delete(groupId: string, topic: string, partition: number): boolean;
  /** Deletes every offset of the group; returns how many there were. */
  deleteGroup(groupId: string): number;
  /** The hook for a write-ahead log; returns the unsubscribe function. */
  onChange(listener: OffsetChangeListener): () => void;
}

/** DI token of the OffsetStore. */
export const OFFSET_STORE = Symbol('OFFSET_STORE');

@Injectable()
export class MemoryOffsetStore implements OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly listeners = new Set<OffsetChangeListener>();

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.get(topic)?.get(partition);
  }

  list(groupId: string): CommittedPartition[] {
    const result: CommittedPartition[] = [];
    for (const [topic, partitions] of this.groups.get(groupId) ?? []) {
      for (const [partition, committed] of partitions) result.push({ topic, partition, committed });
    }
    return result;
  }

  hasOffsets(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  groupIds(): IterableIterator<string> {
    return this.groups.keys();
  }

  commit(groupId: string, topic: string, partition: number, committed: CommittedOffset): void {
    let topics = this.groups.get(groupId);
    if (topics === undefined) this.groups.set(groupId, (topics = new Map()));
    let partitions = topics.get(topic);
    if (partitions === undefined) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, committed);
    this.emit({ kind: 'commit', groupId, topic, partition, committed });
  }

  delete(groupId: string, topic: string, partition: number): boolean {
    const topics = this.groups.get(groupId);
    const partitions = topics?.get(topic);
    if (topics === undefined || partitions === undefined || !partitions.delete(partition)) return false;
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.groups.delete(groupId);
    this.emit({ kind: 'delete', groupId, topic, partition });
    return true;
  }

  deleteGroup(groupId: string): number {
    const committed = this.list(groupId);
    for (const { topic, partition } of committed) this.delete(groupId, topic, partition);
    return committed.length;
  }

  onChange(listener: OffsetChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: OffsetChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
