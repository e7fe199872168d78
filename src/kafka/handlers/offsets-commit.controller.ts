/**
 * OffsetCommit (key 8) 0-8, OffsetFetch (key 9) 0-7, OffsetDelete (key 47) 0: committed offsets
 * of consumer groups, through the OffsetManager. Served even with enable_consumer_groups off:
 * consumers that assign partitions themselves still commit and fetch offsets under a group id.
 * OffsetCommit: v0 has no generation or member (a simple commit); v1 per-partition commit
 * timestamp (ignored: the broker's time is used); v2-4 retention time (an explicit one
 * overrides offsets retention); v3+ throttle time; v6+ leader epoch; v7+ group instance id;
 * v8 flexible. Unknown topics get UNKNOWN_TOPIC_OR_PARTITION; a simple commit (generation -1,
 * no member id) is accepted only while the group has no members.
 * OffsetFetch: offset -1 with error 0 where nothing is committed; v2+ top-level error and null
 * topics = every committed partition of the group; v3+ throttle time; v5+ leader epoch;
 * v6 flexible; v7 require_stable (nothing is ever unstable: Blink has no transactions).
 * OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC for topics an active "consumer" group subscribes to.
 */
import { Controller } from '@nestjs/common';
import { OffsetManager } from '../../groups/offset-manager.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  OffsetCommitApi,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
} from '../../wire/messages/08-offset-commit.js';
import {
  OffsetDeleteApi,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
} from '../../wire/messages/47-offset-delete.js';
import {
  OffsetFetchApi,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
} from '../../wire/messages/09-offset-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class OffsetsCommitController {
  constructor(private readonly offsets: OffsetManager) {}

  @KafkaApi(OffsetCommitApi, { min: 0, max: 8 })
  offsetCommit({ body }: KafkaRequest<OffsetCommitRequest>): OffsetCommitResponse {
    const topics = this.offsets.commit({
      groupId: body.groupId,
      generationId: body.generationIdOrMemberEpoch,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      retentionTimeMs: body.retentionTimeMs,
      topics: body.topics,
    });
    return { throttleTimeMs: 0, topics };
  }

  @KafkaApi(OffsetFetchApi, { min: 0, max: 7 })
  offsetFetch({ body }: KafkaRequest<OffsetFetchRequest>): OffsetFetchResponse {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: this.offsets.fetch(body.groupId, body.topics) };
  }

  @KafkaApi(OffsetDeleteApi, { min: 0, max: 0 })
  offsetDelete({ body }: KafkaRequest<OffsetDeleteRequest>): OffsetDeleteResponse {
    return { throttleTimeMs: 0, ...this.offsets.deleteOffsets(body.groupId, body.topics) };
  }
}
