/**
 * The retention rules as named predicates over "retention units": the oldest data of a
 * partition, in offset order.
 * - Durable mode: the log on disk is the data (memory only caches its tail), so a unit is a
 *   WAL segment, as in Kafka: a segment goes when its newest batch has expired, or while
 *   the partition is over retention.bytes; the log start moves to the next segment's start.
 * - Memory mode: a unit is a memory batch, or, for data offloaded to disk, a WAL segment
 *   clipped to the offsets below the memory tier. Data in memory goes batch by batch.
 */
import type { PartitionLog } from '../storage/partition-log.js';

export interface RetentionUnit {
  readonly lastOffset: number;
  readonly sizeBytes: number;
  /** Broker clock when the unit's newest batch was appended. */
  readonly lastAppendTimeMs: number;
}

/** Time retention (`retention.ms`; -1 keeps forever): the unit's newest batch is older than that. */
export function isExpired(unit: RetentionUnit, retentionMs: number, nowMs: number): boolean {
  return retentionMs >= 0 && nowMs - unit.lastAppendTimeMs > retentionMs;
}

/** Size retention (`retention.bytes`; -1 = no limit): the partition holds more than that. */
export function exceedsRetentionBytes(retainedBytes: number, retentionBytes: number): boolean {
  return retentionBytes >= 0 && retainedBytes > retentionBytes;
}

/** purge_on_fetch: a Fetch has already returned every batch of the unit whole. */
export function isFullyConsumed(unit: RetentionUnit, fetchedUpTo: number): boolean {
  return unit.lastOffset < fetchedUpTo;
}

/**
 * The partition's data at and after the log start, oldest first (see the file comment). A unit
 * is valid until the next is asked for (the memory batches' are one object, updated in place).
 */
export function* retentionUnits(log: PartitionLog): Generator<RetentionUnit> {
  if (log.isDurable) {
    for (const segment of log.cold?.segments() ?? []) {
      if (segment.nextOffset <= log.logStartOffset || segment.sizeBytes === 0) continue;
      yield { lastOffset: segment.nextOffset - 1, sizeBytes: segment.sizeBytes, lastAppendTimeMs: segment.lastAppendTimeMs };
    }
    return;
  }
  const memoryStart = log.memoryStartOffset;
  for (const segment of log.cold?.segments() ?? []) {
    if (segment.baseOffset >= memoryStart) break;
    const end = Math.min(segment.nextOffset, memoryStart);
    if (end <= log.logStartOffset || segment.sizeBytes === 0) continue;
    yield { lastOffset: end - 1, sizeBytes: segment.sizeBytes, lastAppendTimeMs: segment.lastAppendTimeMs };
  }
  yield* log.memoryBatchExtents();
}

/**
 * Bytes the partition keeps for retention.bytes: segment files, plus (memory mode) the
 * batches held only in memory. Durable-mode memory is a copy of the log and not counted.
 */
export function retainedBytes(log: PartitionLog): number {
  let onDisk = 0;
  for (const segment of log.cold?.segments() ?? []) onDisk += segment.sizeBytes;
  return log.isDurable ? onDisk : onDisk + log.storedBytes;
}
