/**
 * The memory tier of one partition: its record batches in offset order, kept as the bytes
 * the producer sent (base offset rewritten in place), plus the offsets clients see.
 *
 * Invariants:
 * - batches are contiguous and ascending: batch[i+1].baseOffset === batch[i].lastOffset + 1;
 * - logStartOffset <= first live batch's lastOffset + 1, and highWatermark = last lastOffset + 1
 *   (single node: every appended batch is committed at once, so high watermark = log end);
 * - `storedBytes` is the sum of the live batches' buffer lengths, reported to the accountant.
 * Nothing is rebuilt after a crash in the memory tier: the WAL issue adds recovery.
 */
import type { MemoryAccountant } from './memory-accountant.js';
import { ProducerStateTable } from './producer-state.js';
import type { StoredBatch } from './stored-batch.js';

/** Notified on every append and when the partition goes away (topic deleted). */
export type AppendListener = (batch: StoredBatch | null) => void;

export interface ReadResult {
  readonly chunks: Buffer[];
  readonly bytes: number;
}

/** Compact the batch array once this many dropped entries sit at its head. */
const HEAD_COMPACT_THRESHOLD = 1024;

export class PartitionLog {
  private batches: StoredBatch[] = [];
  private head = 0;
  private listeners = new Set<AppendListener>();
  private storedBytesTotal = 0;
  logStartOffset = 0;
  highWatermark = 0;
  readonly producers = new ProducerStateTable();

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly accountant: MemoryAccountant,
  ) {}

  get storedBytes(): number {
    return this.storedBytesTotal;
  }

  get batchCount(): number {
    return this.batches.length - this.head;
  }

  /** Appends a batch whose offsets were already assigned from `highWatermark`. */
  append(batch: StoredBatch): void {
    if (batch.baseOffset !== this.highWatermark) {
      throw new Error(`append at ${batch.baseOffset} but log end is ${this.highWatermark}`);
    }
    this.batches.push(batch);
    this.highWatermark = batch.lastOffset + 1;
    this.addBytes(batch.buffer.length);
    for (const listener of this.listeners) listener(batch);
  }

  /**
   * Whole batches from the one holding `offset`, up to `maxBytes`; the first batch is
   * always included when `includeOversizedFirst` (KIP-74: a consumer must make progress
   * even if one batch exceeds its fetch size).
   */
  read(offset: number, maxBytes: number, includeOversizedFirst: boolean): ReadResult {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for (let i = this.indexOfOffset(offset); i < this.batches.length; i++) {
      const size = this.batches[i].buffer.length;
      if (bytes + size > maxBytes && !(chunks.length === 0 && includeOversizedFirst)) break;
      chunks.push(this.batches[i].buffer);
      bytes += size;
    }
    return { chunks, bytes };
  }

  /** Bytes a fetch at `offset` could return now (used to decide whether min_bytes is met). */
  bytesAvailableFrom(offset: number): number {
    let bytes = 0;
    for (let i = this.indexOfOffset(offset); i < this.batches.length; i++) bytes += this.batches[i].buffer.length;
    return bytes;
  }

  /** Live batches, oldest first (for retention and timestamp lookups). */
  *liveBatches(): IterableIterator<StoredBatch> {
    for (let i = this.head; i < this.batches.length; i++) yield this.batches[i];
  }

  /** Moves the log start to `offset` (DeleteRecords) and drops batches wholly below it. */
  advanceLogStart(offset: number): void {
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = Math.min(offset, this.highWatermark);
    while (this.head < this.batches.length && this.batches[this.head].lastOffset < this.logStartOffset) {
      this.dropHead();
    }
    this.compactHead();
  }

  /** Drops the oldest batches while `shouldDrop` holds; returns how many records went. */
  dropOldestWhile(shouldDrop: (batch: StoredBatch) => boolean): number {
    let records = 0;
    while (this.head < this.batches.length && shouldDrop(this.batches[this.head])) {
      const dropped = this.dropHead();
      records += dropped.recordCount;
      this.logStartOffset = Math.max(this.logStartOffset, dropped.lastOffset + 1);
    }
    this.compactHead();
    return records;
  }

  addListener(listener: AppendListener): void {
    this.listeners.add(listener);
  }

  removeListener(listener: AppendListener): void {
    this.listeners.delete(listener);
  }

  /** Releases the memory and tells parked fetches the partition is gone. */
  close(): void {
    while (this.head < this.batches.length) this.dropHead();
    this.compactHead();
    for (const listener of this.listeners) listener(null);
    this.listeners.clear();
  }

  /** Index of the first live batch with lastOffset >= offset (batches.length if none). */
  private indexOfOffset(offset: number): number {
    let lo = this.head;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.batches[mid].lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private dropHead(): StoredBatch {
    const batch = this.batches[this.head];
    this.batches[this.head] = undefined as unknown as StoredBatch;
    this.head++;
    this.addBytes(-batch.buffer.length);
    return batch;
  }

  private compactHead(): void {
    if (this.head === this.batches.length) {
      this.batches = [];
      this.head = 0;
    } else if (this.head >= HEAD_COMPACT_THRESHOLD) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }

  private addBytes(delta: number): void {
    this.storedBytesTotal += delta;
    this.accountant.adjust(delta, delta > 0 ? 1 : -1);
  }
}
