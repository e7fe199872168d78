/**
 * ElectLeaders (key 43), versions 0-2.
 * Authorization: Alter on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * This node already leads every partition: each named partition is ELECTION_NOT_NEEDED, an
 * unknown one UNKNOWN_TOPIC_OR_PARTITION; null partitions (all) lists every topic with no
 * partition results, as Kafka leaves out partitions that need no election; an unknown
 * election type is INVALID_REQUEST for the request and each partition
 * (PartitionPlacementService). v1+: election type (v0: preferred) and a top-level error
 * code; v2: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ElectionType, PartitionPlacementService } from '../../cluster-admin/partition-placement.service.js';
import { isRefusal } from '../../topics/refusal.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ElectLeadersApi, type ElectLeadersRequest, type ElectLeadersResponse } from '../../wire/messages/43-elect-leaders.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

const FIRST_ELECTION_TYPE_VERSION = 1;

@Controller()
export class ElectLeadersHandler {
  constructor(
    private readonly placement: PartitionPlacementService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(ElectLeadersApi, { min: 0, max: 2 })
  async electLeaders(request: KafkaRequest<ElectLeadersRequest>): Promise<ElectLeadersResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.ALTER, ElectLeadersApi);
    if (refused !== null) return refused;
    const { header, body } = request;
    const electionType = header.apiVersion >= FIRST_ELECTION_TYPE_VERSION ? body.electionType : ElectionType.PREFERRED;
    const outcomes = this.placement.electLeaders(electionType, body.topicPartitions);
    if (isRefusal(outcomes)) {
      const replicaElectionResults = (body.topicPartitions ?? []).map(({ topic, partitions }) => ({
        topic,
        partitionResult: partitions.map((partitionId) => ({ partitionId, errorCode: outcomes.errorCode, errorMessage: outcomes.errorMessage })),
      }));
      return { throttleTimeMs: 0, errorCode: outcomes.errorCode, replicaElectionResults };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: outcomes.map(({ topic, partitions }) => ({
        topic,
        partitionResult: partitions.map(({ partition, errorCode, errorMessage }) => ({ partitionId: partition, errorCode, errorMessage })),
      })),
    };
  }
}
