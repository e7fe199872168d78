/**
 * One partition: its memory tier (record batches in offset order, kept as the bytes the
 * producer sent, base offset rewritten in place) and its cold tier (the partition's segment
 * files, cold-tier.ts), plus the offsets clients see. A partition is built whole: with its
 * cold tier, its producer state and, after a restart, the offsets recovery found on disk.
 *
 * Offsets: logStartOffset <= memoryStartOffset <= highWatermark <= logEndOffset, where
 * - [logStartOffset, memoryStartOffset) is held only by the cold tier (offloaded under
 *   memory pressure, or recovered from disk after a restart);
 * - [memoryStartOffset, highWatermark) is in memory (in durable mode, also in the cold tier:
 *   memory is then a cache of the log tail);
 * - [highWatermark, logEndOffset) is assigned to durable appends still being written; it
 *   becomes visible (high watermark, fetch, parked fetches woken) once written, in order.
 *   In memory mode logEndOffset always equals highWatermark.
 * The last stable offset (read_committed consumers read below it) is the first offset of the
 * oldest open transaction, or the high watermark when none is open (KIP-98); the producer
 * table tracks the open transactions and the aborted ones as their batches become visible.
 *
 * The head: the memory tier's counterpart of the WAL's active segment. It rolls by the
 * topic's segment.bytes / segment.ms as batches are appended (`rollHeadIfDue`); the log
 * cleaner never touches the head (compaction/), as Kafka's never touches the active segment.
 *
 * Invariants:
 * - memory batches ascend: batch[i+1].baseOffset === batch[i].lastOffset + 1, except where the
 *   log cleaner removed whole batches (a gap: the offsets stay unused), and the last one ends
 *   at highWatermark - 1 (single node: appended = committed);
 * - `storedBytes` is the sum of the memory batches' buffer lengths, reported to the accountant,
 *   which holds each batch's pooled memory from `append` until the batch is dropped;
 * - the log start only moves forward; whatever lies wholly below it is dropped from memory and
 *   released from the cold tier (whole segments).
 * After a crash the memory tier is empty; the WAL recovery rebuilds the offsets (wal/).
 */
import { markerTypeOf } from '../record-format/control-batch.js';
import { ATTR_TRANSACTIONAL, BATCH_HEADER_BYTES, peekBatchOffsets, RecordBatchView } from '../record-format/record-batch.js';
import type { MemoryHolder, MemoryPin } from './batch-memory.js';
import type { ColdTier } from './cold-tier.js';
import type { MemoryAccountant } from './memory-accountant.js';
import { MemoryBatches } from './memory-batches.js';
import { ProducerStateTable } from './producer-state.js';
import type { StoredBatch } from './stored-batch.js';

/**
 * Notified on every batch made visible, with the bytes that became readable below the last
 * stable offset by it (read_committed), and when the partition goes away (topic deleted: null).
 * An object with a method rather than a function: a parked fetch is its own listener, where a
 * function would be a closure made at every long poll.
 */
export interface AppendListener {
  appended(batch: StoredBatch | null, stableBytes: number): void;
}

/** A memory batch as retention weighs it: where it ends, its bytes, when it was appended (broker clock). */
export interface MemoryBatchExtent {
  readonly lastOffset: number;
  readonly sizeBytes: number;
  readonly lastAppendTimeMs: number;
}

export interface ReadResult {
  readonly chunks: Buffer[];
  readonly bytes: number;
  /** The offset after the last whole batch returned (the offset asked for when none was). */
  readonly nextOffset: number;
}

/** What a partition is built from; a new partition starts at offset 0. */
export interface PartitionParts {
  readonly cold: ColdTier | null;
  /** Durable mode: appends go through the cold tier before they are visible. */
  readonly durable: boolean;
  readonly producers: ProducerStateTable;
  /** Where recovery found the log on disk. */
  readonly logStartOffset: number;
  readonly highWatermark: number;
}

/** A partition held in memory only (unit tests; the broker always has a cold tier). */
export function memoryOnlyParts(): PartitionParts {
  return { cold: null, durable: false, producers: new ProducerStateTable(), logStartOffset: 0, highWatermark: 0 };
}

