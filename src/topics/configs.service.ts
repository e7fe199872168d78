/**
 * Configs as Kafka's DescribeConfigs, AlterConfigs and IncrementalAlterConfigs see them, and
 * as the REST topic description lists them: a topic's configs (each one set on the topic or
 * the default) and this broker's (its settings, read-only).
 * Only topics can be altered, with values checked as CreateTopics checks them:
 * - replacing (AlterConfigs): the overrides become exactly the configs named; one not named
 *   (or named with a null value) returns to its default, as Kafka's legacy API does;
 * - incrementally (IncrementalAlterConfigs): SET, DELETE (back to the default), APPEND and
 *   SUBTRACT for list configs (cleanup.policy); a config named twice is INVALID_REQUEST.
 * Broker configs are Blink's settings, fixed at boot (INVALID_REQUEST). validate_only checks
 * and changes nothing. Changes apply from the next retention sweep, segment roll or produce;
 * in durable mode the answer waits until the topic metadata is on disk (else KAFKA_STORAGE_ERROR).
 */
import { Inject, Injectable } from '@nestjs/common';
import { ClusterIdentity } from '../cluster/cluster-identity.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { isKnownTopicConfig, isListConfig, topicConfigType, validateTopicConfig, type ConfigType } from '../storage/topic-config.js';
import { TopicRegistry, type Topic } from '../storage/topic-registry.js';
import { ErrorCode } from '../wire/error-codes.js';
import { isRefusal, refusal, type Refusal } from './refusal.js';

/** Kafka's ConfigResource.Type values of the resources Blink knows. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType). */
export const AlterOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** Where a config's value comes from: set on the topic, the default, or the broker's settings. */
export type ConfigSource = 'topic' | 'default' | 'broker';

export interface ConfigEntry {
  readonly name: string;
  readonly value: string;
  readonly source: ConfigSource;
  readonly type: ConfigType;
}

export interface ConfigChange {
  readonly name: string;
  readonly value: string | null;
}

export interface IncrementalConfigChange extends ConfigChange {
  readonly operation: number;
}

/** A resource named by a request, as Kafka names it. */
export interface ConfigResource {
  readonly resourceType: number;
  readonly resourceName: string;
}

/** The topic's configs, each with its source. */
export function topicConfigEntries(topic: Topic): ConfigEntry[] {
  return [...topic.configs].map(([name, value]) => ({ name, value, source: topic.overrides.has(name) ? 'topic' : 'default', type: topicConfigType(name) }));
}

