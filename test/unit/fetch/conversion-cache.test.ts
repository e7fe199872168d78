/**
 * The down-conversion cache: bounded by bytes with the least recently used entries out
 * first, oversized entries not kept, and an entry used only while the batch it was made
 * from still has the same CRC-32C and length.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConversionCache, type BatchKey } from '../../../src/fetch/conversion-cache.js';
import type { ConvertedBatch } from '../../../src/record-format/legacy-down-conversion.js';

/** A converted batch of `bytes` message bytes and one message (16 bytes of index). */
function converted(bytes: number): ConvertedBatch {
  return { bytes: Buffer.alloc(bytes), offsets: new Float64Array(1), ends: new Float64Array([bytes]) };
}

const key = (baseOffset: number, extra: Partial<BatchKey> = {}): BatchKey => ({ topic: 't', partition: 0, baseOffset, magic: 1, crc: 7, batchBytes: 100, ...extra });

describe('ConversionCache', () => {
  it('answers what it holds, by topic, partition, base offset and magic', () => {
    const cache = new ConversionCache(1000);
    const entry = converted(84);
    cache.put(key(0), entry);
    assert.equal(cache.get(key(0)), entry);
    assert.equal(cache.get(key(0, { magic: 0 })), undefined);
    assert.equal(cache.get(key(0, { partition: 1 })), undefined);
    assert.equal(cache.get(key(0, { topic: 'u' })), undefined);
    assert.equal(cache.bytes, 100);
  });

  it('misses, and forgets the entry, when the batch under the key has another CRC or length', () => {
    const cache = new ConversionCache(1000);
    cache.put(key(0), converted(84));
    assert.equal(cache.get(key(0, { crc: 8 })), undefined);
    assert.equal(cache.bytes, 0);
    cache.put(key(0), converted(84));
    assert.equal(cache.get(key(0, { batchBytes: 101 })), undefined);
  });

  it('drops the least recently used entries to stay within its bound', () => {
    const cache = new ConversionCache(400);
    for (const offset of [0, 1, 2, 3]) cache.put(key(offset), converted(84));
    assert.ok(cache.get(key(0)) !== undefined, 'touched: now the most recently used');
    cache.put(key(4), converted(84));
    assert.equal(cache.get(key(1)), undefined, 'the least recently used went');
    for (const offset of [0, 2, 3, 4]) assert.ok(cache.get(key(offset)) !== undefined, `entry ${offset} kept`);
    assert.equal(cache.bytes, 400);
  });

  it('does not keep an entry larger than a quarter of its bound', () => {
    const cache = new ConversionCache(400);
    cache.put(key(0), converted(90));
    assert.equal(cache.get(key(0)), undefined);
    assert.equal(cache.bytes, 0);
  });

  it('replaces an entry put again under the same key', () => {
    const cache = new ConversionCache(1000);
    cache.put(key(0), converted(84));
    const newer = converted(44);
    cache.put(key(0), newer);
    assert.equal(cache.get(key(0)), newer);
    assert.equal(cache.bytes, 60);
  });
});
