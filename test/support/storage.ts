/**
 * The storage engine as unit tests build it without the container: an accountant without a
 * memory limit (on a fake clock), a topic registry whose partitions live in memory only
 * (no cold-tier factory), and a partition built on a given cold tier.
 */
import assert from 'node:assert/strict';
import type { Clock } from '../../src/common/clock.js';
import type { BlinkConfig } from '../../src/config/settings.js';
import type { ColdTier } from '../../src/storage/cold-tier.js';
import { BatchAppender } from '../../src/storage/batch-appender.js';
import { MemoryAccountant } from '../../src/storage/memory-accountant.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { ProducerStateTable } from '../../src/storage/producer-state.js';
import { TopicEvents } from '../../src/storage/topic-events.js';
import { type Topic, TopicRegistry } from '../../src/storage/topic-registry.js';
import { ErrorCode } from '../../src/wire/error-codes.js';
import { FakeClock } from './fake-clock.js';

const UNLIMITED = { maxBytes: Infinity, highWaterBytes: Infinity, lowWaterBytes: Infinity, batchHeapBytes: 0 };

export function unlimitedAccountant(clock: Clock = new FakeClock()): MemoryAccountant {
  return new MemoryAccountant(UNLIMITED, clock);
}

export function memoryOnlyRegistry(config: BlinkConfig, accountant: MemoryAccountant = unlimitedAccountant()): TopicRegistry {
  return new TopicRegistry(config, accountant, new TopicEvents());
}

/** Partition t-0 on `cold`, starting where recovery would have found it. */
export function partitionOn(cold: ColdTier, durable: boolean, offsets = { logStartOffset: 0, highWatermark: 0 }, accountant = unlimitedAccountant()): PartitionLog {
  return new PartitionLog('t', 0, accountant, { cold, durable, producers: new ProducerStateTable(), ...offsets });
}

/**
 * Appends `batch` as the produce path stores one: copied into the accountant's pooled memory
 * (a view of a slab), its own hold released once the partition holds it.
 */
export async function appendPooled(accountant: MemoryAccountant, topic: Topic, log: PartitionLog, batch: Buffer, nowMs: number): Promise<void> {
  const pooled = accountant.memory.alloc(batch.length);
  batch.copy(pooled);
  const outcome = await new BatchAppender().append(topic, log, pooled, nowMs);
  assert.equal(outcome.errorCode, ErrorCode.NONE, outcome.errorMessage ?? '');
  accountant.memory.release(pooled);
}
