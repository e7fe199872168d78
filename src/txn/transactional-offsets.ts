/**
 * TxnOffsetCommit (KIP-98, KIP-447): a transactional producer stages consumer-group offsets in
 * its transaction (sendOffsetsToTransaction); the group sees them only if the transaction
 * commits (TransactionCompleter hands them to the OffsetManager), and until it ends an
 * OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for those partitions.
 *
 * Checks, in Kafka 3.9's order: partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION;
 * then the transaction (the group must have been added by AddOffsetsToTxn: the offsets
 * partition is verified as any partition is, KIP-890 part 1): an unknown transactional id or
 * producer id is INVALID_PRODUCER_ID_MAPPING, an old epoch INVALID_PRODUCER_EPOCH, a
 * transaction being completed CONCURRENT_TRANSACTIONS, a group not in the transaction
 * INVALID_TXN_STATE; then the group membership (OffsetManager.authorizeTxnCommit); then
 * metadata longer than offset.metadata.max.bytes is OFFSET_METADATA_TOO_LARGE.
 */
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { MemberIdentity } from '../groups/group-coordinator.js';
import { OFFSET_METADATA_MAX_CHARS } from '../groups/group-limits.js';
import type { GroupClient } from '../groups/group-table.js';
import { OffsetManager, type CommittedTopic } from '../groups/offset-manager.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { isCompleting, stageOffsets, type PendingOffset, type Transaction } from './transaction.js';
import { TransactionStore } from './transaction-store.js';

export interface TxnOffsetCommitParams extends MemberIdentity {
  /** Who commits (Kafka client id and host), held to the group table's per-client bound when the commit creates a group. */
  readonly client?: GroupClient;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly topics: readonly CommittedTopic[];
}

export interface TxnOffsetCommitResult {
  readonly name: string;
  readonly partitions: { readonly partitionIndex: number; readonly errorCode: ErrorCodeValue }[];
}

@Injectable()
export class TransactionalOffsets {
  constructor(
    private readonly store: TransactionStore,
    private readonly groups: OffsetManager,
    private readonly topics: TopicRegistry,
    private readonly clock: Clock,
  ) {}

  commit(params: TxnOffsetCommitParams): TxnOffsetCommitResult[] {
    const exists = (topic: string, partition: number) => this.topics.partition(topic, partition) !== undefined;
    const touchesKnown = params.topics.some((t) => t.partitions.some((p) => exists(t.name, p.partitionIndex)));
    const requestError = touchesKnown ? this.check(params) : ErrorCode.NONE;
    const staged: PendingOffset[] = [];
    const results = params.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex, committedOffset, committedLeaderEpoch, committedMetadata }) => {
        const metadata = committedMetadata ?? '';
        let errorCode: ErrorCodeValue = requestError;
        if (!exists(topic.name, partitionIndex)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (errorCode === ErrorCode.NONE && metadata.length > OFFSET_METADATA_MAX_CHARS) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else if (errorCode === ErrorCode.NONE) {
          staged.push({ groupId: params.groupId, topic: topic.name, partition: partitionIndex, offset: committedOffset, leaderEpoch: committedLeaderEpoch, metadata });
        }
        return { partitionIndex, errorCode };
      }),
    }));
    if (staged.length === 0) return results;
    const stagedError = this.stage(this.store.get(params.transactionalId) as Transaction, staged);
    if (stagedError === ErrorCode.NONE) return results;
    return results.map((topic) => ({ ...topic, partitions: topic.partitions.map((p) => (p.errorCode === ErrorCode.NONE ? { ...p, errorCode: stagedError } : p)) }));
  }

  /** The transaction and group checks; NONE when the offsets may be staged. */
  private check(params: TxnOffsetCommitParams): ErrorCodeValue {
    const txn = this.store.get(params.transactionalId);
    if (txn === undefined || txn.producerId !== params.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== params.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (isCompleting(txn)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (txn.state !== 'Ongoing' || !txn.groups.includes(params.groupId)) return ErrorCode.INVALID_TXN_STATE;
    return this.groups.authorizeTxnCommit(params, params.client ?? null) as ErrorCodeValue;
  }

  private stage(txn: Transaction, offsets: readonly PendingOffset[]): ErrorCodeValue {
    try {
      this.store.put(stageOffsets(txn, offsets, this.clock.nowMs()));
      return ErrorCode.NONE;
    } catch {
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }
}
