/**
 * OffsetFetch (key 9), versions 0-9.
 * A consumer group's committed offsets, through the OffsetManager (served even with
 * enable_consumer_groups off, as OffsetCommit is). Offset -1 with error 0 where nothing is
 * committed. v2+: top-level error code, and null topics = every committed partition of the
 * group; v3+: throttle time; v5+: leader epoch; v6: flexible; v7: require_stable (KIP-447):
 * a partition with an offset staged in an unfinished transaction (TxnOffsetCommit) answers
 * UNSTABLE_OFFSET_COMMIT with offset -1, and the consumer asks again once the transaction
 * ended; v8+: several groups per request, each answered
 * with its own error code; v9 (KIP-848): a consumer-protocol member names itself (member id and
 * epoch) and gets UNKNOWN_MEMBER_ID / STALE_MEMBER_EPOCH when it is not the current member;
 * classic groups ignore those fields.
 */
import { Controller } from '@nestjs/common';
import { OffsetManager, type FetchedTopic } from '../../groups/offset-manager.js';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
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
  constructor(
    private readonly offsets: OffsetManager,
    private readonly transactions: TransactionCoordinator,
  ) {}

  @KafkaApi(OffsetFetchApi, { min: 0, max: 9 })
  async offsetFetch({ header, body }: KafkaRequest<OffsetFetchRequest>): Promise<OffsetFetchResponse> {
    if (header.apiVersion >= FIRST_BATCHED_VERSION) return { throttleTimeMs: 0, groups: body.groups.map((g) => this.fetchGroup(g, body.requireStable)) };
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: this.stable(body.groupId, this.offsets.fetch(body.groupId, body.topics), body.requireStable) };
  }

  /** With require_stable, partitions whose offset an unfinished transaction staged answer UNSTABLE_OFFSET_COMMIT. */
  private stable(groupId: string, topics: FetchedTopic[], requireStable: boolean): FetchedTopic[] {
    if (!requireStable) return topics;
    return topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) =>
        this.transactions.hasStagedOffset(groupId, topic.name, p.partitionIndex)
          ? { partitionIndex: p.partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
          : p,
      ),
    }));
  }

  private fetchGroup(group: OffsetFetchRequestGroup, requireStable: boolean): OffsetFetchResponseGroup {
    const errorCode = this.offsets.authorizeFetch({ groupId: group.groupId, memberId: group.memberId, memberEpoch: group.memberEpoch });
    if (errorCode !== ErrorCode.NONE) return { groupId: group.groupId, errorCode, topics: [] };
    return { groupId: group.groupId, errorCode, topics: this.stable(group.groupId, this.offsets.fetch(group.groupId, group.topics), requireStable) };
  }
}
