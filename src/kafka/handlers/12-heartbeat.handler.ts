/**
 * Heartbeat (key 12), versions 0-4.
 * Authorization: Read on the group (else GROUP_AUTHORIZATION_FAILED).
 * A member says it is alive, through the GroupCoordinator; the answer tells it when a
 * rebalance is in progress (REBALANCE_IN_PROGRESS) or it is no longer a member.
 * v1+: throttle time; v3+: group instance id; v4: flexible.
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { HeartbeatApi, type HeartbeatRequest, type HeartbeatResponse } from '../../wire/messages/12-heartbeat.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class HeartbeatHandler {
  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(HeartbeatApi, { min: 0, max: 4, feature: 'consumer-groups' })
  async heartbeat(request: KafkaRequest<HeartbeatRequest>): Promise<HeartbeatResponse> {
    const { body } = request;
    if (!authorized(this.authorizer, request, AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return { throttleTimeMs: 0, ...HeartbeatApi.errorResponse(body, ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    }
    return { throttleTimeMs: 0, errorCode: this.coordinator.heartbeat(body) };
  }
}
