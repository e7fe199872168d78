import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

  it('makes views of a range of batches, its holder holding the memory of each run of them once', () => {
    const batches = new MemoryBatches();
    const first = Buffer.alloc(100);
    const second = Buffer.alloc(100);
    for (const n of [0, 1, 2]) pushBatch(batches, first, n);
    for (const n of [3, 4]) pushBatch(batches, second, n);
    pushBatch(batches, first, 5);
    const held: ArrayBufferLike[] = [];
    const views = batches.views(1, 6, { hold: (memory) => held.push(memory) });
    assert.deepEqual(views.map((view) => view[0]), [1, 2, 3, 4, 5]);
    assert.ok(views.every((view, i) => batches.holds(i + 1, view)));
    assert.deepEqual(held, [first.buffer, second.buffer, first.buffer], 'one hold per run');
    assert.equal(batches.views(0, 6).length, 6, 'no holder: views alone');
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

  it('slides along a log that drops from its head as it appends, in the same storage', () => {
    const batches = new MemoryBatches();
    const slab = Buffer.alloc(100_000);
    for (let n = 0; n < 1_000; n++) pushBatch(batches, slab, n);
    const storageOf = (): ArrayBufferLike => (batches as unknown as { f64: Float64Array }).f64.buffer;
    // Retention's steady state: one batch dropped (and settled) for each appended, many times round the storage.
    const slide = (from: number, to: number): void => {
      for (let n = from; n < to; n++) {
        batches.shift();
        batches.settle();
        pushBatch(batches, slab, n);
      }
    };
    slide(1_000, 2_000); // the first time round may grow it to half as large again as the batches held
    const storage = storageOf();
    const columnBytes = batches.columnBytes;
    slide(2_000, 10_000);
    assert.ok(storageOf() === storage, 'no new storage: the batches were moved back to its start');
    assert.equal(batches.columnBytes, columnBytes);
    assert.deepEqual(offsets(batches), Array.from({ length: 1_000 }, (_, i) => 9_000 + i));
    assert.equal(batches.view(999)[0], 9_999 & 0xff, 'the views still show the right bytes after the moves');
    assert.deepEqual([batches.lastOffset(0), batches.appendTimeMs(0)], [9_000, 10_000]);
  });

  it('keeps one memory table entry per run of batches in the same memory, freed with its last batch', () => {
    const batches = new MemoryBatches();
    const slabs = [Buffer.alloc(10_000), Buffer.alloc(10_000), Buffer.alloc(10_000)];
    for (let n = 0; n < 3_000; n++) {
      const slab = slabs[Math.floor(n / 1_000)];
      const at = 10 * (n % 1_000);
      batches.push(n, n, slab.subarray(at, at + 10).fill(n % 1_000 & 0xff), n);
    }
    assert.equal(batches.memoryCount, 3, 'three runs, three entries (not one per batch)');
    for (let n = 0; n < 999; n++) batches.shift();
    assert.equal(batches.memoryCount, 3, 'the first slab still holds batch 999');
    batches.shift();
    assert.equal(batches.memoryCount, 2, 'its last batch gone, the first slab is let go');
    const own = Buffer.alloc(10, 0xee);
    batches.replace(500, own);
    assert.equal(batches.memoryCount, 3);
    assert.ok(batches.holds(500, own));
    batches.push(3_000, 3_000, slabs[1].subarray(0, 10).fill(0xcc), 3_000);
    assert.equal(batches.memoryCount, 4, 'a batch in another memory than its predecessor starts a run (the second slab again)');
    batches.settle();
    for (let n = 0; n < 1_500; n++) batches.shift();
    batches.settle();
    assert.equal(batches.count, 501);
    assert.equal(batches.memoryCount, 2, 'the third slab and the second one\'s last batch');
    assert.equal(batches.memory(0), slabs[2].buffer);
    assert.deepEqual([batches.view(0)[0], batches.view(499)[0], batches.view(500)[0], batches.byteOffset(500)], [500 & 0xff, 999 & 0xff, 0xcc, 0]);
    assert.equal(batches.memory(500), slabs[1].buffer);
  });

  it('keeps the memories of interleaved batches apart, through moves and resizes', () => {
    const batches = new MemoryBatches();
    const a = Buffer.alloc(1_000, 0xa);
    const b = Buffer.alloc(1_000, 0xb);
    for (let n = 0; n < 100; n++) batches.push(n, n, (n % 2 === 0 ? a : b).subarray(n, n + 1), n);
    batches.remove(Array.from({ length: 50 }, (_, k) => 2 * k + 1));
    assert.equal(batches.count, 50);
    for (let i = 0; i < 50; i++) assert.ok(batches.holds(i, a.subarray(2 * i, 2 * i + 1)), `batch ${i}`);
    assert.equal(batches.memoryCount, 1, 'b\'s batches all removed, a run of a after the resize');
  });

  it('holds no JavaScript heap per batch: the memory references are per run, not per batch', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const slab = Buffer.alloc(1 << 20);
    const batches = new MemoryBatches();
    const N = 200_000;
    gc();
    const before = getHeapStatistics().used_heap_size;
    for (let n = 0; n < N; n++) batches.push(n, n, slab.subarray(n % 100_000, (n % 100_000) + 10), n);
    gc();
    const perBatch = (getHeapStatistics().used_heap_size - before) / N;
    assert.equal(batches.count, N);
    assert.ok(perBatch < 2, `${perBatch.toFixed(2)} B of heap per batch`);
  });

  it('keeps its columns out of V8\'s external memory (which counts against the old generation\'s limit)', () => {
    const slab = Buffer.from(new SharedArrayBuffer(1 << 16));
    const batches = new MemoryBatches();
    const before = getHeapStatistics().external_memory;
    for (let n = 0; n < 100_000; n++) batches.push(n, n, slab.subarray(0, 10), n);
    const grown = getHeapStatistics().external_memory - before;
    assert.ok(batches.columnBytes >= 100_000 * BATCH_COLUMN_BYTES);
    assert.ok(grown < 64 * 1024, `external memory grew by ${grown} B for ${batches.columnBytes} B of columns`);
  });
});

