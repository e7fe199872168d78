/**
 * Unit tests of the WAL store's timers on a fake clock (fsync: interval, log-start
 * checkpoints): they fire on time, a slow sync is not stacked, shutdown cancels them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import type { TopicRegistry } from '../../../src/storage/topic-registry.js';
import type { PartitionWals } from '../../../src/wal/partition-wals.js';
import type { TopicCatalog } from '../../../src/wal/topic-catalog.js';
import type { WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { CHECKPOINT_INTERVAL_MS, WalStore } from '../../../src/wal/wal-store.js';
import { FakeClock } from '../../support/fake-clock.js';

/** Partition WALs that count the timer work asked of them; a sync can be made to hang. */
class CountingWals {
  syncs = 0;
  checkpoints = 0;
  shutdowns = 0;
  hangSync = false;
  syncAll(): Promise<void> {
    this.syncs++;
    return this.hangSync ? new Promise(() => undefined) : Promise.resolve();
  }
  saveLogStarts(): Promise<void> {
    this.checkpoints++;
    return Promise.resolve();
  }
  shutdownAll(): Promise<void> {
    this.shutdowns++;
    return Promise.resolve();
  }
}

/** Moves the clock `ms` forward in `stepMs` steps, letting each tick's work settle (as real time would). */
async function advanceInSteps(clock: FakeClock, ms: number, stepMs: number): Promise<void> {
  for (let moved = 0; moved < ms; moved += stepMs) await clock.advanceAndSettle(Math.min(stepMs, ms - moved));
}

function store(env: Record<string, string>) {
  const clock = new FakeClock();
  const config = loadSettings({ argv: [], env: { STORAGE_MODE: 'durable', ...env }, cwd: '/nonexistent-dir-for-tests' });
  const wals = new CountingWals();
  const walStore = new WalStore(config, {} as WalFileSystem, {} as TopicRegistry, {} as TopicCatalog, wals as unknown as PartitionWals, clock);
  walStore.onModuleInit();
  return { clock, wals, walStore };
}

describe('WalStore timers (fake clock)', () => {
  it('fsync: interval syncs every fsync_interval and checkpoints the log starts every second', async () => {
    const { clock, wals, walStore } = store({ FSYNC: 'interval', FSYNC_INTERVAL: '200ms' });
    await clock.advanceAndSettle(199);
    assert.equal(wals.syncs, 0);
    await clock.advanceAndSettle(1);
    assert.equal(wals.syncs, 1);
    await advanceInSteps(clock, CHECKPOINT_INTERVAL_MS - 200, 100);
    assert.deepEqual([wals.syncs, wals.checkpoints], [5, 1]);
    await walStore.onApplicationShutdown();
    assert.deepEqual([clock.pendingTimers, wals.shutdowns, wals.checkpoints], [0, 1, 2], 'timers cancelled, segments sealed, log starts saved once more');
  });

  it('skips an fsync tick while the previous sync is still running', async () => {
    const { clock, wals, walStore } = store({ FSYNC: 'interval', FSYNC_INTERVAL: '100ms' });
    wals.hangSync = true;
    await advanceInSteps(clock, 500, 50);
    assert.equal(wals.syncs, 1, 'no second sync stacked behind a stuck one');
    await walStore.onApplicationShutdown();
  });

  it('fsync: always runs no sync timer, only the checkpoint', async () => {
    const { clock, wals, walStore } = store({ FSYNC: 'always' });
    await advanceInSteps(clock, CHECKPOINT_INTERVAL_MS * 3, 100);
    assert.deepEqual([wals.syncs, wals.checkpoints], [0, 3]);
    await walStore.onApplicationShutdown();
    assert.equal(clock.pendingTimers, 0);
  });
});
