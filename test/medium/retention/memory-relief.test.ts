/**
 * Medium test (real temporary directory, fake clock): memory-pressure relief with the real
 * Offloader, WAL and partitions, as the container wires them. A WAL that cannot write leaves
 * relief stalled; once the tier is between the marks (no append crosses the high-water mark
 * again) and the WAL writes again, relief still goes on down to the low-water mark.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { MemoryPressure, RELIEF_RETRY_MS } from '../../../src/retention/memory-pressure.js';
import { RetentionService } from '../../../src/retention/retention.service.js';
import { MemoryAccountant, memoryLimitsFor } from '../../../src/storage/memory-accountant.js';
import type { StorageProbe } from '../../../src/storage/storage.probe.js';
import { Offloader } from '../../../src/wal/offloader.js';
import type { WalProbe } from '../../../src/wal/wal.probe.js';
import { buildBatch } from '../../support/batch-builder.js';
import { walBroker } from '../../support/wal-broker.js';
import { FaultyFileSystem, withTempDir } from '../../support/wal-fixtures.js';

Logger.overrideLogger(false);

/** Lets real file writes finish between fake-clock steps. */
async function settleIo(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('memory relief with the real WAL (medium)', () => {
  it('relief stalled by a failing WAL goes on to the low-water mark once the WAL writes again, though usage is under the high-water mark', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFileSystem();
      // 10,000 B of max_memory, no heap counted per batch: high water 8,000, low water 6,000.
      const { config, clock, health, topics, store, accountant, appender } = walBroker(dir, { STORAGE_MODE: 'memory' }, {
        fs,
        accountant: (brokerClock) => new MemoryAccountant(memoryLimitsFor(10_000, 0), brokerClock),
      });
      const retention = new RetentionService(config, topics, { recordsPurged: () => undefined } as unknown as StorageProbe, clock);
      const offloader = new Offloader(topics, store, { offloadStarted: () => undefined } as unknown as WalProbe, accountant);
      const relief = new MemoryPressure(accountant, retention, offloader, clock);
      const topic = topics.create('relief', 1);
      const log = topic.partitions[0];
      fs.failing = 'ENOSPC';
      for (let i = 0; i < 8; i++) appender.append(topic, log, buildBatch([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(1_000, i) }]), clock.nowMs());
      const batchBytes = accountant.storedBytes / 8;
      assert.ok(accountant.usedBytes > 8_000, `over the high-water mark (${accountant.usedBytes})`);
      await clock.advanceAndSettle(0);
      await settleIo();
      assert.equal(accountant.storedBatches, 8, 'the WAL cannot write: nothing offloaded');
      assert.match(offloader.lastWriteError?.message ?? '', /ENOSPC/);
      // Two batches go (DeleteRecords): between the marks, where no append signals pressure.
      retention.deleteRecordsBefore(log, 2);
      assert.ok(accountant.usedBytes > 6_000 && accountant.usedBytes < 8_000, `between the marks (${accountant.usedBytes})`);
      fs.failing = null;
      assert.equal(await health.probe(), true, 'the WAL writes again');
      for (let waited = 0; waited < 3 * RELIEF_RETRY_MS && accountant.usedBytes > 6_000; waited += RELIEF_RETRY_MS) {
        await clock.advanceAndSettle(RELIEF_RETRY_MS);
        await settleIo();
      }
      assert.ok(accountant.usedBytes <= 6_000, `relieved to the low-water mark: ${accountant.usedBytes} B (${accountant.storedBatches} batches of ${batchBytes} B)`);
      assert.equal(log.logStartOffset, 2, 'offloading does not move the log start');
      assert.equal((await log.read(2, 64 * 1024, true)).nextOffset > 2, true, 'the offloaded batches read back');
      relief.onApplicationShutdown();
      health.onApplicationShutdown();
      await store.onApplicationShutdown();
    });
  });
});
