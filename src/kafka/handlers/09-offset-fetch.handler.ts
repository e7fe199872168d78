/**
 * OffsetFetch (key 9), versions 0-9.
 * A consumer group's committed offsets, through the OffsetManager (served even with
 * enable_consumer_groups off, as OffsetCommit is). Offset -1 with error 0 where nothing is
 * committed. v2+: top-level error code, and null topics = every committed partition of the
 * group; v3+: throttle time; v5+: leader epoch; v6: flexible; v7: require_stable (nothing is
 * ever unstable: Blink has no transactions); v8+: several groups per request, each answered
 * with its own error code; v9 (KIP-848): a consumer-protocol member names itself (member id and
 * epoch) and gets UNKNOWN_MEMBER_ID / STALE_MEMBER_EPOCH when it is not the current member;
 * classic groups ignore those fields.
 */
import { Controller } from '@nestjs/common';
import { OffsetManager } from '../../groups/offset-manager.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  OffsetFetchApi,
  type OffsetFetchRequest,
  type OffsetFetchRequestGroup,
  type OffsetFetchResponse,
  type OffsetFetchResponseGroup,
} from '../../wire/messages/09-offset-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const FIRST_BATCHED_VERSION = 8;

@Controller()
export class OffsetFetchHandler {
  constructor(private readonly offsets: OffsetManager) {}

  @KafkaApi(OffsetFetchApi, { min: 0, max: 9 })
  async offsetFetch({ header, body }: KafkaRequest<OffsetFetchRequest>): Promise<OffsetFetchResponse> {
    if (header.apiVersion >= FIRST_BATCHED_VERSION) return { throttleTimeMs: 0, groups: body.groups.map((g) => this.fetchGroup(g)) };
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: this.offsets.fetch(body.groupId, body.topics) };
  }

  private fetchGroup(group: OffsetFetchRequestGroup): OffsetFetchResponseGroup {
    const errorCode = this.offsets.authorizeFetch({ groupId: group.groupId, memberId: group.memberId, memberEpoch: group.memberEpoch });
    if (errorCode !== ErrorCode.NONE) return { groupId: group.groupId, errorCode, topics: [] };
    return { groupId: group.groupId, errorCode, topics: this.offsets.fetch(group.groupId, group.topics) };
  }
}
