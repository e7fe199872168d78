/**
 * Compressed record batches as producers write them, for tests of the plugin path. Built
 * from an uncompressed `buildBatch` batch with the codec libraries called directly (not
 * the broker's compression.ts), so a codec bug in the broker cannot hide in both.
 */
import { gzipSync, gunzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompressSync, uncompressSync as snappyUncompressSync } from 'snappy';

export type TestCodec = 'none' | 'gzip' | 'snappy' | 'snappy-xerial' | 'lz4' | 'zstd';
export const TEST_CODECS: readonly TestCodec[] = ['none', 'gzip', 'snappy', 'snappy-xerial', 'lz4', 'zstd'];

const CODEC_BITS: Readonly<Record<TestCodec, number>> = { none: 0, gzip: 1, snappy: 2, 'snappy-xerial': 2, lz4: 3, zstd: 4 };
const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
const XERIAL_BLOCK = 32 * 1024;
const HEADER = 61;

/** Java's SnappyOutputStream framing: the 16-byte header, then int32-length-prefixed blocks. */
export function xerialFrame(data: Buffer): Buffer {
  const parts: Buffer[] = [XERIAL_HEADER];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK) {
    const block = snappyCompressSync(data.subarray(at, at + XERIAL_BLOCK));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

export function xerialUnframe(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 16; at < data.length; ) {
    const length = data.readInt32BE(at);
    blocks.push(snappyUncompressSync(data.subarray(at + 4, at + 4 + length)) as Buffer);
    at += 4 + length;
  }
  return Buffer.concat(blocks);
}

function compressRecords(codec: TestCodec, records: Buffer): Buffer {
  switch (codec) {
    case 'none': return records;
    case 'gzip': return gzipSync(records);
    case 'snappy': return snappyCompressSync(records);
    case 'snappy-xerial': return xerialFrame(records);
    case 'lz4': return compressFrameSync(records);
    case 'zstd': return zstdCompressSync(records);
  }
}

/** The batch with its records compressed by `codec`: attributes, length and CRC-32C updated. */
export function compressBatch(batch: Buffer, codec: TestCodec): Buffer {
  const body = compressRecords(codec, batch.subarray(HEADER));
  const out = Buffer.concat([batch.subarray(0, HEADER), body]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE((out.readInt16BE(21) & ~0x07) | CODEC_BITS[codec], 21);
  out.writeUInt32BE(crc32c(out.subarray(21)) >>> 0, 17);
  return out;
}

/** The records section of any batch, decompressed with the codec libraries. */
export function decompressedRecords(batch: Buffer): Buffer {
  const body = batch.subarray(HEADER);
  switch (batch.readInt16BE(21) & 0x07) {
    case 0: return body;
    case 1: return gunzipSync(body);
    case 2: return body.subarray(0, 8).equals(XERIAL_HEADER.subarray(0, 8)) ? xerialUnframe(body) : (snappyUncompressSync(body) as Buffer);
    case 3: return decompressFrameSync(body);
    case 4: return zstdDecompressSync(body);
    default: throw new Error('unknown codec');
  }
}

export function isXerial(batch: Buffer): boolean {
  return batch.subarray(HEADER, HEADER + 8).equals(XERIAL_HEADER.subarray(0, 8));
}