export const EMPTY_READ = (offset: number): ReadResult => ({ chunks: [], bytes: 0, nextOffset: offset });

/** Largest read served from the cold tier per partition and Fetch (the consumer asks again for more). */
export const COLD_READ_BYTES_MAX = 8 * 1024 * 1024;

export class PartitionLog {
  /** The memory tier (memory-batches.ts: columns, not an object per batch). */
  private readonly batches = new MemoryBatches();
  /**
   * The append listeners: the first in a field of its own, the others (several fetches parked
   * on one partition, the uplink) in a Set. A partition with one long poll at a time (a consumer)
   * never touches the Set: an empty Set given one entry and emptied again reallocates its table
   * (~120 bytes of heap per long poll). The one in the field is told first.
   */
  private listener: AppendListener | null = null;
  private readonly moreListeners = new Set<AppendListener>();
  private storedBytesTotal = 0;
  private readonly coldTier: ColdTier | null;
  private readonly durableMode: boolean;
  logStartOffset: number;
  highWatermark: number;
  /** The next offset to assign (see the file comment). */
  logEndOffset: number;
  /** Memory mode: batches below this offset are in, or being written to, the cold tier. */
  offloadedUpTo: number;
  /** The highest "offset after the last whole batch" a Fetch has returned (purge_on_fetch). */
  fetchedUpTo: number;
  /** First offset of the head (see the file comment). */
  headStartOffset: number;
  private headBytes = 0;
  private headCreatedAtMs = 0;
  readonly producers: ProducerStateTable;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly accountant: MemoryAccountant,
    parts: PartitionParts = memoryOnlyParts(),
  ) {
    if (parts.logStartOffset > parts.highWatermark) {
      throw new Error(`partition ${topic}-${partition}: log start ${parts.logStartOffset} is past its end ${parts.highWatermark}`);
    }
    this.coldTier = parts.cold;
    this.durableMode = parts.durable;
    this.producers = parts.producers;
    this.logStartOffset = parts.logStartOffset;
    this.highWatermark = parts.highWatermark;
    this.logEndOffset = parts.highWatermark;
    this.offloadedUpTo = parts.highWatermark;
    this.fetchedUpTo = parts.logStartOffset;
    this.headStartOffset = parts.highWatermark;
  }

  get storedBytes(): number {
    return this.storedBytesTotal;
  }

  get batchCount(): number {
    return this.batches.count;
  }

  get cold(): ColdTier | null {
    return this.coldTier;
  }

  /** Durable mode: appends go through the cold tier before they are visible. */
  get isDurable(): boolean {
    return this.durableMode;
  }

  /** First offset held in memory (the high watermark when memory holds nothing). */
  get memoryStartOffset(): number {
    return this.batches.count > 0 ? this.batches.baseOffset(0) : this.highWatermark;
  }

  /** Where read_committed consumers stop: the oldest open transaction's first offset, or the high watermark. */
  get lastStableOffset(): number {
    const firstUnstable = this.producers.firstUnstableOffset;
    if (firstUnstable === undefined) return this.highWatermark;
    return Math.max(this.logStartOffset, Math.min(firstUnstable, this.highWatermark));
  }

  /**
   * Called before a batch of `incomingBytes` takes the next offset: the head rolls (starts at
   * that offset) when it would grow past `segmentBytes` or is `segmentMs` old, as a segment does.
   */
  rollHeadIfDue(incomingBytes: number, segmentBytes: number, segmentMs: number, nowMs: number): void {
    if (this.headBytes === 0) {
      this.headCreatedAtMs = nowMs;
    } else if (this.headBytes + incomingBytes > segmentBytes || nowMs - this.headCreatedAtMs >= segmentMs) {
      this.headStartOffset = this.logEndOffset;
      this.headBytes = 0;
      this.headCreatedAtMs = nowMs;
    }
    this.headBytes += incomingBytes;
  }

  /** Memory mode (and the durable completion): stores a batch whose offsets were assigned from logEndOffset. */
  append(batch: StoredBatch): void {
    if (batch.baseOffset !== this.highWatermark) {
      throw new Error(`append at ${batch.baseOffset} but log end is ${this.highWatermark}`);
    }
    const stableBefore = this.lastStableOffset;
    this.batches.push(batch.baseOffset, batch.lastOffset, batch.buffer, batch.appendTimeMs);
    this.highWatermark = batch.lastOffset + 1;
    if (this.logEndOffset < this.highWatermark) this.logEndOffset = this.highWatermark;
    this.storedBytesTotal += batch.buffer.length;
    this.accountant.batchStored(batch.buffer);
    if (isTransactional(batch.buffer)) this.transactionalBatchAppended(batch);
    const stableBytes = this.bytesBetween(stableBefore, this.lastStableOffset);
    this.tellListeners(batch, stableBytes);
  }

  /**
   * Durable mode: reserves the batch's offsets, writes it to the cold tier, and makes it
   * visible once written (`onDurable` runs first, synchronously, e.g. to record producer
   * sequences). A failed write rejects and rewinds logEndOffset to the high watermark
   * (every append queued behind it fails too, so no gap is ever visible).
   */
  appendDurably(batch: StoredBatch, onDurable: () => void): Promise<void> {
    const cold = this.coldTier;
    if (cold === null || batch.baseOffset !== this.logEndOffset) {
      return Promise.reject(new Error(`durable append at ${batch.baseOffset} but next offset is ${this.logEndOffset}`));
    }
    this.logEndOffset = batch.lastOffset + 1;
    return new Promise((resolve, reject) => {
      cold.append(batch, (error) => {
        if (error !== null) {
          this.logEndOffset = this.highWatermark;
          reject(error);
          return;
        }
        onDurable();
        this.append(batch);
        resolve();
      });
    });
  }

  /**
   * Whole batches from the one holding `offset`, up to `maxBytes`; the first batch is
   * always included when `includeOversizedFirst` (KIP-74: a consumer must make progress
   * even if one batch exceeds its fetch size). Batches starting at or after `endOffset` are
   * left out (read_committed reads stop at the last stable offset, which is always a batch
   * boundary). Offsets below the memory tier are read from the cold tier (a promise; into
   * memory `pin` lends when given, else into fresh buffers); everything else answers
   * synchronously, in views of the memory tier's pooled memory that `pin`, when given, holds
   * (a reader that keeps them across an await must give one).
   */
  read(offset: number, maxBytes: number, includeOversizedFirst: boolean, endOffset = Infinity, pin?: MemoryPin): ReadResult | Promise<ReadResult> {
    if (offset >= endOffset) return EMPTY_READ(offset);
    if (this.coldTier !== null && offset < this.memoryStartOffset) return this.readCold(this.coldTier, offset, maxBytes, includeOversizedFirst, endOffset, pin);
    return this.readMemory(offset, maxBytes, includeOversizedFirst, endOffset, pin);
  }

  /** The batches read are counted first, so the views go into an array of their number (`push` would make room for 17). */
  private readMemory(offset: number, maxBytes: number, includeOversizedFirst: boolean, endOffset: number, holder?: MemoryHolder): ReadResult {
    const batches = this.batches;
    const first = this.indexOfOffset(offset);
    let end = first;
    let bytes = 0;
    for (; end < batches.count && batches.baseOffset(end) < endOffset; end++) {
      const size = batches.byteLength(end);
      if (bytes + size > maxBytes && !(end === first && includeOversizedFirst)) break;
      bytes += size;
    }
    if (end === first) return EMPTY_READ(offset);
    return { chunks: batches.views(first, end, holder), bytes, nextOffset: batches.lastOffset(end - 1) + 1 };
  }

  private async readCold(cold: ColdTier, offset: number, maxBytes: number, includeOversizedFirst: boolean, endOffset: number, pin?: MemoryPin): Promise<ReadResult> {
    const result = await cold.read(offset, Math.min(maxBytes, COLD_READ_BYTES_MAX), includeOversizedFirst, pin);
    // Nothing on disk at this offset (its segment was just released): continue from memory.
    if (result.bytes === 0 && offset >= this.logStartOffset) return this.readMemory(Math.max(offset, this.memoryStartOffset), maxBytes, includeOversizedFirst, endOffset, pin);
    return endOffset === Infinity ? result : cutReadAt(result, offset, endOffset);
  }

  /**
   * A pin on the memory tier's pooled memory (batch-memory.ts) for a reader that keeps the views
   * `read` returns across an await (the log cleaner, the uplink): given to `read`, it holds the
   * memory they are in, so a batch dropped meanwhile (offloaded, expired or compacted away) is
   * not overwritten, nor given back, under them. Released as soon as the views are done with.
   */
  pinMemory(): MemoryPin {
    return this.accountant.memory.pin();
  }

  /** Bytes a fetch at `offset` could return from memory now. */
  bytesAvailableFrom(offset: number): number {
    let bytes = 0;
    for (let i = this.indexOfOffset(offset); i < this.batches.count; i++) bytes += this.batches.byteLength(i);
    return bytes;
  }

  /** Memory batches whose base offset is >= `fromOffset`, oldest first (each a new StoredBatch; those before are not walked). */
  *memoryBatchesFrom(fromOffset: number): IterableIterator<StoredBatch> {
    for (let i = this.indexOfOffset(fromOffset); i < this.batches.count; i++) {
      if (this.batches.baseOffset(i) >= fromOffset) yield this.batchAt(i);
    }
  }

  /**
   * Each memory batch's last offset, size and append time, oldest first, without a view of its
   * bytes (retention walks them as its units: a batch is one, so its append time is the unit's last).
   * The extent is one object, updated at each step: read it before asking for the next.
   */
  *memoryBatchExtents(): IterableIterator<MemoryBatchExtent> {
    // One object for the whole walk, updated at each step: one per batch made ~104 B of garbage a batch (bench/walks.mjs, retention half).
    const extent = { lastOffset: 0, sizeBytes: 0, lastAppendTimeMs: 0 };
    for (let i = 0; i < this.batches.count; i++) {
      extent.lastOffset = this.batches.lastOffset(i);
      extent.sizeBytes = this.batches.byteLength(i);
      extent.lastAppendTimeMs = this.batches.appendTimeMs(i);
      yield extent;
    }
  }

  /**
   * The first memory batch ending at or after `fromOffset` whose max timestamp is >= `timestamp`
   * (ListOffsets by time: the first that can hold such a record), or undefined. The batches
   * passed over are read in place, without a view each.
   */
  memoryBatchWithTimestampAtLeast(timestamp: number, fromOffset: number): StoredBatch | undefined {
    const at = this.batches.indexOfMaxTimestampAtLeast(timestamp, this.indexOfOffset(fromOffset));
    return at < this.batches.count ? this.batchAt(at) : undefined;
  }

  /** The first memory batch holding the largest max timestamp (ListOffsets -3), or undefined when memory holds none. */
  memoryBatchWithLargestTimestamp(): StoredBatch | undefined {
    const at = this.batches.indexOfLargestMaxTimestamp();
    return at >= 0 ? this.batchAt(at) : undefined;
  }

  /** Memory batches whose base offset lies in [fromOffset, toOffset), oldest first, at most `countMax` (a copy). */
  memoryBatchesBetween(fromOffset: number, toOffset: number, countMax: number): StoredBatch[] {
    const found: StoredBatch[] = [];
    for (let i = this.indexOfOffset(fromOffset); i < this.batches.count && found.length < countMax; i++) {
      const baseOffset = this.batches.baseOffset(i);
      if (baseOffset >= toOffset) break;
      if (baseOffset >= fromOffset) found.push(this.batchAt(i));
    }
    return found;
  }

  /** Bytes of the memory batches whose base offset lies in [fromOffset, toOffset). */
  memoryBytesBetween(fromOffset: number, toOffset: number): number {
    let bytes = 0;
    for (let i = this.indexOfOffset(fromOffset); i < this.batches.count && this.batches.baseOffset(i) < toOffset; i++) {
      if (this.batches.baseOffset(i) >= fromOffset) bytes += this.batches.byteLength(i);
    }
    return bytes;
  }

  /** Base offset of the first memory batch appended after `timeMs` (append times ascend), or the high watermark. */
  firstMemoryOffsetAppendedAfter(timeMs: number): number {
    let lo = 0;
    let hi = this.batches.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.batches.appendTimeMs(mid) <= timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.batches.count ? this.batches.baseOffset(lo) : this.highWatermark;
  }

  /**
   * The log cleaner: `original` (still in memory: the batch at its offsets, with its bytes)
   * becomes `replacement`, which holds the same offsets. Returns false when `original` is no
   * longer in memory.
   */
  replaceMemoryBatch(original: StoredBatch, replacement: StoredBatch): boolean {
    const at = this.indexOfBatch(original);
    if (at < 0 || replacement.baseOffset !== original.baseOffset || replacement.lastOffset !== original.lastOffset) return false;
    this.batches.replace(at, replacement.buffer);
    this.storedBytesTotal += replacement.buffer.length - original.buffer.length;
    this.accountant.batchReplaced(original.buffer, replacement.buffer);
    return true;
  }

  /** The log cleaner: removes these memory batches (those still there; their offsets become a gap). Returns the bytes freed. */
  dropMemoryBatches(victims: Iterable<StoredBatch>): number {
    const doomed: number[] = [];
    for (const victim of victims) {
      const at = this.indexOfBatch(victim);
      if (at >= 0) doomed.push(at);
    }
    if (doomed.length === 0) return 0;
    doomed.sort((a, b) => a - b);
    let freed = 0;
    for (let k = 0; k < doomed.length; k++) {
      if (k > 0 && doomed[k] === doomed[k - 1]) continue;
      freed += this.batches.byteLength(doomed[k]);
      this.accountant.batchDropped(this.batches.memory(doomed[k]), this.batches.byteLength(doomed[k]));
    }
    this.batches.remove(doomed.filter((at, k) => k === 0 || at !== doomed[k - 1]));
    this.storedBytesTotal -= freed;
    return freed;
  }

  /** The memory batch holding `offset`, or undefined (below the memory tier, or at the high watermark). */
  memoryBatchHolding(offset: number): StoredBatch | undefined {
    const at = this.indexOfOffset(offset);
    return at < this.batches.count && this.batches.baseOffset(at) <= offset ? this.batchAt(at) : undefined;
  }

  /**
   * Moves the log start to `offset` (retention, purge_on_fetch, DeleteRecords): drops the
   * memory batches wholly below it and lets the cold tier delete segments wholly below it.
   * Returns the number of records that became unreadable.
   */
  advanceLogStart(offset: number): number {
    const target = Math.min(offset, this.highWatermark);
    if (target <= this.logStartOffset) return 0;
    const purged = target - this.logStartOffset;
    this.logStartOffset = target;
    while (this.batches.count > 0 && this.batches.lastOffset(0) < target) this.dropHead();
    this.batches.settle();
    this.offloadedUpTo = Math.max(this.offloadedUpTo, Math.min(this.memoryStartOffset, target));
    this.producers.aborted.dropBelow(target);
    void this.coldTier?.releaseBelow(target);
    return purged;
  }

  /**
   * Drops memory copies of the oldest batches up to `lastOffset` that the cold tier holds
   * (after an offload, or in durable mode where memory is a cache): the log start does not
   * move. Returns the bytes freed.
   */
  evictThrough(lastOffset: number): number {
    if (this.coldTier === null) throw new Error('evicting from memory needs a cold tier');
    let freed = 0;
    while (this.batches.count > 0 && this.batches.lastOffset(0) <= lastOffset) freed += this.dropHead();
    this.batches.settle();
    return freed;
  }

  /** A Fetch returned whole batches up to `nextOffset`. */
  recordFetched(nextOffset: number): void {
    if (nextOffset > this.fetchedUpTo) this.fetchedUpTo = nextOffset;
  }

  /** Every listener, the one in the field first; a listener may remove itself (or another) meanwhile. */
  private tellListeners(batch: StoredBatch | null, stableBytes: number): void {
    this.listener?.appended(batch, stableBytes);
    if (this.moreListeners.size === 0) return;
    for (const listener of this.moreListeners) listener.appended(batch, stableBytes);
  }

  addListener(listener: AppendListener): void {
    if (listener === this.listener) return;
    if (this.listener === null && !this.moreListeners.has(listener)) this.listener = listener;
    else this.moreListeners.add(listener);
  }

  removeListener(listener: AppendListener): void {
    if (listener === this.listener) this.listener = null;
    else this.moreListeners.delete(listener);
  }

  /** The partition is deleted: releases the memory, tells parked fetches it is gone, and deletes its files. */
  deleteData(): void {
    while (this.batches.count > 0) this.dropHead();
    this.batches.settle();
    this.tellListeners(null, 0);
    this.listener = null;
    this.moreListeners.clear();
    void this.coldTier?.deleteFiles();
  }

  private transactionalBatchAppended(batch: StoredBatch): void {
    const view = new RecordBatchView(batch.buffer);
    const marker = view.isControl ? markerTypeOf(view) : null;
    if (view.isControl && marker === null) return;
    this.producers.transactionalBatchAppended({ producerId: view.producerId, producerEpoch: view.producerEpoch, baseOffset: batch.baseOffset, marker });
  }

  /**
   * Bytes of the memory batches in [fromOffset, toOffset): what became readable below the
   * last stable offset. Offsets no longer in memory count as "enough" (a parked fetch wakes).
   */
  private bytesBetween(fromOffset: number, toOffset: number): number {
    if (toOffset <= fromOffset) return 0;
    if (fromOffset < this.memoryStartOffset) return Number.MAX_SAFE_INTEGER;
    let bytes = 0;
    for (let i = this.indexOfOffset(fromOffset); i < this.batches.count && this.batches.baseOffset(i) < toOffset; i++) bytes += this.batches.byteLength(i);
    return bytes;
  }

  /** Index of the first memory batch with lastOffset >= offset (the batch count if none). */
  private indexOfOffset(offset: number): number {
    let lo = 0;
    let hi = this.batches.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.batches.lastOffset(mid) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the memory batch that is `batch` (its offsets, its bytes), or -1. */
  private indexOfBatch(batch: StoredBatch): number {
    const at = this.indexOfOffset(batch.baseOffset);
    const found = at < this.batches.count && this.batches.baseOffset(at) === batch.baseOffset && this.batches.lastOffset(at) === batch.lastOffset && this.batches.holds(at, batch.buffer);
    return found ? at : -1;
  }

  /** A StoredBatch (and a view of its bytes) for memory batch `i`. */
  private batchAt(i: number): StoredBatch {
    return { baseOffset: this.batches.baseOffset(i), lastOffset: this.batches.lastOffset(i), buffer: this.batches.view(i), appendTimeMs: this.batches.appendTimeMs(i) };
  }

  /** Drops the oldest memory batch (the caller settles the columns after a run of drops); returns its bytes. */
  private dropHead(): number {
    const bytes = this.batches.byteLength(0);
    this.accountant.batchDropped(this.batches.memory(0), bytes);
    this.batches.shift();
    this.storedBytesTotal -= bytes;
    return bytes;
  }
}

function isTransactional(buffer: Buffer): boolean {
  return buffer.length >= BATCH_HEADER_BYTES && (buffer.readInt16BE(21) & ATTR_TRANSACTIONAL) !== 0;
}

/** A cold-tier read cut before the first batch at or after `endOffset` (read results hold whole batches). */
function cutReadAt(result: ReadResult, offset: number, endOffset: number): ReadResult {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let nextOffset = offset;
  for (const chunk of result.chunks) {
    let at = 0;
    while (at < chunk.length) {
      const header = peekBatchOffsets(chunk, at);
      if (header === null || header.baseOffset >= endOffset) return { chunks: at > 0 ? [...chunks, chunk.subarray(0, at)] : chunks, bytes: bytes + at, nextOffset };
      at += header.sizeBytes;
      nextOffset = header.lastOffset + 1;
    }
    chunks.push(chunk);
    bytes += chunk.length;
  }
  return { chunks, bytes, nextOffset };
}
