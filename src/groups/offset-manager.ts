/**
 * Committed offsets as the Kafka APIs see them: OffsetCommit (with the coordinator's
 * generation and member checks), OffsetFetch, OffsetDelete, and the retention sweep.
 *
 * Retention (Kafka 2.1+, KIP-211): offsets of an Empty group expire OFFSETS_RETENTION_MS after
 * the group became Empty; offsets of a group that never had members (simple commits) expire
 * that long after their commit; in a Stable "consumer" group, offsets of topics nobody
 * subscribes to any more expire that long after their commit. An explicit retention time
 * (OffsetCommit v2-4) overrides these. Offsets of partitions that no longer exist go too,
 * and a deleted topic's go at once (Kafka's onPartitionsDeleted), so a topic created again
 * under that name starts without them.
 * Consumer-protocol (KIP-848) groups: a member commits with OffsetCommit v9+ and its member
 * epoch, and OffsetFetch v9 checks the member id and epoch it carries (ModernGroupCoordinator);
 * their offsets expire like those of a Stable classic "consumer" group, once no member
 * subscribes to the topic.
 * The sweep runs every OFFSETS_RETENTION_CHECK_INTERVAL_MS; its work is bounded by the
 * number of groups (MAX_GROUPS) times their committed partitions (which must exist).
 */
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ErrorCode } from '../wire/error-codes.js';
import { TopicEvents } from '../storage/topic-events.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { Clock, type Timer } from '../common/clock.js';
import type { ConsumerGroup } from './consumer-group.js';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.js';
import { GroupCoordinator, type MemberIdentity } from './group-coordinator.js';
import type { GroupClient } from './group-table.js';
import { OFFSET_METADATA_MAX_CHARS, OFFSETS_RETENTION_CHECK_INTERVAL_MS, OFFSETS_RETENTION_MS } from './group-limits.js';
import { GroupsProbe } from './groups.probe.js';
import type { ModernGroup } from './modern-group.js';
import { ModernGroupCoordinator, type OffsetMember } from './modern-coordinator.js';
import { type CommittedOffset, OFFSET_STORE, type OffsetStore } from './offset-store.js';

/** What the offset manager needs from the topic registry. */
export type PartitionLookup = Pick<TopicRegistry, 'partition'>;

export interface CommitParams extends MemberIdentity {
  /** OffsetCommit v2-4 retention_time_ms; -1 = the broker's retention. */
  readonly retentionTimeMs: number;
  /** The OffsetCommit version; absent for the broker's own commits (REST reset, always without a member): v8's rules. */
  readonly apiVersion?: number;
  /** Who commits (Kafka client id and host), held to MAX_GROUPS_PER_CLIENT when the commit creates a group; absent for the broker's own commits. */
  readonly client?: GroupClient;
  readonly topics: readonly CommittedTopic[];
}

/** One topic's offsets in an OffsetCommit or TxnOffsetCommit request. */
export interface CommittedTopic {
  readonly name: string;
  readonly partitions: readonly {
    readonly partitionIndex: number;
    readonly committedOffset: number;
    readonly committedLeaderEpoch: number;
    readonly committedMetadata: string | null;
  }[];
}

export interface PartitionError {
  readonly partitionIndex: number;
  readonly errorCode: number;
}

export interface TopicErrors {
  readonly name: string;
  readonly partitions: PartitionError[];
}

