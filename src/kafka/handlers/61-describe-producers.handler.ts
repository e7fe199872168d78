/**
 * DescribeProducers (key 61), version 0 (kafka-transactions describe-producers,
 * Authorization: Read on each topic (else TOPIC_AUTHORIZATION_FAILED).
 * Admin.describeProducers): per partition, the idempotent producers it holds state for,
 * with epoch, last sequence and last timestamp (ProducerStatesService); coordinator epoch
 * and open-transaction start offset are -1 (no transactions). An unknown topic or
 * partition is UNKNOWN_TOPIC_OR_PARTITION, an illegal topic name INVALID_TOPIC_EXCEPTION.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ProducerStatesService } from '../../cluster-admin/producer-states.service.js';
import { isRefusal } from '../../topics/refusal.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DescribeProducersApi,
  type DescribeProducersRequest,
  type DescribeProducersResponse,
  type DescribeProducersResponsePartitionResponse,
} from '../../wire/messages/61-describe-producers.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class DescribeProducersHandler {
  constructor(
    private readonly producerStates: ProducerStatesService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeProducersApi, { min: 0, max: 0 })
  async describeProducers(request: KafkaRequest<DescribeProducersRequest>): Promise<DescribeProducersResponse> {
    return {
      throttleTimeMs: 0,
      topics: request.body.topics.map(({ name, partitionIndexes }) => {
        const readable = authorized(this.authorizer, request, AclOperation.READ, ResourceType.TOPIC, name);
        return {
          name,
          partitions: partitionIndexes.map((partitionIndex) =>
            readable
              ? this.describePartition(name, partitionIndex)
              : { partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] },
          ),
        };
      }),
    };
  }

  private describePartition(topic: string, partitionIndex: number): DescribeProducersResponsePartitionResponse {
    const producers = this.producerStates.activeProducers(topic, partitionIndex);
    if (isRefusal(producers)) return { partitionIndex, errorCode: producers.errorCode, errorMessage: producers.errorMessage, activeProducers: [] };
    return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: producers };
  }
}
