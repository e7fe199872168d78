/**
 * Per-group series, computed at scrape time from the coordinator, the committed offsets and
 * the partitions (nothing is counted on the commit path):
 * - blink_group_members{group,type} and blink_group_state{group,type,state} (1 for the
 *   group's state); `type` is Kafka's group type: "classic" (JoinGroup/SyncGroup) or
 *   "consumer" (KIP-848), so both kinds share every series;
 * - blink_group_committed_offset, blink_group_lag and blink_group_lag_seconds
 *   {group,topic,partition} for each committed partition. Lag is the log end offset (high
 *   watermark) minus the committed offset, never below 0: what `kafka-consumer-groups
 *   --describe` shows as LAG. Lag in seconds is the age of the oldest unconsumed record, from
 *   its timestamp (the batch's first timestamp inside a compressed batch); 0 when caught up.
 * Groups beyond metrics_max_entities are summed into group="__other__" (members and lag
 * summed, lag in seconds the largest, blink_group_state counts the groups per state) and
 * counted in blink_metrics_aggregated_groups; partitions of topics that have no series of
 * their own are summed into topic="__other__" of their group.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeGaugeProvider } from '../common/metric-providers.js';
import type { Gauge } from 'prom-client';
import { Clock } from '../common/clock.js';
import { type EntitySplit, OTHER_ENTITY, onScrape, splitEntities } from '../common/metric-entities.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { StorageProbe } from '../storage/storage.probe.js';
import { recordTimestamp } from '../storage/timestamp-index.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { GroupCoordinator } from './group-coordinator.js';
import { ModernGroupCoordinator } from './modern-coordinator.js';
import { OFFSET_STORE, type OffsetStore } from './offset-store.js';

const GROUP_PARTITION_LABELS = ['group', 'topic', 'partition'];

@Injectable()
export class GroupSeriesProbe implements OnModuleInit {
  /** Timestamps read from the WAL, per partition: the committed offset they are for. */
  private readonly coldTimestamps = new WeakMap<PartitionLog, { offset: number; timestamp: number }>();

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly coordinator: GroupCoordinator,
    private readonly modern: ModernGroupCoordinator,
    @Inject(OFFSET_STORE) private readonly offsets: OffsetStore,
    private readonly registry: TopicRegistry,
    private readonly storage: StorageProbe,
    private readonly clock: Clock,
    @InjectMetric('blink_group_members') private readonly members: Gauge<string>,
    @InjectMetric('blink_group_state') private readonly state: Gauge<string>,
    @InjectMetric('blink_group_committed_offset') private readonly committed: Gauge<string>,
    @InjectMetric('blink_group_lag') private readonly lag: Gauge<string>,
    @InjectMetric('blink_group_lag_seconds') private readonly lagSeconds: Gauge<string>,
    @InjectMetric('blink_metrics_aggregated_groups') private readonly aggregatedGroups: Gauge,
  ) {}

  onModuleInit(): void {
    onScrape(this.aggregatedGroups, (g) => g.set(this.groupSplit().other.length));
    onScrape(this.members, (g) => this.fillMembers(g));
    onScrape(this.state, (g) => this.fillState(g));
    onScrape(this.committed, (g) => {
      for (const row of this.partitionRows(this.groupSplit().own)) {
        if (row.topic !== OTHER_ENTITY) g.set(row.labels, row.committedOffset);
      }
    });
    onScrape(this.lag, (g) => this.fillLag(g));
    onScrape(this.lagSeconds, (g) => this.fillLagSeconds(g));
  }

  /** Every group the broker coordinates, of both kinds: classic, and consumer-protocol (KIP-848). */
  private groups(): GroupReading[] {
    const classic = this.coordinator.allGroups().map((group): GroupReading => ({ groupId: group.groupId, type: 'classic', state: group.state, members: group.size }));
    const modern = this.modern.allGroups().map((group): GroupReading => ({ groupId: group.groupId, type: 'consumer', state: group.state, members: group.size }));
    return [...classic, ...modern];
  }

  private groupSplit(): EntitySplit<GroupReading> {
    return splitEntities(this.groups(), this.config.metricsMaxEntities);
  }

  private fillMembers(gauge: Gauge<string>): void {
    const { own, other } = this.groupSplit();
    for (const group of own) gauge.set({ group: group.groupId, type: group.type }, group.members);
    if (other.length > 0) gauge.set({ group: OTHER_ENTITY, type: '' }, other.reduce((sum, group) => sum + group.members, 0));
  }

  private fillState(gauge: Gauge<string>): void {
    const { own, other } = this.groupSplit();
    for (const group of own) gauge.set({ group: group.groupId, type: group.type, state: group.state }, 1);
    for (const group of other) gauge.inc({ group: OTHER_ENTITY, type: '', state: group.state });
  }

  private fillLag(gauge: Gauge<string>): void {
    const { own, other } = this.groupSplit();
    for (const row of this.partitionRows(own)) gauge.inc(row.labels, row.lag);
    if (other.length === 0) return;
    let sum = 0;
    for (const row of this.partitionRows(other)) sum += row.lag;
    gauge.set({ group: OTHER_ENTITY, topic: '', partition: '' }, sum);
  }

  private async fillLagSeconds(gauge: Gauge<string>): Promise<void> {
    const { own, other } = this.groupSplit();
    const nowMs = this.clock.nowMs();
    let coldReads = COLD_TIMESTAMP_READS_PER_SCRAPE;
    const ageOf = async (row: PartitionRow): Promise<number | null> => {
      if (row.lag === 0) return 0;
      const timestamp = await this.oldestUnconsumedTimestamp(row, () => coldReads-- > 0);
      return timestamp === null ? null : Math.max(0, nowMs - timestamp) / 1000;
    };
    const keepLargest = (labels: Labels, seconds: number) => {
      const key = JSON.stringify(labels);
      if (seconds > (largest.get(key)?.seconds ?? -1)) largest.set(key, { labels, seconds });
    };
    const largest = new Map<string, { labels: Labels; seconds: number }>();
    for (const row of this.partitionRows(own)) {
      const seconds = await ageOf(row);
      if (seconds !== null) keepLargest(row.labels, seconds);
    }
    for (const row of this.partitionRows(other)) {
      const seconds = await ageOf(row);
      if (seconds !== null) keepLargest({ group: OTHER_ENTITY, topic: '', partition: '' }, seconds);
    }
    for (const { labels, seconds } of largest.values()) gauge.set(labels, seconds);
  }

  /** Each committed partition of `groups` that still exists, labelled (topics without series of their own as topic="__other__"). */
  private *partitionRows(groups: readonly GroupReading[]): IterableIterator<PartitionRow> {
    const ownTopics = new Set(this.storage.topicSplit().own.map((topic) => topic.name));
    for (const group of groups) {
      for (const { topic, partition, committed } of this.offsets.list(group.groupId)) {
        const log = this.registry.partition(topic, partition);
        if (log === undefined) continue;
        const labels = ownTopics.has(topic) ? { group: group.groupId, topic, partition: String(partition) } : { group: group.groupId, topic: OTHER_ENTITY, partition: '' };
        yield { labels, topic: labels.topic, log, committedOffset: committed.offset, lag: lagOf(log, committed.offset) };
      }
    }
  }

  /** Timestamp of the first record the group has not consumed: from memory, else one read of the WAL (cached per committed offset). */
  private async oldestUnconsumedTimestamp(row: PartitionRow, mayReadDisk: () => boolean): Promise<number | null> {
    const { log } = row;
    const offset = Math.max(row.committedOffset, log.logStartOffset);
    const inMemory = log.memoryBatchHolding(offset);
    if (inMemory !== undefined) return recordTimestamp(inMemory.buffer, offset);
    const cached = this.coldTimestamps.get(log);
    if (cached?.offset === offset) return cached.timestamp;
    if (log.cold === null || !mayReadDisk()) return null;
    const read = await log.cold.read(offset, 1, true).catch(() => null);
    const batch = read?.chunks[0];
    if (batch === undefined) return null;
    const timestamp = recordTimestamp(batch, offset);
    this.coldTimestamps.set(log, { offset, timestamp });
    return timestamp;
  }
}

