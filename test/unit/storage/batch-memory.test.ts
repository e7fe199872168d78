/** Unit tests of BatchMemory: pooled copies, counted holds, pins holding what answers point into, and its bounds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchMemory, PREFAULTS_IN_FLIGHT, prefaultFromDevZero, SLAB_BYTES, SPARE_DECAY_MS, SPARE_SLABS, SPARE_SLABS_MAX } from '../../../src/storage/batch-memory.js';
import { FakeClock } from '../../support/fake-clock.js';

function pool(poolBytesMax = 8 * SLAB_BYTES, freeBytesMax = 2 * SLAB_BYTES): BatchMemory {
  return new BatchMemory({ poolBytesMax, freeBytesMax });
}

/** A pool bounded by 4 x SPARE_SLABS_MAX slabs whose spares are prepared only when the test says so (finishAll). */
function manuallyPrepared(clock: FakeClock | null = null, onLetGo: (() => void) | null = null): { memory: BatchMemory; finishAll(): void } {
  const pending: Array<() => void> = [];
  const bound = 4 * SPARE_SLABS_MAX * SLAB_BYTES;
  const memory = new BatchMemory({ poolBytesMax: bound, freeBytesMax: bound }, (_slab, done) => pending.push(done), clock, onLetGo);
  return {
    memory,
    finishAll: () => {
      while (pending.length > 0) (pending.shift() as () => void)();
    },
  };
}

/** Takes every free slab and one more, `rounds` times, the spares finished after each: slabs taken faster than prepared. Returns what it took. */
function burst(memory: BatchMemory, finishAll: () => void, rounds: number): Buffer[] {
  const held: Buffer[] = [];
  for (let round = 0; round < rounds; round++) {
    const free = memory.stats().freeBytes / SLAB_BYTES;
    for (let i = 0; i <= free; i++) held.push(memory.alloc(SLAB_BYTES));
    finishAll();
  }
  return held;
}

/**
 * A pool on `clock` after a burst (two slabs taken, their spares finished, then three rounds
 * taken faster than prepared): its spare target at SPARE_SLABS_MAX; `letGo` counts onLetGo calls.
 */
function grownOnClock(clock: FakeClock): { memory: BatchMemory; finishAll(): void; held: Buffer[]; letGo(): number } {
  let letGo = 0;
  const { memory, finishAll } = manuallyPrepared(clock, () => letGo++);
  const held = [memory.alloc(SLAB_BYTES), memory.alloc(SLAB_BYTES)];
  finishAll();
  held.push(...burst(memory, finishAll, 3));
  return { memory, finishAll, held, letGo: () => letGo };
}

/** Resolves after every microtask queued before it: the end of the job in which one-off regions were given back. */
function endOfJob(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(resolve));
}

