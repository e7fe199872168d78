/**
 * Heartbeat (key 12), versions 0-4.
 * A member says it is alive, through the GroupCoordinator; the answer tells it when a
 * rebalance is in progress (REBALANCE_IN_PROGRESS) or it is no longer a member.
 * v1+: throttle time; v3+: group instance id; v4: flexible.
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { HeartbeatApi, type HeartbeatRequest, type HeartbeatResponse } from '../../wire/messages/12-heartbeat.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class HeartbeatHandler {
  constructor(private readonly coordinator: GroupCoordinator) {}

  @KafkaApi(HeartbeatApi, { min: 0, max: 4, feature: 'consumer-groups' })
  async heartbeat({ body }: KafkaRequest<HeartbeatRequest>): Promise<HeartbeatResponse> {
    return { throttleTimeMs: 0, errorCode: this.coordinator.heartbeat(body) };
  }
}
