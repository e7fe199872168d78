/**
 * Topic administration, once for both faces (Kafka CreateTopics, DeleteTopics by name or id,
 * CreatePartitions, DeleteRecords, Metadata look-ups; the REST topic routes): legal names,
 * existence, partition counts and ranges, topic configs checked against the ones Blink
 * knows, and, in durable mode, the answer waits until the topic metadata is on disk
 * (TopicRegistry.whenPersisted; a failed write is KAFKA_STORAGE_ERROR).
 * Every method answers with what it did or a Refusal carrying the Kafka error code.
 */
import { Inject, Injectable } from '@nestjs/common';
import { ClusterIdentity } from '../cluster/cluster-identity.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { RetentionService } from '../retention/retention.service.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { validateTopicConfig } from '../storage/topic-config.js';
import { MAX_PARTITIONS_PER_TOPIC, topicNameProblem, TopicRegistry, type Topic } from '../storage/topic-registry.js';
import { ErrorCode } from '../wire/error-codes.js';
import { isRefusal, refusal, type Refusal } from './refusal.js';
import { planDeletion, type TopicDeletion, type TopicReference } from './topic-deletion.js';

/** DeleteRecords' offset meaning "up to the high watermark" (Kafka's DeleteRecordsRequest.HIGH_WATERMARK). */
export const DELETE_UP_TO_HIGH_WATERMARK = -1;

/** A topic to create, as CreateTopics or the REST route asks for it. */
export interface TopicSpec {
  readonly name: string;
  /** -1: the `kafka_cfg_num_partitions` setting; must be -1 when `assignments` lists the partitions. */
  readonly partitionCount: number;
  /** -1 (the broker default) or 1: there is one broker; must be -1 with `assignments`. */
  readonly replicationFactor: number;
  /** The brokers of each partition, when the request assigns them (CreateTopics); empty otherwise. */
  readonly assignments: readonly ReplicaAssignment[];
  /** Config overrides; values must be strings (Kafka's null is refused as an invalid value). */
  readonly configs: ReadonlyArray<readonly [string, unknown]>;
}

/** One partition's replicas, as CreateTopics assigns them by hand. */
export interface ReplicaAssignment {
  readonly partitionIndex: number;
  readonly brokerIds: readonly number[];
}

export interface CreatedTopic {
  readonly partitionCount: number;
  /** The topic, or null when the request only validated. */
  readonly topic: Topic | null;
}

export interface DeletedRecords {
  /** The log start offset after the deletion (Kafka's low_watermark). */
  readonly lowWatermark: number;
  /** Records that became unreadable. */
  readonly purgedRecords: number;
}

