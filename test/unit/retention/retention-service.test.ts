/**
 * Unit test of the retention sweep timer on a fake clock: data goes at the first sweep after it expires; shutdown stops the sweeps.
 * Holds; and the durable sweep: segment files first, then the log start, which a failed or stuck deletion leaves where it was.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { loadSettings } from '../../../src/config/settings.js';
import { DELETE_RETRY_MS, RETENTION_SWEEP_INTERVAL_MS, RetentionService, SEGMENT_DELETE_WAIT_MS } from '../../../src/retention/retention.service.js';
import type { ColdSegmentInfo, ColdTier } from '../../../src/storage/cold-tier.js';
import type { StorageProbe } from '../../../src/storage/storage.probe.js';
import type { TopicRegistry } from '../../../src/storage/topic-registry.js';
import { FakeClock } from '../../support/fake-clock.js';
import { memoryOnlyRegistry, partitionOn, unlimitedAccountant } from '../../support/storage.js';

describe('RetentionService sweep timer (fake clock)', () => {
  it('drops a batch on the first sweep after it is older than retention.ms, and stops sweeping at shutdown', () => {
    const clock = new FakeClock();
    const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
    const topics = memoryOnlyRegistry(config, unlimitedAccountant(clock));
    let purged = 0;
    const probe = { recordsPurged: (records: number) => (purged += records) } as unknown as StorageProbe;
    const retention = new RetentionService(config, topics, probe, clock);
    const log = topics.create('t', 1, new Map([['retention.ms', '1500']])).partitions[0];
    log.append({ baseOffset: 0, lastOffset: 1, buffer: Buffer.alloc(100), appendTimeMs: clock.nowMs() });
    retention.onModuleInit();
    clock.advance(RETENTION_SWEEP_INTERVAL_MS);
    assert.equal(log.logStartOffset, 0, 'one second old: kept');
    clock.advance(RETENTION_SWEEP_INTERVAL_MS);
    assert.deepEqual([log.logStartOffset, log.batchCount, purged], [2, 0, 2], 'two seconds old: gone at the second sweep');
    retention.onApplicationShutdown();
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('RetentionService holds (the uplink needs data it has not copied yet)', () => {
  function setup(purgeOnFetch = false) {
    const clock = new FakeClock();
    const config = loadSettings({ argv: [], env: purgeOnFetch ? { PURGE_ON_FETCH: 'true' } : {}, cwd: '/nonexistent-dir-for-tests' });
    const topics = memoryOnlyRegistry(config, unlimitedAccountant(clock));
    const probe = { recordsPurged: () => undefined } as unknown as StorageProbe;
    const retention = new RetentionService(config, topics, probe, clock);
    const log = topics.create('t', 1, new Map([['retention.ms', '1000']])).partitions[0];
    for (let base = 0; base < 6; base += 2) {
      log.append({ baseOffset: base, lastOffset: base + 1, buffer: Buffer.alloc(100), appendTimeMs: clock.nowMs() });
    }
    clock.advance(5_000);
    return { retention, log, clock };
  }

  it('a keeping hold stops the sweep at the first offset it needs, and lets it go on once it needs less', () => {
    const { retention, log, clock } = setup();
    let neededFrom = 3;
    const remove = retention.addHold({ neededFrom: () => neededFrom, keeps: true, removedNeeded: () => assert.fail('a keeping hold loses nothing') });
    retention.sweep(clock.nowMs());
    assert.equal(log.logStartOffset, 3, 'expired, but offsets 3.. are not copied yet');
    neededFrom = 6;
    retention.sweep(clock.nowMs());
    assert.equal(log.logStartOffset, 6);
    remove();
  });

  it('a dropping hold is told which needed offsets retention removed', () => {
    const { retention, log, clock } = setup();
    const removed: Array<[number, number]> = [];
    retention.addHold({ neededFrom: () => 2, keeps: false, removedNeeded: (_log, from, to) => removed.push([from, to]) });
    retention.sweep(clock.nowMs());
    assert.equal(log.logStartOffset, 6);
    assert.deepEqual(removed, [[2, 6]]);
  });

  it('holds purge_on_fetch too, but never DeleteRecords', () => {
    const { retention, log } = setup(true);
    retention.addHold({ neededFrom: () => 1, keeps: true, removedNeeded: () => undefined });
    retention.fetched(log, 4);
    assert.equal(log.logStartOffset, 1, 'purge_on_fetch waits for the hold');
    retention.deleteRecordsBefore(log, 5);
    assert.equal(log.logStartOffset, 5, 'DeleteRecords is an explicit request');
  });
});

describe('RetentionService durable sweep (segment files go before the log start moves)', () => {
  /**
   * A durable partition (offsets 0-29, three segments of ten, the first two expired) over a cold
   * tier whose deleteBelow answers with `deleteBelow`; its releaseBelow (called when the log start
   * moves) reports a failure and resolves, as the WAL's does.
   */
  function durable(deleteBelow: (offset: number) => Promise<Error | null>) {
    const clock = new FakeClock();
    const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
    const old = clock.nowMs();
    const segments: ColdSegmentInfo[] = [0, 10, 20].map((base) => ({ baseOffset: base, nextOffset: base + 10, sizeBytes: 1_000, batchCount: 10, lastAppendTimeMs: base < 20 ? old : old + 10_000, maxTimestamp: old }));
    const asked: number[] = [];
    const released: number[] = [];
    const cold: ColdTier = {
      segments: () => segments,
      read: () => Promise.reject(new Error('not read here')),
      append: (_batch, done) => done(null),
      releaseBelow: (offset) => {
        released.push(offset);
        return Promise.resolve();
      },
      deleteBelow: (offset) => {
        asked.push(offset);
        return deleteBelow(offset);
      },
      findBatchByTimestamp: () => Promise.resolve(null),
      deleteFiles: () => Promise.resolve(),
    };
    const log = partitionOn(cold, true, { logStartOffset: 0, highWatermark: 30 });
    const topic = { name: 't', configs: new Map([['cleanup.policy', 'delete'], ['retention.ms', '5000'], ['retention.bytes', '-1']]), partitions: [log] };
    const topics = { all: () => [topic], get: () => topic } as unknown as TopicRegistry;
    const counts = { purged: 0, deletionFailures: 0 };
    const probe = { recordsPurged: (records: number) => (counts.purged += records), segmentDeletionFailed: () => counts.deletionFailures++ } as unknown as StorageProbe;
    const retention = new RetentionService(config, topics, probe, clock);
    clock.advance(6_000);
    return { clock, log, retention, asked, released, counts };
  }

  /** The Nest log lines of `body`, by level. */
  async function logLines(body: () => Promise<void>): Promise<{ log: string[]; warn: string[]; error: string[] }> {
    const lines = { log: [] as string[], warn: [] as string[], error: [] as string[] };
    Logger.overrideLogger({ log: (message: string) => lines.log.push(message), warn: (message: string) => lines.warn.push(message), error: (message: string) => lines.error.push(message) });
    try {
      await body();
    } finally {
      Logger.overrideLogger(false);
    }
    return lines;
  }

  it('the log start moves only once the cold tier has deleted the files below it; a partition still deleting is left out of the next sweep', async () => {
    let deleted: () => void = () => assert.fail('nothing to delete yet');
    const { clock, log, retention, asked, counts } = durable(() => new Promise<Error | null>((resolve) => (deleted = () => resolve(null))));
    const sweep = retention.sweep(clock.nowMs());
    assert.deepEqual(asked, [20], 'the two expired segments are to go');
    assert.equal(log.logStartOffset, 0, 'the log start waits for the files to go');
    void retention.sweep(clock.nowMs());
    assert.deepEqual(asked, [20], 'the next sweep leaves the partition alone while it deletes');
    deleted();
    assert.equal(await sweep, 20);
    assert.deepEqual([log.logStartOffset, counts.purged], [20, 20]);
  });

  it('a failed deletion leaves the log start where it was, with one error line; retries back off (doubling); a later sweep that deletes moves it', async () => {
    let outcome: Error | null = new Error('EPERM: operation not permitted, unlink t-0/00000000000000000000.log');
    const { clock, log, retention, asked, counts } = durable(() => Promise.resolve(outcome));
    const lines = await logLines(async () => {
      assert.equal(await retention.sweep(clock.nowMs()), 0);
      assert.equal(log.logStartOffset, 0, 'the files are still there: so is the log start');
      assert.equal(await retention.sweep(clock.nowMs()), 0);
      assert.deepEqual(asked, [20], 'the next sweep waits DELETE_RETRY_MS before it asks again');
      clock.advance(DELETE_RETRY_MS);
      assert.equal(await retention.sweep(clock.nowMs()), 0, 'still failing');
      clock.advance(DELETE_RETRY_MS);
      await retention.sweep(clock.nowMs());
      assert.deepEqual(asked, [20, 20], 'after a second failure the wait doubles');
      clock.advance(DELETE_RETRY_MS);
      await retention.sweep(clock.nowMs());
      assert.deepEqual([asked, log.logStartOffset, counts.purged], [[20, 20, 30], 0, 0], 'asked again (the third segment has expired too by then)');
    });
    assert.equal(lines.error.length, 1, `one line for a failure that lasts: ${lines.error.join(' | ')}`);
    assert.equal(counts.deletionFailures, 3, 'each failed attempt counted (blink_segment_deletion_failures_total)');
    assert.match(lines.error[0]!, /t-0: could not delete the segment files below offset 20 \(EPERM.*\): the log start stays at 0/);
    outcome = null;
    clock.advance(4 * DELETE_RETRY_MS);
    const recovered = await logLines(async () => {
      assert.equal(await retention.sweep(clock.nowMs()), 30);
    });
    assert.deepEqual([log.logStartOffset, counts.purged], [30, 30]);
    assert.equal(recovered.log.length, 1, 'one line when it ends');
    assert.match(recovered.log[0]!, /t-0: the segment files below offset 30 are deleted now/);
    assert.deepEqual([recovered.error, recovered.warn, counts.deletionFailures], [[], [], 3]);
  });

  it('a deletion that never settles: a warning after SEGMENT_DELETE_WAIT_MS, the log start stays, and the next sweep asks again', async () => {
    const { clock, log, retention, asked, counts } = durable(() => new Promise<Error | null>(() => undefined));
    const lines = await logLines(async () => {
      const sweep = retention.sweep(clock.nowMs());
      clock.advance(SEGMENT_DELETE_WAIT_MS);
      // Bounded: a sweep that waited for the deletion would still be waiting.
      assert.equal(await Promise.race([sweep, delay(5_000, 'still waiting', { ref: false })]), 0);
      void retention.sweep(clock.nowMs());
    });
    assert.deepEqual(asked, [20, 30], 'asked again (the third segment has expired too by then)');
    assert.equal(log.logStartOffset, 0);
    assert.equal(lines.warn.length, 1, lines.warn.join(' | '));
    assert.match(lines.warn[0]!, /t-0: the segment files below offset 20 are not deleted after 30000 ms.*the log start stays at 0/);
    assert.equal(counts.deletionFailures, 0, 'late is not failed');
  });
});
