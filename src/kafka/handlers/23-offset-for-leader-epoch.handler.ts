/**
 * OffsetForLeaderEpoch (key 23), versions 0-4.
 * Where a leader epoch ends, for clients that check their position after a leader change
 * (KIP-101, KIP-320): one epoch, 0, has ever existed on this single node, ending at the high
 * watermark; a later epoch is unknown (leader epoch and end offset -1).
 * v1+: leader epoch in the answer; v2+: throttle time, current leader epoch in the request;
 * v3+: replica id; v4: flexible.
 */
import { Controller } from '@nestjs/common';
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

@Controller()
export class OffsetForLeaderEpochHandler {
  constructor(private readonly offsets: OffsetLookup) {}

  @KafkaApi(OffsetForLeaderEpochApi, { min: 0, max: 4 })
  async offsetForLeaderEpoch({ body }: KafkaRequest<OffsetForLeaderEpochRequest>): Promise<OffsetForLeaderEpochResponse> {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map(({ partition, leaderEpoch }) => {
          const end = this.offsets.epochEnd(topic.topic, partition, leaderEpoch);
          if (isRefusal(end)) return { partition, errorCode: end.errorCode, leaderEpoch: -1, endOffset: -1 };
          return { partition, errorCode: ErrorCode.NONE, ...end };
        }),
      })),
    };
  }
}
