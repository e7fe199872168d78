/**
 * The aborted transactions of one partition, in the order of their ABORT markers (Kafka's
 * TransactionIndex, held whole in memory): what a read_committed Fetch returns (by first
 * offset, see `collect`) so that the consumer drops the records of each aborted producer
 * from its first offset up to its marker.
 *
 * Each entry keeps the last stable offset right after its marker, which makes the look-up
 * stop early as Kafka's does: once an entry's lastStableOffset reaches the upper bound, every
 * transaction that began below that bound had already ended, so later entries cannot start
 * below it (TransactionIndex.collectAbortedTxns).
 *
 * Invariants: entries ascend strictly by lastOffset (markers are appended in offset order);
 * firstOffset <= lastOffset (the last stable offset may lie below either, while an older
 * transaction is still open). Bounded by the log: entries whose marker
 * falls below the log start are dropped (`dropBelow`). Durable mode saves each sealed
 * segment's entries beside it (wal/partition-wal.ts) and recovery restores them.
 */

/** One aborted transaction of a partition. */
export interface AbortedTransaction {
  readonly producerId: number;
  /** The first offset the transaction wrote in this partition (the marker's own offset when it wrote nothing). */
  readonly firstOffset: number;
  /** The offset of its ABORT marker. */
  readonly lastOffset: number;
  /** The partition's last stable offset once the marker was appended. */
  readonly lastStableOffset: number;
}

/** What a Fetch response lists per aborted transaction. */
export interface AbortedRange {
  readonly producerId: number;
  readonly firstOffset: number;
}

/** Compact the array once this many dropped entries sit at its head. */
const HEAD_COMPACT_THRESHOLD = 1024;

export class AbortedTransactionIndex {
  private entries: AbortedTransaction[] = [];
  private head = 0;

  get size(): number {
    return this.entries.length - this.head;
  }

  add(entry: AbortedTransaction): void {
    const last = this.entries.at(-1);
    if (this.size > 0 && last !== undefined && entry.lastOffset <= last.lastOffset) {
      throw new Error(`aborted transaction at ${entry.lastOffset} does not follow the one at ${last.lastOffset}`);
    }
    if (entry.firstOffset > entry.lastOffset) {
      throw new Error(`aborted transaction ${JSON.stringify(entry)} has inconsistent offsets`);
    }
    this.entries.push(entry);
  }

  /**
   * The aborted transactions a read_committed Fetch of [fetchOffset, upperBoundOffset) must
   * list: those whose marker is at or after fetchOffset and that began below the bound, by
   * first offset. Kafka lists them in marker order (the protocol leaves the order open: the
   * Java consumer and librdkafka order them themselves); kafkajs 2.2.4
   * (filterAbortedMessages) assumes first-offset order, so a long transaction aborted after
   * shorter ones that began after it would otherwise reach its read_committed consumers.
   */
  collect(fetchOffset: number, upperBoundOffset: number): AbortedRange[] {
    const found: AbortedRange[] = [];
    for (let i = this.firstEndingAtOrAfter(fetchOffset); i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.firstOffset < upperBoundOffset) found.push({ producerId: entry.producerId, firstOffset: entry.firstOffset });
      if (entry.lastStableOffset >= upperBoundOffset) break;
    }
    if (found.length > 1) found.sort((a, b) => a.firstOffset - b.firstOffset);
    return found;
  }

  /** The aborted transactions whose range [firstOffset, lastOffset] meets [fromOffset, toOffset) (the log cleaner's view). */
  overlapping(fromOffset: number, toOffset: number): AbortedTransaction[] {
    const found: AbortedTransaction[] = [];
    for (let i = this.firstEndingAtOrAfter(fromOffset); i < this.entries.length; i++) if (this.entries[i].firstOffset < toOffset) found.push(this.entries[i]);
    return found;
  }

  /** Entries whose marker lies in [fromOffset, toOffset): a segment's share, saved when it is sealed. */
  between(fromOffset: number, toOffset: number): AbortedTransaction[] {
    const found: AbortedTransaction[] = [];
    for (let i = this.firstEndingAtOrAfter(fromOffset); i < this.entries.length && this.entries[i].lastOffset < toOffset; i++) found.push(this.entries[i]);
    return found;
  }

  /** The log start moved to `offset`: entries whose marker is below it go. */
  dropBelow(offset: number): void {
    while (this.head < this.entries.length && this.entries[this.head].lastOffset < offset) {
      this.entries[this.head] = undefined as unknown as AbortedTransaction;
      this.head++;
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= HEAD_COMPACT_THRESHOLD) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Recovery: the entries found on disk, in any order (they are sorted and checked here). */
  restore(entries: readonly AbortedTransaction[]): void {
    this.entries = [];
    this.head = 0;
    for (const entry of [...entries].sort((a, b) => a.lastOffset - b.lastOffset)) this.add(entry);
  }

  private firstEndingAtOrAfter(offset: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
