/**
 * DescribeGroups (key 15), versions 0-5.
 * Authorization: Describe on each group (else GROUP_AUTHORIZATION_FAILED for it).
 * The admin view of consumer groups, from the GroupCoordinator. State names as Kafka's
 * ("Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"); member metadata
 * and assignments only while Stable; an unknown group is "Dead" with error 0 (Kafka up to v5).
 * v1+: throttle time; v3+: authorized operations when asked (the group operations the caller
 * may perform, Authorizer.authorizedOperations); v4+: group instance ids; v5: flexible.
 * With enable_consumer_groups off it is not advertised and each group is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { DescribeGroupsApi, type DescribeGroupsRequest, type DescribeGroupsResponse } from '../../wire/messages/15-describe-groups.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized, sessionOf } from '../transport/kafka-session.js';

const FIRST_AUTHORIZED_OPERATIONS_VERSION = 3;

@Controller()
export class DescribeGroupsHandler {
  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeGroupsApi, {
    min: 0,
    max: 5,
    feature: 'consumer-groups',
    whenDisabled: (body, errorCode) => ({ groups: body.groups.map((groupId) => ({ groupId, errorCode })) }),
  })
  async describeGroups(request: KafkaRequest<DescribeGroupsRequest>): Promise<DescribeGroupsResponse> {
    const { header, body } = request;
    const withOperations = header.apiVersion >= FIRST_AUTHORIZED_OPERATIONS_VERSION && body.includeAuthorizedOperations;
    return {
      throttleTimeMs: 0,
      groups: body.groups.map((groupId) => {
        if (!authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
          return { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupState: '', protocolType: '', protocolData: '', members: [] };
        }
        const group = this.coordinator.describe(groupId);
        return {
          errorCode: ErrorCode.NONE,
          groupId,
          groupState: group.state,
          protocolType: group.protocolType,
          protocolData: group.protocolData,
          members: group.members.map((m) => ({ ...m, memberMetadata: m.metadata, memberAssignment: m.assignment })),
          ...(withOperations ? { authorizedOperations: this.authorizer.authorizedOperations(sessionOf(request), ResourceType.GROUP, groupId) } : {}),
        };
      }),
    };
  }
}
