/**
 * DescribeTopicPartitions (key 75), version 0 (KIP-966; the Java Admin 3.8+ describes topics
 * with it): each topic with its id and partitions, this node the leader, only replica and
 * whole ISR, no eligible leader replicas (PartitionPlacementService). Topics come sorted by
 * name (none named = every topic), paginated by the response partition limit and a cursor;
 * an unknown topic is UNKNOWN_TOPIC_OR_PARTITION, an illegal name INVALID_TOPIC_EXCEPTION,
 * a bad cursor INVALID_REQUEST for every topic asked for. Authorized operations: the topic
 * operations the caller may perform (Authorizer.authorizedOperations), filled for every topic
 * it may describe, as Kafka does (the request has no flag to leave them out); an illegal name
 * and a refused topic carry Kafka's "omitted" INT32_MIN.
 * Authorization: a topic the caller may not Describe is TOPIC_AUTHORIZATION_FAILED when named,
 * and left out of an every-topic answer.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, AUTHORIZED_OPERATIONS_OMITTED, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { PartitionPlacementService, type TopicPlacement } from '../../cluster-admin/partition-placement.service.js';
import { isRefusal } from '../../topics/refusal.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DescribeTopicPartitionsApi,
  type DescribeTopicPartitionsRequest,
  type DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseTopic,
} from '../../wire/messages/75-describe-topic-partitions.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized, sessionOf } from '../transport/kafka-session.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

@Controller()
export class DescribeTopicPartitionsHandler {
  constructor(
    private readonly placement: PartitionPlacementService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeTopicPartitionsApi, { min: 0, max: 0 })
  async describeTopicPartitions(request: KafkaRequest<DescribeTopicPartitionsRequest>): Promise<DescribeTopicPartitionsResponse> {
    const { body } = request;
    const describable = (name: string) => authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    const asked = body.topics.map(({ name }) => name);
    const names = asked.filter(describable);
    const refused = asked.filter((name) => !describable(name)).map((name) => refusedTopic(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
    // Every name asked for is refused: the placement must not take the empty list for "every topic".
    if (asked.length > 0 && names.length === 0) return { throttleTimeMs: 0, topics: refused, nextCursor: null };
    const cursor = body.cursor === null ? null : { topic: body.cursor.topicName, partition: body.cursor.partitionIndex };
    const page = this.placement.describeTopicPartitions(names, cursor, body.responsePartitionLimit);
    if (isRefusal(page)) return { throttleTimeMs: 0, topics: [...names.map((name) => refusedTopic(name, page.errorCode)), ...refused], nextCursor: null };
    return {
      throttleTimeMs: 0,
      topics: [...page.topics.filter((topic) => asked.length > 0 || describable(topic.name)).map((topic) => toWire(topic, this.operations(request, topic))), ...refused],
      nextCursor: page.nextCursor === null ? null : { topicName: page.nextCursor.topic, partitionIndex: page.nextCursor.partition },
    };
  }

  private operations(request: KafkaRequest<unknown>, topic: TopicPlacement): number {
    if (topic.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION) return AUTHORIZED_OPERATIONS_OMITTED;
    return this.authorizer.authorizedOperations(sessionOf(request), ResourceType.TOPIC, topic.name);
  }
}

function toWire(topic: TopicPlacement, topicAuthorizedOperations: number): DescribeTopicPartitionsResponseTopic {
  return {
    errorCode: topic.errorCode,
    name: topic.name,
    topicId: topic.topicId ?? ZERO_UUID,
    isInternal: false,
    topicAuthorizedOperations,
    partitions: topic.partitions.map((p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    })),
  };
}

function refusedTopic(name: string, errorCode: number): DescribeTopicPartitionsResponseTopic {
  return { errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}
