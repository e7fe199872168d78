/**
 * The log cleaner's rules for one partition, as named predicates over its two tiers
 * (Kafka's LogCleanerManager): where cleaning must stop, how dirty the partition is, and
 * whether it is worth a pass.
 * - The cleanable range ends at the head: durable mode, the WAL's active segment; memory
 *   mode, the memory tier's head (PartitionLog.headStartOffset); before the first unstable
 *   offset (an open transaction), and before any data younger than min.compaction.lag.ms.
 * - The dirty section starts where the last pass mapped up to (the clean section lies below).
 * - A partition is cleaned when its dirty share exceeds min.cleanable.dirty.ratio, when its
 *   oldest dirty data is older than max.compaction.lag.ms, or when a delete horizon it
 *   carries has passed (so tombstones go once delete.retention.ms is over).
 * Bytes: durable mode counts the WAL segments (memory is a cache of them); memory mode counts
 * segments below the memory tier and the memory batches. A segment that lies partly in a
 * range counts in proportion of its offsets.
 */
import type { ColdSegmentInfo } from '../storage/cold-tier.js';
import type { PartitionLog } from '../storage/partition-log.js';

/** The topic configs the cleaner reads, parsed. */
export interface CompactionConfig {
  readonly minCleanableRatio: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  readonly deleteRetentionMs: number;
  readonly segmentBytes: number;
}

export function compactionConfigOf(configs: ReadonlyMap<string, string>): CompactionConfig {
  return {
    minCleanableRatio: Number(configs.get('min.cleanable.dirty.ratio')),
    minCompactionLagMs: Number(configs.get('min.compaction.lag.ms')),
    maxCompactionLagMs: Number(configs.get('max.compaction.lag.ms')),
    deleteRetentionMs: Number(configs.get('delete.retention.ms')),
    segmentBytes: Number(configs.get('segment.bytes')),
  };
}

/** What the cleaner remembers of a partition between passes (not saved: after a restart the whole log is dirty once). */
export interface CleanerState {
  /** The first dirty offset: the last pass mapped every key below it. */
  cleanedUpTo: number;
  lastCleanMs: number | null;
  /** The earliest delete horizon the last pass left in the log, or null. */
  earliestHorizonMs: number | null;
  /** A pass failed: the partition is left alone until then. */
  failedUntilMs: number;
}

export interface DirtyStats {
  readonly cleanBytes: number;
  readonly dirtyBytes: number;
  /** dirty / (clean + dirty); 0 when both are 0. */
  readonly ratio: number;
}

/** Where the head starts: the WAL's active segment (durable) or the memory tier's head (memory mode). */
export function headStartOffset(log: PartitionLog): number {
  if (log.isDurable) return log.cold?.segments().at(-1)?.baseOffset ?? log.highWatermark;
  return Math.min(log.headStartOffset, log.highWatermark);
}

/** The end of the cleanable range (see the file comment). */
export function cleanableEndOffset(log: PartitionLog, firstUnstableOffset: number | null, minCompactionLagMs: number, nowMs: number): number {
  let end = headStartOffset(log);
  if (firstUnstableOffset !== null) end = Math.min(end, firstUnstableOffset);
  if (minCompactionLagMs > 0) end = Math.min(end, firstOffsetAppendedAfter(log, nowMs - minCompactionLagMs));
  return Math.max(end, log.logStartOffset);
}

/** The first offset of data appended after `timeMs` (a segment counts by its newest batch). */
function firstOffsetAppendedAfter(log: PartitionLog, timeMs: number): number {
  const memoryStart = log.memoryStartOffset;
  for (const segment of log.cold?.segments() ?? []) {
    if (!log.isDurable && segment.baseOffset >= memoryStart) break;
    if (segment.sizeBytes > 0 && segment.lastAppendTimeMs > timeMs) return segment.baseOffset;
  }
  return log.isDurable && log.cold !== null ? log.highWatermark : log.firstMemoryOffsetAppendedAfter(timeMs);
}

/** Bytes of the partition's data in [fromOffset, toOffset) (see the file comment). */
export function bytesBetween(log: PartitionLog, fromOffset: number, toOffset: number): number {
  if (toOffset <= fromOffset) return 0;
  const segments = log.cold?.segments() ?? [];
  const coldEnd = log.isDurable ? Number.POSITIVE_INFINITY : log.memoryStartOffset;
  let bytes = 0;
  segments.forEach((segment, i) => {
    const rangeEnd = Math.min(segments[i + 1]?.baseOffset ?? segment.nextOffset, coldEnd);
    bytes += segmentShare(segment, rangeEnd, fromOffset, toOffset);
  });
  if (!log.isDurable) bytes += log.memoryBytesBetween(Math.max(fromOffset, log.memoryStartOffset), toOffset);
  return bytes;
}

function segmentShare(segment: ColdSegmentInfo, rangeEnd: number, fromOffset: number, toOffset: number): number {
  const span = rangeEnd - segment.baseOffset;
  if (span <= 0 || segment.sizeBytes === 0) return 0;
  const overlap = Math.min(rangeEnd, toOffset) - Math.max(segment.baseOffset, fromOffset);
  if (overlap <= 0) return 0;
  return overlap >= span ? segment.sizeBytes : Math.round((segment.sizeBytes * overlap) / span);
}

export function dirtyStats(log: PartitionLog, firstDirtyOffset: number, cleanableEnd: number): DirtyStats {
  const start = log.logStartOffset;
  const dirtyFrom = Math.min(Math.max(firstDirtyOffset, start), cleanableEnd);
  const cleanBytes = bytesBetween(log, start, dirtyFrom);
  const dirtyBytes = bytesBetween(log, dirtyFrom, cleanableEnd);
  const total = cleanBytes + dirtyBytes;
  return { cleanBytes, dirtyBytes, ratio: total === 0 ? 0 : dirtyBytes / total };
}

/** The oldest dirty data is older than max.compaction.lag.ms (KIP-354). */
export function isOverdue(log: PartitionLog, firstDirtyOffset: number, maxCompactionLagMs: number, nowMs: number): boolean {
  if (!Number.isFinite(maxCompactionLagMs) || maxCompactionLagMs >= Number.MAX_SAFE_INTEGER) return false;
  return appendTimeAt(log, firstDirtyOffset) < nowMs - maxCompactionLagMs;
}

/** When the data at `offset` was appended (a segment: its newest batch, an upper bound). */
function appendTimeAt(log: PartitionLog, offset: number): number {
  if (log.isDurable || offset < log.memoryStartOffset) {
    const segments = log.cold?.segments() ?? [];
    const holding = segments.find((segment, i) => offset < (segments[i + 1]?.baseOffset ?? Number.POSITIVE_INFINITY));
    return holding?.lastAppendTimeMs ?? Number.POSITIVE_INFINITY;
  }
  return log.memoryBatchesBetween(offset, Number.POSITIVE_INFINITY, 1)[0]?.appendTimeMs ?? Number.POSITIVE_INFINITY;
}

/** Named rule: the partition needs a pass now (see the file comment). */
export function needsCleaning(stats: DirtyStats, overdue: boolean, state: CleanerState, minCleanableRatio: number, nowMs: number): boolean {
  if (nowMs < state.failedUntilMs) return false;
  if (stats.dirtyBytes > 0 && (stats.ratio > minCleanableRatio || overdue)) return true;
  return state.earliestHorizonMs !== null && state.earliestHorizonMs <= nowMs && stats.cleanBytes > 0;
}
