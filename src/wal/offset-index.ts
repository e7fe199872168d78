/**
 * The sparse offset and time index of one segment, and the segment summary that is saved
 * with it.
 *
 * In memory: one entry per indexed batch, in file order. The segment's first batch is always
 * entry 0 (at position 0; its offset may lie after the segment's base offset in a cleaned segment); after that a batch is indexed when it starts at least INDEX_INTERVAL_BYTES after
 * the previous entry (Kafka's index.interval.bytes). So every batch starts less than
 * INDEX_INTERVAL_BYTES after the entry found for it, and a reader locates any offset with
 * one read of (INDEX_INTERVAL_BYTES + what it wants). Each entry also carries the largest
 * batch maxTimestamp seen *before* it, which makes "first batch with maxTimestamp >= T" a
 * binary search too.
 *
 * On disk (`<20-digit base offset>.index`, written once, when the segment is sealed: at roll
 * and at clean shutdown), big-endian:
 *   0 magic "BLKIDX01" | 8 entryCount u32 | 12 batchCount u32 | 16 baseOffset i64 |
 *   24 nextOffset i64 | 32 logSizeBytes i64 | 40 maxTimestamp i64 | 48 lastAppendTimeMs i64 |
 *   56 entries: (relativeOffset u32, position u32, maxTimestampBefore i64) x entryCount |
 *   CRC-32C (u32) of everything before it.
 * After a crash the index is not trusted blindly: a file whose magic, CRC, base offset or
 * logSizeBytes does not match its .log is discarded and rebuilt by scanning the segment, and
 * the last segment's index is always rebuilt (recovery scans it anyway).
 *
 * Invariants: entries ascend strictly in offset and position; entry 0 is at position 0;
 * maxTimestampBefore never decreases; the entry count is at most 1 + segment bytes / interval.
 */
import { crc32c } from '../record-format/crc32c.js';

export const INDEX_INTERVAL_BYTES = 4096;
const MAGIC = Buffer.from('BLKIDX01', 'latin1');
const HEADER_BYTES = 56;
const ENTRY_BYTES = 16;
const CRC_BYTES = 4;
const INITIAL_CAPACITY = 16;
/** "Nothing before entry 0": smaller than any timestamp a client can send. */
const NO_TIMESTAMP = Number.MIN_SAFE_INTEGER;

/** What a sealed segment says about itself, so that opening it needs no scan. */
export interface SegmentSummary {
  readonly batchCount: number;
  readonly nextOffset: number;
  readonly logSizeBytes: number;
  readonly maxTimestamp: number;
  readonly lastAppendTimeMs: number;
}

export interface IndexPosition {
  /** First offset of the indexed batch. */
  readonly offset: number;
  readonly position: number;
}

export class OffsetIndex {
  private relativeOffsets = new Uint32Array(INITIAL_CAPACITY);
  private positions = new Uint32Array(INITIAL_CAPACITY);
  private maxTimestampsBefore = new Float64Array(INITIAL_CAPACITY);
  private count = 0;

  constructor(readonly baseOffset: number) {}

  get entryCount(): number {
    return this.count;
  }

  /**
   * Called for every batch appended, in order: indexes it when it is the first one or starts
   * INDEX_INTERVAL_BYTES or more after the last entry.
   */
  batchAppended(batchBaseOffset: number, position: number, maxTimestampBefore: number): void {
    if (this.count > 0 && position - this.positions[this.count - 1] < INDEX_INTERVAL_BYTES) return;
    const relative = batchBaseOffset - this.baseOffset;
    if (this.count > 0 && (relative <= this.relativeOffsets[this.count - 1] || position <= this.positions[this.count - 1])) {
      throw new Error(`index entry (${batchBaseOffset}, ${position}) does not ascend`);
    }
    if (this.count === 0 && (relative < 0 || position !== 0)) {
      throw new Error(`first index entry must be at the segment start, got (${batchBaseOffset}, ${position})`);
    }
    this.ensureCapacity(this.count + 1);
    this.relativeOffsets[this.count] = relative;
    this.positions[this.count] = position;
    this.maxTimestampsBefore[this.count] = this.count === 0 ? NO_TIMESTAMP : maxTimestampBefore;
    this.count++;
  }

  /** The last indexed batch whose first offset is <= `offset` (entry 0 for anything smaller). */
  lookupOffset(offset: number): IndexPosition {
    const relative = offset - this.baseOffset;
    const at = this.lastEntryWhere((i) => this.relativeOffsets[i] <= relative);
    return this.entry(at);
  }

  /** The last entry before which every batch has maxTimestamp < `timestamp`: the scan for T starts there. */
  lookupTimestamp(timestamp: number): IndexPosition {
    const at = this.lastEntryWhere((i) => this.maxTimestampsBefore[i] < timestamp);
    return this.entry(at);
  }

