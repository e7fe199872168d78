/**
 * What Kafka needs from the LZ4 frame format beyond lz4-napi's compress/decompress:
 *
 * - KAFKA-3160: Kafka 0.8-0.9 clients (and librdkafka, kafka-python for magic 0 to this day)
 *   computed the frame header checksum over the frame magic as well as the descriptor.
 *   Kafka's broker ignores that checksum for magic-0 messages (KafkaLZ4BlockInputStream,
 *   `ignoreFlagDescriptorChecksum`); lz4-napi checks it, so the broker rewrites it to the
 *   standard value first (`withStandardHeaderChecksum`, on a copy).
 * - A bound on the decompressed size, read from the frame before decompressing it: lz4-napi
 *   has no output limit, and a small frame may expand about 255-fold. The bound is loose by
 *   up to a block (the last block's real size is known only once decompressed).
 *
 * Frame layout (LZ4 frame format 1.6): magic 0x184D2204 (little-endian) | FLG | BD |
 * [content size u64 LE, FLG bit 3] | [dictionary id u32, FLG bit 0] | HC (second byte of
 * XXH32 of the descriptor, seed 0) | blocks: size u32 LE (bit 31: stored uncompressed) |
 * data | [block checksum u32, FLG bit 4] | ... | end mark u32 0 | [content checksum u32].
 */

const MAGIC_BYTES = 4;
export const LZ4_FRAME_MAGIC = 0x184d_2204;
export const FLG_CONTENT_SIZE = 0x08;
export const FLG_DICTIONARY_ID = 0x01;
export const FLG_BLOCK_CHECKSUM = 0x10;
export const FLG_CONTENT_CHECKSUM = 0x04;
export const FLG_BLOCK_INDEPENDENT = 0x20;
export const BLOCK_UNCOMPRESSED = 0x8000_0000;
/** The largest block the format allows (block size id 7). */
export const LZ4_BLOCK_BYTES_MAX = 4 * 1024 * 1024;
/** BD bits 4-6 → the largest block: 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB. */
export const BLOCK_BYTES_MAX_BY_ID: Readonly<Record<number, number>> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: LZ4_BLOCK_BYTES_MAX };
/** LZ4's best case: one 4-byte match token expands to at most 255 bytes per input byte (and a block at most). */
const LZ4_EXPANSION_MAX = 255;

const P1 = 0x9e37_79b1;
const P2 = 0x85eb_ca77;
const P3 = 0xc2b2_ae3d;
const P4 = 0x27d4_eb2f;
const P5 = 0x1656_67b1;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) >>> 0, 13), P1) >>> 0;
}

/** XXH32 with seed 0 (the LZ4 frame's checksum function). */
export function xxh32(data: Uint8Array): number {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  let hash: number;
  if (view.length >= 16) {
    let v1 = (P1 + P2) >>> 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = (0 - P1) >>> 0;
    for (; at + 16 <= view.length; at += 16) {
      v1 = round(v1, view.readUInt32LE(at));
      v2 = round(v2, view.readUInt32LE(at + 4));
      v3 = round(v3, view.readUInt32LE(at + 8));
      v4 = round(v4, view.readUInt32LE(at + 12));
    }
    hash = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    hash = P5;
  }
  return finishXxh32((hash + view.length) >>> 0, view.subarray(at));
}

/** Bytes of the frame descriptor (FLG, BD and the optional fields), or -1 when the frame is too short. */
export function descriptorBytes(frame: Buffer): number {
  if (frame.length < MAGIC_BYTES + 3) return -1;
  const flg = frame[MAGIC_BYTES];
  const bytes = 2 + ((flg & FLG_CONTENT_SIZE) !== 0 ? 8 : 0) + ((flg & FLG_DICTIONARY_ID) !== 0 ? 4 : 0);
  return MAGIC_BYTES + bytes + 1 <= frame.length ? bytes : -1;
}

