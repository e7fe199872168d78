/**
 * ConsumerGroupHeartbeat (key 68), versions 0-1: the consumer-protocol (KIP-848) group
 * membership of clients that set `group.protocol=consumer`, through the ModernGroupCoordinator.
 * One request joins (epoch 0), heartbeats and acknowledges revocations (the partitions it still
 * owns), or leaves (epoch -1; -2 for a static member coming back); the answer carries the
 * member's epoch, the heartbeat interval and, when it changed, the partitions it may consume.
 * v0 (Kafka 3.9): the coordinator generates the member id of a member joining without one.
 * v1 (Kafka 4.0, beyond 3.9 — franz-go's KIP-848 consumer needs it): the client generates it;
 * SubscribedTopicRegex (RE2/J syntax).
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { ModernGroupCoordinator } from '../../groups/modern-coordinator.js';
import { toWire } from '../../groups/topic-partitions.js';
import {
  ConsumerGroupHeartbeatApi,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
} from '../../wire/messages/68-consumer-group-heartbeat.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { kafkaClientHost } from './11-join-group.handler.js';

@Controller()
export class ConsumerGroupHeartbeatHandler {
  constructor(private readonly coordinator: ModernGroupCoordinator) {}

  @KafkaApi(ConsumerGroupHeartbeatApi, { min: 0, max: 1, feature: 'consumer-groups' })
  async consumerGroupHeartbeat({ header, body, clientHost }: KafkaRequest<ConsumerGroupHeartbeatRequest>): Promise<ConsumerGroupHeartbeatResponse> {
    const answer = this.coordinator.heartbeat({
      apiVersion: header.apiVersion,
      groupId: body.groupId,
      memberId: body.memberId,
      memberEpoch: body.memberEpoch,
      instanceId: body.instanceId,
      rackId: body.rackId,
      rebalanceTimeoutMs: body.rebalanceTimeoutMs,
      subscribedTopicNames: body.subscribedTopicNames,
      subscribedTopicRegex: body.subscribedTopicRegex,
      serverAssignor: body.serverAssignor,
      ownedPartitions: body.topicPartitions,
      clientId: header.clientId ?? '',
      clientHost: kafkaClientHost(clientHost),
    });
    return {
      throttleTimeMs: 0,
      errorCode: answer.errorCode,
      errorMessage: answer.errorMessage,
      memberId: answer.memberId,
      memberEpoch: answer.memberEpoch,
      heartbeatIntervalMs: answer.heartbeatIntervalMs,
      assignment: answer.assignment === null ? null : { topicPartitions: toWire(answer.assignment) },
    };
  }
}
