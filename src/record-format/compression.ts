/**
 * The four record-batch codecs, as Kafka clients write them (attributes bits 0-2):
 * gzip and zstd from node:zlib (Node 24 has zstd), snappy from `snappy`, lz4 from `lz4-napi`.
 * All work runs off the event loop (zlib's thread pool, napi-rs async tasks).
 *
 * Snappy comes in two shapes. Kafka's Java client writes xerial framing (a 16-byte header
 * "\x82SNAPPY\0" + version + compatible-version, then blocks each prefixed by a big-endian
 * int32 length); librdkafka writes one raw snappy block, and reads both. `decompress`
 * accepts both and reports which one it saw, so a rewritten batch goes back in the shape
 * its producer chose. LZ4 is the LZ4 frame format (KIP-57: magic-2 batches carry a correct
 * header checksum).
 *
 * `decompress` takes an optional bound on the output (the legacy-format conversions use it):
 * zlib stops at `maxOutputLength`, snappy and LZ4 declare their sizes before their data, so
 * an oversized input is refused with `DecompressedSizeError` before its output is allocated
 * (LZ4: beyond one block of slack, see lz4-frame.ts).
 *
 * The snappy and lz4 addons are loaded on first use (15-35 ms each; most boots meet no
 * batch that needs them): `snappy()` and `lz4()`.
 */
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { gunzip, gzip, zstdCompress, zstdDecompress } from 'node:zlib';
import { LZ4_BLOCK_BYTES_MAX, lz4DecompressedBound } from './lz4-frame.js';
import { Compression } from './record-batch.js';
import { snappyDeclaredLength } from './snappy-block.js';

/** node:zlib's codecs as promises. */
function promisedZlib() {
  return { gzip: promisify(gzip), gunzip: promisify(gunzip), zstdCompress: promisify(zstdCompress), zstdDecompress: promisify(zstdDecompress) };
}
let zlibCodecs: ReturnType<typeof promisedZlib> | undefined;
/** Made on first use, like the addons: promisify reads the functions out of node:zlib, which the bundle loads only then (tools/bundle.mjs). */
const zlibAsync = (): ReturnType<typeof promisedZlib> => (zlibCodecs ??= promisedZlib());

const requireCodec = createRequire(import.meta.url);
let snappyCodec: typeof import('snappy') | undefined;
let lz4Codec: typeof import('lz4-napi') | undefined;
const snappy = (): typeof import('snappy') => (snappyCodec ??= requireCodec('snappy') as typeof import('snappy'));
const lz4 = (): typeof import('lz4-napi') => (lz4Codec ??= requireCodec('lz4-napi') as typeof import('lz4-napi'));

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
export const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_MIN_COMPATIBLE_VERSION = 1;
/** The Java client's SnappyOutputStream block size. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** How a batch's records were compressed, enough to compress a rewritten batch the same way. */
export interface CompressionShape {
  readonly codec: Compression;
  /** Snappy only: xerial-framed (Java clients) rather than one raw block (librdkafka). */
  readonly xerialFramed: boolean;
}

export class CompressionError extends Error {
  override readonly name: string = 'CompressionError';
}

/** The data would decompress to more than the bound it was given. */
export class DecompressedSizeError extends CompressionError {
  override readonly name = 'DecompressedSizeError';
}

/** node:zlib's own output limit: past it zlib fails with ERR_BUFFER_TOO_LARGE (reported as DecompressedSizeError). */
function zlibLimit(maxBytes: number): { maxOutputLength?: number } {
  return Number.isFinite(maxBytes) ? { maxOutputLength: Math.max(1, maxBytes) } : {};
}

export function tooLarge(maxBytes: number): DecompressedSizeError {
  return new DecompressedSizeError(`data decompresses to more than ${maxBytes} bytes`);
}

function checkBound(bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) throw tooLarge(maxBytes);
}

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_BYTES && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

async function snappyBlock(data: Buffer, maxBytes: number): Promise<Buffer> {
  checkBound(snappyDeclaredLength(data).length, maxBytes);
  return (await snappy().uncompress(data, { asBuffer: true })) as Buffer;
}

async function unframeXerial(data: Buffer, maxBytes: number): Promise<Buffer> {
  const blocks: Buffer[] = [];
  let total = 0;
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    if (data.length - at < 4) throw new CompressionError('xerial snappy block length is truncated');
    const length = data.readInt32BE(at);
    at += 4;
    if (length < 0 || length > data.length - at) throw new CompressionError(`xerial snappy block of ${length} bytes runs past the data`);
    const block = await snappyBlock(data.subarray(at, at + length), maxBytes - total);
    total += block.length;
    blocks.push(block);
    at += length;
  }
  return Buffer.concat(blocks);
}

/** The frame's bound may overstate its last block: up to one block more is decompressed, then checked. */
async function lz4Frame(data: Buffer, maxBytes: number): Promise<Buffer> {
  if (lz4DecompressedBound(data) > maxBytes + LZ4_BLOCK_BYTES_MAX) throw tooLarge(maxBytes);
  return lz4().decompressFrame(data);
}

async function frameXerial(data: Buffer): Promise<Buffer> {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_MIN_COMPATIBLE_VERSION, 12);
  const parts: Buffer[] = [header];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_BYTES) {
    const block = await snappy().compress(data.subarray(at, at + XERIAL_BLOCK_BYTES));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

async function decompressWith(codec: Compression, data: Buffer, maxBytes: number): Promise<{ data: Buffer; shape: CompressionShape }> {
  switch (codec) {
    case Compression.None:
      return { data, shape: { codec, xerialFramed: false } };
    case Compression.Gzip:
      return { data: await zlibAsync().gunzip(data, zlibLimit(maxBytes)), shape: { codec, xerialFramed: false } };
    case Compression.Snappy: {
      const xerialFramed = isXerialFramed(data);
      return { data: xerialFramed ? await unframeXerial(data, maxBytes) : await snappyBlock(data, maxBytes), shape: { codec, xerialFramed } };
    }
    case Compression.Lz4:
      return { data: await lz4Frame(data, maxBytes), shape: { codec, xerialFramed: false } };
    case Compression.Zstd:
      return { data: await zlibAsync().zstdDecompress(data, zlibLimit(maxBytes)), shape: { codec, xerialFramed: false } };
    default:
      throw new CompressionError(`unknown compression codec ${codec as number}`);
  }
}

/** The decompressed records section (at most `maxBytes`) and the shape to compress it back into. */
export async function decompress(codec: Compression, data: Buffer, maxBytes = Number.POSITIVE_INFINITY): Promise<{ data: Buffer; shape: CompressionShape }> {
  try {
    const result = await decompressWith(codec, data, maxBytes);
    checkBound(result.data.length, maxBytes);
    return result;
  } catch (error) {
    if (error instanceof CompressionError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new CompressionError(`records do not decompress with codec ${codec}: ${(error as Error).message}`);
  }
}

export async function compress(shape: CompressionShape, data: Buffer): Promise<Buffer> {
  switch (shape.codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return zlibAsync().gzip(data);
    case Compression.Snappy:
      return shape.xerialFramed ? frameXerial(data) : snappy().compress(data);
    case Compression.Lz4:
      return lz4().compressFrame(data);
    case Compression.Zstd:
      return zlibAsync().zstdCompress(data);
    default:
      throw new CompressionError(`unknown compression codec ${shape.codec as number}`);
  }
}
