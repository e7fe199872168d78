/**
 * The snappy and lz4 addons load on first use, not when compression.ts is imported (a boot
 * meets no compressed batch): the module cache holds neither until a batch needs it, and then
 * only the one it needs. Nothing else in this file's process imports them.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { compress, decompress } from '../../../src/record-format/compression.js';
import { Compression } from '../../../src/record-format/record-batch.js';

const cache = createRequire(import.meta.url).cache;
const loaded = (pkg: string): boolean => Object.keys(cache).some((file) => file.includes(`/node_modules/${pkg}/`));

describe('compression codecs load on first use', () => {
  it('snappy and lz4-napi stay unloaded until a batch uses them, then load one at a time', async () => {
    const data = Buffer.alloc(10_000, 'b');
    await decompress(Compression.Gzip, await compress({ codec: Compression.Gzip, xerialFramed: false }, data));
    assert.equal(loaded('snappy'), false, 'snappy loaded before any snappy batch');
    assert.equal(loaded('lz4-napi'), false, 'lz4-napi loaded before any lz4 batch');

    const snappy = await compress({ codec: Compression.Snappy, xerialFramed: false }, data);
    assert.deepEqual((await decompress(Compression.Snappy, snappy)).data, data);
    assert.equal(loaded('snappy'), true);
    assert.equal(loaded('lz4-napi'), false, 'lz4-napi loaded by a snappy batch');

    const lz4 = await compress({ codec: Compression.Lz4, xerialFramed: false }, data);
    assert.deepEqual((await decompress(Compression.Lz4, lz4)).data, data);
    assert.equal(loaded('lz4-napi'), true);
  });
});
