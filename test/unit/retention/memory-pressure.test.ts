/**
 * Unit tests of memory-pressure relief on a fake clock, with an offloader that can refuse:
 * the pass runs after the append that crossed the mark, a pass that freed nothing is retried
 * after RELIEF_RETRY_MS, and shutdown cancels a pending retry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { MemoryPressure, RELIEF_RETRY_MS } from '../../../src/retention/memory-pressure.js';
import type { RetentionService } from '../../../src/retention/retention.service.js';
import { MemoryAccountant, memoryLimitsFor } from '../../../src/storage/memory-accountant.js';
import type { Offloader } from '../../../src/wal/offloader.js';
import { FakeClock } from '../../support/fake-clock.js';

Logger.overrideLogger(false);

/** An offloader that frees nothing until `writable`, then frees what it is asked for. */
class StubOffloader {
  writable = false;
  rounds = 0;
  constructor(private readonly accountant: MemoryAccountant) {}
  relieve(bytesWanted: number): Promise<number> {
    this.rounds++;
    if (!this.writable) return Promise.resolve(0);
    this.accountant.adjust(-bytesWanted, -1);
    return Promise.resolve(bytesWanted);
  }
}

function pressure() {
  const clock = new FakeClock();
  const accountant = new MemoryAccountant(memoryLimitsFor(100, 0), clock);
  const offloader = new StubOffloader(accountant);
  let sweeps = 0;
  const retention = { sweep: () => sweeps++ } as unknown as RetentionService;
  const relief = new MemoryPressure(accountant, retention, offloader as unknown as Offloader, clock);
  return { clock, accountant, offloader, relief, sweeps: () => sweeps };
}

describe('MemoryPressure (fake clock)', () => {
  it('relieves memory once usage crosses the high-water mark: a sweep first, then offload down to the low-water mark', async () => {
    const { clock, accountant, offloader, sweeps } = pressure();
    offloader.writable = true;
    accountant.adjust(90, 1);
    assert.equal(offloader.rounds, 0, 'not inside the append that crossed the mark');
    await clock.advanceAndSettle(0);
    assert.equal(sweeps(), 1);
    assert.equal(accountant.storedBytes, 60);
    assert.equal(clock.pendingTimers, 0);
  });

  it('retries a pass that freed nothing after RELIEF_RETRY_MS, not on every append', async () => {
    const { clock, accountant, offloader, relief } = pressure();
    accountant.adjust(90, 1);
    await clock.advanceAndSettle(0);
    assert.equal(offloader.rounds, 1);
    accountant.adjust(5, 1);
    await clock.advanceAndSettle(RELIEF_RETRY_MS - 1);
    assert.equal(offloader.rounds, 1, 'appends in between start no pass');
    offloader.writable = true;
    await clock.advanceAndSettle(1);
    assert.equal(offloader.rounds, 2);
    assert.equal(accountant.storedBytes, 60);
    relief.onApplicationShutdown();
    assert.equal(clock.pendingTimers, 0);
  });

  it('counts each batch\'s heap: offloads by used bytes, asking the offloader for batch bytes, down to the low-water mark', async () => {
    const clock = new FakeClock();
    // 1,000 bytes of max_memory; batches of 10 bytes, each counted with 40 bytes of heap.
    const accountant = new MemoryAccountant(memoryLimitsFor(1_000, 40), clock);
    const asked: number[] = [];
    const offloader = {
      relieve(bytesWanted: number): Promise<number> {
        asked.push(bytesWanted);
        const batches = Math.ceil(bytesWanted / 10);
        accountant.adjust(-10 * batches, -batches);
        return Promise.resolve(10 * batches);
      },
    };
    new MemoryPressure(accountant, { sweep: () => 0 } as unknown as RetentionService, offloader as unknown as Offloader, clock);
    for (let i = 0; i < 17; i++) accountant.adjust(10, 1);
    await clock.advanceAndSettle(0);
    // 170 batch bytes but 850 used (> 800): 250 over the low-water mark, of which batch bytes are a fifth.
    assert.deepEqual(asked, [50], 'one round, for the batch bytes that carry the excess');
    assert.deepEqual([accountant.storedBatches, accountant.storedBytes, accountant.usedBytes], [12, 120, 600]);
  });

  it('cancels a pending retry at shutdown', async () => {
    const { clock, accountant, relief } = pressure();
    accountant.adjust(90, 1);
    await clock.advanceAndSettle(0);
    assert.equal(clock.pendingTimers, 1, 'a retry is pending');
    relief.onApplicationShutdown();
    assert.equal(clock.pendingTimers, 0);
  });
});
