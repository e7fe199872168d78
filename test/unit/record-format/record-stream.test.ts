/**
 * Compressed records decoded piece by piece (record-stream.ts), as produce validates them:
 * every codec gives back exactly what the codec libraries compressed, in pieces; the bound
 * on the decompressed size holds; malformed data is a CompressionError; a sink that answers
 * false stops the decoding. The JavaScript decoders (snappy blocks, LZ4 frames) are checked
 * against the native libraries on data with long repeats and incompressible stretches, and
 * on hand-made frames for what the libraries do not write (linked LZ4 blocks, checksums,
 * 4-byte snappy offsets).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompressSync } from 'snappy';
import { CompressionError, DecompressedSizeError } from '../../../src/record-format/compression.js';
import { xxh32 } from '../../../src/record-format/lz4-frame.js';
import { Compression } from '../../../src/record-format/record-batch.js';
import { decompressChunks } from '../../../src/record-format/record-stream.js';
import { xerialFrame } from '../../support/compressed-batch.js';

/** 300 KB: repeats (long overlapping matches), random stretches (literals), and a repeat of an earlier stretch (far matches). */
function sample(): Buffer {
  const random = randomBytes(20_000);
  return Buffer.concat([Buffer.from('blink-42-'.repeat(10_000)), random, Buffer.alloc(50_000, 7), random, randomBytes(120_000), Buffer.from('tail')]);
}

async function decoded(codec: Compression, data: Buffer, maxBytes = Number.POSITIVE_INFINITY): Promise<{ data: Buffer; pieces: number }> {
  const pieces: Buffer[] = [];
  await decompressChunks(codec, data, maxBytes, (chunk) => pieces.push(Buffer.from(chunk)) > 0);
  return { data: Buffer.concat(pieces), pieces: pieces.length };
}

const DATA = sample();
const CASES: ReadonlyArray<[string, Compression, Buffer]> = [
  ['gzip', Compression.Gzip, gzipSync(DATA)],
  ['zstd', Compression.Zstd, zstdCompressSync(DATA)],
  ['snappy', Compression.Snappy, snappyCompressSync(DATA)],
  ['snappy (xerial)', Compression.Snappy, xerialFrame(DATA)],
  ['lz4', Compression.Lz4, compressFrameSync(DATA)],
];

/** An LZ4 frame from its FLG byte and raw block bytes (header checksum computed), optionally with a content checksum. */
function lz4FrameOf(flg: number, blocks: readonly Buffer[], contentChecksum?: number): Buffer {
  const descriptor = Buffer.from([flg, 0x40]);
  const header = Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), descriptor, Buffer.from([(xxh32(descriptor) >>> 8) & 0xff])]);
  const trailer = contentChecksum === undefined ? [] : [Buffer.from(new Uint32Array([contentChecksum]).buffer)];
  return Buffer.concat([header, ...blocks, Buffer.alloc(4), ...trailer]);
}

function lz4Block(bytes: Buffer, stored: boolean): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE((bytes.length | (stored ? 0x8000_0000 : 0)) >>> 0);
  return Buffer.concat([size, bytes]);
}

