/**
 * Builders shared by the transaction unit tests: the coordinator over a topic `t` with two
 * partitions on a fake clock (its sweeper running on that clock), and the produce step as
 * RecordIngest takes it (the coordinator's check, then the append).
 */
import { Logger } from '@nestjs/common';
import { loadSettings, type BlinkConfig } from '../../../src/config/settings.js';
import { ATTR_TRANSACTIONAL } from '../../../src/record-format/record-batch.js';
import type { AppendOutcome } from '../../../src/storage/batch-appender.js';
import type { ColdTier, ColdTierFactory } from '../../../src/storage/cold-tier.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import type { StoredBatch } from '../../../src/storage/stored-batch.js';
import { TopicEvents } from '../../../src/storage/topic-events.js';
import { TopicRegistry, type Topic } from '../../../src/storage/topic-registry.js';
import { TransactionSweeper } from '../../../src/txn/transaction-sweeper.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { FakeClock } from '../../support/fake-clock.js';
import { unlimitedAccountant } from '../../support/storage.js';
import { transactionStack, type TransactionStack } from '../../support/transactions.js';

// The coordinator logs every abort and fence, as Kafka does; the tests read states instead.
Logger.overrideLogger(false);

export const TXN_TIMEOUT_MS = 60_000;

export interface TxnHarness extends TransactionStack {
  readonly clock: FakeClock;
  readonly config: BlinkConfig;
  readonly registry: TopicRegistry;
  readonly topic: Topic;
  readonly sweeper: TransactionSweeper;
  log(partition: number): PartitionLog;
  /** InitProducerId for `transactionalId`; fails the test unless it succeeds. */
  init(transactionalId: string, timeoutMs?: number): Promise<{ producerId: number; producerEpoch: number }>;
  /** Produces `count` records to t-`partition` as the produce step does: the coordinator's check, then the append. */
  produce(partition: number, producer: ProducerBatch): Promise<AppendOutcome>;
}

export interface ProducerBatch {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly count?: number;
  readonly transactional?: boolean;
}

export function txnHarness(env: Record<string, string> = {}, coldTiers: ColdTierFactory | null = null): TxnHarness {
  const clock = new FakeClock();
  const config = loadSettings({ argv: [], env: { TRANSACTION_MAX_TIMEOUT_MS: '15m', ...env }, cwd: '/nonexistent-dir-for-tests' });
  const registry = new TopicRegistry(config, unlimitedAccountant(clock), new TopicEvents(), coldTiers);
  const topic = registry.create('t', 2);
  const stack = transactionStack(config, registry, clock);
  const sweeper = new TransactionSweeper(config, stack.coordinator, stack.completer, clock);
  sweeper.onModuleInit();
  const log = (partition: number) => topic.partitions[partition];
  return {
    ...stack,
    clock,
    config,
    registry,
    topic,
    sweeper,
    log,
    async init(transactionalId, timeoutMs = TXN_TIMEOUT_MS) {
      const result = await stack.coordinator.initProducerId(transactionalId, timeoutMs, null);
      if (result.errorCode !== ErrorCode.NONE) throw new Error(`InitProducerId ${transactionalId}: error ${result.errorCode}`);
      return { producerId: result.producerId, producerEpoch: result.producerEpoch };
    },
    async produce(partition, batch) {
      const records = buildBatch(values(batch.count ?? 1, `p${batch.producerId}-e${batch.producerEpoch}-s${batch.baseSequence}-`), {
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        baseSequence: batch.baseSequence,
        attributes: batch.transactional === false ? 0 : ATTR_TRANSACTIONAL,
      });
      const refusal = stack.coordinator.verifyAppend('t', log(partition), records);
      if (refusal !== null) return { ...refusal, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
      return stack.appender.append(topic, log(partition), records, clock.nowMs());
    },
  };
}

/** Durable partitions whose WAL writes complete one by one when the test says so (or fail while `failing`). */
export class ManualColdTiers implements ColdTierFactory {
  readonly durable = true;
  failing = false;
  private readonly waiting: Array<{ batch: StoredBatch; done: (error: Error | null) => void }> = [];

  get pendingWrites(): number {
    return this.waiting.length;
  }

  /** Completes every write queued so far (each fails while `failing`). */
  flush(): void {
    for (const { done } of this.waiting.splice(0)) done(this.failing ? new Error('disk full') : null);
  }

  openPartitions(_topic: Topic, _first: number, producers: readonly unknown[]) {
    return { tiers: producers.map(() => this.tier()), persisted: undefined };
  }

  async recoverPartitions(): Promise<never[]> {
    return [];
  }

  private tier(): ColdTier {
    return {
      read: async (offset) => ({ chunks: [], bytes: 0, nextOffset: offset }),
      append: (batch, done) => this.waiting.push({ batch, done }),
      releaseBelow: () => Promise.resolve(),
      deleteBelow: () => Promise.resolve(null),
      findBatchByTimestamp: async () => null,
      segments: () => [],
      deleteFiles: async () => undefined,
    };
  }
}
