/**
 * Producer bookkeeping for one partition (Kafka's ProducerStateManager):
 * - idempotence (KIP-98): per producer id, the epoch and the most recent appended batches
 *   (at most `RECENT_BATCHES_MAX`, as Kafka keeps 5, matching
 *   `max.in.flight.requests.per.connection <= 5`), so a retried batch can be recognised and
 *   answered with its original offset instead of being stored twice;
 * - transactions: per producer, the first offset of its open transaction in this partition
 *   (the last stable offset is the smallest of them), and the aborted transactions
 *   (AbortedTransactionIndex) its ABORT markers closed.
 * Transaction state changes when a batch becomes visible (PartitionLog.append), so the last
 * stable offset never runs ahead of the high watermark; recovery replays the log tail into
 * the table (`replay`) on top of the last snapshot.
 * DescribeProducers reads the same table (`activeProducers`).
 */
import { ControlType, markerTypeOf } from '../record-format/control-batch.js';
import type { RecordBatchView } from '../record-format/record-batch.js';
import { AbortedTransactionIndex } from './aborted-transactions.js';

export const RECENT_BATCHES_MAX = 5;
const NO_SEQUENCE = -1;

export interface AppendedSequence {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly baseOffset: number;
  /** The batch's maxTimestamp (-1 when unknown: a snapshot written before it was kept). */
  readonly timestamp: number;
}

/** A producer as DescribeProducers reports it (Kafka's ProducerStateEntry). */
export interface ActiveProducer {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
  /** The transaction coordinator's epoch: -1 while no transaction wrote to the partition. */
  readonly coordinatorEpoch: number;
  /** First offset of the producer's open transaction: -1 when none is open. */
  readonly currentTxnStartOffset: number;
}

interface ProducerEntry {
  epoch: number;
  recent: AppendedSequence[];
}

/** One producer's state as saved beside the WAL (segment .snapshot files). */
export interface ProducerSnapshot {
  readonly producerId: number;
  readonly epoch: number;
  readonly recent: readonly AppendedSequence[];
  /** The first offset of its open transaction in this partition; absent when none is open. */
  readonly txnFirstOffset?: number;
}

/** A producer's open transaction in this partition. */
export interface OngoingTransaction {
  readonly producerId: number;
  readonly epoch: number;
  readonly firstOffset: number;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'out-of-order'; message: string }
  | { kind: 'fenced'; message: string }
  | { kind: 'invalid-txn-state'; message: string };

/** The header fields of a visible transactional batch that the table needs. */
export interface TransactionalBatch {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseOffset: number;
  /** ABORT or COMMIT for a marker; null for a data batch. */
  readonly marker: number | null;
}

