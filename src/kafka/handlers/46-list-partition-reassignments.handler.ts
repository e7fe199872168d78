/**
 * ListPartitionReassignments (key 46), version 0.
 * A single node never moves a replica (AlterPartitionReassignments only accepts the
 * assignment a partition already has), so no reassignment is ever in progress: the answer
 * lists none, for every topic or for the ones named, known or not, as Kafka answers when it
 * has none.
 */
import { Controller } from '@nestjs/common';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  ListPartitionReassignmentsApi,
  type ListPartitionReassignmentsRequest,
  type ListPartitionReassignmentsResponse,
} from '../../wire/messages/46-list-partition-reassignments.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class ListPartitionReassignmentsHandler {
  @KafkaApi(ListPartitionReassignmentsApi, { min: 0, max: 0 })
  async listPartitionReassignments(_request: KafkaRequest<ListPartitionReassignmentsRequest>): Promise<ListPartitionReassignmentsResponse> {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
  }
}
