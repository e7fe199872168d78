/**
 * One segment of a partition's WAL: a .log file of record batches exactly as stored in
 * memory (producer bytes, broker-assigned base offsets), its sparse index, and a summary.
 *
 * Files, in the partition directory `<record_storage_path>/<topic>-<partition>/`:
 *   `<base offset, 20 digits>.log`      concatenated magic-2 record batches, nothing else;
 *   `<base offset, 20 digits>.index`    the index and summary, written when the segment is
 *                                       sealed (see offset-index.ts);
 *   `<base offset, 20 digits>.snapshot` idempotent-producer state as of the segment's first
 *                                       offset (JSON), written when the segment is created
 *                                       by a roll (see partition-wal.ts);
 *   `<base offset, 20 digits>.txnindex` the aborted transactions whose marker is in the
 *                                       segment (JSON), written before it is sealed, only
 *                                       when it has any (see partition-wal.ts).
 * After a crash: a sealed segment with a matching .index is opened without reading its .log;
 * any other segment is scanned batch by batch (length, magic, offset continuity, CRC-32C),
 * its torn or corrupt tail is truncated and its index rebuilt (segment-scanner.ts).
 *
 * Invariants: batch offsets ascend from baseOffset (gaps are offsets the log cleaner removed
 * or memory mode purged; `nextOffset` is where the last batch ends); `sizeBytes` is what readers may see: bytes of completed writes
 * (synced first when the policy is fsync-always); only the active segment is written; a
 * deleted segment closes its file once its last reader is done.
 */
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { maxTimestampOf } from '../record-format/record-batch.js';
import type { ScratchMemory } from '../storage/batch-memory.js';
import type { ReadResult } from '../storage/partition-log.js';
import type { StoredBatch } from '../storage/stored-batch.js';
import { OffsetIndex, type SegmentSummary } from './offset-index.js';
import { SegmentReader } from './segment-reader.js';
import { BATCH_BYTES_MAX, peekBatch, scanSegment, type ScannedBatch } from './segment-scanner.js';
import { SegmentWriter } from './segment-writer.js';
import type { WalFile, WalFileSystem } from './wal-file-system.js';

const OFFSET_DIGITS = 20;
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const SNAPSHOT_SUFFIX = '.snapshot';
export const TXN_INDEX_SUFFIX = '.txnindex';

