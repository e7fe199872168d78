/**
 * OffsetFetch (key 9), versions 0-7.
 * A consumer group's committed offsets, through the OffsetManager (served even with
 * enable_consumer_groups off, as OffsetCommit is). Offset -1 with error 0 where nothing is
 * committed. v2+: top-level error code, and null topics = every committed partition of the
 * group; v3+: throttle time; v5+: leader epoch; v6: flexible; v7: require_stable (nothing is
 * ever unstable: Blink has no transactions). (v8+ batches groups; not served.)
 */
import { Controller } from '@nestjs/common';
import { OffsetManager } from '../../groups/offset-manager.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { OffsetFetchApi, type OffsetFetchRequest, type OffsetFetchResponse } from '../../wire/messages/09-offset-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class OffsetFetchHandler {
  constructor(private readonly offsets: OffsetManager) {}

  @KafkaApi(OffsetFetchApi, { min: 0, max: 7 })
  async offsetFetch({ body }: KafkaRequest<OffsetFetchRequest>): Promise<OffsetFetchResponse> {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: this.offsets.fetch(body.groupId, body.topics) };
  }
}
