/** Unit tests of the memory accountant: limits from max_memory, pressure listeners, and bounded waits for room on a fake clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAccountant, memoryLimitsFor } from '../../../src/storage/memory-accountant.js';
import { FakeClock, settle } from '../../support/fake-clock.js';

function accountant(maxBytes: number, clock = new FakeClock()): MemoryAccountant {
  return new MemoryAccountant(memoryLimitsFor(maxBytes), clock);
}

describe('MemoryAccountant limits', () => {
  it('takes its marks from max_memory: relief above 80 %, down to 60 %', () => {
    assert.deepEqual(accountant(1_000).memoryLimits, { maxBytes: 1_000, highWaterBytes: 800, lowWaterBytes: 600 });
  });

  it('tells every pressure listener once when usage crosses the high-water mark, again only after re-arming', () => {
    const memory = accountant(100);
    let first = 0;
    let second = 0;
    memory.onPressure(() => first++);
    memory.onPressure(() => second++);
    memory.adjust(80, 1);
    assert.equal(first, 0, 'at the mark is not over it');
    memory.adjust(5, 1);
    memory.adjust(5, 1);
    assert.deepEqual([first, second], [1, 1]);
    memory.rearmPressure();
    memory.adjust(1, 1);
    assert.deepEqual([first, second], [2, 2]);
  });

  it('is full at max_memory; a producer waiting for room is woken as soon as usage drops below it', async () => {
    const clock = new FakeClock();
    const memory = accountant(100, clock);
    memory.adjust(100, 1);
    assert.equal(memory.isFull, true);
    const waiting = memory.waitForRoom(5_000);
    assert.equal(clock.pendingTimers, 1, 'the wait is bounded by a timer');
    memory.adjust(-30, -1);
    assert.equal(await waiting, true);
    assert.equal(clock.pendingTimers, 0, 'its timer is cancelled once woken');
    assert.equal(await memory.waitForRoom(0), true, 'no wait when there is room');
  });

  it('gives up waiting exactly at the timeout when nothing frees memory', async () => {
    const clock = new FakeClock();
    const memory = accountant(10, clock);
    memory.adjust(10, 1);
    let answer: boolean | undefined;
    void memory.waitForRoom(2_000).then((room) => (answer = room));
    clock.advance(1_999);
    await settle();
    assert.equal(answer, undefined, 'still waiting 1 ms before the timeout');
    clock.advance(1);
    await settle();
    assert.equal(answer, false);
  });
});