export interface FetchedPartition {
  readonly partitionIndex: number;
  /** -1 where nothing is committed (with error 0, as Kafka answers). */
  readonly committedOffset: number;
  readonly committedLeaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

export interface FetchedTopic {
  readonly name: string;
  readonly partitions: FetchedPartition[];
}

export interface OffsetDeleteResult {
  readonly errorCode: number;
  readonly topics: TopicErrors[];
}

const NOTHING_COMMITTED = { committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE } as const;

/** OffsetCommit v9: the first version of the consumer-protocol era (KIP-848). */
const FIRST_KIP848_COMMIT_VERSION = 9;
const LAST_CLASSIC_COMMIT_VERSION = 8;

/** Named rule: a consumer-protocol group's `committed` offset of `topic` has outlived its retention at `nowMs` (Kafka expires only topics no member subscribes to). */
export function isModernOffsetExpired(group: ModernGroup, topic: string, committed: CommittedOffset, nowMs: number): boolean {
  if (group.isSubscribedTo(topic)) return false;
  return isExpiredSince(committed, committed.commitTimestampMs, nowMs);
}

/** `committed` has outlived its retention counted from `baseMs` (or its explicit expiry, OffsetCommit v2-4). */
function isExpiredSince(committed: CommittedOffset, baseMs: number, nowMs: number): boolean {
  return committed.expireTimestampMs !== null ? nowMs >= committed.expireTimestampMs : nowMs - baseMs >= OFFSETS_RETENTION_MS;
}

/** Named rule: `committed` (of `topic` in `group`) has outlived its retention at `nowMs`. */
export function isOffsetExpired(group: ConsumerGroup, topic: string, committed: CommittedOffset, nowMs: number): boolean {
  const expiredSince = (baseMs: number) => isExpiredSince(committed, baseMs, nowMs);
  if (group.protocolType === null) return expiredSince(committed.commitTimestampMs);
  if (group.state === 'Empty') return expiredSince(group.stateTimestampMs);
  if (group.state === 'Stable' && group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribedTopics !== null) {
    return !group.subscribedTopics.has(topic) && expiredSince(committed.commitTimestampMs);
  }
  return false;
}

@Injectable()
export class OffsetManager implements OnModuleInit, OnApplicationShutdown {
  private sweepTimer: Timer | null = null;
  private stopped = false;

  constructor(
    private readonly coordinator: GroupCoordinator,
    @Inject(OFFSET_STORE) private readonly store: OffsetStore,
    private readonly clock: Clock,
    @Inject(TopicRegistry) private readonly topics: PartitionLookup,
    private readonly probe: GroupsProbe,
    events: TopicEvents,
    private readonly modern: ModernGroupCoordinator,
  ) {
    events.subscribe({ topicDeleted: (topic) => this.forgetTopic(topic.name) });
  }

  onModuleInit(): void {
    this.armSweep();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.sweepTimer?.cancel();
    this.sweepTimer = null;
  }

