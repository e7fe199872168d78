/**
 * Reads a segment's batches from the start and checks each one, for recovery and for
 * rebuilding a missing index. A batch is accepted only if its 61-byte header is complete,
 * its length is within 61..BATCH_BYTES_MAX and inside the file, its magic is 2, its base
 * offset follows the previous batch (at or after the segment's base offset for the first one;
 * a gap is what log compaction leaves where it removed whole batches),
 * its last offset delta is not negative, and its CRC-32C matches. The scan stops at the
 * first batch that fails: everything from there on is the torn or corrupt tail.
 *
 * Bounded: the file is read in chunks of SCAN_CHUNK_BYTES (a larger batch gets one read of
 * exactly its size, at most BATCH_BYTES_MAX).
 */
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, RecordBatchView } from '../record-format/record-batch.js';
import type { WalFile } from './wal-file-system.js';

/** Kafka's socket.request.max.bytes: no stored batch can be larger than a request. */
export const BATCH_BYTES_MAX = 100 * 1024 * 1024;
export const SCAN_CHUNK_BYTES = 8 * 1024 * 1024;
/** Size and offsets of the batch at `at`, from its first 27 bytes (no CRC check), or null if fewer remain. */
export { BATCH_OFFSETS_HEADER_BYTES, peekBatchOffsets as peekBatch } from '../record-format/record-batch.js';

export interface ScannedBatch {
  readonly view: RecordBatchView;
  readonly position: number;
  readonly lastOffset: number;
}

export interface ScanResult {
  /** Bytes from the start that hold whole, valid batches. */
  readonly validBytes: number;
  readonly nextOffset: number;
  readonly batchCount: number;
  readonly maxTimestamp: number;
  /** Why the scan stopped before the end of the file, or null when every byte was valid. */
  readonly problem: string | null;
}

/** Why `batch` (whose length was already checked) is not acceptable at this point of the segment, or null. */
function batchProblem(batch: RecordBatchView, expectedBaseOffset: number): string | null {
  if (batch.magic !== 2) return `magic ${batch.magic}`;
  if (batch.baseOffset < expectedBaseOffset) return `base offset ${batch.baseOffset} where ${expectedBaseOffset} or later was expected`;
  if (batch.lastOffsetDelta < 0) return `negative last offset delta ${batch.lastOffsetDelta}`;
  if (!batch.hasValidCrc()) return 'CRC-32C mismatch';
  return null;
}

/**
 * Scans `file` (of `fileSizeBytes`) from position 0, calling `visit` for every valid batch
 * in order. The views passed to `visit` are only valid during the call.
 */
export async function scanSegment(
  file: WalFile,
  fileSizeBytes: number,
  baseOffset: number,
  visit: (batch: ScannedBatch) => void,
): Promise<ScanResult> {
  let position = 0;
  let nextOffset = baseOffset;
  let batchCount = 0;
  let maxTimestamp = -1;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;
  while (position < fileSizeBytes) {
    const remaining = fileSizeBytes - position;
    if (remaining < BATCH_HEADER_BYTES) return stop(`${remaining} trailing bytes are shorter than a batch header`);
    if (position + BATCH_HEADER_BYTES > chunkStart + chunk.length) {
      chunk = await readAt(file, position, Math.min(SCAN_CHUNK_BYTES, remaining));
      chunkStart = position;
    }
    const sizeBytes = BATCH_LOG_OVERHEAD + chunk.readInt32BE(position - chunkStart + 8);
    if (sizeBytes < BATCH_HEADER_BYTES || sizeBytes > BATCH_BYTES_MAX) return stop(`batch length ${sizeBytes} is not plausible`);
    if (sizeBytes > remaining) return stop(`batch of ${sizeBytes} bytes runs past the end of the file (${remaining} bytes left)`);
    if (position + sizeBytes > chunkStart + chunk.length) {
      chunk = await readAt(file, position, Math.max(sizeBytes, Math.min(SCAN_CHUNK_BYTES, remaining)));
      chunkStart = position;
    }
    const view = new RecordBatchView(chunk.subarray(position - chunkStart, position - chunkStart + sizeBytes));
    const problem = batchProblem(view, nextOffset);
    if (problem !== null) return stop(problem);
    const lastOffset = view.baseOffset + view.lastOffsetDelta;
    visit({ view, position, lastOffset });
    maxTimestamp = Math.max(maxTimestamp, view.maxTimestamp);
    batchCount++;
    nextOffset = lastOffset + 1;
    position += sizeBytes;
  }
  return stop(null);

  function stop(problem: string | null): ScanResult {
    return {
      validBytes: position,
      nextOffset,
      batchCount,
      maxTimestamp,
      problem: problem === null ? null : `at byte ${position} (offset ${nextOffset}): ${problem}`,
    };
  }
}

async function readAt(file: WalFile, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  const read = await file.read(buffer, position);
  if (read !== length) throw new Error(`segment shrank while being scanned: ${read} of ${length} bytes at ${position}`);
  return buffer;
}
