import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BATCH_COLUMN_BYTES, MemoryBatches } from '../../../src/storage/memory-batches.js';

/** Batch `n` (one offset, 10 bytes of value n) in `slab` at 10 x n. */
function pushBatch(batches: MemoryBatches, slab: Buffer, n: number): void {
  const bytes = slab.subarray(10 * n, 10 * n + 10).fill(n);
  batches.push(n, n, bytes, 1_000 + n);
}

function offsets(batches: MemoryBatches): number[] {
  return Array.from({ length: batches.count }, (_, i) => batches.baseOffset(i));
}

describe('MemoryBatches', () => {
  it('holds each batch\'s offsets, append time and where its bytes are, and makes views of them', () => {
    const batches = new MemoryBatches();
    const slab = Buffer.alloc(100);
    batches.push(2 ** 40, 2 ** 40 + 4, slab.subarray(20, 50).fill(7), 1.7e12);
    assert.deepEqual([batches.baseOffset(0), batches.lastOffset(0), batches.appendTimeMs(0), batches.byteLength(0), batches.byteOffset(0)], [2 ** 40, 2 ** 40 + 4, 1.7e12, 30, 20]);
    const view = batches.view(0);
    assert.equal(view.buffer, slab.buffer);
    assert.deepEqual([view.byteOffset, view.length, view[0]], [20, 30, 7]);
    assert.ok(batches.holds(0, slab.subarray(20, 50)));
    assert.ok(!batches.holds(0, Buffer.from(slab.subarray(20, 50))), 'a copy of the bytes is not the batch');
  });

  it('drops from the head, removes from the middle in order, and replaces bytes', () => {
    const batches = new MemoryBatches();
    const slab = Buffer.alloc(1_000);
    for (let n = 0; n < 40; n++) pushBatch(batches, slab, n);
    batches.shift();
    batches.shift();
    batches.settle();
    batches.remove([0, 5, 37]);
    assert.deepEqual(offsets(batches), [3, 4, 5, 6, 8, ...Array.from({ length: 31 }, (_, i) => 9 + i)].filter((n) => n !== 39));
    const other = Buffer.alloc(4, 9);
    batches.replace(1, other);
    assert.ok(batches.holds(1, other));
    assert.deepEqual([batches.baseOffset(1), batches.appendTimeMs(1)], [4, 1_004]);
  });

  it('keeps its storage between the batches it holds and twice that, and gives it all back once empty', () => {
    const batches = new MemoryBatches();
    const slab = Buffer.alloc(100_000);
    for (let n = 0; n < 5_000; n++) {
      pushBatch(batches, slab, n);
      assert.ok(batches.columnBytes <= Math.max(16, 2 * batches.count) * BATCH_COLUMN_BYTES, `at ${batches.count}`);
    }
    while (batches.count > 10) {
      for (let k = 0; k < 7 && batches.count > 10; k++) batches.shift();
      batches.settle();
      assert.ok(batches.columnBytes <= Math.max(16, 2 * batches.count) * BATCH_COLUMN_BYTES, `at ${batches.count}`);
    }
    assert.deepEqual(offsets(batches), Array.from({ length: 10 }, (_, i) => 4_990 + i));
    assert.equal(batches.view(9)[0], 4_999 & 0xff, 'the views still show the right bytes after the moves');
    while (batches.count > 0) batches.shift();
    batches.settle();
    assert.equal(batches.columnBytes, 0);
  });
});