@Injectable()
export class TopicsService {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly retention: RetentionService,
    private readonly cluster: ClusterIdentity,
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
  ) {}

  /** Every topic, in creation order. */
  all(): Topic[] {
    return [...this.topics.all()];
  }

  find(name: string): Topic | Refusal {
    return this.topics.get(name) ?? refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`, { missing: 'topic' });
  }

  partitionOf(topic: Topic, partition: number): PartitionLog | Refusal {
    const log = Number.isInteger(partition) ? topic.partitions[partition] : undefined;
    if (log !== undefined) return log;
    const count = topic.partitions.length;
    return refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${topic.name}' has ${count} partition(s), numbered 0..${count - 1}: partition ${partition} does not exist`, {
      missing: 'partition',
    });
  }

  findPartition(name: string, partition: number): PartitionLog | Refusal {
    const topic = this.find(name);
    return isRefusal(topic) ? topic : this.partitionOf(topic, partition);
  }

  /**
   * The topic, auto-created when `allowAutoCreate` and the `auto_create_topics` setting both
   * allow it (Metadata v4+ asks; Produce and REST produce always allow). An illegal name is
   * INVALID_TOPIC_EXCEPTION, and so is a name that would be auto-created colliding with an
   * existing topic ('.' versus '_'), as Kafka's auto-creation through CreateTopics refuses it.
   */
  resolve(name: string, allowAutoCreate: boolean): Topic | Refusal {
    const collision = allowAutoCreate && this.config.autoCreateTopics && this.topics.get(name) === undefined ? this.collisionProblem(name) : null;
    if (collision !== null) return collision;
    const topic = this.topics.getOrAutoCreate(name, allowAutoCreate);
    if (topic !== undefined) return topic;
    const nameProblem = topicNameProblem(name);
    if (nameProblem !== null) return refusal(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    const why = allowAutoCreate && !this.config.autoCreateTopics ? ' (auto_create_topics is off)' : '';
    return refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist${why}`, { missing: 'topic' });
  }

  findById(topicId: string): Topic | Refusal {
    return this.topics.getById(topicId) ?? refusal(ErrorCode.UNKNOWN_TOPIC_ID, `no topic has id ${topicId}`);
  }

  /** A partition of the topic with id `topicId` (Fetch v13+): UNKNOWN_TOPIC_ID when no topic has it. */
  findPartitionById(topicId: string, partition: number): PartitionLog | Refusal {
    const topic = this.findById(topicId);
    return isRefusal(topic) ? topic : this.partitionOf(topic, partition);
  }

  async create(spec: TopicSpec, validateOnly: boolean): Promise<CreatedTopic | Refusal> {
    const partitionCount = spec.assignments.length > 0 ? spec.assignments.length : spec.partitionCount === -1 ? this.topics.defaultPartitions : spec.partitionCount;
    const problem = this.creationProblem(spec, partitionCount) ?? configsProblem(spec.configs);
    if (problem !== null) return problem;
    if (validateOnly) return { partitionCount, topic: null };
    const overrides = new Map(spec.configs.map(([name, value]) => [name, value as string]));
    const topic = this.topics.create(spec.name, partitionCount, overrides);
    return (await this.persisted(topic.name)) ?? { partitionCount, topic };
  }

  /** Resolves null once the topic and its data are gone (and, in durable mode, that is on disk). */
  async delete(name: string): Promise<Refusal | null> {
    const topic = this.find(name);
    if (isRefusal(topic)) return topic;
    this.topics.delete(name);
    return this.persisted(name);
  }

  /**
   * DeleteTopics: one answer per distinct reference, by name or by id (topic-deletion.ts);
   * the topics found go with their data, each answered once its deletion is done.
   */
  async deleteTopics(references: readonly TopicReference[]): Promise<TopicDeletion[]> {
    const plans = planDeletion(references, { byName: (name) => this.topics.get(name), byId: (id) => this.topics.getById(id) });
    const answers = plans.map(async (plan): Promise<TopicDeletion> => {
      if ('refused' in plan) return plan.refused;
      const { name, id } = plan.topic;
      const refused = await this.delete(name);
      return { name, id, errorCode: refused?.errorCode ?? ErrorCode.NONE, errorMessage: refused?.errorMessage ?? null };
    });
    return Promise.all(answers);
  }

  /**
   * CreatePartitions: the count only grows, up to MAX_PARTITIONS_PER_TOPIC; `assignments`
   * (null: none given) must name one replica list per new partition, as Kafka checks them.
   */
  async createPartitions(name: string, count: number, validateOnly: boolean, assignments: readonly (readonly number[])[] | null = null): Promise<Topic | Refusal> {
    const topic = this.find(name);
    if (isRefusal(topic)) return topic;
    if (count <= topic.partitions.length || count > MAX_PARTITIONS_PER_TOPIC) {
      return refusal(
        ErrorCode.INVALID_PARTITIONS,
        `topic '${name}' has ${topic.partitions.length} partitions; the new count must be larger and at most ${MAX_PARTITIONS_PER_TOPIC}, got ${count}`,
      );
    }
    const additional = count - topic.partitions.length;
    if (assignments !== null && assignments.length !== additional) {
      return refusal(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${additional} additional partition(s), but only ${assignments.length} assignment(s) were specified.`);
    }
    const assignmentProblem = (assignments ?? []).map((brokerIds) => this.replicaProblem(brokerIds)).find((p) => p !== null) ?? null;
    if (assignmentProblem !== null) return refusal(ErrorCode.INVALID_REPLICA_ASSIGNMENT, assignmentProblem);
    if (validateOnly) return topic;
    this.topics.addPartitions(topic, count);
    return (await this.persisted(name)) ?? topic;
  }

  /**
   * DeleteRecords: the log start offset moves to `offset` (DELETE_UP_TO_HIGH_WATERMARK: to
   * the high watermark) through the retention path. Beyond the high watermark, or negative,
   * is OFFSET_OUT_OF_RANGE, as in Kafka.
   */
  deleteRecords(log: PartitionLog, offset: number): DeletedRecords | Refusal {
    const target = offset === DELETE_UP_TO_HIGH_WATERMARK ? log.highWatermark : offset;
    if (target < 0 || target > log.highWatermark) {
      const where = target < 0 ? 'is negative' : `is beyond the high watermark ${log.highWatermark}`;
      return refusal(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} ${where} of ${log.topic}-${log.partition}`);
    }
    const before = log.logStartOffset;
    this.retention.deleteRecordsBefore(log, target);
    return { lowWatermark: log.logStartOffset, purgedRecords: log.logStartOffset - before };
  }

  /** The rules of CreateTopics up to the configs, in Kafka 3.9's order (ReplicationControlManager); null when they pass. */
  private creationProblem(spec: TopicSpec, partitionCount: number): Refusal | null {
    const nameProblem = topicNameProblem(spec.name);
    if (nameProblem !== null) return refusal(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    if (this.topics.get(spec.name) !== undefined) return refusal(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    const collision = this.collisionProblem(spec.name);
    if (collision !== null) return collision;
    if (spec.assignments.length > 0) return this.assignmentsProblem(spec);
    if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > MAX_PARTITIONS_PER_TOPIC) {
      return refusal(ErrorCode.INVALID_PARTITIONS, `number of partitions must be 1..${MAX_PARTITIONS_PER_TOPIC}, got ${partitionCount}`);
    }
    if (spec.replicationFactor !== -1 && spec.replicationFactor !== 1) {
      return refusal(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${spec.replicationFactor} larger than available brokers: 1.`);
    }
    return null;
  }

  /**
   * Kafka's Topic.unifyCollisionChars: '.' and '_' collide (metric names use one for the
   * other), so no topic may be created whose name differs from an existing one only there.
   */
  private collisionProblem(name: string): Refusal | null {
    if (!/[._]/.test(name)) return null;
    const unified = name.replaceAll('.', '_');
    for (const topic of this.topics.all()) {
      if (topic.name !== name && topic.name.replaceAll('.', '_') === unified) {
        return refusal(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${topic.name}`);
      }
    }
    return null;
  }

  /** A manual assignment: replication factor and partition count left to it (-1), one replica list per partition 0..n-1. */
  private assignmentsProblem(spec: TopicSpec): Refusal | null {
    if (spec.replicationFactor !== -1) {
      return refusal(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.');
    }
    if (spec.partitionCount !== -1) {
      return refusal(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.');
    }
    const seen = new Set<number>();
    for (const { partitionIndex, brokerIds } of spec.assignments) {
      if (seen.has(partitionIndex)) return refusal(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Found multiple manual partition assignments for partition ${partitionIndex}`);
      seen.add(partitionIndex);
      const problem = this.replicaProblem(brokerIds);
      if (problem !== null) return refusal(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    }
    for (let i = 0; i < spec.assignments.length; i++) {
      if (!seen.has(i)) return refusal(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence');
    }
    if (spec.assignments.length > MAX_PARTITIONS_PER_TOPIC) {
      return refusal(ErrorCode.INVALID_PARTITIONS, `number of partitions must be 1..${MAX_PARTITIONS_PER_TOPIC}, got ${spec.assignments.length}`);
    }
    return null;
  }

  /** Kafka's validateManualPartitionAssignment on one broker: exactly [this broker] (its replication factor, 1). */
  private replicaProblem(brokerIds: readonly number[]): string | null {
    if (brokerIds.length === 0) return 'The manual partition assignment includes an empty replica list.';
    const unknown = brokerIds.find((id) => id !== this.cluster.nodeId);
    if (unknown !== undefined) return `The manual partition assignment includes broker ${unknown}, but no such broker is registered.`;
    if (brokerIds.length > 1) return `The manual partition assignment includes the broker ${this.cluster.nodeId} more than once.`;
    return null;
  }

  /** Durable mode: null once the last change to topic `name` is on disk, KAFKA_STORAGE_ERROR if it could not be written. */
  private async persisted(name: string): Promise<Refusal | null> {
    try {
      await this.topics.whenPersisted(name);
      return null;
    } catch (error) {
      return refusal(ErrorCode.KAFKA_STORAGE_ERROR, `topic metadata of '${name}' could not be saved: ${(error as Error).message}`);
    }
  }
}

/** INVALID_CONFIG listing every config that is unknown or has an invalid value, or null. */
function configsProblem(configs: ReadonlyArray<readonly [string, unknown]>): Refusal | null {
  const problems: string[] = [];
  for (const [name, value] of configs) {
    const problem = typeof value === 'string' || value === null ? validateTopicConfig(name, value) : `topic config '${name}' must be given as a string`;
    if (problem !== null) problems.push(problem);
  }
  return problems.length === 0 ? null : refusal(ErrorCode.INVALID_CONFIG, problems.join('; '), { details: problems });
}
