import type { PartitionLog } from '../storage/partition-log.js';

/**
 * Transactions as the log cleaner sees them (Kafka's CleanedTransactionMetadata), and the seam
 * through which it learns about them.
 *
 * The cleaner reads batches in offset order and, per producer, tracks whether it is inside an
 * aborted transaction (from the aborted transaction's first offset up to its ABORT marker):
 * - aborted data batches are dropped (and not put in the offset map);
 * - a COMMIT marker may go once none of its transaction's data was seen in this pass (that
 *   data is gone); an ABORT marker once none of its aborted data was seen (it was removed in
 *   an earlier pass). Either way only after its delete horizon, like a tombstone: the first
 *   pass that keeps a marker stamps the horizon (compacted-batch.ts).
 * The cleaner never reads past the first unstable offset (an open transaction's first offset).
 */

/** One aborted transaction of a partition: its producer, its first offset and its ABORT marker's offset. */
export interface AbortedRange {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/** What the cleaner asks about a partition's transactions (tests hand it their own answers). */
export interface TransactionView<Log> {
  /** The first offset of the oldest open transaction, or null when none is open. */
  firstUnstableOffset(log: Log): number | null;
  /** The aborted transactions whose range meets [fromOffset, toOffset), by first offset. */
  abortedBetween(log: Log, fromOffset: number, toOffset: number): readonly AbortedRange[];
}

/** Transactions as each partition tracks them (storage/producer-state.ts: open transactions, aborted index). */
export const PARTITION_TRANSACTIONS: TransactionView<PartitionLog> = {
  firstUnstableOffset: (log) => log.producers.firstUnstableOffset ?? null,
  abortedBetween: (log, fromOffset, toOffset) => log.producers.aborted.overlapping(fromOffset, toOffset),
};

/** The header fields of a batch the transaction tracking needs. */
export interface BatchIdentity {
  readonly producerId: number;
  readonly isTransactional: boolean;
  readonly lastOffset: number;
}

export class CleanedTransactions {
  private readonly pending: AbortedRange[];
  private next = 0;
  /** Producer id → whether data of its aborted transaction was seen in this pass. */
  private readonly ongoingAborted = new Map<number, boolean>();
  private readonly ongoingCommitted = new Set<number>();

  constructor(aborted: readonly AbortedRange[]) {
    this.pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** A data batch: true when it belongs to an aborted transaction (drop it). */
  onDataBatch(batch: BatchIdentity): boolean {
    this.startAbortedUpTo(batch.lastOffset);
    if (!batch.isTransactional) return false;
    if (this.ongoingAborted.has(batch.producerId)) {
      this.ongoingAborted.set(batch.producerId, true);
      return true;
    }
    this.ongoingCommitted.add(batch.producerId);
    return false;
  }

  /** A transaction marker (controlType: 0 ABORT, 1 COMMIT, null when empty or unknown): true when it may be removed. */
  onMarker(batch: BatchIdentity, controlType: number | null): boolean {
    this.startAbortedUpTo(batch.lastOffset);
    if (controlType === null) return true;
    if (controlType === 0) {
      const sawData = this.ongoingAborted.get(batch.producerId) ?? false;
      this.ongoingAborted.delete(batch.producerId);
      return !sawData;
    }
    if (controlType === 1) return !this.ongoingCommitted.delete(batch.producerId);
    return false;
  }

  private startAbortedUpTo(offset: number): void {
    while (this.next < this.pending.length && this.pending[this.next].firstOffset <= offset) {
      this.ongoingAborted.set(this.pending[this.next].producerId, false);
      this.next++;
    }
  }
}
