import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemoryAccountant } from '../../../src/storage/memory-accountant.js';
import { PartitionLog, type ReadResult } from '../../../src/storage/partition-log.js';
import type { StoredBatch } from '../../../src/storage/stored-batch.js';
import { unlimitedAccountant } from '../../support/storage.js';

function batchAt(baseOffset: number, count: number, size = 100, appendTimeMs = 0): StoredBatch {
  return { baseOffset, lastOffset: baseOffset + count - 1, buffer: Buffer.alloc(size, baseOffset), appendTimeMs };
}

function readNow(log: PartitionLog, offset: number, maxBytes: number, includeOversizedFirst: boolean): ReadResult {
  const result = log.read(offset, maxBytes, includeOversizedFirst);
  assert.ok(!(result instanceof Promise), 'a memory read answers synchronously');
  return result;
}

function logWith(...counts: number[]): { log: PartitionLog; accountant: MemoryAccountant } {
  const accountant = unlimitedAccountant();
  const log = new PartitionLog('t', 0, accountant);
  for (const count of counts) log.append(batchAt(log.highWatermark, count));
  return { log, accountant };
}

describe('PartitionLog', () => {
  it('advances the high watermark by each batch and accounts its bytes', () => {
    const { log, accountant } = logWith(3, 2);
    assert.equal(log.highWatermark, 5);
    assert.equal(log.storedBytes, 200);
    assert.equal(accountant.storedBytes, 200);
    assert.equal(accountant.storedBatches, 2);
  });

  it('refuses an append that is not at the log end', () => {
    const { log } = logWith(3);
    assert.throws(() => log.append(batchAt(7, 1)), /log end is 3/);
  });

  it('reads from the batch holding a middle offset, whole batches, up to max bytes', () => {
    const { log } = logWith(3, 3, 3);
    const read = readNow(log, 4, 150, false);
    assert.equal(read.chunks.length, 1);
    assert.equal(read.chunks[0][0], 3, 'the batch starting at offset 3 holds offset 4');
    assert.equal(readNow(log, 0, 1000, false).chunks.length, 3);
  });

  it('returns an oversized first batch only when asked to (KIP-74)', () => {
    const { log } = logWith(1);
    assert.equal(readNow(log, 0, 10, false).chunks.length, 0);
    assert.equal(readNow(log, 0, 10, true).chunks.length, 1);
  });

  it('returns nothing at the high watermark', () => {
    const { log } = logWith(2);
    assert.deepEqual(readNow(log, 2, 1000, true), { chunks: [], bytes: 0, nextOffset: 2 });
  });

  it('gives the pooled memory of batches the log cleaner replaces or drops back to the pool', () => {
    const accountant = unlimitedAccountant();
    const log = new PartitionLog('t', 0, accountant);
    const pooled = (baseOffset: number): StoredBatch => ({ ...batchAt(baseOffset, 1), buffer: accountant.memory.alloc(100).fill(baseOffset) });
    const first = pooled(0);
    const second = pooled(1);
    log.append(first);
    log.append(second);
    // The produce path's own holds end once the batches are stored: the partition's are left.
    accountant.memory.release(first.buffer);
    accountant.memory.release(second.buffer);
    assert.ok(log.replaceMemoryBatch(first, batchAt(0, 1, 50)));
    assert.equal(log.dropMemoryBatches(new Set([second])), 100);
    assert.equal(accountant.storedBytes, 50);
    assert.equal(accountant.storedBatches, 1);
    // Nothing holds the slab any more: the next allocation starts at its beginning again.
    assert.equal(accountant.memory.alloc(10).byteOffset, 0);
  });

  it('holds, for a read given a pin, the pooled memory of the batches it returns: dropped from the log meanwhile, they are not overwritten', () => {
    const accountant = unlimitedAccountant();
    const log = new PartitionLog('t', 0, accountant);
    for (const baseOffset of [0, 1]) {
      const batch = { ...batchAt(baseOffset, 1), buffer: accountant.memory.alloc(100).fill(baseOffset + 1) };
      log.append(batch);
      accountant.memory.release(batch.buffer);
    }
    const pin = accountant.memory.pin();
    const read = log.read(0, 1000, true, Infinity, pin);
    assert.ok(!(read instanceof Promise));
    assert.equal(pin.heldBytes, accountant.memory.stats().slabBytes, 'both batches in one slab, held once');
    log.advanceLogStart(2);
    assert.equal(log.batchCount, 0);
    accountant.memory.alloc(200).fill(9);
    assert.deepEqual(read.chunks.map((chunk) => [chunk[0], chunk[99]]), [[1, 1], [2, 2]], 'not overwritten while the pin holds them');
    pin.release();
    assert.equal(accountant.memory.stats().heldBackBytes, 0);
  });

  it('replaces or drops for the log cleaner only the batch it read, not another with its offsets', () => {
    const { log } = logWith(1, 1);
    const [first, second] = [...log.memoryBatchesFrom(0)];
    assert.ok(!log.replaceMemoryBatch({ ...first, buffer: Buffer.from(first.buffer) }, batchAt(0, 1, 50)), 'a copy of its bytes is not the batch');
    assert.equal(log.dropMemoryBatches([{ ...second, buffer: Buffer.from(second.buffer) }]), 0);
    assert.ok(log.replaceMemoryBatch(first, batchAt(0, 1, 50)));
    assert.ok(!log.replaceMemoryBatch(first, batchAt(0, 1, 50)), 'replaced already');
    assert.equal(log.dropMemoryBatches([second, second]), 100);
    assert.deepEqual(
      [...log.memoryBatchesFrom(0)].map((batch) => [batch.baseOffset, batch.buffer.length]),
      [[0, 50]],
    );
  });

  it('moves the log start and drops whole batches below it', () => {
    const { log, accountant } = logWith(3, 3);
    log.advanceLogStart(4);
    assert.equal(log.logStartOffset, 4);
    assert.equal(log.batchCount, 1, 'the batch 3-5 still holds offset 4');
    assert.equal(accountant.storedBytes, 100);
    log.advanceLogStart(6);
    assert.equal(log.batchCount, 0);
    assert.equal(log.highWatermark, 6);
  });

  it('reports the records a log-start move makes unreadable, and never moves back', () => {
    const accountant = unlimitedAccountant();
    const log = new PartitionLog('t', 0, accountant);
    log.append(batchAt(0, 2, 100, 10));
    log.append(batchAt(2, 5, 100, 20));
    log.append(batchAt(7, 1, 100, 30));
    assert.equal(log.advanceLogStart(7), 7);
    assert.equal(log.logStartOffset, 7);
    assert.equal(log.batchCount, 1);
    assert.equal(log.advanceLogStart(3), 0);
    assert.equal(log.advanceLogStart(100), 1, 'capped at the high watermark');
    assert.equal(log.logStartOffset, 8);
  });

  it('tells where a read ends: the offset after the last whole batch returned', () => {
    const { log } = logWith(3, 2);
    assert.equal(readNow(log, 1, 1000, false).nextOffset, 5);
    assert.equal(readNow(log, 0, 150, false).nextOffset, 3);
  });

  it('tells listeners about appends and about the partition being deleted', () => {
    const { log, accountant } = logWith();
    const seen: Array<number | null> = [];
    log.addListener({ appended: (b) => seen.push(b === null ? null : b.baseOffset) });
    log.append(batchAt(0, 1));
    log.deleteData();
    assert.deepEqual(seen, [0, null]);
    assert.equal(accountant.storedBytes, 0);
  });

  it('tells each listener once per append, the first added first, whichever leave meanwhile and however often one is added', () => {
    const { log } = logWith();
    const seen: string[] = [];
    const listener = (name: string, onAppend?: () => void) => ({
      appended: (b: { baseOffset: number } | null) => {
        seen.push(`${name}@${b === null ? 'gone' : b.baseOffset}`);
        onAppend?.();
      },
    });
    const c = listener('c');
    let removeC = true;
    const b = listener('b', () => removeC && log.removeListener(c));
    const a = listener('a', () => log.removeListener(a));
    log.addListener(a);
    log.addListener(b);
    log.addListener(b);
    log.addListener(c);
    log.append(batchAt(0, 1));
    assert.deepEqual(seen, ['a@0', 'b@0'], 'a left after its turn; b removed c before its turn');
    removeC = false;
    log.addListener(c);
    log.addListener(a);
    log.append(batchAt(1, 1));
    assert.deepEqual(seen.slice(2), ['c@1', 'b@1', 'a@1'], 'c took the place the first had');
    log.removeListener(b);
    log.deleteData();
    assert.deepEqual(seen.slice(5), ['c@gone']);
    log.append(batchAt(2, 1));
    assert.equal(seen.length, 6, 'none is left once the partition is gone');
  });
});
