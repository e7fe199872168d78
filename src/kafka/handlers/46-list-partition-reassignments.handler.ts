/**
 * ListPartitionReassignments (key 46), version 0.
 * Authorization: Describe on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * A single node never moves a replica (AlterPartitionReassignments only accepts the
 * assignment a partition already has), so no reassignment is ever in progress: the answer
 * lists none, for every topic or for the ones named, known or not, as Kafka answers when it
 * has none.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  ListPartitionReassignmentsApi,
  type ListPartitionReassignmentsRequest,
  type ListPartitionReassignmentsResponse,
} from '../../wire/messages/46-list-partition-reassignments.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class ListPartitionReassignmentsHandler {
  constructor(private readonly authorizer: Authorizer) {}

  @KafkaApi(ListPartitionReassignmentsApi, { min: 0, max: 0 })
  async listPartitionReassignments(request: KafkaRequest<ListPartitionReassignmentsRequest>): Promise<ListPartitionReassignmentsResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.DESCRIBE, ListPartitionReassignmentsApi);
    if (refused !== null) return refused;
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
  }
}
