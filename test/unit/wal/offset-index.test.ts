import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INDEX_INTERVAL_BYTES, OffsetIndex, type SegmentSummary } from '../../../src/wal/offset-index.js';

/** Batches of `size` bytes and 10 records each from offset 100, indexed as a segment would be. */
function indexOf(batches: number, size: number): OffsetIndex {
  const index = new OffsetIndex(100);
  let maxTimestamp = -1;
  for (let i = 0; i < batches; i++) {
    index.batchAppended(100 + i * 10, i * size, maxTimestamp);
    maxTimestamp = Math.max(maxTimestamp, 5_000 + i);
  }
  return index;
}

const summary: SegmentSummary = { batchCount: 100, nextOffset: 1100, logSizeBytes: 100 * 1000, maxTimestamp: 5_099, lastAppendTimeMs: 42 };

describe('OffsetIndex', () => {
  it('indexes the first batch and then one batch per INDEX_INTERVAL_BYTES', () => {
    const index = indexOf(100, 1000);
    assert.equal(index.entryCount, Math.ceil((100 * 1000) / (5 * 1000)), 'every 5th 1000-byte batch starts >= 4096 bytes after the last entry');
    assert.deepEqual(index.lookupOffset(100), { offset: 100, position: 0 });
  });

  it('finds the last indexed batch at or before an offset, within one interval of the batch holding it', () => {
    const index = indexOf(100, 1000);
    for (const offset of [100, 149, 150, 555, 1099]) {
      const found = index.lookupOffset(offset);
      const holder = Math.floor((offset - 100) / 10);
      assert.ok(found.offset <= offset, `entry for ${offset} starts at or before it`);
      assert.ok(holder * 1000 - found.position < INDEX_INTERVAL_BYTES, `batch holding ${offset} is within one interval of the entry`);
    }
    assert.deepEqual(index.lookupOffset(5), { offset: 100, position: 0 }, 'below the segment: its start');
  });

  it('finds where a scan for a timestamp starts: every batch before it is older', () => {
    const index = indexOf(100, 1000);
    assert.equal(index.lookupTimestamp(0).position, 0);
    const found = index.lookupTimestamp(5_050);
    assert.ok(found.position <= 50 * 1000, 'the batch with timestamp 5050 is not skipped');
    assert.ok(found.position > 40 * 1000, 'and the scan starts near it');
  });

  it('refuses entries that do not ascend', () => {
    const index = indexOf(10, 5000);
    assert.throws(() => index.batchAppended(100, 60_000, 0), /does not ascend/);
  });

  it('round-trips through its sealed form with the segment summary', () => {
    const index = indexOf(100, 1000);
    const loaded = OffsetIndex.deserialize(index.serialize(summary), 100, 100 * 1000);
    assert.ok(loaded !== null);
    assert.deepEqual(loaded.summary, summary);
    assert.equal(loaded.index.entryCount, index.entryCount);
    assert.deepEqual(loaded.index.lookupOffset(777), index.lookupOffset(777));
    assert.deepEqual(loaded.index.lookupTimestamp(5_070), index.lookupTimestamp(5_070));
  });

  it('rejects a sealed index for another base offset, another log size, or with a flipped byte', () => {
    const file = indexOf(100, 1000).serialize(summary);
    assert.equal(OffsetIndex.deserialize(file, 101, 100 * 1000), null, 'wrong base offset');
    assert.equal(OffsetIndex.deserialize(file, 100, 100 * 1000 - 1), null, 'the log was truncated since');
    const flipped = Buffer.from(file);
    flipped[60] ^= 0x01;
    assert.equal(OffsetIndex.deserialize(flipped, 100, 100 * 1000), null, 'CRC mismatch');
    assert.equal(OffsetIndex.deserialize(file.subarray(0, 20), 100, 100 * 1000), null, 'truncated file');
  });
});
