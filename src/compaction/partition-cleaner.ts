/**
 * One cleaning pass over one partition (Kafka's Cleaner.clean), in bounded steps:
 * 1. map: the keys of the dirty section [first dirty, cleanable end) into an OffsetMap, read
 *    through the partition (both tiers) in reads of READ_BYTES; stops early when the map is full;
 * 2. clean, from the log start up to where the map ends, oldest first:
 *    - WAL segments (sealed ones only; durable mode: every segment but the active one),
 *      grouped up to segment.bytes, each group rewritten into a new segment and swapped in
 *      atomically (wal/segment-rewrite.ts); durable mode then drops the memory copies below the
 *      group (memory is a cache of the log);
 *    - memory mode: the memory batches not offloaded, replaced in place (PartitionLog).
 * The cleaned range is always a prefix of the log: where part of it cannot be rewritten yet
 * (memory mode: offloaded data in the WAL's writable segment) the pass stops there, so
 * transaction markers are judged on everything before them.
 * Every step reads or rewrites at most READ_BYTES and then yields to the event loop (Stepper),
 * so produce and fetch keep their latency; memory: one read, one segment write buffer and the
 * offset map (OFFSET_MAP_BYTES_MAX).
 */
import type { PartitionLog } from '../storage/partition-log.js';
import type { StoredBatch } from '../storage/stored-batch.js';
import { batchSizeAt, RecordBatchView } from '../record-format/record-batch.js';
import { PartitionWal, type CleanableSegment } from '../wal/partition-wal.js';
import { cleanBatch, mapBatch, type CleanedBatch, type CleaningRules } from './batch-cleaner.js';
import { cleanableEndOffset, type CleanerState, type CompactionConfig } from './cleaner-rules.js';
import { OffsetMap } from './offset-map.js';
import { CleanedTransactions, type TransactionView } from './transaction-cleaning.js';

/** Bytes read (and cleaned) per step before yielding. */
export const READ_BYTES = 256 * 1024;
/** Memory batches looked up at a time (each is cleaned as one step: a batch can be as large as a step). */
const MEMORY_BATCHES_PER_LOOKUP = 256;
/** Longest a step runs before yielding (uncompressed records are parsed on the event loop). */
const STEP_MS = 4;

/** What a pass did. */
export interface PassStats {
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  segmentsSwapped: number;
  earliestHorizonMs: number | null;
  /** The first dirty offset for the next pass. */
  cleanedUpTo: number;
}

/** Yields to the event loop every READ_BYTES or STEP_MS of work; `stopped` ends a pass between steps. */
export class Stepper {
  private bytes = 0;
  private startedAt = performance.now();

  constructor(private readonly stopped: () => boolean) {}

  async step(bytes: number): Promise<void> {
    this.bytes += bytes;
    if (this.bytes < READ_BYTES && performance.now() - this.startedAt < STEP_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.bytes = 0;
    this.startedAt = performance.now();
    if (this.stopped()) throw new PassStopped();
  }
}

export class PassStopped extends Error {
  override readonly name = 'PassStopped';
}

export class PartitionCleaner {
  constructor(private readonly transactions: TransactionView<PartitionLog>) {}

  async clean(log: PartitionLog, config: CompactionConfig, state: CleanerState, nowMs: number, stepper: Stepper): Promise<PassStats> {
    const end = cleanableEndOffset(log, this.transactions.firstUnstableOffset(log), config.minCompactionLagMs, nowMs);
    const start = log.logStartOffset;
    const firstDirty = Math.min(Math.max(state.cleanedUpTo, start), end);
    const stats: PassStats = { bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, segmentsSwapped: 0, earliestHorizonMs: null, cleanedUpTo: firstDirty };
    const aborted = this.transactions.abortedBetween(log, start, end);
    const map = new OffsetMap();
    const mapEnd = await this.buildMap(log, firstDirty, end, map, new CleanedTransactions(aborted), stepper);
    const rules: CleaningRules = { map, nowMs, deleteRetentionMs: config.deleteRetentionMs, transactions: new CleanedTransactions(aborted), logStartOffset: start };
    let cleanedTo = await this.cleanSegments(log, mapEnd, config.segmentBytes, rules, stats, stepper);
    if (!log.isDurable && this.memoryFollows(log, cleanedTo)) cleanedTo = await this.cleanMemory(log, mapEnd, rules, stats, stepper);
    stats.cleanedUpTo = Math.max(firstDirty, Math.min(mapEnd, cleanedTo));
    return stats;
  }

