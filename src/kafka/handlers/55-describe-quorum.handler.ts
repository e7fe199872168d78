/**
 * DescribeQuorum (key 55), versions 0-2 (kafka-metadata-quorum, Admin.describeMetadataQuorum).
 * Authorization: Describe on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * The single-voter quorum of `__cluster_metadata-0` (QuorumService): this node the leader
 * and only voter, its log end offset the high watermark; asked for anything but that one
 * partition, every partition named is UNKNOWN_TOPIC_OR_PARTITION with Kafka's message.
 * v1+: the voter's last fetch and caught-up times (the leader: now); v2+: error messages,
 * the voter's directory id (none: a static quorum) and the node's listener: the endpoint
 * the client connected to, as DescribeCluster gives it.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { METADATA_PARTITION, METADATA_TOPIC, QuorumService, type QuorumReplica } from '../../cluster-admin/quorum.service.js';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DescribeQuorumApi,
  type DescribeQuorumRequest,
  type DescribeQuorumResponse,
  type DescribeQuorumResponseReplicaState,
} from '../../wire/messages/55-describe-quorum.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

/** Kafka's message for UNKNOWN_TOPIC_OR_PARTITION (Errors.java). */
const NOT_HOSTED = 'This server does not host this topic-partition.';
const LISTENER_NAME = 'PLAINTEXT';

@Controller()
export class DescribeQuorumHandler {
  constructor(
    private readonly quorum: QuorumService,
    private readonly cluster: ClusterIdentity,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeQuorumApi, { min: 0, max: 2 })
  async describeQuorum(request: KafkaRequest<DescribeQuorumRequest>): Promise<DescribeQuorumResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.DESCRIBE, DescribeQuorumApi);
    if (refused !== null) return refused;
    const { body, localPort } = request;
    const asked = body.topics.map(({ topicName, partitions }) => ({ topic: topicName, partitions: partitions.map((p) => p.partitionIndex) }));
    if (!this.quorum.isMetadataPartition(asked)) return notHosted(body);
    const state = this.quorum.describe();
    const { nodeId, host, port } = this.cluster.endpoint(localPort);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [
        {
          topicName: METADATA_TOPIC,
          partitions: [
            {
              partitionIndex: METADATA_PARTITION,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              leaderId: state.leaderId,
              leaderEpoch: state.leaderEpoch,
              highWatermark: state.highWatermark,
              currentVoters: state.voters.map(toWire),
              observers: state.observers.map(toWire),
            },
          ],
        },
      ],
      nodes: [{ nodeId, listeners: [{ name: LISTENER_NAME, host, port }] }],
    };
  }
}

function toWire(replica: QuorumReplica): DescribeQuorumResponseReplicaState {
  return {
    replicaId: replica.replicaId,
    replicaDirectoryId: replica.directoryId,
    logEndOffset: replica.logEndOffset,
    lastFetchTimestamp: replica.lastFetchTimestamp,
    lastCaughtUpTimestamp: replica.lastCaughtUpTimestamp,
  };
}

function notHosted(body: DescribeQuorumRequest): DescribeQuorumResponse {
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topics: body.topics.map(({ topicName, partitions }) => ({
      topicName,
      partitions: partitions.map(({ partitionIndex }) => ({
        partitionIndex,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: NOT_HOSTED,
        leaderId: 0,
        leaderEpoch: 0,
        highWatermark: 0,
        currentVoters: [],
        observers: [],
      })),
    })),
    nodes: [],
  };
}
