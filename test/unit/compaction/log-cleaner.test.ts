/**
 * Unit tests of the log cleaner on memory-only partitions (no disk): what a consumer reading
 * from the beginning sees after a pass (the latest record of every key, offsets unchanged,
 * the head untouched) in every codec; tombstones kept, stamped with a delete horizon, then
 * removed once it passes; transaction markers and aborted data as Kafka's cleaner handles
 * them (through the transaction seam); keyless records refused on a compacted topic; a
 * seeded randomized comparison with the "latest value per key" model; a pass over batches
 * larger than a step steps once per batch (the event loop gets a turn between them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { CleanerProbe } from '../../../src/compaction/cleaner.probe.js';
import { compactionConfigOf, type CleanerState } from '../../../src/compaction/cleaner-rules.js';
import { LogCleaner } from '../../../src/compaction/log-cleaner.js';
import { PartitionCleaner, READ_BYTES, Stepper } from '../../../src/compaction/partition-cleaner.js';
import type { AbortedRange, TransactionView } from '../../../src/compaction/transaction-cleaning.js';
import { loadSettings } from '../../../src/config/settings.js';
import { ATTR_DELETE_HORIZON } from '../../../src/record-format/compacted-batch.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { BatchAppender } from '../../../src/storage/batch-appender.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import type { TopicRegistry } from '../../../src/storage/topic-registry.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { buildBatch } from '../../support/batch-builder.js';
import { assertCompactedView, keyedBatch, markerBatch, readPartition, seededRandom, type KeyedValue } from '../../support/compaction.js';
import { TEST_CODECS, type TestCodec } from '../../support/compressed-batch.js';
import { FakeClock } from '../../support/fake-clock.js';
import { appendPooled, memoryOnlyRegistry, unlimitedAccountant } from '../../support/storage.js';

Logger.overrideLogger(false);

const CODEC_BITS: Readonly<Record<TestCodec, number>> = { none: 0, gzip: 1, snappy: 2, 'snappy-xerial': 2, lz4: 3, zstd: 4 };

const COMPACTED = new Map([
  ['cleanup.policy', 'compact'],
  ['min.cleanable.dirty.ratio', '0.01'],
  ['segment.ms', '1000'],
  ['delete.retention.ms', '5000'],
]);

function setup(configs: ReadonlyMap<string, string> = COMPACTED) {
  const clock = new FakeClock();
  const config = loadSettings({ argv: [], env: { LOG_CLEANER_BACKOFF: '100ms' }, cwd: '/nonexistent-dir-for-tests' });
  const accountant = unlimitedAccountant(clock);
  const topics = memoryOnlyRegistry(config, accountant);
  const topic = topics.create('t', 1, configs);
  const appender = new BatchAppender();
  const produced: Array<{ offset: number; key: string; value: string | null }> = [];
  const log = topic.partitions[0];
  const produce = async (records: readonly KeyedValue[], codec: TestCodec = 'none') => {
    const outcome = await appender.append(topic, log, keyedBatch(records, codec), clock.nowMs());
    assert.equal(outcome.errorCode, ErrorCode.NONE, outcome.errorMessage ?? '');
    records.forEach((r, i) => produced.push({ offset: outcome.baseOffset + i, key: r.key as string, value: r.value }));
  };
  return { clock, config, accountant, topics, topic, log, appender, produce, produced };
}

function state(log: PartitionLog): CleanerState {
  return { cleanedUpTo: log.logStartOffset, lastCleanMs: null, earliestHorizonMs: null, failedUntilMs: 0 };
}

async function pass(log: PartitionLog, configs: ReadonlyMap<string, string>, nowMs: number, cleanerState = state(log), transactions?: TransactionView<PartitionLog>) {
  const cleaner = new PartitionCleaner(transactions ?? { firstUnstableOffset: () => null, abortedBetween: () => [] });
  const stats = await cleaner.clean(log, compactionConfigOf(configs), cleanerState, nowMs, new Stepper(() => false));
  cleanerState.cleanedUpTo = stats.cleanedUpTo;
  return stats;
}

describe('log cleaner: memory tier', () => {
  for (const codec of TEST_CODECS) {
    it(`keeps the latest value of every key at its offset, removes older ones and leaves the head alone (${codec})`, async () => {
      const { clock, log, produce, produced, topic } = setup();
      for (let round = 0; round < 5; round++) {
        await produce(Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 4}`, value: `v${round}-${i}` })), codec);
        clock.advance(1_000);
      }
      await produce([{ key: 'k0', value: 'head' }], codec);
      const headStart = log.headStartOffset;
      assert.equal(headStart, 50, 'the head rolled at the last batch (segment.ms)');
      const stats = await pass(log, topic.configs, clock.nowMs());
      assert.ok(stats.recordsRemoved >= 40, `older values removed (${stats.recordsRemoved})`);
      const read = await readPartition(log);
      assertCompactedView(read, produced, false);
      assert.deepEqual(
        read.map((r) => r.offset),
        [46, 47, 48, 49, 50],
        'k0..k3 from the last batch below the head, then the head',
      );
      assert.equal(log.highWatermark, 51, 'the log end does not move');
      for (const batch of log.memoryBatchesFrom(0)) assert.equal(new RecordBatchView(batch.buffer).compression, CODEC_BITS[codec], 'same codec');
      assert.equal(log.storedBytes, [...log.memoryBatchesFrom(0)].reduce((sum, b) => sum + b.buffer.length, 0), 'stored bytes follow the rewrite');
    });
  }

  it('keeps a tombstone past its first cleaning with a delete horizon, and removes it once delete.retention.ms has passed', async () => {
    const { clock, log, produce, produced, topic } = setup();
    await produce([{ key: 'a', value: '1' }, { key: 'b', value: '1' }]);
    await produce([{ key: 'a', value: null }]);
    clock.advance(1_000);
    await produce([{ key: 'c', value: 'head' }]);
    const cleanerState = state(log);
    await pass(log, topic.configs, clock.nowMs(), cleanerState);
    let read = await readPartition(log);
    assert.deepEqual(read.map((r) => [r.offset, r.key, r.value]), [[1, 'b', '1'], [2, 'a', null], [3, 'c', 'head']]);
    const stamped = log.memoryBatchHolding(2);
    assert.ok(stamped !== undefined && (new RecordBatchView(stamped.buffer).attributes & ATTR_DELETE_HORIZON) !== 0, 'the tombstone batch carries a delete horizon');
    assert.equal(read[1].timestamp, 1_700_000_000_000, 'the tombstone keeps its timestamp (deltas rebased on the horizon)');
    clock.advance(4_000);
    await pass(log, topic.configs, clock.nowMs(), cleanerState);
    assert.equal((await readPartition(log)).length, 3, 'before the horizon the tombstone stays');
    clock.advance(1_001);
    await pass(log, topic.configs, clock.nowMs(), cleanerState);
    read = await readPartition(log);
    assert.deepEqual(read.map((r) => [r.offset, r.key]), [[1, 'b'], [3, 'c']], 'after the horizon the tombstone is gone, offsets unchanged');
  });

  it('drops aborted transactional data and keeps markers until their data is gone and their horizon has passed', async () => {
    const { clock, log, topic } = setup();
    const append = (buffer: Buffer) => {
      const view = new RecordBatchView(buffer);
      view.assignOffsets(log.highWatermark, 0);
      log.append({ baseOffset: log.highWatermark, lastOffset: log.highWatermark + view.lastOffsetDelta, buffer, appendTimeMs: clock.nowMs() });
    };
    append(keyedBatch([{ key: 'x', value: 'committed' }], 'none', { attributes: 0x10, producerId: 7, producerEpoch: 0, baseSequence: 0 }));
    append(markerBatch(7, true));
    append(keyedBatch([{ key: 'x', value: 'aborted' }], 'none', { attributes: 0x10, producerId: 8, producerEpoch: 0, baseSequence: 0 }));
    append(markerBatch(8, false));
    log.headStartOffset = log.highWatermark;
    const aborted: AbortedRange[] = [{ producerId: 8, firstOffset: 2, lastOffset: 3 }];
    const transactions: TransactionView<PartitionLog> = { firstUnstableOffset: () => null, abortedBetween: () => aborted };
    const cleanerState = state(log);
    await pass(log, topic.configs, clock.nowMs(), cleanerState, transactions);
    let read = await readPartition(log);
    assert.deepEqual(read.map((r) => [r.offset, r.value, r.control]).filter(([, , c]) => !c), [[0, 'committed', false]], 'aborted data gone; the committed value is the latest');
    assert.deepEqual(read.filter((r) => r.control).map((r) => r.offset), [1, 3], 'both markers kept: the abort saw its data this pass; horizons stamped');
    clock.advance(5_001);
    await pass(log, topic.configs, clock.nowMs(), cleanerState, transactions);
    read = await readPartition(log);
    assert.deepEqual(read.filter((r) => r.control).map((r) => r.offset), [1], 'the ABORT marker goes (its data is gone); the COMMIT stays while its data is there');
  });

  it('stops at the first unstable offset (an open transaction)', async () => {
    const { clock, log, produce, topic } = setup();
    for (let i = 0; i < 6; i++) await produce([{ key: 'k', value: `v${i}` }]);
    clock.advance(1_000);
    await produce([{ key: 'k', value: 'head' }]);
    await pass(log, topic.configs, clock.nowMs(), state(log), { firstUnstableOffset: () => 3, abortedBetween: () => [] });
    assert.deepEqual((await readPartition(log)).map((r) => r.offset), [2, 3, 4, 5, 6], 'only [0, 3) was cleaned, against the keys below 3');
  });

  it('refuses a record without a key on a compacted topic (INVALID_RECORD), compressed or not, and accepts it on a delete topic', async () => {
    const { clock, log, topic, appender } = setup();
    for (const codec of ['none', 'zstd'] as const) {
      const outcome = await appender.append(topic, log, keyedBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }], codec), clock.nowMs());
      assert.equal(outcome.errorCode, ErrorCode.INVALID_RECORD);
      assert.match(outcome.errorMessage ?? '', /Compacted topic cannot accept message without key in topic partition t-0/);
    }
    assert.equal(log.highWatermark, 0, 'nothing stored');
    const plain = setup(new Map([['cleanup.policy', 'delete']]));
    const outcome = await plain.appender.append(plain.topic, plain.log, buildBatch([{ key: null, value: Buffer.from('v') }]), plain.clock.nowMs());
    assert.equal(outcome.errorCode, ErrorCode.NONE);
  });

  it('matches the latest-value-per-key model over random versions and tombstones (seeded)', async () => {
    const seed = Number(process.env.COMPACTION_SEED ?? Date.now() % 1_000_000);
    console.log(`compaction model seed: ${seed} (COMPACTION_SEED=${seed} replays it)`);
    const random = seededRandom(seed);
    const { clock, log, produce, produced, topic } = setup();
    const cleanerState = state(log);
    for (let round = 0; round < 20; round++) {
      const codec = TEST_CODECS[Math.floor(random() * TEST_CODECS.length)];
      const size = 1 + Math.floor(random() * 20);
      await produce(Array.from({ length: size }, () => ({ key: `k${Math.floor(random() * 30)}`, value: random() < 0.15 ? null : `v${round}-${Math.floor(random() * 1e6)}` })), codec);
      clock.advance(Math.floor(random() * 1_500));
      if (random() < 0.4) await pass(log, topic.configs, clock.nowMs(), cleanerState);
      assertCompactedView(await readPartition(log), produced, true);
    }
  });

  it('cleans memory batches larger than a step one batch per step, so the event loop gets a turn between them', async () => {
    const { clock, log, produce, produced, topic } = setup();
    for (let round = 0; round < 4; round++) await produce(Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 10}`, value: `${round}`.repeat(1_000) })));
    clock.advance(1_000);
    await produce([{ key: 'k0', value: 'head' }]);
    const largest = Math.max(...log.memoryBatchesBetween(0, log.highWatermark, 10).map((batch) => batch.buffer.length));
    assert.ok(largest > READ_BYTES, `each batch (${largest} B) is larger than a step`);
    const steps: number[] = [];
    const stepper = new (class extends Stepper {
      override step(bytes: number): Promise<void> {
        steps.push(bytes);
        return super.step(bytes);
      }
    })(() => false);
    const cleaner = new PartitionCleaner({ firstUnstableOffset: () => null, abortedBetween: () => [] });
    const stats = await cleaner.clean(log, compactionConfigOf(topic.configs), state(log), clock.nowMs(), stepper);
    assert.ok(stats.recordsRemoved >= 3 * 300, `older values removed (${stats.recordsRemoved})`);
    assert.ok(Math.max(...steps) <= largest, `no step covers more than one batch: ${steps.join(', ')}`);
    assertCompactedView(await readPartition(log), produced, true);
  });
});

describe('log cleaner: pooled memory', () => {
  it('keeps the batches it reads intact while they are dropped and their memory is handed out again (pinned)', async () => {
    const { clock, log, topic, accountant } = setup();
    const { memory } = accountant;
    for (let round = 0; round < 6; round++) {
      await appendPooled(accountant, topic, log, keyedBatch(Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 5}`, value: `v${round}-${i}` })), 'gzip'), clock.nowMs());
      clock.advance(1_000);
    }
    // While the cleaner decompresses its first batch, everything is dropped (retention) and the memory written over.
    let overwritten = false;
    setImmediate(() => {
      log.advanceLogStart(log.highWatermark);
      memory.alloc(64 * 1024).fill(0xff);
      overwritten = true;
    });
    await assert.doesNotReject(pass(log, topic.configs, clock.nowMs()), 'the pass read its batches as they were, not the bytes written over their memory');
    assert.ok(overwritten, 'the memory was handed out again during the pass');
  });
});

describe('LogCleaner service (fake clock)', () => {
  it('picks a compacted partition once it is dirty enough, cleans it on its timer, and leaves delete topics alone', async () => {
    const { clock, config, topics, log, produce } = setup();
    const plain = topics.create('plain', 1, new Map([['segment.ms', '1000']]));
    const probeStub = { watch: () => undefined, passDone: () => undefined, passFailed: () => undefined } as unknown as CleanerProbe;
    const cleaner = new LogCleaner(config, topics as TopicRegistry, probeStub, clock);
    for (let i = 0; i < 5; i++) await produce([{ key: 'k', value: `v${i}` }]);
    const appender = new BatchAppender();
    await appender.append(plain, plain.partitions[0], keyedBatch([{ key: 'k', value: '1' }, { key: 'k', value: '2' }]), clock.nowMs());
    clock.advance(1_000);
    await produce([{ key: 'k', value: 'head' }]);
    await appender.append(plain, plain.partitions[0], keyedBatch([{ key: 'k', value: '3' }]), clock.nowMs());
    assert.ok(cleaner.dirtyRatio(log) > 0.9, 'all of the cleanable range is dirty');
    cleaner.onModuleInit();
    clock.advance(config.logCleanerBackoffMs);
    await cleaner.runUntilIdle();
    assert.deepEqual((await readPartition(log)).map((r) => r.offset), [4, 5]);
    assert.equal(cleaner.dirtyRatio(log), 0, 'clean after the pass');
    assert.ok(cleaner.stateOf(log).lastCleanMs !== null);
    assert.equal((await readPartition(plain.partitions[0])).length, 3, 'a delete topic is not compacted');
    await cleaner.onApplicationShutdown();
    assert.equal(clock.pendingTimers, 0);
  });
});
