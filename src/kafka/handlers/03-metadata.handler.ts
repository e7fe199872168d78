/**
 * Metadata (key 3), versions 0-12.
 * The single broker is every partition's leader, its only replica and the controller; it
 * advertises the port the client connected to. Topics asked for by name come from the
 * TopicsService (auto-created when the request and the `auto_create_topics` setting allow
 * it); an illegal name is INVALID_TOPIC_EXCEPTION, an unknown one UNKNOWN_TOPIC_OR_PARTITION.
 * v0: an empty topic list means all topics; v1+: null = all, empty = none; v1+: controller
 * id, rack; v2+: cluster id; v3+: throttle time; v4+: allow_auto_topic_creation (v0-3:
 * auto-creation allowed); v5+: offline replicas (none); v7+: leader epoch (always 0);
 * v8+: authorized operations (not computed, no authorizer: Kafka's "omitted" INT32_MIN);
 * v9+: flexible; v10+: topic ids (stable, non-zero); v12: a topic may be asked for by id
 * only (UNKNOWN_TOPIC_ID when no topic has it).
 */
import { Controller } from '@nestjs/common';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { LEADER_EPOCH } from '../../storage/batch-appender.js';
import type { Topic } from '../../storage/topic-registry.js';
import { isRefusal } from '../../topics/refusal.js';
import { TopicsService } from '../../topics/topics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { MetadataApi, type MetadataRequest, type MetadataResponse, type MetadataResponseTopic } from '../../wire/messages/03-metadata.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

@Controller()
export class MetadataHandler {
  constructor(
    private readonly topics: TopicsService,
    private readonly cluster: ClusterIdentity,
  ) {}

  @KafkaApi(MetadataApi, { min: 0, max: 12 })
  async metadata({ header, body, localPort }: KafkaRequest<MetadataRequest>): Promise<MetadataResponse> {
    const allTopics = body.topics === null || (header.apiVersion === 0 && body.topics.length === 0);
    const topics = allTopics
      ? this.topics.all().map((t) => this.describeTopic(t))
      : body.topics!.map((requested) => this.lookUp(requested.name, requested.topicId, body.allowAutoTopicCreation));
    return {
      throttleTimeMs: 0,
      brokers: [{ ...this.cluster.endpoint(localPort), rack: null }],
      clusterId: this.cluster.clusterId,
      controllerId: this.cluster.nodeId,
      topics,
    };
  }

  private lookUp(name: string | null, topicId: string, allowAutoCreate: boolean): MetadataResponseTopic {
    const byId = name === null && topicId !== ZERO_UUID;
    const topic = byId ? this.topics.findById(topicId) : this.topics.resolve(name ?? '', allowAutoCreate);
    if (!isRefusal(topic)) return this.describeTopic(topic);
    return { errorCode: topic.errorCode, name, topicId, isInternal: false, partitions: [] };
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
