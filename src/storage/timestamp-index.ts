/**
 * ListOffsets by time over both tiers. Batches are found by their maxTimestamp: in memory by
 * a scan of the memory batches' headers in place, past the blocks whose largest is too small
 * (PartitionLog `memoryBatchWithTimestampAtLeast`, memory-batches.ts), on disk through the
 * WAL's time index (ColdTier findBatchByTimestamp) when the log has data below the memory tier. Inside an uncompressed
 * batch the exact record is found by scanning its record headers. Inside a compressed batch
 * Blink answers the batch's base offset (the first offset that may hold the timestamp), so a
 * consumer seeking there may see a few earlier records. Answers are synchronous unless the
 * disk must be read.
 */
import { ATTR_TIMESTAMP_LOG_APPEND, Compression, maxTimestampOf, RecordBatchView, recordPositions } from '../record-format/record-batch.js';
import type { PartitionLog } from './partition-log.js';

export interface OffsetAndTimestamp {
  readonly offset: number;
  readonly timestamp: number;
}

export const NOT_FOUND: OffsetAndTimestamp = { offset: -1, timestamp: -1 };

/** First record with timestamp >= `timestamp` (ListOffsets with a real timestamp). */
export function offsetForTimestamp(log: PartitionLog, timestamp: number): OffsetAndTimestamp | Promise<OffsetAndTimestamp> {
  const cold = log.cold;
  if (cold === null || log.logStartOffset >= log.memoryStartOffset) return offsetInMemory(log, timestamp);
  return cold.findBatchByTimestamp(timestamp).then((bytes) => {
    if (bytes !== null) {
      const batch = new RecordBatchView(bytes);
      const found = offsetInBatch(batch, batch.baseOffset, batch.baseOffset + batch.lastOffsetDelta, log.logStartOffset, timestamp);
      if (found !== null && found.offset < log.memoryStartOffset) return found;
    }
    return offsetInMemory(log, timestamp);
  });
}

/** The batches whose max timestamp is below `timestamp` are passed over in place (no view each). */
function offsetInMemory(log: PartitionLog, timestamp: number): OffsetAndTimestamp {
  let stored = log.memoryBatchWithTimestampAtLeast(timestamp, log.logStartOffset);
  while (stored !== undefined) {
    const found = offsetInBatch(new RecordBatchView(stored.buffer), stored.baseOffset, stored.lastOffset, log.logStartOffset, timestamp);
    if (found !== null) return found;
    stored = log.memoryBatchWithTimestampAtLeast(timestamp, stored.lastOffset + 1);
  }
  return NOT_FOUND;
}

/** The first record of `batch` at or after the log start with timestamp >= `timestamp` (see the file comment). */
function offsetInBatch(batch: RecordBatchView, baseOffset: number, lastOffset: number, logStartOffset: number, timestamp: number): OffsetAndTimestamp | null {
  if (lastOffset < logStartOffset) return null;
  if (batch.compression !== Compression.None) return { offset: Math.max(baseOffset, logStartOffset), timestamp: batch.maxTimestamp };
  for (const record of recordPositions(batch)) {
    const offset = baseOffset + record.offsetDelta;
    if (record.timestamp >= timestamp && offset >= logStartOffset) return { offset, timestamp: record.timestamp };
  }
  return null;
}

/** The record with the largest timestamp (ListOffsets v7+, timestamp -3). */
export function offsetOfMaxTimestamp(log: PartitionLog): OffsetAndTimestamp | Promise<OffsetAndTimestamp> {
  const inMemory = maxInMemory(log);
  const cold = log.cold;
  if (cold === null || log.logStartOffset >= log.memoryStartOffset) return inMemory;
  let coldMax = -1;
  for (const segment of cold.segments()) {
    if (segment.baseOffset < log.memoryStartOffset && segment.nextOffset > log.logStartOffset) coldMax = Math.max(coldMax, segment.maxTimestamp);
  }
  if (coldMax <= inMemory.timestamp) return inMemory;
  return cold.findBatchByTimestamp(coldMax).then((bytes) => (bytes === null ? inMemory : maxInBatch(new RecordBatchView(bytes))));
}

/** The first batch with the largest max timestamp, when that is >= 0 (NOT_FOUND's -1: no timestamp). */
function maxInMemory(log: PartitionLog): OffsetAndTimestamp {
  const stored = log.memoryBatchWithLargestTimestamp();
  return stored === undefined || maxTimestampOf(stored.buffer) <= NOT_FOUND.timestamp ? NOT_FOUND : maxInBatch(new RecordBatchView(stored.buffer));
}

function maxInBatch(batch: RecordBatchView): OffsetAndTimestamp {
  const lastOffset = batch.baseOffset + batch.lastOffsetDelta;
  if (batch.compression === Compression.None) {
    for (const record of recordPositions(batch)) {
      if (record.timestamp === batch.maxTimestamp) return { offset: batch.baseOffset + record.offsetDelta, timestamp: record.timestamp };
    }
  }
  return { offset: lastOffset, timestamp: batch.maxTimestamp };
}

/**
 * The timestamp of the record at `offset` in a stored batch (consumer lag in seconds). Inside
 * a compressed batch it is the batch's first timestamp: the earliest the record can have,
 * read without decompressing.
 */
export function recordTimestamp(bytes: Buffer, offset: number): number {
  const batch = new RecordBatchView(bytes);
  if ((batch.attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0) return batch.maxTimestamp;
  if (batch.compression !== Compression.None) return batch.baseTimestamp;
  for (const record of recordPositions(batch)) {
    if (batch.baseOffset + record.offsetDelta >= offset) return record.timestamp;
  }
  return batch.maxTimestamp;
}
