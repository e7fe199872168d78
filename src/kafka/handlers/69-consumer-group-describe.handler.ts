/**
 * ConsumerGroupDescribe (key 69), version 0: the admin view of consumer-protocol (KIP-848)
 * Authorization: Describe on each group (else GROUP_AUTHORIZATION_FAILED for it).
 * groups, from the ModernGroupCoordinator — state ("Empty", "Assigning", "Reconciling",
 * "Stable"), group and assignment epochs, the assignor, and each member with its current and
 * target assignment (topics by id and name; topics deleted since are left out). A classic
 * group or an unknown id is GROUP_ID_NOT_FOUND (the admin client then asks DescribeGroups, as
 * with Kafka 3.9); an empty id INVALID_GROUP_ID. Authorized operations when asked: the group
 * operations the caller may perform (Authorizer.authorizedOperations).
 * With enable_consumer_groups off it is not advertised and each group is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { type DescribedModernGroup, ModernGroupCoordinator } from '../../groups/modern-coordinator.js';
import { toWire, type TopicPartitionSet } from '../../groups/topic-partitions.js';
import {
  ConsumerGroupDescribeApi,
  type ConsumerGroupDescribeRequest,
  type ConsumerGroupDescribeResponse,
  type ConsumerGroupDescribeResponseDescribedGroup,
} from '../../wire/messages/69-consumer-group-describe.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized, sessionOf } from '../transport/kafka-session.js';

@Controller()
export class ConsumerGroupDescribeHandler {
  constructor(
    private readonly coordinator: ModernGroupCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(ConsumerGroupDescribeApi, {
    min: 0,
    max: 0,
    feature: 'consumer-groups',
    whenDisabled: (body, errorCode) => ({ groups: body.groupIds.map((groupId) => ({ groupId, errorCode })) }),
  })
  async consumerGroupDescribe(request: KafkaRequest<ConsumerGroupDescribeRequest>): Promise<ConsumerGroupDescribeResponse> {
    const { body } = request;
    const names = this.coordinator.topicNames();
    return {
      throttleTimeMs: 0,
      groups: body.groupIds.map((groupId) =>
        authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)
          ? describedGroup(this.coordinator.describe(groupId), names, body.includeAuthorizedOperations ? this.authorizer.authorizedOperations(sessionOf(request), ResourceType.GROUP, groupId) : null)
          : { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, members: [] },
      ),
    };
  }
}

function describedGroup(group: DescribedModernGroup, names: ReadonlyMap<string, string>, operations: number | null): ConsumerGroupDescribeResponseDescribedGroup {
  return {
    errorCode: group.errorCode,
    errorMessage: group.errorMessage,
    groupId: group.groupId,
    groupState: group.state,
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignorName: group.assignorName,
    members: group.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames],
      subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: { topicPartitions: named(m.assignment, names) },
      targetAssignment: { topicPartitions: named(m.targetAssignment, names) },
    })),
    ...(operations !== null && group.errorCode === 0 ? { authorizedOperations: operations } : {}),
  };
}

function named(set: TopicPartitionSet, names: ReadonlyMap<string, string>): { topicId: string; topicName: string; partitions: number[] }[] {
  return toWire(set).flatMap((t) => {
    const topicName = names.get(t.topicId);
    return topicName === undefined ? [] : [{ ...t, topicName }];
  });
}
