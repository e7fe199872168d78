/** Unit tests of the memory accountant: limits from max_memory, pressure listeners, and reservations with bounded waits on a fake clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAccountant, memoryLimitsFor, STORED_BATCH_HEAP_BYTES, type MemoryReservation } from '../../../src/storage/memory-accountant.js';
import { FakeClock, settle } from '../../support/fake-clock.js';

function accountant(maxBytes: number, clock = new FakeClock()): MemoryAccountant {
  return new MemoryAccountant(memoryLimitsFor(maxBytes, 0), clock);
}

describe('MemoryAccountant limits', () => {
  it('takes its marks from max_memory: relief above 80 %, down to 60 %', () => {
    assert.deepEqual(new MemoryAccountant(memoryLimitsFor(1_000), new FakeClock()).memoryLimits, { maxBytes: 1_000, highWaterBytes: 800, lowWaterBytes: 600, batchHeapBytes: STORED_BATCH_HEAP_BYTES });
  });

  it('counts the heap of every stored batch against max_memory: small batches cross the marks long before their bytes do', () => {
    const memory = new MemoryAccountant(memoryLimitsFor(10_000, 150), new FakeClock());
    let signals = 0;
    memory.onPressure(() => signals++);
    for (let i = 0; i < 32; i++) memory.adjust(100, 1);
    assert.deepEqual([memory.storedBytes, memory.usedBytes, signals], [3_200, 8_000, 0], 'at the high-water mark in used bytes');
    memory.adjust(100, 1);
    assert.equal(signals, 1, '3,300 batch bytes (33 % of max_memory) but 8,250 used: relief starts');
    for (let i = 0; i < 7; i++) memory.adjust(100, 1);
    assert.deepEqual([memory.storedBytes, memory.usedBytes, memory.isFull], [4_000, 10_000, true], 'full with 40 % of max_memory in batch bytes');
    assert.ok(memory.reserve(100, 1_000) instanceof Promise, 'a produce waits for room');
  });

  it('gives a batch\'s counted heap back with its bytes: a dropped batch makes room for a waiting produce', async () => {
    const memory = new MemoryAccountant(memoryLimitsFor(1_000, 400), new FakeClock());
    memory.adjust(100, 1);
    memory.adjust(100, 1);
    assert.equal(memory.usedBytes, 1_000);
    let granted: MemoryReservation | null | undefined;
    void (memory.reserve(10, 1_000) as Promise<MemoryReservation | null>).then((r) => (granted = r));
    memory.adjust(-100, -1);
    await settle();
    assert.ok(granted, 'granted once a batch (100 bytes + 400 counted) is dropped: 500 used');
    assert.equal(memory.usedBytes, 500);
  });

  it('a cleaned batch that shrinks (fewer bytes, same batch) gives room back too', async () => {
    const memory = new MemoryAccountant(memoryLimitsFor(1_000, 100), new FakeClock());
    memory.adjust(900, 1);
    let granted: MemoryReservation | null | undefined;
    void (memory.reserve(10, 1_000) as Promise<MemoryReservation | null>).then((r) => (granted = r));
    memory.adjust(-300, 0);
    await settle();
    assert.ok(granted);
    assert.deepEqual([memory.storedBytes, memory.storedBatches, memory.usedBytes], [600, 1, 700]);
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

  it('grants reservations while stored plus reserved bytes are below max_memory, so the tier overshoots by one request at most', () => {
    const memory = accountant(100);
    const first = memory.reserve(60, 1_000);
    const second = memory.reserve(60, 1_000);
    assert.ok(!(first instanceof Promise) && !(second instanceof Promise), 'both granted at once: 0 and 60 are below 100');
    assert.equal(memory.reserved, 120);
    assert.equal(memory.isFull, true);
    assert.ok(memory.reserve(1, 1_000) instanceof Promise, 'the third waits');
  });

  it('hands room to waiting producers in the order they asked, as stored bytes are dropped or reservations given back', async () => {
    const clock = new FakeClock();
    const memory = accountant(100, clock);
    memory.adjust(100, 1);
    const order: string[] = [];
    const big = memory.reserve(80, 5_000) as Promise<MemoryReservation | null>;
    const small = memory.reserve(10, 5_000) as Promise<MemoryReservation | null>;
    void big.then(() => order.push('big'));
    void small.then(() => order.push('small'));
    assert.equal(clock.pendingTimers, 2, 'each wait is bounded by a timer');
    memory.adjust(-30, -1);
    await settle();
    assert.deepEqual(order, ['big'], 'the first in line first; the next waits while 70 + 80 >= 100');
    (await big)!.release();
    await settle();
    assert.deepEqual(order, ['big', 'small']);
    assert.equal(clock.pendingTimers, 0, 'the timers are cancelled once granted');
    const reservation = (await small)!;
    reservation.release();
    reservation.release();
    assert.equal(memory.reserved, 0, 'giving back twice counts once');
  });

  it('gives up waiting exactly at the timeout when nothing frees memory, and the next in line moves up', async () => {
    const clock = new FakeClock();
    const memory = accountant(10, clock);
    memory.adjust(10, 1);
    let answer: MemoryReservation | null | undefined;
    void (memory.reserve(5, 2_000) as Promise<MemoryReservation | null>).then((r) => (answer = r));
    clock.advance(1_999);
    await settle();
    assert.equal(answer, undefined, 'still waiting 1 ms before the timeout');
    clock.advance(1);
    await settle();
    assert.equal(answer, null);
    memory.adjust(-10, -1);
    assert.ok(!(memory.reserve(5, 0) instanceof Promise), 'nobody waits any more: granted at once');
  });

  it('holds a stored batch\'s pooled memory from batchStored until batchDropped', () => {
    const memory = accountant(1 << 20);
    const batch = memory.memory.alloc(1_000);
    memory.batchStored(batch);
    memory.memory.release(batch);
    assert.equal(memory.memory.stats().heldBackBytes, 0);
    assert.equal(memory.storedBytes, 1_000);
    memory.batchDropped(batch.buffer, batch.length);
    assert.equal(memory.storedBytes, 0);
    assert.equal(memory.memory.alloc(1_000).byteOffset, 0, 'the slab is empty again and reused from its start');
  });
});
