/**
 * Metadata (key 3), versions 0-12, and DescribeCluster (key 60), versions 0-1.
 * The single broker is every partition's leader and the controller.
 * Metadata topics: v0 empty list = all topics; v1+ null = all, empty = none. v4+:
 * allow_auto_topic_creation (auto-creation also needs the `auto_create_topics` setting).
 * v7+: leader epoch (always 0). v10+: topic ids (stable, non-zero, per topic). v12: a
 * topic may be asked for by id only.
 */
import { Controller } from '@nestjs/common';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DescribeClusterApi,
  type DescribeClusterRequest,
  type DescribeClusterResponse,
} from '../../wire/messages/60-describe-cluster.js';
import {
  MetadataApi,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
} from '../../wire/messages/03-metadata.js';
import { LEADER_EPOCH } from '../../storage/batch-appender.js';
import { topicNameProblem, TopicRegistry, type Topic } from '../../storage/topic-registry.js';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

@Controller()
export class MetadataController {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly cluster: ClusterIdentity,
  ) {}

  @KafkaApi(MetadataApi, { min: 0, max: 12 })
  metadata({ header, body, localPort }: KafkaRequest<MetadataRequest>): MetadataResponse {
    const allTopics = body.topics === null || (header.apiVersion === 0 && body.topics.length === 0);
    const topics = allTopics
      ? [...this.topics.all()].map((t) => this.describeTopic(t))
      : body.topics!.map((requested) => this.lookUp(requested.name, requested.topicId, body.allowAutoTopicCreation));
    return {
      throttleTimeMs: 0,
      brokers: [{ ...this.cluster.endpoint(localPort), rack: null }],
      clusterId: this.cluster.clusterId,
      controllerId: this.cluster.nodeId,
      topics,
    };
  }

  @KafkaApi(DescribeClusterApi, { min: 0, max: 1 })
  describeCluster({ localPort }: KafkaRequest<DescribeClusterRequest>): DescribeClusterResponse {
    const { nodeId, host, port } = this.cluster.endpoint(localPort);
    return {
      errorCode: ErrorCode.NONE,
      clusterId: this.cluster.clusterId,
      controllerId: nodeId,
      brokers: [{ brokerId: nodeId, host, port, rack: null }],
    };
  }

  private lookUp(name: string | null, topicId: string, allowAutoCreate: boolean): MetadataResponseTopic {
    const byId = name === null && topicId !== ZERO_UUID;
    const topic = byId ? this.findById(topicId) : this.topics.getOrAutoCreate(name ?? '', allowAutoCreate);
    if (topic !== undefined) return this.describeTopic(topic);
    const invalid = !byId && topicNameProblem(name) !== null;
    return {
      errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : invalid ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      name,
      topicId,
      isInternal: false,
      partitions: [],
    };
  }

  private findById(topicId: string): Topic | undefined {
    for (const topic of this.topics.all()) if (topic.id === topicId) return topic;
    return undefined;
  }

  private describeTopic(topic: Topic): MetadataResponseTopic {
    const node = this.cluster.nodeId;
    return {
      errorCode: ErrorCode.NONE,
      name: topic.name,
      topicId: topic.id,
      isInternal: false,
      partitions: topic.partitions.map((_, partitionIndex) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex,
        leaderId: node,
        leaderEpoch: LEADER_EPOCH,
        replicaNodes: [node],
        isrNodes: [node],
        offlineReplicas: [],
      })),
    };
  }
}
