/**
 * OffsetFetch (key 9), versions 0-9.
 * Consumer groups' committed offsets, through the OffsetManager (served even with
 * enable_consumer_groups off, as OffsetCommit is). Offset -1 with error 0 where nothing is
 * committed, also for a group that does not exist. v2+: top-level error code, and null
 * topics = every committed partition of the group; v3+: throttle time; v5+: leader epoch;
 * v6: flexible; v7: require_stable (nothing is ever unstable: Blink has no transactions);
 * v8+: a batch of groups, each answered with its own error code (the top-level fields go);
 * v9: each group may name a member id and member epoch: they are checked for KIP-848
 * consumer groups only (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH, by the coordinator of those
 * groups); a classic group's offsets are read whatever they say, as Kafka's
 * ClassicGroup.validateOffsetFetch does.
 */
import { Controller } from '@nestjs/common';
import { OffsetManager } from '../../groups/offset-manager.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { OffsetFetchApi, type OffsetFetchRequest, type OffsetFetchResponse } from '../../wire/messages/09-offset-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const FIRST_BATCHED_VERSION = 8;

@Controller()
export class OffsetFetchHandler {
  constructor(private readonly offsets: OffsetManager) {}

  @KafkaApi(OffsetFetchApi, { min: 0, max: 9 })
  async offsetFetch({ header, body }: KafkaRequest<OffsetFetchRequest>): Promise<OffsetFetchResponse> {
    if (header.apiVersion < FIRST_BATCHED_VERSION) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: this.offsets.fetch(body.groupId, body.topics) };
    }
    const groups = body.groups.map(({ groupId, topics }) => ({ groupId, errorCode: ErrorCode.NONE, topics: this.offsets.fetch(groupId, topics) }));
    return { throttleTimeMs: 0, groups };
  }
}
