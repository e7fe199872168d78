/**
 * CreatePartitions (key 37), versions 0-3.
 * Authorization: Alter on each topic (else TOPIC_AUTHORIZATION_FAILED).
 * Grows a topic's partition count through the TopicsService: the new count must be larger
 * and at most 10,000 (INVALID_PARTITIONS), an unknown topic is UNKNOWN_TOPIC_OR_PARTITION;
 * explicit assignments, when given, must be one per new partition, each exactly this broker
 * (else INVALID_REPLICA_ASSIGNMENT, as Kafka). validate_only checks
 * and changes nothing. Durable mode answers once the topic metadata is on disk (else
 * KAFKA_STORAGE_ERROR). v1: no change on the wire; v2+: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { isRefusal } from '../../topics/refusal.js';
import { TopicsService } from '../../topics/topics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { CreatePartitionsApi, type CreatePartitionsRequest, type CreatePartitionsResponse } from '../../wire/messages/37-create-partitions.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class CreatePartitionsHandler {
  constructor(
    private readonly topics: TopicsService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(CreatePartitionsApi, { min: 0, max: 3 })
  async createPartitions(request: KafkaRequest<CreatePartitionsRequest>): Promise<CreatePartitionsResponse> {
    const { body } = request;
    const results = body.topics.map(async ({ name, count, assignments }) => {
      if (!authorized(this.authorizer, request, AclOperation.ALTER, ResourceType.TOPIC, name)) {
        return { name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' };
      }
      const grown = await this.topics.createPartitions(name, count, body.validateOnly, assignments?.map((a) => a.brokerIds) ?? null);
      if (isRefusal(grown)) return { name, errorCode: grown.errorCode, errorMessage: grown.errorMessage };
      return { name, errorCode: ErrorCode.NONE, errorMessage: null };
    });
    return { throttleTimeMs: 0, results: await Promise.all(results) };
  }
}
