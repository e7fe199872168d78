/**
 * Legacy message sets (magic 0 and 1) built and parsed the way pre-0.11 clients and brokers
 * do, for golden-byte unit tests and e2e probes of the broker's conversions. Independent of
 * the broker's own code on purpose: CRC-32 from node:zlib, codecs from the libraries
 * directly, and an own XXH32 for the LZ4 frame header checksum.
 *
 * Message layout (big-endian): offset i64 | size i32 | crc u32 | magic i8 | attributes i8 |
 * [v1: timestamp i64] | key (i32 length, -1 null) | value (i32 length, -1 null); the CRC-32
 * (IEEE) covers magic..end. Attributes: bits 0-2 codec, bit 3 LogAppendTime (v1).
 * A compressed message is a wrapper whose value is the codec's output over an inner set.
 */
import { crc32, gunzipSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompressSync, uncompressSync as snappyUncompressSync } from 'snappy';
import { xerialFrame, xerialUnframe } from './compressed-batch.js';

export type LegacyMagic = 0 | 1;
/** 'lz4-3160': the frame header checksum computed over the magic too, as Kafka 0.8-0.9 clients wrote it (KAFKA-3160). */
export type LegacyCodec = 'none' | 'gzip' | 'snappy' | 'snappy-raw' | 'lz4' | 'lz4-3160' | 'zstd';

const CODEC_BITS: Readonly<Record<LegacyCodec, number>> = { none: 0, gzip: 1, snappy: 2, 'snappy-raw': 2, lz4: 3, 'lz4-3160': 3, zstd: 4 };
export const TIMESTAMP_LOG_APPEND = 0x08;

