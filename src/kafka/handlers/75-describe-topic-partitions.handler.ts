/**
 * DescribeTopicPartitions (key 75), version 0 (KIP-966; the Java Admin 3.8+ describes topics
 * with it): each topic with its id and partitions, this node the leader, only replica and
 * whole ISR, no eligible leader replicas (PartitionPlacementService). Topics come sorted by
 * name (none named = every topic), paginated by the response partition limit and a cursor;
 * an unknown topic is UNKNOWN_TOPIC_OR_PARTITION, an illegal name INVALID_TOPIC_EXCEPTION,
 * a bad cursor INVALID_REQUEST for every topic asked for. Authorized operations: every topic
 * operation (no authorizer), as Kafka fills them; the request has no flag to leave them out.
 */
import { Controller } from '@nestjs/common';
import { AUTHORIZED_OPERATIONS_OMITTED, PartitionPlacementService, type TopicPlacement } from '../../cluster-admin/partition-placement.service.js';
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

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

@Controller()
export class DescribeTopicPartitionsHandler {
  constructor(private readonly placement: PartitionPlacementService) {}

  @KafkaApi(DescribeTopicPartitionsApi, { min: 0, max: 0 })
  async describeTopicPartitions({ body }: KafkaRequest<DescribeTopicPartitionsRequest>): Promise<DescribeTopicPartitionsResponse> {
    const names = body.topics.map(({ name }) => name);
    const cursor = body.cursor === null ? null : { topic: body.cursor.topicName, partition: body.cursor.partitionIndex };
    const page = this.placement.describeTopicPartitions(names, cursor, body.responsePartitionLimit);
    if (isRefusal(page)) {
      const topics = names.map((name) => ({ errorCode: page.errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED }));
      return { throttleTimeMs: 0, topics, nextCursor: null };
    }
    return {
      throttleTimeMs: 0,
      topics: page.topics.map(toWire),
      nextCursor: page.nextCursor === null ? null : { topicName: page.nextCursor.topic, partitionIndex: page.nextCursor.partition },
    };
  }
}

function toWire(topic: TopicPlacement): DescribeTopicPartitionsResponseTopic {
  return {
    errorCode: topic.errorCode,
    name: topic.name,
    topicId: topic.topicId ?? ZERO_UUID,
    isInternal: false,
    topicAuthorizedOperations: topic.authorizedOperations,
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