/** `00000000000000001234` + suffix: names sort in offset order, as Kafka's do. */
export function segmentFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(OFFSET_DIGITS, '0')}${suffix}`;
}

/** The base offset of a `<20 digits>.log` name, or null for any other name. */
export function parseSegmentFileName(name: string): number | null {
  const match = /^(\d{20})\.log$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** What recovery cut from a segment's tail. */
export interface TailCut {
  readonly position: number;
  readonly bytes: number;
  readonly reason: string;
}

export class Segment {
  private readonly index: OffsetIndex;
  private readonly reader: SegmentReader;
  private writer: SegmentWriter | null = null;
  private readers = 0;
  /** Deleted or closed: the file is closed as soon as no read is in flight. */
  private retired = false;
  private deleted = false;
  private closed = false;
  nextOffset: number;
  batchCount: number;
  maxTimestamp: number;
  lastAppendTimeMs: number;
  sizeBytes: number;

  private constructor(
    private readonly fs: WalFileSystem,
    readonly directory: string,
    readonly baseOffset: number,
    private readonly file: WalFile,
    index: OffsetIndex,
    summary: SegmentSummary,
    /** Broker clock when the segment was created (or recovered): segment.ms counts from here. */
    readonly createdAtMs: number,
  ) {
    this.index = index;
    this.reader = new SegmentReader(file);
    this.nextOffset = summary.nextOffset;
    this.batchCount = summary.batchCount;
    this.maxTimestamp = summary.maxTimestamp;
    this.lastAppendTimeMs = summary.lastAppendTimeMs;
    this.sizeBytes = summary.logSizeBytes;
  }

  get logPath(): string {
    return join(this.directory, segmentFileName(this.baseOffset, LOG_SUFFIX));
  }

  get indexPath(): string {
    return join(this.directory, segmentFileName(this.baseOffset, INDEX_SUFFIX));
  }

  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }

  /** Its data file is gone (delete); a close leaves it. */
  get isDeleted(): boolean {
    return this.deleted;
  }

  /** Only the active (last) segment takes writes; a sealed one never again. */
  get isWritable(): boolean {
    return this.writer !== null;
  }

  get hasUnsyncedWrites(): boolean {
    return this.writer?.hasUnsyncedWrites ?? false;
  }

  /** A new, empty, writable segment. */
  static create(fs: WalFileSystem, directory: string, baseOffset: number, nowMs: number): Promise<Segment> {
    return Segment.createAt(fs, directory, baseOffset, nowMs, segmentFileName(baseOffset, LOG_SUFFIX), nowMs);
  }

  /**
   * A new, empty, writable segment in file `fileName` of the directory (the log cleaner writes
   * a segment under a temporary name and renames it to `<base>.log` once it is whole), whose
   * last append time starts at `lastAppendTimeMs`.
   */
  static async createAt(fs: WalFileSystem, directory: string, baseOffset: number, nowMs: number, fileName: string, lastAppendTimeMs: number): Promise<Segment> {
    const file = await fs.openFile(join(directory, fileName));
    await file.truncate(0);
    const summary: SegmentSummary = { batchCount: 0, nextOffset: baseOffset, logSizeBytes: 0, maxTimestamp: -1, lastAppendTimeMs };
    const segment = new Segment(fs, directory, baseOffset, file, new OffsetIndex(baseOffset), summary, nowMs);
    segment.writer = new SegmentWriter(file, 0);
    return segment;
  }

  /** A sealed segment: from its saved index when that matches the .log, else by scanning (then resealed). */
  static async openSealed(fs: WalFileSystem, directory: string, baseOffset: number, nowMs: number, log: Logger): Promise<Segment> {
    const file = await fs.openFile(join(directory, segmentFileName(baseOffset, LOG_SUFFIX)));
    const sizeBytes = await file.sizeBytes();
    const saved = await fs.readWhole(join(directory, segmentFileName(baseOffset, INDEX_SUFFIX)));
    const loaded = saved === null ? null : OffsetIndex.deserialize(saved, baseOffset, sizeBytes);
    if (loaded !== null) return new Segment(fs, directory, baseOffset, file, loaded.index, loaded.summary, nowMs);
    log.warn(`${directory}/${segmentFileName(baseOffset, LOG_SUFFIX)}: index missing or stale, rebuilding it from the log`);
    const { segment, cut } = await Segment.scanned(fs, directory, baseOffset, file, sizeBytes, nowMs, () => undefined);
    if (cut !== null) {
      // Only an OS crash without fsync can tear a sealed segment; what follows it is kept (offsets jump).
      log.warn(`${directory}/${segmentFileName(baseOffset, LOG_SUFFIX)}: cut ${cut.bytes} bytes of a sealed segment ${cut.reason}`);
      await file.truncate(segment.sizeBytes);
    }
    await segment.seal(false).catch((error: unknown) => log.warn(`${segment.indexPath}: could not save the rebuilt index: ${(error as Error).message}`));
    return segment;
  }

  /**
   * The last segment after a restart: every batch checked, a bad tail truncated (and
   * reported), the index rebuilt. The segment stays writable. `visit` sees every valid batch.
   */
  static async recoverLast(
    fs: WalFileSystem,
    directory: string,
    baseOffset: number,
    nowMs: number,
    visit: (batch: ScannedBatch) => void,
  ): Promise<{ segment: Segment; cut: TailCut | null }> {
    const file = await fs.openFile(join(directory, segmentFileName(baseOffset, LOG_SUFFIX)));
    const sizeBytes = await file.sizeBytes();
    const recovered = await Segment.scanned(fs, directory, baseOffset, file, sizeBytes, nowMs, visit);
    if (recovered.cut !== null) {
      await file.truncate(recovered.segment.sizeBytes);
      await file.datasync();
    }
    recovered.segment.writer = new SegmentWriter(file, recovered.segment.sizeBytes);
    await fs.deleteFile(recovered.segment.indexPath);
    return recovered;
  }

  private static async scanned(
    fs: WalFileSystem,
    directory: string,
    baseOffset: number,
    file: WalFile,
    sizeBytes: number,
    nowMs: number,
    visit: (batch: ScannedBatch) => void,
  ): Promise<{ segment: Segment; cut: TailCut | null }> {
    const index = new OffsetIndex(baseOffset);
    let maxTimestampSoFar = -1;
    const scan = await scanSegment(file, sizeBytes, baseOffset, (batch) => {
      index.batchAppended(batch.view.baseOffset, batch.position, maxTimestampSoFar);
      maxTimestampSoFar = Math.max(maxTimestampSoFar, batch.view.maxTimestamp);
      visit(batch);
    });
    // The broker's append times are not in the batches: the file's last write stands in.
    const lastAppendTimeMs = Math.min(nowMs, await file.modifiedAtMs());
    const summary: SegmentSummary = {
      batchCount: scan.batchCount,
      nextOffset: scan.nextOffset,
      logSizeBytes: scan.validBytes,
      maxTimestamp: scan.maxTimestamp,
      lastAppendTimeMs: Math.floor(lastAppendTimeMs),
    };
    const cut = scan.problem === null ? null : { position: scan.validBytes, bytes: sizeBytes - scan.validBytes, reason: scan.problem };
    return { segment: new Segment(fs, directory, baseOffset, file, index, summary, nowMs), cut };
  }

  /**
   * Appends contiguous batches (the first continues this segment) with one write, syncs
   * when asked, and only then makes them visible to readers and to the index.
   */
  async append(batches: readonly StoredBatch[], sync: boolean): Promise<void> {
    const writer = this.writer;
    if (writer === null) throw new Error(`segment ${this.baseOffset} is sealed`);
    if (batches[0].baseOffset < this.nextOffset) {
      throw new Error(`append at offset ${batches[0].baseOffset} to a segment that ends at ${this.nextOffset}`);
    }
    let bytes = 0;
    for (const batch of batches) bytes += batch.buffer.length;
    await writer.append(batches.map((batch) => batch.buffer), bytes);
    if (sync) await writer.sync();
    let position = this.sizeBytes;
    for (const batch of batches) {
      this.index.batchAppended(batch.baseOffset, position, this.maxTimestamp);
      position += batch.buffer.length;
      this.maxTimestamp = Math.max(this.maxTimestamp, maxTimestampOf(batch.buffer));
      this.lastAppendTimeMs = Math.max(this.lastAppendTimeMs, batch.appendTimeMs);
      this.nextOffset = batch.lastOffset + 1;
    }
    this.batchCount += batches.length;
    this.sizeBytes = position;
  }

  async sync(): Promise<void> {
    await this.writer?.sync();
  }

  /** After a failed write: cut whatever it may have left behind. */
  async discardUnacknowledgedTail(): Promise<void> {
    await this.writer?.discardTail();
  }

  /** Ends writing: (sync and) save the index with the summary. Stays writable if that fails. */
  async seal(sync: boolean): Promise<void> {
    if (sync) await this.writer?.sync();
    const summary: SegmentSummary = {
      batchCount: this.batchCount,
      nextOffset: this.nextOffset,
      logSizeBytes: this.sizeBytes,
      maxTimestamp: this.maxTimestamp,
      lastAppendTimeMs: this.lastAppendTimeMs,
    };
    await this.fs.writeAtomically(this.indexPath, this.index.serialize(summary), sync);
    this.writer = null;
  }

  /** Every batch of the segment, checked as recovery checks them; call between retain and release. */
  async scan(visit: (batch: ScannedBatch) => void): Promise<void> {
    await scanSegment(this.file, this.sizeBytes, this.baseOffset, visit);
  }

  /** Keeps the file open for a read that has not started yet (pair with `release`). */
  retain(): void {
    this.readers++;
  }

  async release(): Promise<void> {
    this.readers--;
    if (this.retired && this.readers === 0) await this.closeFile();
  }

  /** Whole batches from the one holding `offset` (which this segment must hold); call between retain and release. */
  read(offset: number, maxBytes: number, includeOversizedFirst: boolean, scratch?: ScratchMemory): Promise<ReadResult> {
    return this.reader.readBatches({
      offset,
      from: this.index.lookupOffset(offset),
      endBytes: this.sizeBytes,
      maxBytes,
      includeOversizedFirst,
      scratch,
    });
  }

  /** The file position from which a scan for the first batch with maxTimestamp >= `timestamp` starts. */
  timestampScanStart(timestamp: number): number {
    return this.index.lookupTimestamp(timestamp).position;
  }

  /** Up to `length` bytes at `position`, never past `sizeBytes`; call between retain and release. */
  readRange(position: number, length: number): Promise<Buffer> {
    return this.reader.readExactly(position, Math.max(0, Math.min(length, this.sizeBytes - position)));
  }

  /**
   * Whole batches from file position `position` (a batch start), at most `maxBytes` unless the
   * first batch alone is larger (then just it): the log cleaner reads a sealed segment with
   * this. Empty at the end of the segment. Call between retain and release.
   */
  async readWholeBatches(position: number, maxBytes: number): Promise<{ chunk: Buffer; nextPosition: number }> {
    if (position >= this.sizeBytes) return { chunk: Buffer.alloc(0), nextPosition: position };
    const buffer = await this.readRange(position, maxBytes);
    let at = 0;
    for (let batch = peekBatch(buffer, 0); batch !== null && at + batch.sizeBytes <= buffer.length; batch = peekBatch(buffer, at)) at += batch.sizeBytes;
    if (at > 0) return { chunk: buffer.subarray(0, at), nextPosition: position + at };
    const first = peekBatch(buffer, 0);
    if (first === null || first.sizeBytes > BATCH_BYTES_MAX) throw new Error(`${this.logPath}: no whole batch at byte ${position}`);
    const whole = await this.readRange(position, first.sizeBytes);
    if (whole.length !== first.sizeBytes) throw new Error(`${this.logPath}: batch at byte ${position} runs past the segment`);
    return { chunk: whole, nextPosition: position + whole.length };
  }

  /**
   * Removes the files (the producer snapshot and aborted transactions too, unless
   * `keepSnapshot`: a cleaned segment that replaces this one keeps its base offset, and the
   * cleaner dropped the aborted data of what it merged); the descriptor stays open for
   * readers in flight. The data file goes first: if it cannot be removed, the call rejects with
   * the segment as it was (`isDeleted` false: readable, and to be deleted again later).
   */
  async delete(keepSnapshot = false): Promise<void> {
    await this.fs.deleteFile(this.logPath);
    this.deleted = true;
    this.retired = true;
    this.writer = null;
    await this.fs.deleteFile(this.indexPath);
    if (!keepSnapshot) {
      await this.fs.deleteFile(join(this.directory, segmentFileName(this.baseOffset, SNAPSHOT_SUFFIX)));
      await this.fs.deleteFile(join(this.directory, segmentFileName(this.baseOffset, TXN_INDEX_SUFFIX)));
    }
    if (this.readers === 0) await this.closeFile();
  }

  async close(): Promise<void> {
    this.retired = true;
    this.writer = null;
    if (this.readers === 0) await this.closeFile();
  }

  private async closeFile(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}