describe('BatchMemory', () => {
  it('copies pieces into one pooled buffer, handing out consecutive slices of a slab', () => {
    const memory = pool();
    const first = memory.copyIn([Buffer.from('ab'), Buffer.from('cde')], 5);
    const second = memory.alloc(3);
    assert.equal(first.toString(), 'abcde');
    assert.equal(second.buffer, first.buffer, 'same slab');
    assert.equal(second.byteOffset, first.byteOffset + 5);
    assert.equal(memory.stats().slabBytes, SLAB_BYTES);
  });

  it("keeps slabs out of V8's external memory, whose growth starts full GCs for garbage the pool never makes", () => {
    const memory = pool(40 * SLAB_BYTES, 0);
    const before = process.memoryUsage().external;
    const batches = Array.from({ length: 32 }, () => memory.alloc(SLAB_BYTES));
    const grown = process.memoryUsage().external - before;
    assert.equal(memory.stats().slabBytes, 32 * SLAB_BYTES);
    assert.ok(grown < SLAB_BYTES, `32 slabs grew V8's external memory by ${grown} bytes`);
    for (const batch of batches) memory.release(batch);
  });

  it('counts holds per slab, for any view into it: the slab is reused once every hold is released', () => {
    const memory = pool();
    const frame = memory.alloc(100);
    const batch = frame.subarray(20, 80);
    memory.retain(batch);
    memory.release(frame);
    const other = memory.alloc(10);
    assert.equal(other.byteOffset, 100, 'the view still holds the slab: the next allocation goes after it');
    memory.release(batch);
    memory.release(other);
    assert.equal(memory.alloc(10).byteOffset, 0, 'no hold left: the slab starts over');
    assert.doesNotThrow(() => memory.release(Buffer.alloc(5)), 'a buffer of its own: ignored');
  });

  it('reuses a slab once everything in it is released (no fresh memory under steady load)', () => {
    const memory = pool();
    const seen = new Set<ArrayBufferLike>();
    for (let i = 0; i < 100; i++) {
      const batch = memory.alloc(SLAB_BYTES / 3);
      seen.add(batch.buffer);
      memory.release(batch);
    }
    assert.equal(seen.size, 1, 'one slab served 100 batches');
    assert.equal(memory.stats().slabBytes, SLAB_BYTES);
  });

  it('holds a slab a pin holds until the pin is released: a batch dropped meanwhile is not overwritten', () => {
    const memory = pool();
    const batch = memory.copyIn([Buffer.from('stored bytes')], 12);
    const pin = memory.pin();
    pin.hold(batch.buffer);
    memory.release(batch);
    assert.equal(memory.stats().heldBackBytes, SLAB_BYTES, 'the slab is held by the pin alone');
    const next = memory.copyIn([Buffer.from('new')], 3);
    assert.equal(batch.toString(), 'stored bytes', 'not overwritten while held');
    assert.notEqual(next.byteOffset, batch.byteOffset);
    assert.equal(memory.stats().heldBackBytes, 0, 'a batch in it again: not held by the pin alone');
    memory.release(next);
    pin.release();
    assert.equal(memory.stats().heldBackBytes, 0);
    assert.equal(memory.alloc(10).byteOffset, 0, 'no hold left: the slab starts over');
  });

  it('reuses at once a slab released after a pending answer was made, when the answer does not point into it', () => {
    const memory = pool();
    const answered = memory.copyIn([Buffer.from('in the answer')], 13);
    const pin = memory.pin();
    pin.hold(answered.buffer);
    memory.alloc(SLAB_BYTES - 13);
    const other = memory.alloc(SLAB_BYTES);
    assert.notEqual(other.buffer, answered.buffer, 'another slab');
    memory.release(answered);
    memory.release(other);
    assert.equal(memory.alloc(SLAB_BYTES).buffer, other.buffer, 'the other slab is reused while the answer is pending');
    assert.equal(answered.toString(), 'in the answer');
    assert.equal(memory.stats().slabBytes, 2 * SLAB_BYTES, 'no fresh memory taken');
    pin.release();
  });

  it('holds each memory once per pin, whatever the number of holds; ignores memory not of the pool; drops and holds again', () => {
    const memory = pool();
    const a = memory.alloc(10);
    const b = memory.alloc(10);
    const pin = memory.pin();
    pin.hold(a.buffer);
    pin.hold(b.buffer);
    pin.hold(Buffer.alloc(10).buffer);
    assert.equal(pin.heldBytes, SLAB_BYTES, 'one slab, held once');
    memory.release(a);
    memory.release(b);
    assert.equal(memory.stats().heldBackBytes, SLAB_BYTES);
    pin.drop();
    assert.equal(pin.heldBytes, 0);
    assert.equal(memory.stats().heldBackBytes, 0, 'a fetch that parks holds nothing');
    const c = memory.alloc(10);
    assert.equal(c.byteOffset, 0, 'the slab starts over');
    pin.hold(c.buffer);
    memory.release(c);
    assert.equal(memory.stats().heldBackBytes, SLAB_BYTES, 'held again after the drop');
    pin.release();
    assert.equal(memory.stats().heldBackBytes, 0);
    assert.throws(() => pin.hold(c.buffer), /released/);
    assert.throws(() => pin.borrow(10), /released/);
  });

  it('lends scratch memory that the pin holds until it is released', () => {
    const memory = pool();
    const pin = memory.pin();
    const scratch = pin.borrow(100);
    const more = pin.borrow(100);
    assert.ok(memory.owns(scratch) && more.buffer === scratch.buffer);
    assert.equal(pin.heldBytes, SLAB_BYTES);
    assert.equal(memory.stats().heldBackBytes, SLAB_BYTES);
    assert.equal(memory.alloc(10).byteOffset, 200, 'not reused while lent');
    pin.release();
    assert.equal(memory.alloc(10).byteOffset, 210, 'the other allocation still holds the slab');
  });

  it('never grows past poolBytesMax: beyond it, and for batches larger than a slab, one-off regions', () => {
    const memory = pool(2 * SLAB_BYTES);
    const held = [memory.alloc(SLAB_BYTES), memory.alloc(SLAB_BYTES)];
    const overflow = memory.alloc(100);
    const huge = memory.alloc(SLAB_BYTES + 1);
    assert.equal(memory.stats().slabBytes, 2 * SLAB_BYTES);
    assert.notEqual(overflow.buffer, held[0].buffer);
    assert.notEqual(overflow.buffer, held[1].buffer);
    assert.equal(huge.length, SLAB_BYTES + 1);
    memory.release(overflow);
    memory.release(huge);
  });

  it('gives a one-off region back (detached) once its last hold is released, not when the GC gets to it', async () => {
    const memory = pool(2 * SLAB_BYTES);
    const held = [memory.alloc(SLAB_BYTES), memory.alloc(SLAB_BYTES)];
    const frame = memory.copyIn([Buffer.from('past the bound')], 14);
    const huge = memory.alloc(SLAB_BYTES + 1);
    assert.ok(memory.owns(frame) && memory.owns(huge), 'tracked like a slab');
    assert.equal(memory.stats().oneOffBytes, 14 + SLAB_BYTES + 1);
    const batch = frame.subarray(9, 14);
    memory.retain(batch);
    memory.release(frame);
    await endOfJob();
    assert.equal(batch.toString(), 'bound', 'a view still held reads its bytes');
    memory.release(batch);
    memory.release(huge);
    assert.equal(frame.length, 14, 'until the end of the job, the code that released it still reads its length');
    assert.equal(huge.length, SLAB_BYTES + 1);
    await endOfJob();
    assert.equal(frame.buffer.byteLength, 0, 'its memory is given back');
    assert.equal(batch.length, 0, 'every view is empty');
    assert.equal(huge.buffer.byteLength, 0);
    assert.equal(memory.stats().oneOffBytes, 0);
    assert.ok(!memory.owns(frame));
    assert.doesNotThrow(() => memory.release(batch), 'a view of a region given back: ignored');
    assert.equal(memory.stats().slabBytes, 2 * SLAB_BYTES, 'one-off regions never count as slabs');
    for (const slab of held) memory.release(slab);
  });

  it('holds a one-off region a pin holds until the pin is released; gives back at once one it does not hold', async () => {
    const memory = pool(SLAB_BYTES);
    const filler = memory.alloc(SLAB_BYTES);
    const answered = memory.copyIn([Buffer.from('answered')], 8);
    const other = memory.copyIn([Buffer.from('other')], 5);
    const pin = memory.pin();
    pin.hold(answered.buffer);
    memory.release(answered);
    memory.release(other);
    assert.equal(memory.stats().heldBackBytes, 8);
    await endOfJob();
    assert.equal(answered.toString(), 'answered', 'held by the pending answer');
    assert.equal(other.length, 0, 'not in the answer: given back at once');
    pin.drop();
    await endOfJob();
    assert.equal(answered.length, 0, 'given back once the pin lets go');
    assert.equal(memory.stats().oneOffBytes, 0);
    assert.equal(memory.stats().heldBackBytes, 0);
    pin.release();
    memory.release(filler);
  });

  it('never lends a one-off region as scratch: past the bound a pin lends a plain buffer, which stays readable after the pin goes', async () => {
    const memory = pool(SLAB_BYTES);
    const filler = memory.alloc(SLAB_BYTES);
    const pin = memory.pin();
    const small = pin.borrow(100);
    const large = pin.borrow(SLAB_BYTES + 1);
    assert.ok(!memory.owns(small) && !memory.owns(large));
    pin.release();
    await endOfJob();
    assert.equal(small.length, 100, 'a disk read may still be filling it: never detached');
    assert.equal(large.length, SLAB_BYTES + 1);
    assert.equal(memory.stats().oneOffBytes, 0);
    memory.release(filler);
  });

  it('keeps at most freeBytesMax of empty slabs (the last four still take batches)', () => {
    const memory = pool(8 * SLAB_BYTES, SLAB_BYTES);
    const batches = Array.from({ length: 6 }, () => memory.alloc(SLAB_BYTES));
    assert.equal(memory.stats().slabBytes, 6 * SLAB_BYTES);
    for (const batch of batches) memory.release(batch);
    assert.equal(memory.stats().freeBytes, SLAB_BYTES, 'of the two that stopped taking batches, one is kept');
    assert.equal(memory.stats().slabBytes, 5 * SLAB_BYTES);
  });

  it('puts a batch too big for the end of the newest slab in a new one, and later small batches in that end', () => {
    const memory = pool();
    const first = memory.alloc(SLAB_BYTES - 1000);
    const big = memory.alloc(5000);
    const small = memory.alloc(500);
    assert.notEqual(big.buffer, first.buffer);
    assert.equal(small.buffer, first.buffer, 'the first slab still had 1000 bytes');
  });
  it('prepares spare slabs once the pool grows past its first slab, PREFAULTS_IN_FLIGHT at a time up to SPARE_SLABS, within the bound, handing each out only once its prefault is done', () => {
    const pending: Array<{ memory: Buffer; done: () => void }> = [];
    const bound = (3 + SPARE_SLABS) * SLAB_BYTES;
    const memory = new BatchMemory({ poolBytesMax: bound, freeBytesMax: bound }, (slab, done) => pending.push({ memory: slab, done }));
    const first = memory.alloc(SLAB_BYTES);
    assert.equal(pending.length, 0, 'an idle broker\'s first slab starts no spares');
    const second = memory.alloc(SLAB_BYTES);
    assert.equal(pending.length, PREFAULTS_IN_FLIGHT, 'the second slab starts them, a few at a time');
    assert.equal(memory.stats().freeBytes, 0, 'not handed out while being prepared');
    for (let i = 0; i < SPARE_SLABS; i++) pending[i].done();
    assert.equal(pending.length, SPARE_SLABS, 'each one done starts the next, up to SPARE_SLABS');
    assert.equal(memory.stats().slabBytes, (2 + SPARE_SLABS) * SLAB_BYTES, 'spares count in the bound');
    assert.equal(memory.stats().freeBytes, SPARE_SLABS * SLAB_BYTES);
    const spare = memory.alloc(SLAB_BYTES);
    assert.equal(spare.buffer, pending[SPARE_SLABS - 1].memory.buffer, 'a prepared spare is handed out');
    assert.equal(pending.length, SPARE_SLABS + 1, 'and replaced');
    assert.equal(memory.stats().slabBytes, bound, 'the bound stops further spares');
    const inPreparation = pending[SPARE_SLABS].memory.buffer;
    const rest: Buffer[] = [];
    for (let i = 0; i < SPARE_SLABS - 1; i++) rest.push(memory.alloc(SLAB_BYTES));
    assert.ok(rest.every((b) => memory.owns(b) && b.buffer !== inPreparation), 'the prepared spares are handed out, the one being prepared never');
    const overflow = memory.alloc(SLAB_BYTES);
    assert.ok(overflow.buffer !== inPreparation && memory.stats().oneOffBytes === SLAB_BYTES, 'past the bound (the last spare is still being prepared): a one-off region');
    assert.equal(memory.stats().slabBytes, bound);
    for (const buffer of [first, second, spare, ...rest, overflow]) memory.release(buffer);
  });

  it('raises the spare target towards SPARE_SLABS_MAX while slabs are taken faster than they are prepared', () => {
    const { memory, finishAll } = manuallyPrepared();
    const held = [memory.alloc(SLAB_BYTES), memory.alloc(SLAB_BYTES)];
    finishAll();
    assert.equal(memory.stats().freeBytes, SPARE_SLABS * SLAB_BYTES, 'at first SPARE_SLABS');
    // Take every spare, then one more while the replacements are still being prepared: a miss.
    held.push(...burst(memory, finishAll, 1));
    assert.equal(memory.stats().freeBytes, 2 * SPARE_SLABS * SLAB_BYTES, 'doubled after a miss');
    held.push(...burst(memory, finishAll, 2));
    assert.equal(memory.stats().freeBytes, SPARE_SLABS_MAX * SLAB_BYTES, 'never past SPARE_SLABS_MAX');
    for (const buffer of held) memory.release(buffer);
  });

  it('lets the spare target fall back to SPARE_SLABS, and the empty slabs past it go, once no slab was taken for SPARE_DECAY_MS', () => {
    const clock = new FakeClock();
    // A burst: slabs taken faster than the spares are prepared, until the target is at its most.
    const { memory, finishAll, held, letGo } = grownOnClock(clock);
    assert.equal(memory.stats().freeBytes, SPARE_SLABS_MAX * SLAB_BYTES, 'the burst raised the target to SPARE_SLABS_MAX');
    // Its batches dropped (retention, relief): all but the four open slabs are empty too.
    for (const buffer of held) memory.release(buffer);
    const emptied = memory.stats().freeBytes;
    assert.ok(emptied > SPARE_SLABS_MAX * SLAB_BYTES);
    // A slow trickle that takes a slab every period keeps everything (the four open slabs fill first).
    for (let i = 0; i < 3; i++) {
      clock.advance(SPARE_DECAY_MS - 1);
      const trickle = Array.from({ length: 5 }, () => memory.alloc(SLAB_BYTES));
      for (const buffer of trickle) memory.release(buffer);
      finishAll();
    }
    assert.equal(letGo(), 0, 'nothing let go while slabs are taken');
    assert.ok(memory.stats().freeBytes >= emptied - SLAB_BYTES);
    clock.advance(2 * SPARE_DECAY_MS);
    assert.equal(letGo(), 1, 'told once');
    assert.equal(memory.stats().freeBytes, SPARE_SLABS * SLAB_BYTES, 'SPARE_SLABS empty slabs kept');
    assert.equal(memory.stats().slabBytes, (SPARE_SLABS + 4) * SLAB_BYTES, 'the rest left the pool (the four open slabs stay)');
    assert.equal(clock.pendingTimers, 0, 'no timer left once idle');
    // The next burst starts from SPARE_SLABS again.
    const again = Array.from({ length: SPARE_SLABS + 4 }, () => memory.alloc(SLAB_BYTES));
    finishAll();
    assert.ok(memory.stats().freeBytes <= 2 * SPARE_SLABS * SLAB_BYTES, 'grown from SPARE_SLABS, not from SPARE_SLABS_MAX');
    for (const buffer of again) memory.release(buffer);
  });

  it('lets go of slabs emptied after a decay period ran out (retention, a deleted topic, once demand stopped) after another', () => {
    const clock = new FakeClock();
    const { memory, finishAll, held, letGo } = grownOnClock(clock);
    // Demand stops with the burst's batches still stored: the spares past SPARE_SLABS go, and no timer is left.
    clock.advance(2 * SPARE_DECAY_MS);
    assert.equal(letGo(), 1);
    assert.equal(memory.stats().freeBytes, SPARE_SLABS * SLAB_BYTES);
    assert.equal(clock.pendingTimers, 0);
    // Later the stored batches are dropped with no slab taken: the emptied slabs start a period of their own.
    for (const buffer of held) memory.release(buffer);
    assert.ok(memory.stats().freeBytes > SPARE_SLABS * SLAB_BYTES, 'emptied slabs kept at first');
    assert.equal(clock.pendingTimers, 1, 'a decay period started');
    clock.advance(2 * SPARE_DECAY_MS);
    assert.equal(letGo(), 2, 'told again');
    assert.equal(memory.stats().freeBytes, SPARE_SLABS * SLAB_BYTES, 'SPARE_SLABS empty slabs kept');
    assert.equal(memory.stats().slabBytes, (SPARE_SLABS + 4) * SLAB_BYTES, 'the rest left the pool (the four open slabs stay)');
    assert.equal(clock.pendingTimers, 0, 'no timer left once idle');
  });

  it('prefaults from /dev/zero off the event loop: the slab reads back as zeros once done', async () => {
    const slab = Buffer.from(new SharedArrayBuffer(SLAB_BYTES)).fill(7);
    await new Promise<void>((resolve) => prefaultFromDevZero(slab, resolve));
    assert.equal(slab.indexOf(7), -1);
  });
});
