/**
 * SyncGroup (key 14), versions 0-5.
 * Authorization: Read on the group (else GROUP_AUTHORIZATION_FAILED).
 * The leader hands out the assignments and every member gets its own, through the
 * GroupCoordinator; a follower's request parks until the leader's arrives (bounded by the
 * rebalance timeout). v1+: throttle time; v3+: group instance id; v4+: flexible; v5+: the
 * member sends the group's protocol type and name as it knows them (KIP-559): either one
 * differing from the group's is INCONSISTENT_GROUP_PROTOCOL; the answer carries both.
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { SyncGroupApi, type SyncGroupRequest, type SyncGroupResponse } from '../../wire/messages/14-sync-group.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class SyncGroupHandler {
  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(SyncGroupApi, { min: 0, max: 5, feature: 'consumer-groups' })
  async syncGroup(request: KafkaRequest<SyncGroupRequest>): Promise<SyncGroupResponse> {
    const { body } = request;
    if (!authorized(this.authorizer, request, AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return { throttleTimeMs: 0, ...SyncGroupApi.errorResponse(body, ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    }
    const result = await this.coordinator.sync(body);
    return { throttleTimeMs: 0, ...result };
  }
}