describe('decompressChunks', () => {
  for (const [name, codec, compressed] of CASES) {
    it(`${name}: gives back the data exactly, refuses beyond the bound, fails on a truncated input`, async () => {
      const whole = await decoded(codec, compressed);
      assert.ok(whole.data.equals(DATA), 'same bytes');
      assert.deepEqual((await decoded(codec, compressed, DATA.length)).data.length, DATA.length, 'the bound is inclusive');
      await assert.rejects(decoded(codec, compressed, DATA.length - 1), DecompressedSizeError);
      await assert.rejects(decoded(codec, compressed.subarray(0, compressed.length - 5)), CompressionError);
    });

    it(`${name}: stops when the sink answers false`, async () => {
      let calls = 0;
      await decompressChunks(codec, compressed, Number.POSITIVE_INFINITY, () => ++calls < 0);
      assert.equal(calls, 1);
    });
  }

  it('gzip and zstd come in pieces of at most 64 KiB', async () => {
    for (const codec of [Compression.Gzip, Compression.Zstd]) {
      const { pieces } = await decoded(codec, codec === Compression.Gzip ? gzipSync(DATA) : zstdCompressSync(DATA));
      assert.ok(pieces >= Math.ceil(DATA.length / 65_536), `${pieces} pieces`);
    }
  });

  it('gzip and zstd: every output buffer is given back once read, the last one included, also when the sink stops early', async () => {
    for (const codec of [Compression.Gzip, Compression.Zstd]) {
      const compressed = codec === Compression.Gzip ? gzipSync(DATA) : zstdCompressSync(DATA);
      for (const stopAfter of [Number.POSITIVE_INFINITY, 2]) {
        const memories = new Set<ArrayBufferLike>();
        let calls = 0;
        await decompressChunks(codec, compressed, Number.POSITIVE_INFINITY, (chunk) => {
          memories.add(chunk.buffer);
          return ++calls < stopAfter;
        });
        assert.ok(memories.size >= (stopAfter === 2 ? 1 : 5), `${memories.size} output buffers`);
        const kept = [...memories].filter((memory) => memory.byteLength > 0);
        assert.deepEqual(kept.map((memory) => memory.byteLength), [], `codec ${codec}, stop after ${stopAfter}: buffers left to the garbage collector`);
      }
    }
  });

  it('refuses garbage for every codec with CompressionError', async () => {
    const garbage = randomBytes(200);
    for (const codec of [Compression.Gzip, Compression.Zstd, Compression.Snappy, Compression.Lz4]) {
      await assert.rejects(decoded(codec, garbage), CompressionError, `codec ${codec}`);
    }
  });

  it('lz4: a linked block reaches back into the block before it; the same frame with independent blocks is refused', async () => {
    const first = Buffer.from('0123456789abcdef');
    // Token: no literals, a match of 4 + 4 bytes from 10 back (into the first block); then one literal "x".
    const second = Buffer.from([0x04, 10, 0, 0x10, 0x78]);
    const blocks = [lz4Block(first, true), lz4Block(second, false)];
    const expected = Buffer.concat([first, Buffer.from('6789abcd'), Buffer.from('x')]);
    assert.ok((await decoded(Compression.Lz4, lz4FrameOf(0x40, blocks))).data.equals(expected));
    await assert.rejects(decoded(Compression.Lz4, lz4FrameOf(0x60, blocks)), /out of bounds/);
  });

  it('lz4: checks the content checksum and block checksums when the frame has them', async () => {
    const content = Buffer.from('checksummed content');
    const block = lz4Block(content, true);
    assert.ok((await decoded(Compression.Lz4, lz4FrameOf(0x44, [block], xxh32(content)))).data.equals(content));
    await assert.rejects(decoded(Compression.Lz4, lz4FrameOf(0x44, [block], xxh32(content) ^ 1)), /content checksum/);
    const withBlockChecksum = (checksum: number): Buffer => Buffer.concat([block, Buffer.from(new Uint32Array([checksum]).buffer)]);
    assert.ok((await decoded(Compression.Lz4, lz4FrameOf(0x50, [withBlockChecksum(xxh32(content))]))).data.equals(content));
    await assert.rejects(decoded(Compression.Lz4, lz4FrameOf(0x50, [withBlockChecksum(0)])), /block checksum/);
    await assert.rejects(decoded(Compression.Lz4, Buffer.concat([lz4FrameOf(0x40, [block]), Buffer.from([1])])), /follow the LZ4 frame/);
  });

  it('snappy: a copy with a 4-byte offset, and a copy reaching before the output start is refused', async () => {
    // Length 12: literal "abcd" (tag 3 << 2), then a 4-byte-offset copy of 8 bytes from 4 back (tag (8 - 1) << 2 | 3).
    const block = Buffer.from([12, 3 << 2, 0x61, 0x62, 0x63, 0x64, (7 << 2) | 3, 4, 0, 0, 0]);
    assert.equal((await decoded(Compression.Snappy, block)).data.toString(), 'abcdabcdabcd');
    const tooFar = Buffer.from(block);
    tooFar[7] = 5;
    await assert.rejects(decoded(Compression.Snappy, tooFar), /out of bounds/);
  });
});
