/**
 * Metadata (key 3), versions 0-12.
 * The single broker is every partition's leader, its only replica and the controller; it
 * advertises the port the client connected to. Topics asked for by name come from the
 * TopicsService (auto-created when the request and the `auto_create_topics` setting allow
 * it); an illegal name is INVALID_TOPIC_EXCEPTION, an unknown one UNKNOWN_TOPIC_OR_PARTITION.
 * Authorization (Kafka's KafkaApis): a topic the caller may not Describe is left out of an
 * all-topics answer and is TOPIC_AUTHORIZATION_FAILED when asked for (by name or id, existing
 * or not: the answer does not reveal whether it exists); auto-creation also needs Create on
 * the cluster or on the topic (else TOPIC_AUTHORIZATION_FAILED).
 * v0: an empty topic list means all topics; v1+: null = all, empty = none; v1+: controller
 * id, rack; v2+: cluster id; v3+: throttle time; v4+: allow_auto_topic_creation (v0-3:
 * auto-creation allowed); v5+: offline replicas (none); v7+: leader epoch (always 0);
 * v8+: authorized operations when asked (include_*_authorized_operations): the operations
 * the caller may perform on each topic it may describe, and (v8-10) on the cluster, as
 * Kafka's AuthHelper computes them; not asked, or a refused topic: Kafka's INT32_MIN;
 * v9+: flexible; v10+: topic ids (stable, non-zero); v12: a topic may be asked for by id
 * only (UNKNOWN_TOPIC_ID when no topic has it).
 */
import { Controller, Inject } from '@nestjs/common';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { BLINK_CONFIG, type BlinkConfig } from '../../config/settings.js';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { LEADER_EPOCH } from '../../storage/batch-appender.js';
import type { Topic } from '../../storage/topic-registry.js';
import { isRefusal } from '../../topics/refusal.js';
import { TopicsService } from '../../topics/topics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { MetadataApi, type MetadataRequest, type MetadataResponse, type MetadataResponseTopic } from '../../wire/messages/03-metadata.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized, sessionOf } from '../transport/kafka-session.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

@Controller()
export class MetadataHandler {
  constructor(
    private readonly topics: TopicsService,
    private readonly cluster: ClusterIdentity,
    private readonly authorizer: Authorizer,
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
  ) {}

  @KafkaApi(MetadataApi, { min: 0, max: 12 })
  async metadata(request: KafkaRequest<MetadataRequest>): Promise<MetadataResponse> {
    const { header, body, localPort } = request;
    const allTopics = body.topics === null || (header.apiVersion === 0 && body.topics.length === 0);
    const described = allTopics
      ? this.topics
          .all()
          .filter((t) => this.may(request, AclOperation.DESCRIBE, t.name))
          .map((t) => this.describeTopic(t))
      : body.topics!.map((requested) => this.lookUp(request, requested.name, requested.topicId));
    const topics = body.includeTopicAuthorizedOperations ? described.map((topic) => this.withOperations(request, topic)) : described;
    return {
      throttleTimeMs: 0,
      brokers: [{ ...this.cluster.endpoint(localPort), rack: null }],
      clusterId: this.cluster.clusterId,
      controllerId: this.cluster.nodeId,
      topics,
      ...(body.includeClusterAuthorizedOperations ? { clusterAuthorizedOperations: this.authorizer.authorizedOperations(sessionOf(request), ResourceType.CLUSTER, CLUSTER_NAME) } : {}),
    };
  }

  /** Kafka fills the field for the topics the caller may describe (found or not), never for a refused one. */
  private withOperations(request: KafkaRequest<unknown>, topic: MetadataResponseTopic): MetadataResponseTopic {
    const { name, errorCode } = topic;
    if (name === null || name === undefined || errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED) return topic;
    return { ...topic, topicAuthorizedOperations: this.authorizer.authorizedOperations(sessionOf(request), ResourceType.TOPIC, name) };
  }

  private may(request: KafkaRequest<unknown>, operation: number, topic: string): boolean {
    return authorized(this.authorizer, request, operation, ResourceType.TOPIC, topic);
  }

  private lookUp(request: KafkaRequest<MetadataRequest>, name: string | null, topicId: string): MetadataResponseTopic {
    if (name === null && topicId !== ZERO_UUID) return this.lookUpById(request, topicId);
    const topicName = name ?? '';
    if (!this.may(request, AclOperation.DESCRIBE, topicName)) return refused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, ZERO_UUID);
    const allowAutoCreate = request.body.allowAutoTopicCreation && this.config.autoCreateTopics;
    const mayCreate = !allowAutoCreate || this.mayCreate(request, topicName);
    const topic = this.topics.resolve(topicName, allowAutoCreate && mayCreate);
    if (!isRefusal(topic)) return this.describeTopic(topic);
    const mustCreate = topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !mayCreate;
    return refused(mustCreate ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : topic.errorCode, name, topicId);
  }

  private lookUpById(request: KafkaRequest<MetadataRequest>, topicId: string): MetadataResponseTopic {
    const topic = this.topics.findById(topicId);
    if (isRefusal(topic)) return refused(topic.errorCode, null, topicId);
    if (!this.may(request, AclOperation.DESCRIBE, topic.name)) return refused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null, topicId);
    return this.describeTopic(topic);
  }

  /** Auto-creation: Create on the cluster, or on the topic (Kafka's KafkaApis.getTopicMetadata). */
  private mayCreate(request: KafkaRequest<unknown>, topic: string): boolean {
    return this.authorizer.authorizeCluster(sessionOf(request), AclOperation.CREATE) || this.may(request, AclOperation.CREATE, topic);
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

function refused(errorCode: number, name: string | null, topicId: string): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [] };
}