  /** Maps [fromOffset, toOffset); returns the offset after the last batch mapped. */
  private async buildMap(log: PartitionLog, fromOffset: number, toOffset: number, map: OffsetMap, transactions: CleanedTransactions, stepper: Stepper): Promise<number> {
    let offset = fromOffset;
    let mapped = fromOffset;
    while (offset < toOffset && !map.isFull) {
      // The views read stay in use across the awaits below: held by a pin, so a batch dropped meanwhile is not overwritten under them.
      const pin = log.pinMemory();
      let readBytes: number;
      try {
        const read = await log.read(offset, READ_BYTES, true, Infinity, pin);
        readBytes = read.bytes;
        if (read.bytes === 0) break;
        for (const batch of batchesOf(read.chunks)) {
          const view = new RecordBatchView(batch);
          if (view.baseOffset >= toOffset || map.isFull) return mapped;
          await mapBatch(batch, map, transactions, log.logStartOffset);
          mapped = view.baseOffset + view.lastOffsetDelta + 1;
        }
        offset = read.nextOffset;
      } finally {
        pin.release();
      }
      await stepper.step(readBytes);
    }
    return Math.min(Math.max(mapped, offset), toOffset);
  }

  /** Rewrites the WAL's cleanable segments below `endOffset`; returns where the rewritten prefix ends. */
  private async cleanSegments(log: PartitionLog, endOffset: number, segmentBytes: number, rules: CleaningRules, stats: PassStats, stepper: Stepper): Promise<number> {
    const wal = log.cold;
    if (!(wal instanceof PartitionWal)) return log.logStartOffset;
    let cleanedTo = log.logStartOffset;
    for (const group of groupsOf(wal.cleanableSegments(endOffset), segmentBytes)) {
      const rangeEnd = group[group.length - 1].rangeEnd;
      if (!(await this.rewriteGroup(wal, group, rangeEnd, rules, stats, stepper))) break;
      if (log.isDurable) log.evictThrough(rangeEnd - 1);
      cleanedTo = rangeEnd;
    }
    return cleanedTo;
  }

  private async rewriteGroup(wal: PartitionWal, group: readonly CleanableSegment[], rangeEnd: number, rules: CleaningRules, stats: PassStats, stepper: Stepper): Promise<boolean> {
    const rewrite = await wal.beginRewrite(
      group.map(({ segment }) => segment),
      rangeEnd,
    );
    try {
      for (const { segment } of group) {
        segment.retain();
        try {
          for (let position = 0; ; ) {
            const { chunk, nextPosition } = await segment.readWholeBatches(position, READ_BYTES);
            if (chunk.length === 0) break;
            const kept: StoredBatch[] = [];
            for (const batch of batchesOf([chunk])) {
              const cleaned = await cleanBatch(batch, rules);
              count(stats, batch, cleaned);
              if (cleaned.bytes !== null) kept.push(storedBatchOf(cleaned.bytes, segment.lastAppendTimeMs));
            }
            await rewrite.append(kept);
            position = nextPosition;
            await stepper.step(chunk.length);
          }
        } finally {
          await segment.release();
        }
      }
    } catch (error) {
      await rewrite.abort().catch(() => undefined);
      throw error;
    }
    const swapped = await wal.commitRewrite(rewrite);
    if (swapped) stats.segmentsSwapped += group.length;
    return swapped;
  }

