/**
 * Reads whole record batches out of one segment's .log file for Fetch. Starting from the
 * index position found for the wanted offset (at most INDEX_INTERVAL_BYTES before the batch
 * holding it), one read of INDEX_INTERVAL_BYTES + maxBytes locates that batch and returns
 * it with the whole batches after it that fit; an oversized first batch (KIP-74) costs one
 * more read of exactly its size. The chunks returned are views of the read buffer: the
 * response is written from them without copying again. A Fetch reads into scratch memory its
 * pin lends (storage/batch-memory.ts), so read buffers are reused rather than left to the GC.
 *
 * Bounded: a read is at most INDEX_INTERVAL_BYTES + BATCH_HEADER_BYTES + maxBytes, or one
 * batch (at most BATCH_BYTES_MAX). Only bytes below `endBytes` (what was written, and synced
 * when the policy says so) are read.
 */
import { BATCH_HEADER_BYTES } from '../record-format/record-batch.js';
import type { ScratchMemory } from '../storage/batch-memory.js';
import type { ReadResult } from '../storage/partition-log.js';
import { INDEX_INTERVAL_BYTES, type IndexPosition } from './offset-index.js';
import { BATCH_BYTES_MAX, peekBatch } from './segment-scanner.js';
import type { WalFile } from './wal-file-system.js';

/** Locating a batch needs one read unless the index is stale; this bounds the loop if it is. */
const LOCATE_READS_MAX = 64;

export interface SegmentRead {
  readonly offset: number;
  readonly from: IndexPosition;
  readonly endBytes: number;
  readonly maxBytes: number;
  readonly includeOversizedFirst: boolean;
  /** Where the read buffers come from (fresh Buffers without it). */
  readonly scratch?: ScratchMemory;
}

export class SegmentReader {
  constructor(private readonly file: WalFile) {}

  /** Exactly `length` bytes at `position` (throws if the file is shorter). */
  async readExactly(position: number, length: number, scratch?: ScratchMemory): Promise<Buffer> {
    const buffer = scratch === undefined ? Buffer.allocUnsafeSlow(length) : scratch.borrow(length);
    const read = await this.file.read(buffer, position);
    if (read !== length) throw new Error(`short read: ${read} of ${length} bytes at ${position}`);
    return buffer;
  }

  async readBatches(request: SegmentRead): Promise<ReadResult> {
    let position = request.from.position;
    for (let reads = 0; position < request.endBytes && reads < LOCATE_READS_MAX; reads++) {
      const length = Math.min(request.endBytes - position, INDEX_INTERVAL_BYTES + BATCH_HEADER_BYTES + request.maxBytes);
      const buffer = await this.readExactly(position, length, request.scratch);
      let at = 0;
      let batch = peekBatch(buffer, at);
      while (batch !== null && batch.lastOffset < request.offset) {
        at += batch.sizeBytes;
        batch = peekBatch(buffer, at);
      }
      if (batch === null) {
        // The next header lies past this read (a batch larger than the read was skipped).
        if (at === 0) break;
        position += at;
        continue;
      }
      return this.wholeBatchesFrom(buffer, at, position, request);
    }
    return { chunks: [], bytes: 0, nextOffset: request.offset };
  }

  private async wholeBatchesFrom(buffer: Buffer, first: number, bufferPosition: number, request: SegmentRead): Promise<ReadResult> {
    let at = first;
    let nextOffset = request.offset;
    let batch = peekBatch(buffer, at);
    while (batch !== null && at + batch.sizeBytes <= buffer.length && at + batch.sizeBytes - first <= request.maxBytes) {
      at += batch.sizeBytes;
      nextOffset = batch.lastOffset + 1;
      batch = peekBatch(buffer, at);
    }
    if (at > first) return { chunks: [buffer.subarray(first, at)], bytes: at - first, nextOffset };
    return this.oversizedFirst(request, bufferPosition + first);
  }

  /** KIP-74: the first batch alone when it is larger than maxBytes (or than the first read). */
  private async oversizedFirst(request: SegmentRead, position: number): Promise<ReadResult> {
    const header = await this.readExactly(position, BATCH_HEADER_BYTES, request.scratch);
    const batch = peekBatch(header, 0);
    if (batch === null || batch.sizeBytes > BATCH_BYTES_MAX || position + batch.sizeBytes > request.endBytes) {
      throw new Error(`segment holds no whole batch at byte ${position}`);
    }
    if (batch.sizeBytes > request.maxBytes && !request.includeOversizedFirst) {
      return { chunks: [], bytes: 0, nextOffset: request.offset };
    }
    const whole = await this.readExactly(position, batch.sizeBytes, request.scratch);
    return { chunks: [whole], bytes: whole.length, nextOffset: batch.lastOffset + 1 };
  }
}
