/**
 * Medium tests (real temporary directories, no sockets): transactions in durable mode across
 * a crash (a new broker over the same directory, no clean shutdown). The partitions come
 * back with their aborted ranges (sealed segments' .txnindex files and the replayed last
 * segment) and their open transactions (the segment snapshots); the coordinator comes back
 * from its journal: an ongoing transaction is resumed and may still commit, a transaction
 * caught between its decision and its markers is completed, and an open transaction that no
 * coordinator state claims is aborted.
 */
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { loadSettings } from '../../../src/config/settings.js';
import { ATTR_TRANSACTIONAL } from '../../../src/record-format/record-batch.js';
import { ProducerIdAllocator } from '../../../src/storage/producer-ids.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { TopicEvents } from '../../../src/storage/topic-events.js';
import { TopicRegistry } from '../../../src/storage/topic-registry.js';
import { prepareEnd, type Transaction } from '../../../src/txn/transaction.js';
import { DiskReadLimiter } from '../../../src/wal/disk-read-limiter.js';
import { PartitionWals } from '../../../src/wal/partition-wals.js';
import { TopicCatalog } from '../../../src/wal/topic-catalog.js';
import { TRANSACTIONS_DIRECTORY, WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { WalHealth } from '../../../src/wal/wal-health.js';
import { WalStore } from '../../../src/wal/wal-store.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { buildBatch } from '../../support/batch-builder.js';
import { FakeClock } from '../../support/fake-clock.js';
import { unlimitedAccountant } from '../../support/storage.js';
import { transactionStack } from '../../support/transactions.js';
import { withTempDir } from '../../support/wal-fixtures.js';

// Recovery logs each transaction it aborts, as Kafka does; the tests read the reports instead.
Logger.overrideLogger(false);

/** Big enough that a few batches roll a 64 KB segment. */
const VALUE_BYTES = 20_000;

async function boot(dir: string) {
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, STORAGE_MODE: 'durable', SEGMENT_BYTES: '64KB', FSYNC: 'never' }, cwd: dir });
  const fs = new WalFileSystem();
  const clock = new FakeClock();
  const events = new TopicEvents();
  const catalog = new TopicCatalog(config, fs);
  const producerIds = new ProducerIdAllocator();
  const wals = new PartitionWals(config, fs, catalog, new WalHealth(config, fs, clock), producerIds, new DiskReadLimiter(), clock, events);
  const registry = new TopicRegistry(config, unlimitedAccountant(clock), events, wals);
  const store = new WalStore(config, fs, registry, catalog, wals, clock);
  await store.recover();
  const txn = transactionStack(config, registry, clock, fs);
  const report = await txn.recovery.recover();
  const topic = registry.get('t') ?? registry.create('t', 1);
  await registry.whenPersisted('t');
  const log = topic.partitions[0];
  const produce = async (producer: { producerId: number; producerEpoch: number } | null, baseSequence: number, records = 1) => {
    const batch = buildBatch(
      Array.from({ length: records }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(VALUE_BYTES, i) })),
      producer === null ? {} : { ...producer, baseSequence, attributes: ATTR_TRANSACTIONAL },
    );
    const refusal = txn.coordinator.verifyAppend('t', log, batch);
    if (refusal !== null) throw new Error(`refused: ${refusal.errorMessage}`);
    const outcome = await txn.appender.append(topic, log, batch, clock.nowMs());
    assert.equal(outcome.errorCode, ErrorCode.NONE, outcome.errorMessage ?? '');
    return outcome.baseOffset;
  };
  const begin = async (transactionalId: string) => {
    const init = await txn.coordinator.initProducerId(transactionalId, 600_000, null);
    assert.equal(init.errorCode, ErrorCode.NONE);
    assert.equal(txn.coordinator.addPartitions(transactionalId, init.producerId, init.producerEpoch, [{ topic: 't', partition: 0 }])[0].errorCode, ErrorCode.NONE);
    return { producerId: init.producerId, producerEpoch: init.producerEpoch };
  };
  return { config, store, wals, registry, txn, report, log, produce, begin, clock };
}

type Booted = Awaited<ReturnType<typeof boot>>;

