/**
 * The log cleaner with the partitions' own transaction state (PARTITION_TRANSACTIONS): the
 * open transactions and the aborted index the producer state table keeps as transactional
 * batches and markers are appended. Aborted data goes, committed data stays under the
 * "latest value per key" rule, and nothing at or above an open transaction's first offset is
 * cleaned until that transaction completes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { compactionConfigOf, type CleanerState } from '../../../src/compaction/cleaner-rules.js';
import { PartitionCleaner, Stepper } from '../../../src/compaction/partition-cleaner.js';
import { PARTITION_TRANSACTIONS } from '../../../src/compaction/transaction-cleaning.js';
import { loadSettings } from '../../../src/config/settings.js';
import { BatchAppender } from '../../../src/storage/batch-appender.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { keyedBatch, readPartition, type KeyedValue } from '../../support/compaction.js';
import { FakeClock } from '../../support/fake-clock.js';
import { memoryOnlyRegistry, unlimitedAccountant } from '../../support/storage.js';

Logger.overrideLogger(false);

const COMPACTED = new Map([
  ['cleanup.policy', 'compact'],
  ['min.cleanable.dirty.ratio', '0.01'],
  ['delete.retention.ms', '5000'],
]);

function setup() {
  const clock = new FakeClock();
  const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
  const topic = memoryOnlyRegistry(config, unlimitedAccountant(clock)).create('t', 1, COMPACTED);
  const log = topic.partitions[0];
  const appender = new BatchAppender();
  const sequences = new Map<number, number>();
  const produce = async (producerId: number, records: readonly KeyedValue[]) => {
    const transactional = producerId >= 0;
    const baseSequence = sequences.get(producerId) ?? 0;
    sequences.set(producerId, baseSequence + records.length);
    const batch = keyedBatch(records, 'none', transactional ? { attributes: 0x10, producerId, producerEpoch: 0, baseSequence } : {});
    const outcome = await appender.append(topic, log, batch, clock.nowMs());
    assert.equal(outcome.errorCode, ErrorCode.NONE, outcome.errorMessage ?? '');
  };
  const end = async (producerId: number, commit: boolean) => {
    const outcome = await appender.appendMarker(log, { producerId, producerEpoch: 0, commit, coordinatorEpoch: 0 }, clock.nowMs());
    assert.equal(outcome.errorCode, ErrorCode.NONE);
  };
  return { clock, topic, log, produce, end };
}

async function pass(log: PartitionLog, configs: ReadonlyMap<string, string>, nowMs: number, state: CleanerState) {
  const stats = await new PartitionCleaner(PARTITION_TRANSACTIONS).clean(log, compactionConfigOf(configs), state, nowMs, new Stepper(() => false));
  state.cleanedUpTo = stats.cleanedUpTo;
  return stats;
}

const dataOf = async (log: PartitionLog) => (await readPartition(log)).filter((r) => !r.control).map((r) => [r.offset, r.key, r.value]);

describe('log cleaner with the partition transaction state', () => {
  it('drops aborted data, keeps committed data, and does not clean past an open transaction until it completes', async () => {
    const { clock, topic, log, produce, end } = setup();
    await produce(7, [{ key: 'x', value: 'committed' }]); // 0
    await end(7, true); // 1
    await produce(8, [{ key: 'y', value: 'aborted' }]); // 2
    await end(8, false); // 3
    await produce(-1, [{ key: 'y', value: 'plain' }]); // 4
    await produce(9, [{ key: 'x', value: 'open' }]); // 5 (open transaction)
    await produce(-1, [{ key: 'z', value: 'after' }]); // 6
    log.headStartOffset = log.highWatermark;
    assert.equal(log.lastStableOffset, 5);
    assert.deepEqual(
      PARTITION_TRANSACTIONS.abortedBetween(log, 0, 7).map(({ producerId, firstOffset, lastOffset }) => ({ producerId, firstOffset, lastOffset })),
      [{ producerId: 8, firstOffset: 2, lastOffset: 3 }],
    );

    const state: CleanerState = { cleanedUpTo: log.logStartOffset, lastCleanMs: null, earliestHorizonMs: null, failedUntilMs: 0 };
    const first = await pass(log, topic.configs, clock.nowMs(), state);
    assert.equal(first.cleanedUpTo, 5, 'the cleaner stops at the open transaction');
    assert.deepEqual(
      await dataOf(log),
      [
        [0, 'x', 'committed'],
        [4, 'y', 'plain'],
        [5, 'x', 'open'],
        [6, 'z', 'after'],
      ],
      'the aborted record is gone; the committed one stays (its newer value is in an open transaction)',
    );

    await end(9, true); // 7
    log.headStartOffset = log.highWatermark;
    assert.equal(log.lastStableOffset, log.highWatermark);
    await pass(log, topic.configs, clock.nowMs(), state);
    assert.deepEqual(
      await dataOf(log),
      [
        [4, 'y', 'plain'],
        [5, 'x', 'open'],
        [6, 'z', 'after'],
      ],
      'once committed, the newer value replaces the old one',
    );
  });
});
