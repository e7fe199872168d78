/**
 * DescribeGroups (key 15) 0-5, ListGroups (key 16) 0-4, DeleteGroups (key 42) 0-2: the admin
 * views of consumer groups, from the GroupCoordinator.
 * DescribeGroups: state names as Kafka's ("Empty", "PreparingRebalance", "CompletingRebalance",
 * "Stable", "Dead"); member metadata and assignments only while Stable; an unknown group is
 * "Dead" with error 0 (Kafka up to v5). v1+ throttle time; v3+ authorized operations when
 * asked (no authorizer: everything a group supports); v4+ group instance ids; v5 flexible.
 * ListGroups: v1+ throttle time; v3+ flexible; v4+ state filter (empty = all) and states.
 * DeleteGroups: only Empty groups (NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND when unknown),
 * their committed offsets with them; v2 flexible.
 * With enable_consumer_groups off these APIs are not advertised and are refused with
 * GROUP_AUTHORIZATION_FAILED per group (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DeleteGroupsApi,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
} from '../../wire/messages/42-delete-groups.js';
import {
  DescribeGroupsApi,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
} from '../../wire/messages/15-describe-groups.js';
import { ListGroupsApi, type ListGroupsRequest, type ListGroupsResponse } from '../../wire/messages/16-list-groups.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

/** Kafka's AclOperation codes a group supports: READ (3), DELETE (6), DESCRIBE (8), as a bitfield. */
const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
const FIRST_AUTHORIZED_OPERATIONS_VERSION = 3;

@Controller()
export class GroupAdminController {
  constructor(private readonly coordinator: GroupCoordinator) {}

  @KafkaApi(DescribeGroupsApi, {
    min: 0,
    max: 5,
    feature: 'consumer-groups',
    whenDisabled: (body, errorCode) => ({ groups: body.groups.map((groupId) => ({ groupId, errorCode })) }),
  })
  describeGroups({ header, body }: KafkaRequest<DescribeGroupsRequest>): DescribeGroupsResponse {
    const withOperations = header.apiVersion >= FIRST_AUTHORIZED_OPERATIONS_VERSION && body.includeAuthorizedOperations;
    return {
      throttleTimeMs: 0,
      groups: body.groups.map((groupId) => {
        const group = this.coordinator.describe(groupId);
        return {
          errorCode: ErrorCode.NONE,
          groupId,
          groupState: group.state,
          protocolType: group.protocolType,
          protocolData: group.protocolData,
          members: group.members.map((m) => ({ ...m, memberMetadata: m.metadata, memberAssignment: m.assignment })),
          ...(withOperations ? { authorizedOperations: GROUP_AUTHORIZED_OPERATIONS } : {}),
        };
      }),
    };
  }

  @KafkaApi(ListGroupsApi, { min: 0, max: 4, feature: 'consumer-groups' })
  listGroups({ body }: KafkaRequest<ListGroupsRequest>): ListGroupsResponse {
    const groups = this.coordinator.list(body.statesFilter);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: groups.map((g) => ({ ...g, groupState: g.state })) };
  }

  @KafkaApi(DeleteGroupsApi, {
    min: 0,
    max: 2,
    feature: 'consumer-groups',
    whenDisabled: (body, errorCode) => ({ results: body.groupsNames.map((groupId) => ({ groupId, errorCode })) }),
  })
  deleteGroups({ body }: KafkaRequest<DeleteGroupsRequest>): DeleteGroupsResponse {
    return { throttleTimeMs: 0, results: this.coordinator.deleteGroups(body.groupsNames) };
  }
}
