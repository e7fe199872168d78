/**
 * Topics and their partitions; the only place topics are created, changed and deleted.
 * Every partition is built whole, with its cold tier from the ColdTierFactory (the WAL) and,
 * after a restart, the offsets the WAL recovered. Each change is announced on TopicEvents;
 * `whenPersisted` waits until the last change to a topic is durable.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { ColdTierFactory, type ColdTierState } from './cold-tier.js';
import { MemoryAccountant } from './memory-accountant.js';
import { PartitionLog } from './partition-log.js';
import { ProducerStateTable } from './producer-state.js';
import { defaultTopicConfigs, topicConfigDefaultsOf } from './topic-config.js';
import { TopicEvents } from './topic-events.js';

export interface Topic {
  readonly name: string;
  /** Stable, non-zero id (Metadata v10+): some clients key their state by it; kept across restarts in durable mode. */
  readonly id: string;
  readonly partitions: PartitionLog[];
  readonly configs: Map<string, string>;
  /** Names of the configs set explicitly (DescribeConfigs reports their source). */
  readonly overrides: Set<string>;
}

/** Kafka's rule: 1-249 characters of [a-zA-Z0-9._-], and not "." or "..". */
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
export const MAX_PARTITIONS_PER_TOPIC = 10_000;

export function topicNameProblem(name: string | null): string | null {
  if (name === null || name === '') return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name '${name}' is not allowed`;
  if (!LEGAL_TOPIC_NAME.test(name)) {
    return `topic name '${name}' is illegal: use at most 249 characters of [a-zA-Z0-9._-]`;
  }
  return null;
}

/** A topic as saved and restored by the WAL (durable mode). */
export interface TopicDescription {
  readonly name: string;
  readonly id: string;
  readonly partitionCount: number;
  readonly overrides: ReadonlyMap<string, string>;
}

/** The topic as saved (durable mode), with `partitionCount` partitions. */
export function describeTopic(topic: Topic, partitionCount = topic.partitions.length): TopicDescription {
  const overrides = new Map([...topic.overrides].map((key) => [key, topic.configs.get(key) ?? '']));
  return { name: topic.name, id: topic.id, partitionCount, overrides };
}

@Injectable()
export class TopicRegistry {
  private readonly topics = new Map<string, Topic>();
  /** The same topics by id: Fetch v13+ and DeleteTopics v6 name topics by id on every request. */
  private readonly topicsById = new Map<string, Topic>();
  private readonly persisting = new Map<string, Promise<void>>();

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly accountant: MemoryAccountant,
    private readonly events: TopicEvents,
    @Optional() @Inject(ColdTierFactory) private readonly coldTiers: ColdTierFactory | null = null,
  ) {}

  /** Settles once the last change to topic `name` is durable (at once without a durable WAL). */
  whenPersisted(name: string): Promise<void> {
    return this.persisting.get(name) ?? Promise.resolve();
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  getById(id: string): Topic | undefined {
    return this.topicsById.get(id);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  all(): IterableIterator<Topic> {
    return this.topics.values();
  }

  get defaultPartitions(): number {
    return this.config.defaultNumPartitions;
  }

  /** Creates the topic; the caller has validated the name, count and configs. */
  create(name: string, partitionCount: number, overrides: ReadonlyMap<string, string> = new Map()): Topic {
    if (this.topics.has(name)) throw new Error(`topic ${name} already exists`);
    const topic = this.topicFrom({ name, id: randomUUID(), partitionCount: 0, overrides });
    this.register(topic);
    this.addPartitions(topic, partitionCount);
    return topic;
  }

  /**
   * Recovery: the topic as it was saved, its partitions as the cold tier finds them on disk.
   * Listeners are not told (nothing changed); the topic is visible once every partition is back.
   */
  async restore(description: TopicDescription): Promise<Topic> {
    if (this.topics.has(description.name)) throw new Error(`topic ${description.name} already exists`);
    const topic = this.topicFrom(description);
    const producers = Array.from({ length: description.partitionCount }, () => new ProducerStateTable());
    const recovered = this.coldTiers === null ? [] : await this.coldTiers.recoverPartitions(topic, producers);
    producers.forEach((table, p) => topic.partitions.push(this.newPartition(topic, p, table, recovered[p] ?? null)));
    if (this.topics.has(description.name)) throw new Error(`topic ${description.name} was created while it was being restored`);
    this.register(topic);
    return topic;
  }

  /** Auto-creation (Metadata, Produce) when the settings allow it and the name is legal. */
  getOrAutoCreate(name: string, allowed: boolean): Topic | undefined {
    const existing = this.topics.get(name);
    if (existing !== undefined || !allowed || !this.config.autoCreateTopics) return existing;
    if (topicNameProblem(name) !== null) return undefined;
    return this.create(name, this.config.defaultNumPartitions);
  }

  addPartitions(topic: Topic, newTotal: number): void {
    const firstNew = topic.partitions.length;
    if (newTotal <= firstNew) return;
    const producers = Array.from({ length: newTotal - firstNew }, () => new ProducerStateTable());
    const opened = this.coldTiers?.openPartitions(topic, firstNew, producers);
    producers.forEach((table, i) => {
      const cold = opened?.tiers[i];
      topic.partitions.push(this.newPartition(topic, firstNew + i, table, cold === undefined ? null : { cold, logStartOffset: 0, highWatermark: 0 }));
    });
    this.track(topic.name, opened?.persisted);
    this.track(topic.name, this.events.partitionsAdded(topic, firstNew));
  }

  /** Replaces the topic's overrides (validated by the caller); unset configs fall back to their defaults. */
  replaceOverrides(topic: Topic, overrides: ReadonlyMap<string, string>): void {
    const defaults = this.defaultConfigs();
    topic.configs.clear();
    for (const [key, value] of defaults) topic.configs.set(key, overrides.get(key) ?? value);
    topic.overrides.clear();
    for (const key of overrides.keys()) topic.overrides.add(key);
    this.track(topic.name, this.events.configsChanged(topic));
  }

  delete(name: string): boolean {
    const topic = this.topics.get(name);
    if (topic === undefined) return false;
    this.topics.delete(name);
    this.topicsById.delete(topic.id);
    for (const partition of topic.partitions) partition.deleteData();
    this.track(name, this.events.topicDeleted(topic));
    return true;
  }

  /** A partition built whole: on its cold tier (where it stands on disk), or in memory only without a factory. */
  private newPartition(topic: Topic, partition: number, producers: ProducerStateTable, tier: ColdTierState | null): PartitionLog {
    const durable = tier !== null && (this.coldTiers?.durable ?? false);
    const start = tier ?? { cold: null, logStartOffset: 0, highWatermark: 0 };
    return new PartitionLog(topic.name, partition, this.accountant, { ...start, durable, producers });
  }

  private register(topic: Topic): void {
    this.topics.set(topic.name, topic);
    this.topicsById.set(topic.id, topic);
  }

  /** A topic object with no partitions yet, not registered. */
  private topicFrom(description: TopicDescription): Topic {
    const configs = this.defaultConfigs();
    for (const [key, value] of description.overrides) configs.set(key, value);
    return { name: description.name, id: description.id, partitions: [], configs, overrides: new Set(description.overrides.keys()) };
  }

  private defaultConfigs(): Map<string, string> {
    return defaultTopicConfigs(topicConfigDefaultsOf(this.config));
  }

  /** Chains the persistence of changes to one topic name, so `whenPersisted` waits for the last one. */
  private track(name: string, persisted: Promise<void> | void): void {
    if (persisted === undefined) return;
    persisted.catch(() => undefined);
    const previous = this.persisting.get(name) ?? Promise.resolve();
    const chained = previous.then(
      () => persisted,
      () => persisted,
    );
    this.persisting.set(name, chained);
    const forget = (): void => {
      if (this.persisting.get(name) === chained) this.persisting.delete(name);
    };
    chained.then(forget, forget);
  }
}
