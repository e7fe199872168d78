/**
 * decompress with a bound on its output, as the legacy-format conversions call it: every
 * codec refuses data that would expand beyond the bound (DecompressedSizeError) and
 * decompresses data within it; snappy and LZ4 refuse before allocating, from the sizes they
 * declare (LZ4 far beyond the bound; within a block of it, once decompressed).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompressSync } from 'snappy';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { decompress, DecompressedSizeError } from '../../../src/record-format/compression.js';
import { Compression } from '../../../src/record-format/record-batch.js';
import { xerialFrame } from '../../support/compressed-batch.js';

const DATA = Buffer.alloc(100_000, 'a');

const CASES: ReadonlyArray<[string, Compression, Buffer]> = [
  ['gzip', Compression.Gzip, gzipSync(DATA)],
  ['snappy', Compression.Snappy, snappyCompressSync(DATA)],
  ['snappy (xerial)', Compression.Snappy, xerialFrame(DATA)],
  ['lz4', Compression.Lz4, compressFrameSync(DATA)],
  ['zstd', Compression.Zstd, zstdCompressSync(DATA)],
];

describe('decompress with a size bound', () => {
  for (const [name, codec, compressed] of CASES) {
    it(`${name}: refuses beyond the bound, decompresses within it`, async () => {
      assert.ok(compressed.length < DATA.length / 10, 'the test data compresses well');
      await assert.rejects(decompress(codec, compressed, DATA.length - 1), DecompressedSizeError);
      assert.deepEqual((await decompress(codec, compressed, DATA.length)).data, DATA);
      assert.deepEqual((await decompress(codec, compressed)).data, DATA, 'no bound by default');
    });
  }

  it('lz4: refuses a frame far beyond the bound (its block headers promise more)', async () => {
    const large = compressFrameSync(Buffer.alloc(12 * 1024 * 1024, 'b'));
    await assert.rejects(decompress(Compression.Lz4, large, 1024), DecompressedSizeError);
  });
});
