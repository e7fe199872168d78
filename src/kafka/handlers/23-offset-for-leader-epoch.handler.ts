/**
 * OffsetForLeaderEpoch (key 23), versions 0-4.
 * Authorization: Describe on each topic (else TOPIC_AUTHORIZATION_FAILED).
 * Where a leader epoch ends, for clients that check their position after a leader change
 * (KIP-101, KIP-320): one epoch, 0, has ever existed on this single node, ending at the high
 * watermark; a later epoch is unknown (leader epoch and end offset -1).
 * v1+: leader epoch in the answer; v2+: throttle time, current leader epoch in the request;
 * v3+: replica id; v4: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { OffsetLookup } from '../../fetch/offset-lookup.js';
import { isRefusal } from '../../topics/refusal.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  OffsetForLeaderEpochApi,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
} from '../../wire/messages/23-offset-for-leader-epoch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class OffsetForLeaderEpochHandler {
  constructor(
    private readonly offsets: OffsetLookup,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(OffsetForLeaderEpochApi, { min: 0, max: 4 })
  async offsetForLeaderEpoch(request: KafkaRequest<OffsetForLeaderEpochRequest>): Promise<OffsetForLeaderEpochResponse> {
    return {
      throttleTimeMs: 0,
      topics: request.body.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map(({ partition, leaderEpoch }) => {
          if (!authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.topic)) {
            return { partition, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, leaderEpoch: -1, endOffset: -1 };
          }
          const end = this.offsets.epochEnd(topic.topic, partition, leaderEpoch);
          if (isRefusal(end)) return { partition, errorCode: end.errorCode, leaderEpoch: -1, endOffset: -1 };
          return { partition, errorCode: ErrorCode.NONE, ...end };
        }),
      })),
    };
  }
}