function nextSequence(seq: number): number {
  return seq === 0x7fff_ffff ? 0 : seq + 1;
}

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();
  /** Producer id → first offset of its open transaction here. */
  private readonly ongoing = new Map<number, number>();
  private firstUnstable: number | undefined = undefined;
  readonly aborted = new AbortedTransactionIndex();

  check(producerId: number, epoch: number, firstSeq: number, lastSeq: number, transactional = false): SequenceCheck {
    const entry = this.producers.get(producerId);
    // Kafka accepts any first sequence from a producer it holds no state for (the state
    // may have expired with the data); only a known producer is held to its sequence.
    if (entry === undefined) return { kind: 'append' };
    if (epoch < entry.epoch) {
      return { kind: 'fenced', message: `producer epoch ${epoch} is older than current epoch ${entry.epoch}` };
    }
    // A producer with an open transaction here must end it before writing outside one (Kafka's InvalidTxnStateException).
    if (!transactional && this.ongoing.has(producerId)) {
      return { kind: 'invalid-txn-state', message: `expected a transactional write from producer ${producerId}: its transaction in this partition is open` };
    }
    if (epoch > entry.epoch) return this.checkNewEpoch(firstSeq);
    const duplicate = entry.recent.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (duplicate) return { kind: 'duplicate', baseOffset: duplicate.baseOffset };
    const lastAppended = entry.recent.length > 0 ? entry.recent[entry.recent.length - 1].lastSeq : NO_SEQUENCE;
    if (firstSeq !== nextSequence(lastAppended)) {
      return { kind: 'out-of-order', message: `expected sequence ${nextSequence(lastAppended)}, got ${firstSeq}` };
    }
    return { kind: 'append' };
  }

  record(producerId: number, epoch: number, appended: AppendedSequence): void {
    const entry = this.entryAtEpoch(producerId, epoch);
    entry.recent.push(appended);
    if (entry.recent.length > RECENT_BATCHES_MAX) entry.recent.shift();
  }

  /** The producer's epoch here, or undefined for a producer this partition has not seen. */
  epochOf(producerId: number): number | undefined {
    return this.producers.get(producerId)?.epoch;
  }

  get producerCount(): number {
    return this.producers.size;
  }

  /** Every producer with state here, with its last appended batch and its open transaction. */
  activeProducers(): ActiveProducer[] {
    return [...this.producers].map(([producerId, entry]) => {
      const last = entry.recent.at(-1);
      return {
        producerId,
        producerEpoch: entry.epoch,
        lastSequence: last?.lastSeq ?? NO_SEQUENCE,
        lastTimestamp: last?.timestamp ?? -1,
        coordinatorEpoch: -1,
        currentTxnStartOffset: this.ongoing.get(producerId) ?? -1,
      };
    });
  }

  /** The producer's open transaction in this partition, if any. */
  ongoingTransaction(producerId: number): OngoingTransaction | undefined {
    const firstOffset = this.ongoing.get(producerId);
    if (firstOffset === undefined) return undefined;
    return { producerId, epoch: this.producers.get(producerId)?.epoch ?? 0, firstOffset };
  }

  /** Every open transaction in this partition. */
  ongoingTransactions(): OngoingTransaction[] {
    return [...this.ongoing.keys()].map((producerId) => this.ongoingTransaction(producerId) as OngoingTransaction);
  }

  /** The first offset of the oldest open transaction, or undefined when none is open. */
  get firstUnstableOffset(): number | undefined {
    return this.firstUnstable;
  }

  /**
   * A transactional batch became visible at `baseOffset`: a data batch opens its producer's
   * transaction here (if not open yet); a marker closes it, and an ABORT marker records the
   * aborted range. Returns the first offset of the transaction a marker closed.
   */
  transactionalBatchAppended(batch: TransactionalBatch): number | undefined {
    if (batch.marker === null) {
      if (!this.ongoing.has(batch.producerId)) this.setOngoing(batch.producerId, batch.baseOffset);
      return undefined;
    }
    this.entryAtEpoch(batch.producerId, batch.producerEpoch);
    const firstOffset = this.ongoing.get(batch.producerId) ?? batch.baseOffset;
    this.clearOngoing(batch.producerId);
    if (batch.marker === ControlType.ABORT) {
      const lastStableOffset = Math.min(this.firstUnstable ?? Infinity, batch.baseOffset + 1);
      this.aborted.add({ producerId: batch.producerId, firstOffset, lastOffset: batch.baseOffset, lastStableOffset });
    }
    return firstOffset;
  }

  /** Recovery: one batch of the log tail, after the snapshot (sequences, transactions, markers). */
  replay(batch: RecordBatchView): void {
    if (batch.producerId < 0) return;
    if (!batch.isControl) {
      this.record(batch.producerId, batch.producerEpoch, { firstSeq: batch.baseSequence, lastSeq: batch.lastSequence, baseOffset: batch.baseOffset, timestamp: batch.maxTimestamp });
    }
    if (!batch.isTransactional) return;
    const marker = batch.isControl ? markerTypeOf(batch) : null;
    if (batch.isControl && marker === null) return;
    this.transactionalBatchAppended({ producerId: batch.producerId, producerEpoch: batch.producerEpoch, baseOffset: batch.baseOffset, marker });
  }

  /** The whole table, for a snapshot file. */
  snapshot(): ProducerSnapshot[] {
    return [...this.producers].map(([producerId, entry]) => {
      const txnFirstOffset = this.ongoing.get(producerId);
      return { producerId, epoch: entry.epoch, recent: [...entry.recent], ...(txnFirstOffset !== undefined && { txnFirstOffset }) };
    });
  }

  /** Replaces the table with a snapshot (recovery; batches after it are then `replay`ed on top). */
  restore(snapshot: readonly ProducerSnapshot[]): void {
    this.producers.clear();
    this.ongoing.clear();
    for (const { producerId, epoch, recent, txnFirstOffset } of snapshot) {
      // Snapshots written before timestamps were kept have none: -1, as Kafka answers for unknown.
      this.producers.set(producerId, { epoch, recent: recent.slice(-RECENT_BATCHES_MAX).map((batch) => ({ ...batch, timestamp: batch.timestamp ?? -1 })) });
      if (txnFirstOffset !== undefined) this.ongoing.set(producerId, txnFirstOffset);
    }
    this.recomputeFirstUnstable();
  }

  private entryAtEpoch(producerId: number, epoch: number): ProducerEntry {
    let entry = this.producers.get(producerId);
    if (entry === undefined || epoch > entry.epoch) {
      entry = { epoch, recent: [] };
      this.producers.set(producerId, entry);
    }
    return entry;
  }

  private setOngoing(producerId: number, firstOffset: number): void {
    this.ongoing.set(producerId, firstOffset);
    if (this.firstUnstable === undefined || firstOffset < this.firstUnstable) this.firstUnstable = firstOffset;
  }

  private clearOngoing(producerId: number): void {
    const firstOffset = this.ongoing.get(producerId);
    if (firstOffset === undefined) return;
    this.ongoing.delete(producerId);
    if (firstOffset === this.firstUnstable) this.recomputeFirstUnstable();
  }

  private recomputeFirstUnstable(): void {
    let lowest: number | undefined;
    for (const offset of this.ongoing.values()) if (lowest === undefined || offset < lowest) lowest = offset;
    this.firstUnstable = lowest;
  }

  private checkNewEpoch(firstSeq: number): SequenceCheck {
    return firstSeq === 0
      ? { kind: 'append' }
      : { kind: 'out-of-order', message: `first batch of a producer epoch must start at sequence 0, got ${firstSeq}` };
  }
}
