/**
 * Unit tests of memory-pressure relief on a fake clock, with an offloader that can refuse:
 * the pass runs after the append that crossed the mark, a pass that freed nothing is retried
 * after RELIEF_RETRY_MS, relief that stopped between the marks goes on to the low-water mark,
 * and shutdown cancels a pending retry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { MemoryPressure, RELIEF_ROUNDS_MAX, RELIEF_RETRY_MS } from '../../../src/retention/memory-pressure.js';
import type { RetentionService } from '../../../src/retention/retention.service.js';
import { MemoryAccountant, memoryLimitsFor } from '../../../src/storage/memory-accountant.js';
import type { Offloader } from '../../../src/wal/offloader.js';
import { FakeClock } from '../../support/fake-clock.js';

Logger.overrideLogger(false);

/** An offloader that frees nothing until `writable`, then frees what it is asked for. */
class StubOffloader {
  writable = false;
  rounds = 0;
  lastWriteError: Error | null = null;
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

  it('relief stopped between the marks by a round that freed nothing goes on after RELIEF_RETRY_MS, down to the low-water mark', async () => {
    // max 100: high water 80, low water 60. The first round frees 15 (90 -> 75, between the
    // marks), the second nothing (the WAL failed); once it writes again relief must not wait
    // for the high-water mark, which no append crosses.
    const clock = new FakeClock();
    const accountant = new MemoryAccountant(memoryLimitsFor(100, 0), clock);
    const answers = [15, 0];
    const offloader = {
      lastWriteError: null as Error | null,
      rounds: 0,
      relieve(bytesWanted: number): Promise<number> {
        this.rounds++;
        const freed = Math.min(answers.shift() ?? bytesWanted, bytesWanted);
        this.lastWriteError = freed === 0 ? new Error('ENOSPC') : null;
        accountant.adjust(-freed, 0);
        return Promise.resolve(freed);
      },
    };
    const warnings: string[] = [];
    Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn: (message: string) => warnings.push(message) });
    const relief = new MemoryPressure(accountant, { sweep: () => 0 } as unknown as RetentionService, offloader as unknown as Offloader, clock);
    accountant.adjust(90, 1);
    await clock.advanceAndSettle(0);
    Logger.overrideLogger(false);
    assert.deepEqual([offloader.rounds, accountant.usedBytes], [2, 75], 'stopped between the marks');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /freed nothing with 15 B above the low-water mark \(the WAL cannot write: ENOSPC\)/, 'and says why');
    await clock.advanceAndSettle(RELIEF_RETRY_MS - 1);
    assert.equal(offloader.rounds, 2, 'not retried before RELIEF_RETRY_MS');
    await clock.advanceAndSettle(1);
    assert.deepEqual([offloader.rounds, accountant.usedBytes], [3, 60], 'retried, down to the low-water mark');
    assert.equal(clock.pendingTimers, 0, 'and relief is over');
    relief.onApplicationShutdown();
  });

  it('relief stopped between the marks by its round limit goes on with another pass at once', async () => {
    // max 1,000: high water 800, low water 600; each round frees 1 byte.
    const clock = new FakeClock();
    const accountant = new MemoryAccountant(memoryLimitsFor(1_000, 0), clock);
    let rounds = 0;
    const offloader = {
      lastWriteError: null,
      relieve(): Promise<number> {
        rounds++;
        accountant.adjust(-1, 0);
        return Promise.resolve(1);
      },
    };
    new MemoryPressure(accountant, { sweep: () => 0 } as unknown as RetentionService, offloader as unknown as Offloader, clock);
    accountant.adjust(801, 1);
    for (let pass = 0; pass < 10 && accountant.usedBytes > 600; pass++) await clock.advanceAndSettle(0);
    assert.equal(rounds, 201, `passes of ${RELIEF_ROUNDS_MAX} rounds until the low-water mark`);
    assert.equal(accountant.usedBytes, 600);
    assert.equal(clock.pendingTimers, 0);
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
