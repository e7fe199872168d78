/**
 * AlterPartitionReassignments (key 45), version 0.
 * Authorization: Alter on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * One node is the only possible replica: reassigning a partition to [this node] changes
 * nothing and succeeds; any other list is INVALID_REPLICA_ASSIGNMENT with Kafka's message
 * (an empty list, a broker that is not registered, a broker twice); cancelling (null
 * replicas) is NO_REASSIGNMENT_IN_PROGRESS; an unknown topic or partition
 * UNKNOWN_TOPIC_OR_PARTITION (PartitionPlacementService).
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { PartitionPlacementService } from '../../cluster-admin/partition-placement.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  AlterPartitionReassignmentsApi,
  type AlterPartitionReassignmentsRequest,
  type AlterPartitionReassignmentsResponse,
} from '../../wire/messages/45-alter-partition-reassignments.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class AlterPartitionReassignmentsHandler {
  constructor(
    private readonly placement: PartitionPlacementService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(AlterPartitionReassignmentsApi, { min: 0, max: 0 })
  async alterPartitionReassignments(request: KafkaRequest<AlterPartitionReassignmentsRequest>): Promise<AlterPartitionReassignmentsResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.ALTER, AlterPartitionReassignmentsApi);
    if (refused !== null) return refused;
    const { body } = request;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: body.topics.map(({ name, partitions }) => ({
        name,
        partitions: partitions.map(({ partitionIndex, replicas }) => {
          const { errorCode, errorMessage } = this.placement.reassign(name, partitionIndex, replicas);
          return { partitionIndex, errorCode, errorMessage };
        }),
      })),
    };
  }
}