/** A copy of `frame` whose header checksum is the standard one (a frame too short to have one is returned as is). */
export function withStandardHeaderChecksum(frame: Buffer): Buffer {
  const descriptor = descriptorBytes(frame);
  if (descriptor < 0) return frame;
  const fixed = Buffer.from(frame);
  fixed[MAGIC_BYTES + descriptor] = (xxh32(fixed.subarray(MAGIC_BYTES, MAGIC_BYTES + descriptor)) >>> 8) & 0xff;
  return fixed;
}

/**
 * The most bytes `frame` can decompress to, from its declared content size or else from its
 * block headers (each block: its own size when stored, else at most the frame's block size
 * and 255 times its compressed size). A malformed frame yields what its readable part
 * promises; decompressing it then fails on its own.
 */
export function lz4DecompressedBound(frame: Buffer): number {
  const descriptor = descriptorBytes(frame);
  if (descriptor < 0) return 0;
  const flg = frame[MAGIC_BYTES];
  if ((flg & FLG_CONTENT_SIZE) !== 0) return Number(frame.readBigUInt64LE(MAGIC_BYTES + 2));
  const blockBytesMax = BLOCK_BYTES_MAX_BY_ID[(frame[MAGIC_BYTES + 1] >> 4) & 0x07] ?? BLOCK_BYTES_MAX_BY_ID[7];
  const checksumBytes = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
  let bound = 0;
  for (let at = MAGIC_BYTES + descriptor + 1; at + 4 <= frame.length; ) {
    const header = frame.readUInt32LE(at);
    if (header === 0) break;
    const size = (header & ~BLOCK_UNCOMPRESSED) >>> 0;
    bound += (header & BLOCK_UNCOMPRESSED) !== 0 ? size : Math.min(blockBytesMax, size * LZ4_EXPANSION_MAX);
    at += 4 + size + checksumBytes;
  }
  return bound;
}

export class Lz4FormatError extends Error {
  override readonly name = 'Lz4FormatError';
}

/** XXH32 (seed 0) over data that comes in pieces: the LZ4 frame's content checksum. */
export class Xxh32Stream {
  private v1 = (P1 + P2) >>> 0;
  private v2 = P2;
  private v3 = 0;
  private v4 = (0 - P1) >>> 0;
  private total = 0;
  /** Up to 15 bytes not yet part of a 16-byte stripe. */
  private readonly pending = Buffer.alloc(16);
  private pendingBytes = 0;

  update(data: Uint8Array): void {
    this.total += data.length;
    let at = 0;
    if (this.pendingBytes > 0) {
      const taken = Math.min(16 - this.pendingBytes, data.length);
      this.pending.set(data.subarray(0, taken), this.pendingBytes);
      this.pendingBytes += taken;
      at = taken;
      if (this.pendingBytes < 16) return;
      this.stripe(this.pending, 0);
      this.pendingBytes = 0;
    }
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (; at + 16 <= view.length; at += 16) this.stripe(view, at);
    this.pending.set(data.subarray(at), 0);
    this.pendingBytes = data.length - at;
  }

  digest(): number {
    const head = this.total >= 16 ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) >>> 0 : P5;
    return finishXxh32((head + this.total) >>> 0, this.pending.subarray(0, this.pendingBytes));
  }

  private stripe(view: Buffer, at: number): void {
    this.v1 = round(this.v1, view.readUInt32LE(at));
    this.v2 = round(this.v2, view.readUInt32LE(at + 4));
    this.v3 = round(this.v3, view.readUInt32LE(at + 8));
    this.v4 = round(this.v4, view.readUInt32LE(at + 12));
  }
}

/** XXH32's tail (the bytes after the last stripe) and avalanche. */
function finishXxh32(start: number, tail: Buffer): number {
  let hash = start;
  let at = 0;
  for (; at + 4 <= tail.length; at += 4) hash = Math.imul(rotl((hash + Math.imul(tail.readUInt32LE(at), P3)) >>> 0, 17), P4) >>> 0;
  for (; at < tail.length; at++) hash = Math.imul(rotl((hash + Math.imul(tail[at], P5)) >>> 0, 11), P1) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 15), P2) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 13), P3) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}