  /**
   * Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION; the others all get the
   * coordinator's verdict, or are stored. A commit naming no existing partition does not
   * reach the coordinator (so it creates no group), as in Kafka.
   */
  commit(params: CommitParams): TopicErrors[] {
    const exists = (topic: string, partition: number) => this.topics.partition(topic, partition) !== undefined;
    const touchesKnown = params.topics.some((t) => t.partitions.some((p) => exists(t.name, p.partitionIndex)));
    const groupError = touchesKnown ? this.authorizeCommit(params) : ErrorCode.NONE;
    const nowMs = this.clock.nowMs();
    const expireTimestampMs = params.retentionTimeMs >= 0 ? nowMs + params.retentionTimeMs : null;
    let stored = 0;
    const results = params.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p): PartitionError => {
        const partitionIndex = p.partitionIndex;
        if (!exists(topic.name, partitionIndex)) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        if (groupError !== ErrorCode.NONE) return { partitionIndex, errorCode: groupError };
        const metadata = p.committedMetadata ?? '';
        if (metadata.length > OFFSET_METADATA_MAX_CHARS) return { partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        this.store.commit(params.groupId, topic.name, partitionIndex, {
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata,
          commitTimestampMs: nowMs,
          expireTimestampMs,
        });
        stored += 1;
        return { partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    this.probe.offsetsCommitted(stored);
    // A simple commit may have created its group: one left without offsets does not stay.
    const group = stored === 0 ? this.coordinator.group(params.groupId) : undefined;
    if (group !== undefined) this.coordinator.removeGroupIfUnused(group);
    return results;
  }

  /**
   * A committed transaction's offsets (TxnOffsetCommit, checked when they were staged): stored
   * now without another membership check, as Kafka applies them when the COMMIT marker reaches
   * the offsets partition.
   */
  commitTransactional(groupId: string, offsets: readonly { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }[]): void {
    if (!this.modern.hasGroup(groupId) && this.coordinator.groupForOffsets(groupId) === null) return;
    const nowMs = this.clock.nowMs();
    let stored = 0;
    for (const o of offsets) {
      if (this.topics.partition(o.topic, o.partition) === undefined) continue;
      this.store.commit(groupId, o.topic, o.partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestampMs: nowMs, expireTimestampMs: null });
      stored += 1;
    }
    this.probe.offsetsCommitted(stored);
  }

  /**
   * Which coordinator judges a commit: the consumer-protocol one for its groups, else the
   * classic one (which creates a simple group for a commit without generation). From v9 a
   * member's commit for a group that does not exist is GROUP_ID_NOT_FOUND for either protocol
   * (Kafka 3.9); older versions keep ILLEGAL_GENERATION.
   */
  private authorizeCommit(params: CommitParams): number {
    const apiVersion = params.apiVersion ?? LAST_CLASSIC_COMMIT_VERSION;
    const member: OffsetMember = { groupId: params.groupId, memberId: params.memberId, memberEpoch: params.generationId };
    if (this.modern.hasGroup(params.groupId)) return this.modern.authorizeCommit(member, apiVersion);
    const unknown = this.coordinator.group(params.groupId) === undefined;
    if (unknown && params.generationId >= 0 && apiVersion >= FIRST_KIP848_COMMIT_VERSION) return ErrorCode.GROUP_ID_NOT_FOUND;
    return this.coordinator.authorizeCommit(params, params.client ?? null);
  }

  /**
   * TxnOffsetCommit's member check, by the coordinator of the group's protocol: a classic
   * group takes Kafka's looser transactional rule (GroupCoordinator.authorizeTxnCommit); a
   * consumer-protocol group (Kafka's validateTransactionalOffsetCommit) takes commits without
   * a member epoch only while it has no members, else from a current member with its epoch.
   */
  authorizeTxnCommit(identity: MemberIdentity, client: GroupClient | null): number {
    if (!this.modern.hasGroup(identity.groupId)) return this.coordinator.authorizeTxnCommit(identity, client);
    return this.modern.authorizeTxnCommit({ groupId: identity.groupId, memberId: identity.memberId, memberEpoch: identity.generationId });
  }

  /**
   * OffsetFetch v9's member check (KIP-848): a consumer-protocol member must name itself with
   * its current epoch (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH); classic groups ignore the fields.
   */
  authorizeFetch(member: OffsetMember): number {
    return this.modern.authorizeFetch(member);
  }

  /** OffsetFetch for one group, whatever its state (a group may use Kafka only to store offsets); null topics = all committed. */
  fetch(groupId: string, topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null): FetchedTopic[] {
    if (topics === null) return this.allCommitted(groupId);
    return topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => this.fetched(partitionIndex, this.store.get(groupId, topic.name, partitionIndex))),
    }));
  }

  /**
   * OffsetDelete: any offset of an Empty group; of an active "consumer" group only topics no
   * member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC); nothing of another active group.
   */
  deleteOffsets(
    groupId: string,
    topics: readonly { readonly name: string; readonly partitions: readonly { readonly partitionIndex: number }[] }[],
  ): OffsetDeleteResult {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const modern = this.modern.group(groupId);
    if (modern !== undefined) return this.deleteModernOffsets(modern, topics);
    const group = this.coordinator.group(groupId);
    if (group === undefined) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if (group.state !== 'Empty' && group.protocolType !== CONSUMER_PROTOCOL_TYPE) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const results = topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode: this.deleteOne(group, topic.name, partitionIndex) })),
    }));
    this.coordinator.removeGroupIfUnused(group);
    return { errorCode: ErrorCode.NONE, topics: results };
  }

  /** Removes expired offsets (and those of vanished partitions), then Empty groups left without any; returns how many offsets went. */
  sweep(): number {
    const nowMs = this.clock.nowMs();
    let removed = 0;
    for (const group of this.coordinator.allGroups()) {
      removed += this.expire(group.groupId, (topic, committed) => isOffsetExpired(group, topic, committed, nowMs));
      this.coordinator.removeGroupIfUnused(group);
    }
    for (const group of this.modern.allGroups()) {
      removed += this.expire(group.groupId, (topic, committed) => isModernOffsetExpired(group, topic, committed, nowMs));
      this.modern.removeGroupIfUnused(group);
    }
    for (const groupId of this.store.groupIds()) {
      // Offsets without a live group (restored from the journal after a restart) expire like a simple group's.
      if (this.coordinator.group(groupId) !== undefined || this.modern.hasGroup(groupId)) continue;
      removed += this.expire(groupId, (_, committed) => isExpiredSince(committed, committed.commitTimestampMs, nowMs));
    }
    this.probe.offsetsExpired(removed);
    return removed;
  }

  private expire(groupId: string, expired: (topic: string, committed: CommittedOffset) => boolean): number {
    let removed = 0;
    for (const { topic, partition, committed } of this.store.list(groupId)) {
      const gone = this.topics.partition(topic, partition) === undefined;
      if (!gone && !expired(topic, committed)) continue;
      this.store.delete(groupId, topic, partition);
      removed += 1;
    }
    return removed;
  }

  /** Deletes every group's offsets of topic `name`; groups left Empty without any go away. */
  private forgetTopic(name: string): void {
    for (const group of [...this.coordinator.allGroups(), ...this.modern.allGroups()]) {
      for (const { topic, partition } of this.store.list(group.groupId)) if (topic === name) this.store.delete(group.groupId, topic, partition);
    }
    for (const group of this.coordinator.allGroups()) this.coordinator.removeGroupIfUnused(group);
    for (const group of this.modern.allGroups()) this.modern.removeGroupIfUnused(group);
  }

  /** OffsetDelete for a consumer-protocol group: any offset while it is Empty, else only of topics no member subscribes to. */
  private deleteModernOffsets(
    group: ModernGroup,
    topics: readonly { readonly name: string; readonly partitions: readonly { readonly partitionIndex: number }[] }[],
  ): OffsetDeleteResult {
    const deleteOne = (topic: string, partition: number): number => {
      if (this.topics.partition(topic, partition) === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      if (group.isSubscribedTo(topic)) return ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
      this.store.delete(group.groupId, topic, partition);
      return ErrorCode.NONE;
    };
    const results = topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode: deleteOne(topic.name, partitionIndex) })),
    }));
    this.modern.removeGroupIfUnused(group);
    return { errorCode: ErrorCode.NONE, topics: results };
  }

  private deleteOne(group: ConsumerGroup, topic: string, partition: number): number {
    if (this.topics.partition(topic, partition) === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (group.state !== 'Empty' && group.isSubscribedTo(topic)) return ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
    this.store.delete(group.groupId, topic, partition);
    return ErrorCode.NONE;
  }

  private allCommitted(groupId: string): FetchedTopic[] {
    const byTopic = new Map<string, FetchedPartition[]>();
    for (const { topic, partition, committed } of this.store.list(groupId)) {
      let partitions = byTopic.get(topic);
      if (partitions === undefined) byTopic.set(topic, (partitions = []));
      partitions.push(this.fetched(partition, committed));
    }
    return [...byTopic].map(([name, partitions]) => ({ name, partitions }));
  }

  private fetched(partitionIndex: number, committed: CommittedOffset | undefined): FetchedPartition {
    if (committed === undefined) return { partitionIndex, ...NOTHING_COMMITTED };
    return {
      partitionIndex,
      committedOffset: committed.offset,
      committedLeaderEpoch: committed.leaderEpoch,
      metadata: committed.metadata,
      errorCode: ErrorCode.NONE,
    };
  }

  private armSweep(): void {
    if (this.stopped) return;
    this.sweepTimer = this.clock.schedule(OFFSETS_RETENTION_CHECK_INTERVAL_MS, () => {
      this.sweep();
      this.armSweep();
    });
  }
}