  /** The sealed form (see the file comment). */
  serialize(summary: SegmentSummary): Buffer {
    const file = Buffer.alloc(HEADER_BYTES + this.count * ENTRY_BYTES + CRC_BYTES);
    MAGIC.copy(file, 0);
    file.writeUInt32BE(this.count, 8);
    file.writeUInt32BE(summary.batchCount, 12);
    file.writeBigInt64BE(BigInt(this.baseOffset), 16);
    file.writeBigInt64BE(BigInt(summary.nextOffset), 24);
    file.writeBigInt64BE(BigInt(summary.logSizeBytes), 32);
    file.writeBigInt64BE(BigInt(summary.maxTimestamp), 40);
    file.writeBigInt64BE(BigInt(summary.lastAppendTimeMs), 48);
    for (let i = 0; i < this.count; i++) {
      const at = HEADER_BYTES + i * ENTRY_BYTES;
      file.writeUInt32BE(this.relativeOffsets[i], at);
      file.writeUInt32BE(this.positions[i], at + 4);
      file.writeBigInt64BE(BigInt(this.maxTimestampsBefore[i]), at + 8);
    }
    file.writeUInt32BE(crc32c(file.subarray(0, file.length - CRC_BYTES)), file.length - CRC_BYTES);
    return file;
  }

  /**
   * The index and summary saved for the segment at `baseOffset` whose .log has
   * `logSizeBytes`, or null when the file does not describe exactly that segment.
   */
  static deserialize(file: Buffer, baseOffset: number, logSizeBytes: number): { index: OffsetIndex; summary: SegmentSummary } | null {
    if (file.length < HEADER_BYTES + CRC_BYTES || !file.subarray(0, 8).equals(MAGIC)) return null;
    const entryCount = file.readUInt32BE(8);
    if (file.length !== HEADER_BYTES + entryCount * ENTRY_BYTES + CRC_BYTES) return null;
    if (crc32c(file.subarray(0, file.length - CRC_BYTES)) !== file.readUInt32BE(file.length - CRC_BYTES)) return null;
    const summary: SegmentSummary = {
      batchCount: file.readUInt32BE(12),
      nextOffset: Number(file.readBigInt64BE(24)),
      logSizeBytes: Number(file.readBigInt64BE(32)),
      maxTimestamp: Number(file.readBigInt64BE(40)),
      lastAppendTimeMs: Number(file.readBigInt64BE(48)),
    };
    if (Number(file.readBigInt64BE(16)) !== baseOffset || summary.logSizeBytes !== logSizeBytes) return null;
    if (entryCount === 0 && logSizeBytes > 0) return null;
    const index = new OffsetIndex(baseOffset);
    try {
      for (let i = 0; i < entryCount; i++) {
        const at = HEADER_BYTES + i * ENTRY_BYTES;
        index.restoreEntry(file.readUInt32BE(at), file.readUInt32BE(at + 4), Number(file.readBigInt64BE(at + 8)), logSizeBytes);
      }
    } catch {
      return null;
    }
    return { index, summary };
  }

  private restoreEntry(relativeOffset: number, position: number, maxTimestampBefore: number, logSizeBytes: number): void {
    if (position >= logSizeBytes) throw new Error(`index position ${position} beyond the log's ${logSizeBytes} bytes`);
    const last = this.count - 1;
    if (this.count === 0 ? position !== 0 : relativeOffset <= this.relativeOffsets[last] || position <= this.positions[last]) {
      throw new Error('index entries do not ascend');
    }
    this.ensureCapacity(this.count + 1);
    this.relativeOffsets[this.count] = relativeOffset;
    this.positions[this.count] = position;
    this.maxTimestampsBefore[this.count] = this.count === 0 ? NO_TIMESTAMP : maxTimestampBefore;
    this.count++;
  }

  private entry(at: number): IndexPosition {
    if (at < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.relativeOffsets[at], position: this.positions[at] };
  }

  /** Binary search over a predicate that holds for a prefix of the entries; -1 when for none. */
  private lastEntryWhere(holds: (entry: number) => boolean): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (holds(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private ensureCapacity(wanted: number): void {
    if (wanted <= this.relativeOffsets.length) return;
    const capacity = Math.max(wanted, this.relativeOffsets.length * 2);
    const grow = <T extends Uint32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.relativeOffsets = grow(this.relativeOffsets, (n) => new Uint32Array(n));
    this.positions = grow(this.positions, (n) => new Uint32Array(n));
    this.maxTimestampsBefore = grow(this.maxTimestampsBefore, (n) => new Float64Array(n));
  }
}