@Injectable()
export class ConfigsService {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly cluster: ClusterIdentity,
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
  ) {}

  /** DescribeConfigs: the resource's configs (only `keys` when not null). */
  describe(resource: ConfigResource, keys: readonly string[] | null): ConfigEntry[] | Refusal {
    const entries = this.entries(resource);
    if (isRefusal(entries)) return entries;
    const wanted = keys === null ? null : new Set(keys);
    return entries.filter(({ name }) => wanted === null || wanted.has(name));
  }

  /** AlterConfigs: the topic's overrides become exactly `changes` (null values left out). */
  replace(resource: ConfigResource, changes: readonly ConfigChange[], validateOnly: boolean): Promise<Refusal | null> {
    return this.alter(resource, validateOnly, () => this.replacement(changes));
  }

  /** IncrementalAlterConfigs: each change applied to the topic's current overrides. */
  increment(resource: ConfigResource, changes: readonly IncrementalConfigChange[], validateOnly: boolean): Promise<Refusal | null> {
    return this.alter(resource, validateOnly, (topic) => this.incremented(topic, changes));
  }

  private entries(resource: ConfigResource): ConfigEntry[] | Refusal {
    if (resource.resourceType === ConfigResourceType.TOPIC) {
      const topic = this.topics.get(resource.resourceName);
      if (topic === undefined) return refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${resource.resourceName}' does not exist`, { missing: 'topic' });
      return topicConfigEntries(topic);
    }
    if (resource.resourceType === ConfigResourceType.BROKER) {
      if (resource.resourceName !== '' && resource.resourceName !== String(this.cluster.nodeId)) {
        return refusal(ErrorCode.INVALID_REQUEST, `broker '${resource.resourceName}' does not exist; this is broker ${this.cluster.nodeId}`);
      }
      return this.brokerEntries();
    }
    return refusal(ErrorCode.INVALID_REQUEST, `resource type ${resource.resourceType} is not supported (2 = topic, 4 = broker)`);
  }

  private brokerEntries(): ConfigEntry[] {
    const settings: Array<[string, unknown]> = [
      ['log.retention.ms', this.config.retentionMs],
      ['message.max.bytes', this.config.messageMaxBytes],
      ['num.partitions', this.config.defaultNumPartitions],
      ['auto.create.topics.enable', this.config.autoCreateTopics],
      ['log.cleanup.policy', this.config.logCleanupPolicy],
      ['log.cleaner.min.cleanable.ratio', this.config.logCleanerMinCleanableRatio],
      ['log.cleaner.backoff.ms', this.config.logCleanerBackoffMs],
    ];
    return settings.map(([name, value]) => ({ name, value: String(value), source: 'broker', type: topicConfigType(name) }));
  }

  private async alter(resource: ConfigResource, validateOnly: boolean, plan: (topic: Topic) => Map<string, string> | Refusal): Promise<Refusal | null> {
    const topic = this.alterableTopic(resource);
    if (isRefusal(topic)) return topic;
    const overrides = plan(topic);
    if (isRefusal(overrides)) return overrides;
    if (validateOnly) return null;
    this.topics.replaceOverrides(topic, overrides);
    try {
      await this.topics.whenPersisted(topic.name);
      return null;
    } catch (error) {
      return refusal(ErrorCode.KAFKA_STORAGE_ERROR, `topic configs could not be saved: ${(error as Error).message}`);
    }
  }

  private alterableTopic({ resourceType, resourceName }: ConfigResource): Topic | Refusal {
    if (resourceType === ConfigResourceType.BROKER) {
      return refusal(ErrorCode.INVALID_REQUEST, 'broker configs are Blink settings (settings.yaml, environment), fixed at boot');
    }
    if (resourceType !== ConfigResourceType.TOPIC) {
      return refusal(ErrorCode.INVALID_REQUEST, `resource type ${resourceType} cannot be altered (2 = topic)`);
    }
    return this.topics.get(resourceName) ?? refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${resourceName}' does not exist`, { missing: 'topic' });
  }

  private replacement(changes: readonly ConfigChange[]): Map<string, string> | Refusal {
    const overrides = new Map<string, string>();
    for (const { name, value } of changes) {
      if (value === null) continue;
      const problem = validateTopicConfig(name, value);
      if (problem !== null) return refusal(ErrorCode.INVALID_CONFIG, problem);
      overrides.set(name, value);
    }
    return overrides;
  }

  private incremented(topic: Topic, changes: readonly IncrementalConfigChange[]): Map<string, string> | Refusal {
    const overrides = new Map([...topic.overrides].map((name) => [name, topic.configs.get(name) ?? '']));
    const named = new Set<string>();
    for (const { name, operation, value } of changes) {
      if (named.has(name)) return refusal(ErrorCode.INVALID_REQUEST, `config '${name}' is named more than once`);
      named.add(name);
      const next = this.applyOperation(topic, name, operation, value);
      if (next !== null && typeof next !== 'string') return next;
      if (next === null) {
        overrides.delete(name);
        continue;
      }
      const problem = validateTopicConfig(name, next);
      if (problem !== null) return refusal(ErrorCode.INVALID_CONFIG, problem);
      overrides.set(name, next);
    }
    return overrides;
  }

  /** The config's new value, null to return it to its default, or a refusal. */
  private applyOperation(topic: Topic, name: string, operation: number, value: string | null): string | null | Refusal {
    switch (operation) {
      case AlterOperation.SET:
        return value ?? '';
      case AlterOperation.DELETE:
        return isKnownTopicConfig(name) ? null : refusal(ErrorCode.INVALID_CONFIG, `unknown topic config '${name}'`);
      case AlterOperation.APPEND:
      case AlterOperation.SUBTRACT: {
        if (!isListConfig(name)) {
          return refusal(ErrorCode.INVALID_CONFIG, `config '${name}' is not a list: APPEND and SUBTRACT apply to list configs only`);
        }
        const current = (topic.configs.get(name) ?? '').split(',').filter((item) => item !== '');
        const items = (value ?? '').split(',').filter((item) => item !== '');
        const result = operation === AlterOperation.APPEND ? [...current, ...items.filter((item) => !current.includes(item))] : current.filter((item) => !items.includes(item));
        return result.join(',');
      }
      default:
        return refusal(ErrorCode.INVALID_REQUEST, `unknown config operation ${operation} (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`);
    }
  }
}
