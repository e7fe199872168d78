import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAccountant } from '../../../src/storage/memory-accountant.js';

describe('MemoryAccountant limits', () => {
  it('signals memory pressure once when usage crosses the high-water mark, again only after re-arming', () => {
    const accountant = new MemoryAccountant();
    let signals = 0;
    accountant.setLimits({ maxBytes: 100, highWaterBytes: 80, lowWaterBytes: 60 }, () => signals++);
    accountant.adjust(80, 1);
    assert.equal(signals, 0, 'at the mark is not over it');
    accountant.adjust(5, 1);
    accountant.adjust(5, 1);
    assert.equal(signals, 1);
    accountant.rearmPressure();
    accountant.adjust(1, 1);
    assert.equal(signals, 2);
  });

  it('is full at max_memory; a producer waiting for room is woken as soon as usage drops below it', async () => {
    const accountant = new MemoryAccountant();
    accountant.setLimits({ maxBytes: 100, highWaterBytes: 80, lowWaterBytes: 60 }, () => undefined);
    accountant.adjust(100, 1);
    assert.equal(accountant.isFull, true);
    const waiting = accountant.waitForRoom(5_000);
    accountant.adjust(-30, -1);
    assert.equal(await waiting, true);
    assert.equal(await accountant.waitForRoom(0), true, 'no wait when there is room');
  });

  it('gives up waiting after the timeout when nothing frees memory', async () => {
    const accountant = new MemoryAccountant();
    accountant.setLimits({ maxBytes: 10, highWaterBytes: 8, lowWaterBytes: 6 }, () => undefined);
    accountant.adjust(10, 1);
    assert.equal(await accountant.waitForRoom(20), false);
  });
});