/** Aborted A, committed B (each rolling segments), then C open across a roll. Returns C's first offset and producer. */
async function writeHistory(b: Booted) {
  const a = await b.begin('a');
  await b.produce(a, 0, 2);
  assert.equal(await b.txn.coordinator.endTransaction('a', a.producerId, a.producerEpoch, false), ErrorCode.NONE);
  await b.produce(null, 0, 3);
  const bee = await b.begin('b');
  await b.produce(bee, 0, 2);
  assert.equal(await b.txn.coordinator.endTransaction('b', bee.producerId, bee.producerEpoch, true), ErrorCode.NONE);
  const c = await b.begin('c');
  const cFirst = await b.produce(c, 0, 2);
  await b.produce(null, 0, 3);
  await b.produce(c, 2, 1);
  return { a, c, cFirst };
}

function aborted(log: PartitionLog) {
  return log.producers.aborted.collect(0, log.highWatermark);
}

describe('transactions across a crash (durable mode, medium: real files)', () => {
  it('keeps each partition\'s aborted ranges and open transactions, and resumes the ongoing transaction, which may then commit', async () => {
    await withTempDir(async (dir) => {
      const first = await boot(dir);
      const { a, c, cFirst } = await writeHistory(first);
      const before = { hw: first.log.highWatermark, aborted: aborted(first.log), lso: first.log.lastStableOffset };
      assert.equal(before.lso, cFirst);
      assert.deepEqual(before.aborted, [{ producerId: a.producerId, firstOffset: 0 }]);
      const files = await readdir(join(dir, 't-0'));
      assert.ok(files.some((name) => name.endsWith('.txnindex')), `a sealed segment holds A's ABORT marker: ${files.join(' ')}`);

      const second = await boot(dir);
      assert.equal(second.log.highWatermark, before.hw);
      assert.deepEqual(aborted(second.log), before.aborted);
      assert.equal(second.log.lastStableOffset, cFirst, 'C is still open');
      assert.deepEqual(second.report, { transactionalIds: 3, resumed: 1, completed: 0, orphansAborted: 0 });
      assert.equal(second.txn.coordinator.describe('c').state, 'Ongoing');
      assert.equal(await second.txn.coordinator.endTransaction('c', c.producerId, c.producerEpoch, true), ErrorCode.NONE);
      assert.equal(second.log.lastStableOffset, second.log.highWatermark);
      assert.deepEqual(aborted(second.log), before.aborted, 'C committed');
      const fresh = await second.txn.coordinator.initProducerId('new-app', 60_000, null);
      assert.ok(fresh.producerId > c.producerId, 'producer ids from the journal are never handed out again');
    });
  });

  it('aborts an open transaction no coordinator state claims (its journal is gone), so nothing uncommitted stays open', async () => {
    await withTempDir(async (dir) => {
      const first = await boot(dir);
      const { c, cFirst } = await writeHistory(first);
      await rm(join(dir, TRANSACTIONS_DIRECTORY), { recursive: true });
      const second = await boot(dir);
      assert.equal(second.report.orphansAborted, 1);
      assert.equal(second.log.lastStableOffset, second.log.highWatermark);
      assert.deepEqual(aborted(second.log).at(-1), { producerId: c.producerId, firstOffset: cFirst });
    });
  });

  it('completes a transaction whose commit was decided but whose markers were not written', async () => {
    await withTempDir(async (dir) => {
      const first = await boot(dir);
      const { c } = await writeHistory(first);
      first.txn.coordinator.addOffsets('c', c.producerId, c.producerEpoch, 'g');
      first.txn.offsets.commit({
        transactionalId: 'c',
        groupId: 'g',
        producerId: c.producerId,
        producerEpoch: c.producerEpoch,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      // The crash falls between the journaled decision and the first marker.
      first.txn.store.put(prepareEnd(first.txn.store.get('c') as Transaction, true, first.clock.nowMs()));
      const second = await boot(dir);
      assert.equal(second.report.completed, 1);
      assert.equal(second.txn.coordinator.describe('c').state, 'CompleteCommit');
      assert.equal(second.log.lastStableOffset, second.log.highWatermark);
      assert.equal(aborted(second.log).length, 1, 'only A was aborted');
      assert.equal(second.txn.offsetManager.fetch('g', [{ name: 't', partitionIndexes: [0] }])[0].partitions[0].committedOffset, 3);
    });
  });
});