  /** Memory mode: nothing offloaded lies between the rewritten segments and the memory batches to clean. */
  private memoryFollows(log: PartitionLog, cleanedTo: number): boolean {
    const memoryFrom = Math.max(log.offloadedUpTo, log.memoryStartOffset);
    return !(log.cold?.segments() ?? []).some((segment) => segment.sizeBytes > 0 && segment.nextOffset > cleanedTo && segment.baseOffset < memoryFrom);
  }

  /** Memory mode: cleans the memory batches below `endOffset` in place; returns where it stopped. */
  private async cleanMemory(log: PartitionLog, endOffset: number, rules: CleaningRules, stats: PassStats, stepper: Stepper): Promise<number> {
    const emptied = new Set<StoredBatch>();
    let offset = Math.max(log.offloadedUpTo, log.memoryStartOffset, log.logStartOffset);
    try {
      while (offset < endOffset) {
        const batches = log.memoryBatchesBetween(offset, endOffset, MEMORY_BATCHES_PER_LOOKUP);
        if (batches.length === 0) break;
        // Views kept across the awaits below: held, so a batch dropped meanwhile (offloaded, expired) is not overwritten or given back under the clean.
        const pin = log.pinMemory();
        try {
          for (const batch of batches) pin.hold(batch.buffer.buffer);
          for (const batch of batches) {
            const cleaned = await cleanBatch(batch.buffer, rules);
            count(stats, batch.buffer, cleaned);
            if (cleaned.bytes === null) emptied.add(batch);
            else if (cleaned.bytes !== batch.buffer) log.replaceMemoryBatch(batch, storedBatchOf(cleaned.bytes, batch.appendTimeMs));
            offset = batch.lastOffset + 1;
            // Per batch, not per lookup: producers' batches reach 1 MB, and 256 of them in one step blocked the event loop for seconds.
            await stepper.step(batch.buffer.length);
          }
        } finally {
          pin.release();
        }
      }
    } finally {
      log.dropMemoryBatches(emptied);
    }
    return Math.min(offset, endOffset);
  }
}

function count(stats: PassStats, original: Buffer, cleaned: CleanedBatch): void {
  stats.bytesRead += original.length;
  stats.bytesWritten += cleaned.bytes?.length ?? 0;
  stats.recordsRemoved += cleaned.recordsRemoved;
  if (cleaned.bytes !== null && cleaned.deleteHorizonMs !== null) {
    stats.earliestHorizonMs = Math.min(stats.earliestHorizonMs ?? Number.POSITIVE_INFINITY, cleaned.deleteHorizonMs);
  }
}

function storedBatchOf(bytes: Buffer, appendTimeMs: number): StoredBatch {
  const view = new RecordBatchView(bytes);
  return {
    baseOffset: view.baseOffset,
    lastOffset: view.baseOffset + view.lastOffsetDelta,
    buffer: bytes,
    appendTimeMs,
  };
}

/** The batches of concatenated whole batches. */
function* batchesOf(chunks: readonly Buffer[]): Generator<Buffer> {
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      const size = batchSizeAt(chunk, at);
      if (size <= 0 || at + size > chunk.length) return;
      yield chunk.subarray(at, at + size);
      at += size;
    }
  }
}

/** Consecutive segments grouped up to `segmentBytes` each (one segment at least), as Kafka's groupSegmentsBySize. */
function groupsOf(segments: readonly CleanableSegment[], segmentBytes: number): CleanableSegment[][] {
  const groups: CleanableSegment[][] = [];
  let current: CleanableSegment[] = [];
  let bytes = 0;
  for (const entry of segments) {
    const consecutive = current.length === 0 || current[current.length - 1].rangeEnd === entry.segment.baseOffset;
    if (current.length > 0 && (!consecutive || bytes + entry.segment.sizeBytes > segmentBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.segment.sizeBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
