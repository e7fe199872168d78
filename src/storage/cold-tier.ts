/**
 * The cold tier of a partition (its segment files) as the storage engine sees it, and the
 * factory that builds one for every partition as the partition is built (the WAL module
 * provides it: wal/partition-wals.ts). Storage never imports the WAL: it knows the cold tier
 * only through these contracts, and the container hands it the implementation.
 */
import type { ScratchMemory } from './batch-memory.js';
import type { ProducerStateTable } from './producer-state.js';
import type { ReadResult } from './partition-log.js';
import type { StoredBatch } from './stored-batch.js';
import type { Topic } from './topic-registry.js';

/** A segment of the cold tier, as retention sees it. */
export interface ColdSegmentInfo {
  readonly baseOffset: number;
  readonly nextOffset: number;
  readonly sizeBytes: number;
  readonly batchCount: number;
  /** Broker clock of the newest batch in the segment. */
  readonly lastAppendTimeMs: number;
  /** Largest batch maxTimestamp (producer or log-append time) in the segment; -1 when empty. */
  readonly maxTimestamp: number;
}

/** The partition's segment files (implemented by the WAL: wal/partition-wal.ts). */
export interface ColdTier {
  /** Whole batches from the one holding `offset`, like PartitionLog.read; read into `scratch` when given. */
  read(offset: number, maxBytes: number, includeOversizedFirst: boolean, scratch?: ScratchMemory): Promise<ReadResult>;
  /** Writes the batch after the ones appended before; `done` runs once it is written (or failed), in order. */
  append(batch: StoredBatch, done: (error: Error | null) => void): void;
  /**
   * The log start moved to `offset`: segments wholly below it may be deleted (a failed write is
   * reported to the cold tier's health, a refused deletion only logged; the promise never rejects).
   */
  releaseBelow(offset: number): Promise<void>;
  /**
   * Durable retention, before it moves the log start to `offset`: deletes the segments wholly
   * below it and resolves null once they are gone, or with the error when they could not be
   * deleted (a refused deletion leaves the cold tier writable; nothing is deleted while it is
   * failed); never rejects. The log start the cold tier keeps does not move.
   */
  deleteBelow(offset: number): Promise<Error | null>;
  /** The first batch (bytes) whose maxTimestamp >= `timestamp`, or null. */
  findBatchByTimestamp(timestamp: number): Promise<Buffer | null>;
  /** Live segments, oldest first. */
  segments(): readonly ColdSegmentInfo[];
  /** The partition is deleted: fail queued writes and delete its files (idempotent). */
  deleteFiles(): Promise<void>;
}

/** A partition's cold tier and where its log stands on it (a new partition: at 0). */
export interface ColdTierState {
  readonly cold: ColdTier;
  readonly logStartOffset: number;
  readonly highWatermark: number;
}

/** Cold tiers for new partitions, and when they are on disk. */
export interface OpenedColdTiers {
  readonly tiers: readonly ColdTier[];
  /** Settles once the partitions (and, in durable mode, the topic's metadata) are on disk; undefined when nothing is written up front. */
  readonly persisted: Promise<void> | undefined;
}

/** The DI token and contract; optional: without it (unit tests) partitions live in memory only. */
export abstract class ColdTierFactory {
  /** Durable mode: appends are written to the cold tier before they become visible. */
  abstract readonly durable: boolean;

  /**
   * Cold tiers for the new partitions of `topic` (created, or added by CreatePartitions),
   * numbered from `firstNewPartition`; `producers[i]` is the producer state of partition
   * `firstNewPartition + i`, saved with its segments.
   */
  abstract openPartitions(topic: Topic, firstNewPartition: number, producers: readonly ProducerStateTable[]): OpenedColdTiers;

  /** Recovery: the cold tier of each partition of a restored topic, as found on disk; fills `producers[i]` from the segments. */
  abstract recoverPartitions(topic: Topic, producers: readonly ProducerStateTable[]): Promise<ColdTierState[]>;
}
