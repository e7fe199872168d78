/**
 * CreateTopics (key 19) 0-5, DeleteTopics (key 20) 0-5, CreatePartitions (key 37) 0-3,
 * DescribeConfigs (key 32) 0-4: topic administration on the single node.
 * CreateTopics: legal names only (INVALID_TOPIC_EXCEPTION), TOPIC_ALREADY_EXISTS,
 * num_partitions -1 = the `kafka_cfg_num_partitions` setting, replication factor -1 or 1
 * (one broker), explicit assignments must name broker 1, configs checked against the topic
 * configs Blink knows (INVALID_CONFIG), validate_only honoured. v1+: error messages;
 * v5+: the created topic's partitions, replication factor and configs.
 * DeleteTopics by name (v6's topic ids are not served). CreatePartitions only grows.
 * DescribeConfigs: topics (resource type 2) and this broker (type 4).
 * Durable mode: CreateTopics, DeleteTopics and CreatePartitions answer once the topic
 * metadata is on disk (TopicRegistry.whenPersisted); if it cannot be written, that topic's
 * answer is KAFKA_STORAGE_ERROR.
 */
import { Controller, Inject } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../../config/settings.js';
import { topicConfigType, validateTopicConfig } from '../../storage/topic-config.js';
import { MAX_PARTITIONS_PER_TOPIC, topicNameProblem, TopicRegistry, type Topic } from '../../storage/topic-registry.js';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { ErrorCode, type ErrorCodeValue } from '../../wire/error-codes.js';
import {
  CreatePartitionsApi,
  type CreatePartitionsRequest,
  type CreatePartitionsResponse,
} from '../../wire/messages/37-create-partitions.js';
import {
  CreateTopicsApi,
  type CreateTopicsRequest,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult,
} from '../../wire/messages/19-create-topics.js';
import { DeleteTopicsApi, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../../wire/messages/20-delete-topics.js';
import {
  DescribeConfigsApi,
  type DescribeConfigsRequest,
  type DescribeConfigsRequestDescribeConfigsResource,
  type DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResult,
} from '../../wire/messages/32-describe-configs.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
/** DescribeConfigs config_source values. */
const SOURCE_TOPIC_CONFIG = 1;
const SOURCE_STATIC_BROKER_CONFIG = 4;
const SOURCE_DEFAULT_CONFIG = 5;

type Failure = { errorCode: ErrorCodeValue; errorMessage: string };

@Controller()
export class TopicsController {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly cluster: ClusterIdentity,
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
  ) {}

  @KafkaApi(CreateTopicsApi, { min: 0, max: 5 })
  async createTopics({ body }: KafkaRequest<CreateTopicsRequest>): Promise<CreateTopicsResponse> {
    const seen = new Set<string>();
    const duplicated = new Set(body.topics.filter((t) => seen.size === seen.add(t.name).size).map((t) => t.name));
    const results = body.topics.map((request) =>
      duplicated.has(request.name)
        ? { name: request.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `topic '${request.name}' appears more than once in the request` }
        : this.createTopic(request, body.validateOnly),
    );
    return { throttleTimeMs: 0, topics: await Promise.all(results.map((result) => this.persisted(result))) };
  }

  @KafkaApi(DeleteTopicsApi, { min: 0, max: 5 })
  async deleteTopics({ body }: KafkaRequest<DeleteTopicsRequest>): Promise<DeleteTopicsResponse> {
    const responses = body.topicNames.map((name) =>
      this.topics.delete(name)
        ? { name, errorCode: ErrorCode.NONE }
        : { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic '${name}' does not exist` },
    );
    return { throttleTimeMs: 0, responses: await Promise.all(responses.map((response) => this.persisted(response))) };
  }

  @KafkaApi(CreatePartitionsApi, { min: 0, max: 3 })
  async createPartitions({ body }: KafkaRequest<CreatePartitionsRequest>): Promise<CreatePartitionsResponse> {
    return {
      throttleTimeMs: 0,
      results: await Promise.all(body.topics.map(({ name, count }) => {
        const topic = this.topics.get(name);
        const failure = topic === undefined
          ? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic '${name}' does not exist` }
          : count <= topic.partitions.length || count > MAX_PARTITIONS_PER_TOPIC
            ? { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `topic '${name}' has ${topic.partitions.length} partitions; the new count must be larger and at most ${MAX_PARTITIONS_PER_TOPIC}, got ${count}` }
            : null;
        if (failure !== null) return { name, ...failure };
        if (!body.validateOnly) this.topics.addPartitions(topic!, count);
        return this.persisted({ name, errorCode: ErrorCode.NONE as ErrorCodeValue, errorMessage: null as string | null });
      })),
    };
  }

  /** Waits until the change to `result.name` is durable; a failed write turns a success into KAFKA_STORAGE_ERROR. */
  private async persisted<T extends { name?: string; errorCode?: number; errorMessage?: string | null }>(result: T): Promise<T> {
    if (result.errorCode !== ErrorCode.NONE || result.name === undefined) return result;
    try {
      await this.topics.whenPersisted(result.name);
      return result;
    } catch (error) {
      return { ...result, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `topic metadata could not be saved: ${(error as Error).message}` };
    }
  }

  @KafkaApi(DescribeConfigsApi, { min: 0, max: 4 })
  describeConfigs({ body }: KafkaRequest<DescribeConfigsRequest>): DescribeConfigsResponse {
    return { throttleTimeMs: 0, results: body.resources.map((resource) => this.describeResource(resource)) };
  }

  private createTopic(request: CreateTopicsRequestCreatableTopic, validateOnly: boolean): CreateTopicsResponseCreatableTopicResult {
    const partitionCount = request.assignments.length > 0 ? request.assignments.length : request.numPartitions === -1 ? this.topics.defaultPartitions : request.numPartitions;
    const overrides = new Map(request.configs.map((c) => [c.name, c.value ?? '']));
    const failure = this.creationProblem(request, partitionCount);
    if (failure !== null) return { name: request.name, ...failure };
    const configs = validateOnly ? null : this.topics.create(request.name, partitionCount, overrides).configs;
    return {
      name: request.name,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      numPartitions: partitionCount,
      replicationFactor: 1,
      configs: configs === null ? [] : [...configs].map(([name, value]) => ({
        name,
        value,
        readOnly: false,
        configSource: overrides.has(name) ? SOURCE_TOPIC_CONFIG : SOURCE_DEFAULT_CONFIG,
        isSensitive: false,
      })),
    };
  }

  private creationProblem(request: CreateTopicsRequestCreatableTopic, partitionCount: number): Failure | null {
    const nameProblem = topicNameProblem(request.name);
    if (nameProblem !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
    if (this.topics.get(request.name) !== undefined) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${request.name}' already exists.` };
    }
    if (request.assignments.some((a) => a.brokerIds.some((id) => id !== this.cluster.nodeId))) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `only broker ${this.cluster.nodeId} exists` };
    }
    if (partitionCount < 1 || partitionCount > MAX_PARTITIONS_PER_TOPIC) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `number of partitions must be 1..${MAX_PARTITIONS_PER_TOPIC}, got ${partitionCount}` };
    }
    if (request.replicationFactor !== -1 && request.replicationFactor !== 1) {
      return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `Replication factor: ${request.replicationFactor} larger than available brokers: 1.` };
    }
    for (const { name, value } of request.configs) {
      const problem = validateTopicConfig(name, value);
      if (problem !== null) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
    }
    return null;
  }

  private describeResource(resource: DescribeConfigsRequestDescribeConfigsResource): DescribeConfigsResponseDescribeConfigsResult {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    const entries = this.configEntries(resource);
    if (typeof entries === 'string') {
      const errorCode = resource.resourceType === RESOURCE_TOPIC ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_REQUEST;
      return { ...base, errorCode, errorMessage: entries, configs: [] };
    }
    const wanted = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      configs: entries
        .filter(([name]) => wanted === null || wanted.has(name))
        .map(([name, value, source]) => ({
          name,
          value,
          readOnly: resource.resourceType === RESOURCE_BROKER,
          isDefault: source === SOURCE_DEFAULT_CONFIG,
          configSource: source,
          isSensitive: false,
          synonyms: [],
          configType: topicConfigType(name),
          documentation: null,
        })),
    };
  }

  /** [name, value, source] triples, or the reason the resource cannot be described. */
  private configEntries(resource: DescribeConfigsRequestDescribeConfigsResource): Array<[string, string, number]> | string {
    if (resource.resourceType === RESOURCE_TOPIC) {
      const topic: Topic | undefined = this.topics.get(resource.resourceName);
      if (topic === undefined) return `topic '${resource.resourceName}' does not exist`;
      return [...topic.configs].map(([name, value]) => [name, value, topic.overrides.has(name) ? SOURCE_TOPIC_CONFIG : SOURCE_DEFAULT_CONFIG]);
    }
    if (resource.resourceType === RESOURCE_BROKER) {
      if (resource.resourceName !== '' && resource.resourceName !== String(this.cluster.nodeId)) {
        return `broker '${resource.resourceName}' does not exist; this is broker ${this.cluster.nodeId}`;
      }
      return [
        ['log.retention.ms', String(this.config.retentionMs), SOURCE_STATIC_BROKER_CONFIG],
        ['message.max.bytes', String(this.config.messageMaxBytes), SOURCE_STATIC_BROKER_CONFIG],
        ['num.partitions', String(this.config.defaultNumPartitions), SOURCE_STATIC_BROKER_CONFIG],
        ['auto.create.topics.enable', String(this.config.autoCreateTopics), SOURCE_STATIC_BROKER_CONFIG],
      ];
    }
    return `resource type ${resource.resourceType} is not supported (2 = topic, 4 = broker)`;
  }
}
