/**
 * ListOffsets by time over the memory tier. Batches are found by their maxTimestamp; inside
 * an uncompressed batch the exact record is found by scanning its record headers. Inside a
 * compressed batch Blink answers the batch's base offset (the first offset that may hold
 * the timestamp), so a consumer seeking there may see a few earlier records.
 */
import { Compression, RecordBatchView, recordPositions } from '../kafka/protocol/record-batch.js';
import type { PartitionLog } from './partition-log.js';

export interface OffsetAndTimestamp {
  readonly offset: number;
  readonly timestamp: number;
}

export const NOT_FOUND: OffsetAndTimestamp = { offset: -1, timestamp: -1 };

/** First record with timestamp >= `timestamp` (ListOffsets with a real timestamp). */
export function offsetForTimestamp(log: PartitionLog, timestamp: number): OffsetAndTimestamp {
  for (const stored of log.liveBatches()) {
    if (stored.maxTimestamp < timestamp) continue;
    const batch = new RecordBatchView(stored.buffer);
    if (batch.compression !== Compression.None) {
      return { offset: Math.max(stored.baseOffset, log.logStartOffset), timestamp: stored.maxTimestamp };
    }
    for (const record of recordPositions(batch)) {
      const offset = stored.baseOffset + record.offsetDelta;
      if (record.timestamp >= timestamp && offset >= log.logStartOffset) return { offset, timestamp: record.timestamp };
    }
  }
  return NOT_FOUND;
}

/** The record with the largest timestamp (ListOffsets v7+, timestamp -3). */
export function offsetOfMaxTimestamp(log: PartitionLog): OffsetAndTimestamp {
  let best: OffsetAndTimestamp = NOT_FOUND;
  for (const stored of log.liveBatches()) {
    if (stored.maxTimestamp <= best.timestamp) continue;
    const batch = new RecordBatchView(stored.buffer);
    best = { offset: stored.lastOffset, timestamp: stored.maxTimestamp };
    if (batch.compression === Compression.None) {
      for (const record of recordPositions(batch)) {
        if (record.timestamp === stored.maxTimestamp) {
          best = { offset: stored.baseOffset + record.offsetDelta, timestamp: record.timestamp };
          break;
        }
      }
    }
  }
  return best;
}
