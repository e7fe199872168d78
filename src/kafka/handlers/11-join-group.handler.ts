/**
 * JoinGroup (key 11), versions 0-9.
 * Authorization: Read on the group (else GROUP_AUTHORIZATION_FAILED).
 * Membership of classic consumer groups, delegated to the GroupCoordinator; the request may
 * park until the rebalance it belongs to completes (bounded by the group's timeouts).
 * v0: no rebalance timeout (the session timeout stands in, as in Kafka); v1+: rebalance
 * timeout; v2+: throttle time; v4+: a member without an id gets MEMBER_ID_REQUIRED and its
 * id (KIP-394); v5+: group instance id (static membership, KIP-345); v6+: flexible; v7+:
 * protocol type in the response, protocol name nullable; v8+: the client's reason (KIP-800),
 * logged with the rebalance it causes; v9+: skip_assignment: a static leader rejoining a
 * Stable group is told it leads, with the members, but must not assign (before v9 it is
 * told the old leader id instead).
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { JoinGroupApi, type JoinGroupRequest, type JoinGroupResponse } from '../../wire/messages/11-join-group.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

const FIRST_MEMBER_ID_REQUIRED_VERSION = 4;
const FIRST_NULLABLE_PROTOCOL_NAME_VERSION = 7;
const FIRST_SKIP_ASSIGNMENT_VERSION = 9;

/** Kafka reports a member's host as Java's InetAddress.toString(): "/127.0.0.1". */
export function kafkaClientHost(address: string): string {
  return `/${address}`;
}

@Controller()
export class JoinGroupHandler {
  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(JoinGroupApi, { min: 0, max: 9, feature: 'consumer-groups' })
  async joinGroup(request: KafkaRequest<JoinGroupRequest>): Promise<JoinGroupResponse> {
    const { header, body, clientHost } = request;
    if (!authorized(this.authorizer, request, AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return { throttleTimeMs: 0, ...JoinGroupApi.errorResponse(body, ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    }
    const result = await this.coordinator.join({
      groupId: body.groupId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      requireKnownMemberId: header.apiVersion >= FIRST_MEMBER_ID_REQUIRED_VERSION,
      supportsSkippingAssignment: header.apiVersion >= FIRST_SKIP_ASSIGNMENT_VERSION,
      reason: body.reason,
      clientId: header.clientId ?? '',
      clientHost: kafkaClientHost(clientHost),
      sessionTimeoutMs: body.sessionTimeoutMs,
      rebalanceTimeoutMs: header.apiVersion === 0 ? body.sessionTimeoutMs : body.rebalanceTimeoutMs,
      protocolType: body.protocolType,
      protocols: body.protocols,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.protocolType,
      protocolName: result.protocolName ?? (header.apiVersion >= FIRST_NULLABLE_PROTOCOL_NAME_VERSION ? null : ''),
      leader: result.leaderId,
      skipAssignment: result.skipAssignment,
      memberId: result.memberId,
      members: result.members,
    };
  }
}
