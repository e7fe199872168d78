/**
 * DescribeProducers (key 61), version 0 (kafka-transactions describe-producers,
 * Admin.describeProducers): per partition, the idempotent producers it holds state for,
 * with epoch, last sequence and last timestamp (ProducerStatesService); coordinator epoch
 * and open-transaction start offset are -1 (no transactions). An unknown topic or
 * partition is UNKNOWN_TOPIC_OR_PARTITION, an illegal topic name INVALID_TOPIC_EXCEPTION.
 */
import { Controller } from '@nestjs/common';
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

@Controller()
export class DescribeProducersHandler {
  constructor(private readonly producerStates: ProducerStatesService) {}

  @KafkaApi(DescribeProducersApi, { min: 0, max: 0 })
  async describeProducers({ body }: KafkaRequest<DescribeProducersRequest>): Promise<DescribeProducersResponse> {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map(({ name, partitionIndexes }) => ({
        name,
        partitions: partitionIndexes.map((partitionIndex) => this.describePartition(name, partitionIndex)),
      })),
    };
  }

  private describePartition(topic: string, partitionIndex: number): DescribeProducersResponsePartitionResponse {
    const producers = this.producerStates.activeProducers(topic, partitionIndex);
    if (isRefusal(producers)) return { partitionIndex, errorCode: producers.errorCode, errorMessage: producers.errorMessage, activeProducers: [] };
    return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: producers };
  }
}
