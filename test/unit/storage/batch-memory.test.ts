/** Unit tests of BatchMemory: pooled copies, counted holds, reuse deferred past pins, and its bounds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchMemory, SLAB_BYTES } from '../../../src/storage/batch-memory.js';

function pool(poolBytesMax = 8 * SLAB_BYTES, freeBytesMax = 2 * SLAB_BYTES): BatchMemory {
  return new BatchMemory({ poolBytesMax, freeBytesMax });
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

  it('gives memory back only when the last hold is released', () => {
    const memory = pool();
    const batch = memory.alloc(100);
    memory.retain(batch);
    memory.release(batch);
    assert.equal(memory.alloc(10).byteOffset, 100, 'still held: the next allocation goes after it');
    memory.release(batch);
    assert.equal(memory.alloc(10).byteOffset, 110, 'released, but the slab still holds the 10 bytes after it');
    assert.doesNotThrow(() => memory.release(batch), 'an unknown buffer: a no-op');
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

  it('holds released memory back while a pin taken before the release is active', () => {
    const memory = pool();
    const batch = memory.copyIn([Buffer.from('stored bytes')], 12);
    const pin = memory.pin();
    memory.release(batch);
    assert.equal(memory.stats().heldBackBytes, 12);
    const next = memory.copyIn([Buffer.from('new')], 3);
    assert.equal(batch.toString(), 'stored bytes', 'not overwritten while pinned');
    assert.notEqual(next.byteOffset, batch.byteOffset);
    pin.release();
    assert.equal(memory.stats().heldBackBytes, 0);
  });

  it('a pin taken after a release holds nothing back; a suspended or refreshed pin stops holding back earlier releases', () => {
    const memory = pool();
    const before = memory.alloc(10);
    const pin = memory.pin();
    const after = memory.alloc(10);
    memory.release(before);
    const late = memory.pin();
    assert.equal(memory.stats().heldBackBytes, 10, 'held by the earlier pin only');
    pin.suspend();
    assert.equal(memory.stats().heldBackBytes, 0);
    pin.refresh();
    memory.release(after);
    assert.equal(memory.stats().heldBackBytes, 10, 'released after the refresh: held again');
    pin.release();
    late.release();
    assert.equal(memory.stats().heldBackBytes, 0);
  });

  it('never grows past poolBytesMax: beyond it, and for batches larger than a slab, plain buffers the GC frees', () => {
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

  it('keeps at most freeBytesMax of empty slabs', () => {
    const memory = pool(8 * SLAB_BYTES, SLAB_BYTES);
    const batches = Array.from({ length: 4 }, () => memory.alloc(SLAB_BYTES));
    assert.equal(memory.stats().slabBytes, 4 * SLAB_BYTES);
    for (const batch of batches) memory.release(batch);
    assert.equal(memory.stats().freeBytes, SLAB_BYTES);
    assert.equal(memory.stats().slabBytes, 2 * SLAB_BYTES, 'the current slab and one free one');
  });
});
