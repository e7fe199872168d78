import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { MemoryAccountant } from './memory-accountant.js';
import { PartitionLog } from './partition-log.js';
import { defaultTopicConfigs } from './topic-config.js';

export interface Topic {
  readonly name: string;
  /** Stable, non-zero id (Metadata v10+): some clients key their state by it. */
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

/** Topics and their partitions; the only place topics are created and deleted. */
@Injectable()
export class TopicRegistry {
  private readonly topics = new Map<string, Topic>();

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly accountant: MemoryAccountant,
  ) {}

  get(name: string): Topic | undefined {
    return this.topics.get(name);
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
    const configs = defaultTopicConfigs({
      retentionMs: this.config.retentionMs,
      messageMaxBytes: this.config.messageMaxBytes,
    });
    for (const [key, value] of overrides) configs.set(key, value);
    const topic: Topic = {
      name,
      id: randomUUID(),
      partitions: [],
      configs,
      overrides: new Set(overrides.keys()),
    };
    this.topics.set(name, topic);
    this.addPartitions(topic, partitionCount);
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
    for (let p = topic.partitions.length; p < newTotal; p++) {
      topic.partitions.push(new PartitionLog(topic.name, p, this.accountant));
    }
  }

  delete(name: string): boolean {
    const topic = this.topics.get(name);
    if (topic === undefined) return false;
    this.topics.delete(name);
    for (const partition of topic.partitions) partition.close();
    return true;
  }
}
