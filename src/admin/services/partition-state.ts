import type { PartitionStateDto } from '../dto/storage.dto.js';
import type { PartitionLog } from '../../storage/partition-log.js';

/** One partition's offsets and what each tier holds of it (`/dump`, topic descriptions). */
export function partitionState(log: PartitionLog): PartitionStateDto {
  const segments = log.cold?.segments() ?? [];
  return {
    partition: log.partition,
    logStartOffset: log.logStartOffset,
    memoryStartOffset: log.memoryStartOffset,
    highWatermark: log.highWatermark,
    logEndOffset: log.logEndOffset,
    records: log.highWatermark - log.logStartOffset,
    memory: { bytes: log.storedBytes, batches: log.batchCount },
    wal: {
      bytes: segments.reduce((sum, s) => sum + s.sizeBytes, 0),
      batches: segments.reduce((sum, s) => sum + s.batchCount, 0),
      segments: segments.map(({ baseOffset, nextOffset, sizeBytes, batchCount }) => ({ baseOffset, nextOffset, sizeBytes, batchCount })),
    },
  };
}

/** Bytes of the partition's WAL segment files. */
export function walBytes(log: PartitionLog): number {
  return (log.cold?.segments() ?? []).reduce((sum, s) => sum + s.sizeBytes, 0);
}
