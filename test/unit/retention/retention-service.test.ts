/** Unit test of the retention sweep timer on a fake clock: data goes at the first sweep after it expires; shutdown stops the sweeps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { RETENTION_SWEEP_INTERVAL_MS, RetentionService } from '../../../src/retention/retention.service.js';
import type { StorageProbe } from '../../../src/storage/storage.probe.js';
import { FakeClock } from '../../support/fake-clock.js';
import { memoryOnlyRegistry, unlimitedAccountant } from '../../support/storage.js';

describe('RetentionService sweep timer (fake clock)', () => {
  it('drops a batch on the first sweep after it is older than retention.ms, and stops sweeping at shutdown', () => {
    const clock = new FakeClock();
    const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
    const topics = memoryOnlyRegistry(config, unlimitedAccountant(clock));
    let purged = 0;
    const probe = { recordsPurged: (records: number) => (purged += records) } as unknown as StorageProbe;
    const retention = new RetentionService(config, topics, probe, clock);
    const log = topics.create('t', 1, new Map([['retention.ms', '1500']])).partitions[0];
    log.append({ baseOffset: 0, lastOffset: 1, buffer: Buffer.alloc(100), appendTimeMs: clock.nowMs(), maxTimestamp: 0, recordCount: 2 });
    retention.onModuleInit();
    clock.advance(RETENTION_SWEEP_INTERVAL_MS);
    assert.equal(log.logStartOffset, 0, 'one second old: kept');
    clock.advance(RETENTION_SWEEP_INTERVAL_MS);
    assert.deepEqual([log.logStartOffset, log.batchCount, purged], [2, 0, 2], 'two seconds old: gone at the second sweep');
    retention.onApplicationShutdown();
    assert.equal(clock.pendingTimers, 0);
  });
});