export interface LegacyMessageSpec {
  key: Buffer | null;
  value: Buffer | null;
  /** v1 only (default 1_700_000_000_000 + index). */
  timestamp?: number;
  /** Default: the index in its set. */
  offset?: number;
  attributes?: number;
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

function bytesField(data: Buffer | null): Buffer {
  return data === null ? int32(-1) : Buffer.concat([int32(data.length), data]);
}

/** One message (offset and size included), its CRC-32 computed. */
export function legacyMessage(magic: LegacyMagic, spec: LegacyMessageSpec, offset = spec.offset ?? 0): Buffer {
  const head = Buffer.alloc(magic === 1 ? 10 : 2);
  head.writeInt8(magic, 0);
  head.writeInt8(spec.attributes ?? 0, 1);
  if (magic === 1) head.writeBigInt64BE(BigInt(spec.timestamp ?? 1_700_000_000_000 + offset), 2);
  const body = Buffer.concat([head, bytesField(spec.key), bytesField(spec.value)]);
  const frame = Buffer.alloc(16);
  frame.writeBigInt64BE(BigInt(offset), 0);
  frame.writeInt32BE(4 + body.length, 8);
  frame.writeUInt32BE(crc32(body), 12);
  return Buffer.concat([frame, body]);
}

/** Uncompressed messages back to back, offsets 0..n-1 unless given. */
export function legacyMessageSet(magic: LegacyMagic, specs: readonly LegacyMessageSpec[]): Buffer {
  return Buffer.concat(specs.map((spec, i) => legacyMessage(magic, spec, spec.offset ?? i)));
}

/** XXH32 (seed 0), enough for LZ4 frame descriptors. */
export function xxh32(data: Buffer): number {
  const P1 = 0x9e3779b1, P2 = 0x85ebca77, P3 = 0xc2b2ae3d, P4 = 0x27d4eb2f, P5 = 0x165667b1;
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
  const round = (acc: number, lane: number): number => Math.imul(rotl((acc + Math.imul(lane, P2)) >>> 0, 13), P1) >>> 0;
  let at = 0;
  let h: number;
  if (data.length >= 16) {
    let v1 = (P1 + P2) >>> 0, v2 = P2, v3 = 0, v4 = (0 - P1) >>> 0;
    for (; at + 16 <= data.length; at += 16) {
      v1 = round(v1, data.readUInt32LE(at));
      v2 = round(v2, data.readUInt32LE(at + 4));
      v3 = round(v3, data.readUInt32LE(at + 8));
      v4 = round(v4, data.readUInt32LE(at + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = P5;
  }
  h = (h + data.length) >>> 0;
  for (; at + 4 <= data.length; at += 4) h = Math.imul(rotl((h + Math.imul(data.readUInt32LE(at), P3)) >>> 0, 17), P4) >>> 0;
  for (; at < data.length; at++) h = Math.imul(rotl((h + Math.imul(data[at]!, P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Bytes of the LZ4 frame descriptor (FLG, BD, optional content size and dictionary id). */
function lz4DescriptorBytes(frame: Buffer): number {
  const flg = frame[4]!;
  return 2 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0);
}

/** An LZ4 frame whose header checksum covers the magic as well, as KAFKA-3160 describes. */
export function lz4Frame3160(data: Buffer): Buffer {
  const frame = Buffer.from(compressFrameSync(data));
  const descriptor = lz4DescriptorBytes(frame);
  frame[4 + descriptor] = (xxh32(frame.subarray(0, 4 + descriptor)) >>> 8) & 0xff;
  return frame;
}

/** Which header checksum an LZ4 frame carries: the standard one, KAFKA-3160's, or neither. */
export function lz4HeaderChecksumKind(frame: Buffer): 'standard' | 'kafka-3160' | 'invalid' {
  const descriptor = lz4DescriptorBytes(frame);
  const stored = frame[4 + descriptor];
  if (stored === ((xxh32(frame.subarray(4, 4 + descriptor)) >>> 8) & 0xff)) return 'standard';
  if (stored === ((xxh32(frame.subarray(0, 4 + descriptor)) >>> 8) & 0xff)) return 'kafka-3160';
  return 'invalid';
}

/** The frame decompressed, whichever of the two header checksums it carries. */
function decompressLz4EitherChecksum(frame: Buffer): Buffer {
  const fixed = Buffer.from(frame);
  const descriptor = lz4DescriptorBytes(fixed);
  fixed[4 + descriptor] = (xxh32(fixed.subarray(4, 4 + descriptor)) >>> 8) & 0xff;
  return decompressFrameSync(fixed);
}

export function compressLegacy(codec: LegacyCodec, data: Buffer): Buffer {
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'snappy':
      return xerialFrame(data);
    case 'snappy-raw':
      return snappyCompressSync(data);
    case 'lz4':
      return compressFrameSync(data);
    case 'lz4-3160':
      return lz4Frame3160(data);
    case 'zstd':
      return zstdCompressSync(data);
  }
}

export interface WrapperOptions {
  /** The wrapper's own offset (default: the last inner offset, as the Java producer sends it). */
  wrapperOffset?: number;
  /** v1: the wrapper's timestamp (default: the largest inner timestamp). */
  wrapperTimestamp?: number;
  /** v1: extra wrapper attribute bits (TIMESTAMP_LOG_APPEND). */
  wrapperAttributes?: number;
  /** Inner offsets (default 0..n-1: relative for v1, as producers write both). */
  innerOffsets?: readonly number[];
}

/** One compressed wrapper message holding `specs` as its inner message set. */
export function legacyWrapper(magic: LegacyMagic, codec: LegacyCodec, specs: readonly LegacyMessageSpec[], options: WrapperOptions = {}): Buffer {
  const inner = Buffer.concat(specs.map((spec, i) => legacyMessage(magic, spec, options.innerOffsets?.[i] ?? i)));
  const timestamps = specs.map((spec, i) => spec.timestamp ?? 1_700_000_000_000 + i);
  return legacyMessage(magic, {
    key: null,
    value: compressLegacy(codec, inner),
    timestamp: options.wrapperTimestamp ?? Math.max(...timestamps),
    attributes: CODEC_BITS[codec] | (options.wrapperAttributes ?? 0),
  }, options.wrapperOffset ?? (options.innerOffsets?.at(-1) ?? specs.length - 1));
}

/** One message as parsed from a set. */
export interface ParsedLegacyMessage {
  offset: number;
  magic: number;
  attributes: number;
  /** -1 for magic 0. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  crcValid: boolean;
  /** Bytes of the whole message, offset and size included. */
  sizeBytes: number;
}

/** Every whole message of a set (a trailing partial message is ignored, as clients do). Throws on magic 2. */
export function parseLegacyMessageSet(set: Buffer): ParsedLegacyMessage[] {
  const messages: ParsedLegacyMessage[] = [];
  let at = 0;
  while (at + 12 <= set.length) {
    const size = set.readInt32BE(at + 8);
    if (at + 12 + size > set.length) break;
    const magic = set.readInt8(at + 16);
    if (magic !== 0 && magic !== 1) throw new Error(`message at byte ${at} has magic ${magic}`);
    const body = set.subarray(at + 16, at + 12 + size);
    let pos = at + 18 + (magic === 1 ? 8 : 0);
    const field = (): Buffer | null => {
      const length = set.readInt32BE(pos);
      pos += 4;
      if (length < 0) return null;
      pos += length;
      return Buffer.from(set.subarray(pos - length, pos));
    };
    const key = field();
    const value = field();
    if (pos !== at + 12 + size) throw new Error(`message at byte ${at}: ${at + 12 + size - pos} bytes after its value`);
    messages.push({
      offset: Number(set.readBigInt64BE(at)),
      magic,
      attributes: set.readInt8(at + 17),
      timestamp: magic === 1 ? Number(set.readBigInt64BE(at + 18)) : -1,
      key,
      value,
      crcValid: crc32(body) === set.readUInt32BE(at + 12),
      sizeBytes: 12 + size,
    });
    at += 12 + size;
  }
  return messages;
}

/** The inner messages of a wrapper (gzip, snappy either framing, lz4 either header checksum). */
export function unwrapLegacy(wrapper: ParsedLegacyMessage): ParsedLegacyMessage[] {
  const value = wrapper.value ?? Buffer.alloc(0);
  switch (wrapper.attributes & 0x07) {
    case 1:
      return parseLegacyMessageSet(gunzipSync(value));
    case 2:
      return parseLegacyMessageSet(value.subarray(0, 8).equals(Buffer.from('82534e4150505900', 'hex')) ? xerialUnframe(value) : (snappyUncompressSync(value) as Buffer));
    case 3:
      return parseLegacyMessageSet(decompressLz4EitherChecksum(value));
    default:
      throw new Error(`unwrapLegacy: codec ${wrapper.attributes & 0x07}`);
  }
}

