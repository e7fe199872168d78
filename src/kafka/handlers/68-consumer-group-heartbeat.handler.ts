/**
 * ConsumerGroupHeartbeat (key 68), versions 0-1: the consumer-protocol (KIP-848) group
 * Authorization: Read on the group (else GROUP_AUTHORIZATION_FAILED) and Describe on every
 * subscribed topic (else TOPIC_AUTHORIZATION_FAILED naming them).
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
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ModernGroupCoordinator } from '../../groups/modern-coordinator.js';
import { toWire } from '../../groups/topic-partitions.js';
import {
  ConsumerGroupHeartbeatApi,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
} from '../../wire/messages/68-consumer-group-heartbeat.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';
import { kafkaClientHost } from './11-join-group.handler.js';

@Controller()
export class ConsumerGroupHeartbeatHandler {
  constructor(
    private readonly coordinator: ModernGroupCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(ConsumerGroupHeartbeatApi, { min: 0, max: 1, feature: 'consumer-groups' })
  async consumerGroupHeartbeat(request: KafkaRequest<ConsumerGroupHeartbeatRequest>): Promise<ConsumerGroupHeartbeatResponse> {
    const { header, body, clientHost } = request;
    const refusal = this.refusal(request);
    if (refusal !== null) return { throttleTimeMs: 0, ...ConsumerGroupHeartbeatApi.errorResponse(body, refusal.errorCode), errorMessage: refusal.message };
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

  /** Read on the group, and Describe on every subscribed topic (Kafka 3.9's KafkaApis), or why not. */
  private refusal(request: KafkaRequest<ConsumerGroupHeartbeatRequest>): { errorCode: number; message: string | null } | null {
    const { groupId, subscribedTopicNames } = request.body;
    if (!authorized(this.authorizer, request, AclOperation.READ, ResourceType.GROUP, groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, message: null };
    const hidden = (subscribedTopicNames ?? []).filter((name) => !authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.TOPIC, name));
    if (hidden.length === 0) return null;
    return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, message: `The client is not authorized to describe topics: ${hidden.join(', ')}` };
  }
}
