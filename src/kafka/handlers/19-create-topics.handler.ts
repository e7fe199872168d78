/**
 * CreateTopics (key 19), versions 0-7.
 * Authorization: Create on the cluster or on the topic (else TOPIC_AUTHORIZATION_FAILED).
 * Each topic through the TopicsService: a legal name (INVALID_TOPIC_EXCEPTION),
 * TOPIC_ALREADY_EXISTS, num_partitions -1 = the `kafka_cfg_num_partitions` setting,
 * replication factor -1 or 1 (one broker); explicit assignments need num_partitions and
 * replication factor -1 (else INVALID_REQUEST) and must number partitions 0..n-1, each with
 * exactly this broker (else INVALID_REPLICA_ASSIGNMENT); a name that collides with an
 * existing one once '.' and '_' are unified is INVALID_TOPIC_EXCEPTION; configs
 * checked against the topic configs Blink knows (INVALID_CONFIG). A name given twice in one
 * request is INVALID_REQUEST for both. validate_only checks and creates nothing. Durable
 * mode answers once the topic metadata is on disk (else KAFKA_STORAGE_ERROR).
 * v1+: validate_only, error messages; v2+: throttle time; v5+: flexible, and the created
 * topic's partition count, replication factor and configs (none when validate_only); v6+:
 * THROTTLING_QUOTA_EXCEEDED is possible (Blink has no topic-mutation quota: never); v7+: the
 * created topic's id (the zero UUID when validate_only or refused: no topic has an id then).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { isRefusal } from '../../topics/refusal.js';
import { TopicsService } from '../../topics/topics.service.js';
import { topicConfigEntries } from '../../topics/configs.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ZERO_UUID } from '../../wire/reader.js';
import {
  CreateTopicsApi,
  type CreateTopicsRequest,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult,
} from '../../wire/messages/19-create-topics.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized, sessionOf } from '../transport/kafka-session.js';
import { kafkaConfigSource } from './32-describe-configs.handler.js';

@Controller()
export class CreateTopicsHandler {
  constructor(
    private readonly topics: TopicsService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(CreateTopicsApi, { min: 0, max: 7 })
  async createTopics(request: KafkaRequest<CreateTopicsRequest>): Promise<CreateTopicsResponse> {
    const { body } = request;
    const onCluster = this.authorizer.authorizeCluster(sessionOf(request), AclOperation.CREATE);
    const mayCreate = (name: string) => onCluster || authorized(this.authorizer, request, AclOperation.CREATE, ResourceType.TOPIC, name);
    const seen = new Set<string>();
    const duplicated = new Set(body.topics.filter((t) => seen.size === seen.add(t.name).size).map((t) => t.name));
    const results = body.topics.map(async (topic): Promise<CreateTopicsResponseCreatableTopicResult> => {
      if (duplicated.has(topic.name)) {
        return { name: topic.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `topic '${topic.name}' appears more than once in the request` };
      }
      if (!mayCreate(topic.name)) return { name: topic.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' };
      return this.createTopic(topic, body.validateOnly);
    });
    return { throttleTimeMs: 0, topics: await Promise.all(results) };
  }

  private async createTopic(request: CreateTopicsRequestCreatableTopic, validateOnly: boolean): Promise<CreateTopicsResponseCreatableTopicResult> {
    const created = await this.topics.create(
      {
        name: request.name,
        partitionCount: request.numPartitions,
        replicationFactor: request.replicationFactor,
        assignments: request.assignments.map(({ partitionIndex, brokerIds }) => ({ partitionIndex, brokerIds })),
        configs: request.configs.map((c) => [c.name, c.value] as const),
      },
      validateOnly,
    );
    if (isRefusal(created)) return { name: request.name, errorCode: created.errorCode, errorMessage: created.errorMessage };
    return {
      name: request.name,
      topicId: created.topic?.id ?? ZERO_UUID,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      numPartitions: created.partitionCount,
      replicationFactor: 1,
      configs: created.topic === null ? [] : topicConfigEntries(created.topic).map(({ name, value, source }) => ({
        name,
        value,
        readOnly: false,
        configSource: kafkaConfigSource(source),
        isSensitive: false,
      })),
    };
  }
}
