/**
 * JoinGroup (key 11) 0-7, SyncGroup (key 14) 0-4, Heartbeat (key 12) 0-4, LeaveGroup (key 13) 0-4:
 * membership of classic consumer groups, delegated to the GroupCoordinator. JoinGroup and
 * SyncGroup may park until the rebalance they belong to completes (bounded by its timeouts).
 * JoinGroup: v0 has no rebalance timeout (the session timeout stands in, as in Kafka); v4+ a
 * member without an id gets MEMBER_ID_REQUIRED and its id (KIP-394); v5+ group instance id
 * (static membership, KIP-345); v6+ flexible; v7+ protocol type in the response, protocol name
 * nullable. SyncGroup: v3+ group instance id; v4 flexible. Heartbeat: v3+ group instance id;
 * v4 flexible. LeaveGroup: v0-2 one member id, the error at top level; v3+ a batch of members
 * (by member id and/or instance id) with per-member errors; v4 flexible.
 * With enable_consumer_groups off these APIs are not advertised and are refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { HeartbeatApi, type HeartbeatRequest, type HeartbeatResponse } from '../../wire/messages/12-heartbeat.js';
import { JoinGroupApi, type JoinGroupRequest, type JoinGroupResponse } from '../../wire/messages/11-join-group.js';
import { LeaveGroupApi, type LeaveGroupRequest, type LeaveGroupResponse } from '../../wire/messages/13-leave-group.js';
import { SyncGroupApi, type SyncGroupRequest, type SyncGroupResponse } from '../../wire/messages/14-sync-group.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const FIRST_BATCHED_LEAVE_VERSION = 3;
const FIRST_NULLABLE_PROTOCOL_NAME_VERSION = 7;

/** Kafka reports a member's host as Java's InetAddress.toString(): "/127.0.0.1". */
export function kafkaClientHost(address: string): string {
  return `/${address}`;
}

@Controller()
export class GroupMembershipController {
  constructor(private readonly coordinator: GroupCoordinator) {}

  @KafkaApi(JoinGroupApi, { min: 0, max: 7, feature: 'consumer-groups' })
  async joinGroup({ header, body, clientHost }: KafkaRequest<JoinGroupRequest>): Promise<JoinGroupResponse> {
    const result = await this.coordinator.join({
      groupId: body.groupId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      requireKnownMemberId: header.apiVersion >= 4,
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
      memberId: result.memberId,
      members: result.members,
    };
  }

  @KafkaApi(SyncGroupApi, { min: 0, max: 4, feature: 'consumer-groups' })
  async syncGroup({ body }: KafkaRequest<SyncGroupRequest>): Promise<SyncGroupResponse> {
    const result = await this.coordinator.sync(body);
    return { throttleTimeMs: 0, ...result };
  }

  @KafkaApi(HeartbeatApi, { min: 0, max: 4, feature: 'consumer-groups' })
  heartbeat({ body }: KafkaRequest<HeartbeatRequest>): HeartbeatResponse {
    return { throttleTimeMs: 0, errorCode: this.coordinator.heartbeat(body) };
  }

  @KafkaApi(LeaveGroupApi, { min: 0, max: 4, feature: 'consumer-groups' })
  leaveGroup({ header, body }: KafkaRequest<LeaveGroupRequest>): LeaveGroupResponse {
    if (header.apiVersion >= FIRST_BATCHED_LEAVE_VERSION) {
      return { throttleTimeMs: 0, ...this.coordinator.leave(body.groupId, body.members) };
    }
    const result = this.coordinator.leave(body.groupId, [{ memberId: body.memberId, groupInstanceId: null }]);
    const memberError = result.members[0]?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError };
  }
}
