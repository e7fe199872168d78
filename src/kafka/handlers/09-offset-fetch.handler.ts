/**
 * OffsetFetch (key 9), versions 0-7.
 * A consumer group's committed offsets, through the OffsetManager (served even with
 * enable_consumer_groups off, as OffsetCommit is). Offset -1 with error 0 where nothing is
 * committed. v2+: top-level error code, and null topics = every committed partition of the
 * group; v3+: throttle time; v5+: leader epoch; v6: flexible; v7: require_stable (KIP-447):
 * a partition with an offset staged in an unfinished transaction (TxnOffsetCommit) answers
 * UNSTABLE_OFFSET_COMMIT with offset -1, and the consumer asks again once the transaction
 * ended. (v8+ batches groups; not served.)
 */
import { Controller } from '@nestjs/common';
import { OffsetManager, type FetchedTopic } from '../../groups/offset-manager.js';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { OffsetFetchApi, type OffsetFetchRequest, type OffsetFetchResponse } from '../../wire/messages/09-offset-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class OffsetFetchHandler {
  constructor(
    private readonly offsets: OffsetManager,
    private readonly transactions: TransactionCoordinator,
  ) {}

  @KafkaApi(OffsetFetchApi, { min: 0, max: 7 })
  async offsetFetch({ body }: KafkaRequest<OffsetFetchRequest>): Promise<OffsetFetchResponse> {
    const topics = this.offsets.fetch(body.groupId, body.topics);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: body.requireStable ? this.unstableMarked(body.groupId, topics) : topics };
  }

  private unstableMarked(groupId: string, topics: FetchedTopic[]): FetchedTopic[] {
    return topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) =>
        this.transactions.hasStagedOffset(groupId, topic.name, p.partitionIndex)
          ? { partitionIndex: p.partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
          : p,
      ),
    }));
  }
}
