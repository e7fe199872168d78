/**
 * Consumer-group positions copied to the remote cluster, translated: every
 * uplink_group_sync_interval (and on demand at cut-over) each Blink group's committed
 * offsets on mirrored partitions are translated through the partition's offset map
 * (offset-map.ts) and written to the remote with a simple OffsetCommit (no member,
 * generation -1, as Kafka's AdminClient and MirrorMaker 2's checkpoint sync do).
 *
 * Rules (MirrorMaker 2's `sync.group.offsets`):
 * - only groups that are not active on the remote (Empty or unknown there): the remote's
 *   coordinator refuses a simple commit for a group with members anyway, and once
 *   consumers run there their own commits rule;
 * - only forward: a partition is written when the translation is ahead of what the remote
 *   group has committed (or it has nothing), so a consumer that moved and committed further
 *   on the remote is never sent back;
 * - an offset the uplink has not mirrored up to yet waits for the mirror.
 * A group is looked at again only when its translated offsets change. Bounded: at most
 * GROUPS_PER_ROUND groups per round (the rest in the next one).
 */
import type { Logger } from '@nestjs/common';
import type { OffsetStore } from '../groups/offset-store.js';
import { ErrorCode } from '../wire/error-codes.js';
import type { PartitionMirror } from './partition-mirror.js';
import type { RemoteCluster } from './remote/remote-cluster.js';
import { RemoteError } from './remote/remote-errors.js';

export const GROUPS_PER_ROUND = 200;
/** Remote group states in which a simple commit is accepted. */
const INACTIVE_STATES = new Set(['Empty', 'Dead']);
const ACTIVE_GROUP_ERRORS = new Set<number>([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.REBALANCE_IN_PROGRESS]);

/** remote topic → partition → offset */
type GroupOffsets = Map<string, Map<number, number>>;

interface Wanted {
  readonly offsets: GroupOffsets;
  /** Committed partitions the mirror has not reached yet. */
  readonly waiting: number;
}

export interface GroupSyncSummary {
  readonly groups: number;
  readonly synced: number;
  /** Groups with offsets still to write (or waiting for the mirror). */
  readonly pending: readonly string[];
  /** Groups with members on the remote cluster: left alone. */
  readonly activeOnRemote: readonly string[];
  readonly lastError: string | null;
}

export interface GroupSyncContext {
  readonly store: OffsetStore;
  readonly logger: Logger;
  mirrorOf(topic: string, partition: number): PartitionMirror | undefined;
  remote(): RemoteCluster | null;
  offsetsWritten(count: number): void;
}

export class GroupOffsetSync {
  /** What the remote is known to hold per group (written, or the remote was already ahead). */
  private readonly synced = new Map<string, GroupOffsets>();
  private readonly active = new Set<string>();
  private lastError: string | null = null;

  constructor(private readonly context: GroupSyncContext) {}

  /** One round (see the file comment); throws a RemoteError when the remote cannot be reached. */
  async round(): Promise<void> {
    const remote = this.context.remote();
    if (remote === null) return;
    const candidates: Array<[string, Wanted]> = [];
    for (const groupId of this.context.store.groupIds()) {
      const wanted = this.wanted(groupId);
      if (wanted.offsets.size > 0 && !sameOffsets(wanted.offsets, this.synced.get(groupId))) candidates.push([groupId, wanted]);
      if (candidates.length >= GROUPS_PER_ROUND) break;
    }
    if (candidates.length === 0) return;
    const states = await remote.groupStates(candidates.map(([groupId]) => groupId));
    for (const [groupId, wanted] of candidates) {
      if (INACTIVE_STATES.has(states.get(groupId) ?? 'Dead')) await this.syncGroup(remote, groupId, wanted.offsets);
      else this.leaveToRemote(groupId, wanted.offsets);
    }
  }

  summary(): GroupSyncSummary {
    const pending: string[] = [];
    const activeOnRemote: string[] = [];
    let groups = 0;
    for (const groupId of this.context.store.groupIds()) {
      const wanted = this.wanted(groupId);
      if (wanted.offsets.size === 0 && wanted.waiting === 0) continue;
      groups++;
      if (this.active.has(groupId)) activeOnRemote.push(groupId);
      else if (wanted.waiting > 0 || !sameOffsets(wanted.offsets, this.synced.get(groupId))) pending.push(groupId);
    }
    return { groups, synced: groups - pending.length - activeOnRemote.length, pending, activeOnRemote, lastError: this.lastError };
  }

  private wanted(groupId: string): Wanted {
    const offsets: GroupOffsets = new Map();
    let waiting = 0;
    for (const { topic, partition, committed } of this.context.store.list(groupId)) {
      const mirror = this.context.mirrorOf(topic, partition);
      if (mirror === undefined) continue;
      const translated = mirror.map.translate(committed.offset, mirror.log.logStartOffset);
      if (translated === null) {
        waiting++;
        continue;
      }
      const partitions = offsets.get(mirror.remoteTopic) ?? new Map<number, number>();
      partitions.set(partition, translated);
      offsets.set(mirror.remoteTopic, partitions);
    }
    return { offsets, waiting };
  }

  private async syncGroup(remote: RemoteCluster, groupId: string, wanted: GroupOffsets): Promise<void> {
    const partitionsByTopic = new Map([...wanted].map(([topic, partitions]) => [topic, [...partitions.keys()]]));
    const current = await remote.committedOffsets(groupId, partitionsByTopic);
    const ahead: GroupOffsets = new Map();
    let count = 0;
    for (const [topic, partitions] of wanted) {
      for (const [partition, offset] of partitions) {
        if (offset <= (current.get(`${topic}:${partition}`) ?? -1)) continue;
        const entry = ahead.get(topic) ?? new Map<number, number>();
        entry.set(partition, offset);
        ahead.set(topic, entry);
        count++;
      }
    }
    try {
      if (count > 0) await remote.commitOffsets(groupId, ahead);
    } catch (error) {
      if (error instanceof RemoteError && error.errorCode !== null && ACTIVE_GROUP_ERRORS.has(error.errorCode)) {
        this.leaveToRemote(groupId, wanted);
        return;
      }
      this.lastError = `group ${groupId}: ${(error as Error).message}`;
      throw error;
    }
    this.synced.set(groupId, wanted);
    this.active.delete(groupId);
    this.lastError = null;
    if (count > 0) this.context.offsetsWritten(count);
  }

  /** The group has members on the remote: its consumers have moved; their commits rule there. */
  private leaveToRemote(groupId: string, wanted: GroupOffsets): void {
    if (!this.active.has(groupId)) this.context.logger.log(`consumer group ${groupId} is active on the remote cluster: its offsets are no longer copied`);
    this.active.add(groupId);
    this.synced.set(groupId, wanted);
  }
}

function sameOffsets(a: GroupOffsets, b: GroupOffsets | undefined): boolean {
  if (b === undefined || a.size !== b.size) return false;
  for (const [topic, partitions] of a) {
    const other = b.get(topic);
    if (other === undefined || other.size !== partitions.size) return false;
    for (const [partition, offset] of partitions) if (other.get(partition) !== offset) return false;
  }
  return true;
}