/** A group as its series show it. */
interface GroupReading {
  readonly groupId: string;
  /** Kafka's group type (KIP-848): "classic" or "consumer". */
  readonly type: 'classic' | 'consumer';
  readonly state: string;
  readonly members: number;
}

type Labels = Record<'group' | 'topic' | 'partition', string>;

interface PartitionRow {
  readonly labels: Labels;
  readonly topic: string;
  readonly log: PartitionLog;
  readonly committedOffset: number;
  readonly lag: number;
}

/** WAL reads one scrape may make for lag in seconds (each cached until the group commits again). */
const COLD_TIMESTAMP_READS_PER_SCRAPE = 100;

/**
 * Records between the committed offset and the end a consumer can read: the high watermark.
 * Transactions (read_committed consumers) measure lag to the last stable offset instead: that
 * series (blink_group_lso_lag) belongs beside this one.
 */
function lagOf(log: PartitionLog, committedOffset: number): number {
  return Math.max(0, log.highWatermark - committedOffset);
}

/** The group series, for the groups module's providers. */
export const groupSeriesMetricProviders = [
  makeGaugeProvider({ name: 'blink_group_members', help: 'Members of the group', labelNames: ['group', 'type'] }),
  makeGaugeProvider({ name: 'blink_group_state', help: 'The group\'s state (1; for group="__other__": groups in that state)', labelNames: ['group', 'type', 'state'] }),
  makeGaugeProvider({ name: 'blink_group_committed_offset', help: 'Offset the group committed for the partition', labelNames: GROUP_PARTITION_LABELS }),
  makeGaugeProvider({ name: 'blink_group_lag', help: 'Records between the committed offset and the log end offset (kafka-consumer-groups LAG)', labelNames: GROUP_PARTITION_LABELS }),
  makeGaugeProvider({ name: 'blink_group_lag_seconds', help: 'Age of the oldest record the group has not consumed, from record timestamps (0 when caught up)', labelNames: GROUP_PARTITION_LABELS }),
  makeGaugeProvider({ name: 'blink_metrics_aggregated_groups', help: `Consumer groups beyond metrics_max_entities, summed into group="${OTHER_ENTITY}"` }),
];
