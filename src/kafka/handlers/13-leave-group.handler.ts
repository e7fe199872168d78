/**
 * LeaveGroup (key 13), versions 0-5.
 * Authorization: Read on the group (else GROUP_AUTHORIZATION_FAILED).
 * Members leave a consumer group through the GroupCoordinator. v0-2: one member id, its
 * error at top level; v1+: throttle time; v3+: a batch of members (by member id and/or group
 * instance id) with per-member errors; v4+: flexible; v5+: each member's reason (KIP-800),
 * logged with the rebalance its leaving causes.
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { LeaveGroupApi, type LeaveGroupRequest, type LeaveGroupResponse } from '../../wire/messages/13-leave-group.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

const FIRST_BATCHED_LEAVE_VERSION = 3;

@Controller()
export class LeaveGroupHandler {
  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(LeaveGroupApi, { min: 0, max: 5, feature: 'consumer-groups' })
  async leaveGroup(request: KafkaRequest<LeaveGroupRequest>): Promise<LeaveGroupResponse> {
    const { header, body } = request;
    if (!authorized(this.authorizer, request, AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return { throttleTimeMs: 0, ...LeaveGroupApi.errorResponse(body, ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    }
    if (header.apiVersion >= FIRST_BATCHED_LEAVE_VERSION) {
      return { throttleTimeMs: 0, ...this.coordinator.leave(body.groupId, body.members) };
    }
    const result = this.coordinator.leave(body.groupId, [{ memberId: body.memberId, groupInstanceId: null }]);
    const memberError = result.members[0]?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError };
  }
}
