/**
 * Legacy message sets (magic 0 and 1: Kafka 0.8-0.10 clients): reading a produced set
 * message by message, and writing one message for an old fetcher. Kafka 3.9 keeps neither
 * format in its log; the broker converts (legacy-up-conversion.ts, legacy-down-conversion.ts).
 *
 * A set is messages back to back, each (big-endian):
 *   offset i64 | size i32 | crc u32 | magic i8 | attributes i8 | [magic 1: timestamp i64] |
 *   key (i32 length, -1 null) | value (i32 length, -1 null)
 * `size` counts the bytes after itself; the CRC-32 (IEEE, node:zlib) covers magic..end.
 * Attributes: bits 0-2 the codec (a compressed message is a wrapper whose value holds an
 * inner set), bit 3 LogAppendTime (magic 1). Magic 0 carries no timestamp.
 *
 * Parse errors carry the Kafka error code a produce gets for them, as Kafka 3.9 answers
 * (checked against an Apache Kafka 3.9 broker): a size or CRC that does not hold is
 * CORRUPT_MESSAGE, a magic that does not match the set's first message is INVALID_RECORD.
 */
import { crc32 } from 'node:zlib';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';

export type LegacyMagic = 0 | 1;

/** offset (8) + size (4): the bytes before `size` counts. */
export const LEGACY_LOG_OVERHEAD = 12;
const CRC_OFFSET = 12;
const MAGIC_OFFSET = 16;
const ATTRIBUTES_OFFSET = 17;
const TIMESTAMP_OFFSET = 18;
/** crc + magic + attributes + key length + value length (magic 0); magic 1 adds the timestamp. */
const RECORD_OVERHEAD_V0 = 14;
const TIMESTAMP_BYTES = 8;

export const LEGACY_ATTR_COMPRESSION_MASK = 0x07;
export const LEGACY_ATTR_LOG_APPEND_TIME = 0x08;
/** A magic-1 timestamp of -1, and every magic-0 message: no timestamp. */
export const NO_TIMESTAMP = -1;

/**
 * The most bytes one conversion may decompress (a legacy wrapper's inner set on Produce, a
 * stored batch's records for an old fetcher): the conversions hold them in memory at once,
 * and compressed data may expand a thousandfold. Kafka's own max.message.bytes default is 1 MiB.
 */
export const CONVERSION_DECOMPRESSED_BYTES_MAX = 64 * 1024 * 1024;

/** A message set that breaks a rule, with the Kafka error code a producer gets for it. */
export class LegacyFormatError extends Error {
  override readonly name = 'LegacyFormatError';
  constructor(
    readonly errorCode: ErrorCodeValue,
    message: string,
  ) {
    super(message);
  }
}

export interface LegacyMessage {
  readonly offset: number;
  readonly magic: LegacyMagic;
  readonly attributes: number;
  /** NO_TIMESTAMP for magic 0. */
  readonly timestamp: number;
  /** Views into the set. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** True when `records` starts with a legacy message: magic 0 or 1 at byte 16, where a record batch keeps its magic too. */
export function startsWithLegacyMessage(records: Buffer): boolean {
  return records.length > MAGIC_OFFSET && (records[MAGIC_OFFSET] === 0 || records[MAGIC_OFFSET] === 1);
}

/** Bytes of one message of `magic` with this key and value, offset and size included. */
export function legacyMessageBytes(magic: LegacyMagic, key: Uint8Array | null, value: Uint8Array | null): number {
  return LEGACY_LOG_OVERHEAD + RECORD_OVERHEAD_V0 + (magic === 1 ? TIMESTAMP_BYTES : 0) + (key?.length ?? 0) + (value?.length ?? 0);
}

function corrupt(message: string): LegacyFormatError {
  return new LegacyFormatError(ErrorCode.CORRUPT_MESSAGE, message);
}

class MessageReader {
  constructor(
    private readonly set: Buffer,
    public at: number,
    private readonly end: number,
  ) {}

  bytes(what: string): Buffer | null {
    if (this.end - this.at < 4) throw corrupt(`${what} length runs past its message`);
    const length = this.set.readInt32BE(this.at);
    this.at += 4;
    if (length === -1) return null;
    if (length < -1 || length > this.end - this.at) throw corrupt(`${what} of ${length} bytes does not fit its message`);
    this.at += length;
    return this.set.subarray(this.at - length, this.at);
  }
}

function readMessage(set: Buffer, at: number, end: number): LegacyMessage {
  const magic = set.readInt8(at + MAGIC_OFFSET);
  if (magic !== 0 && magic !== 1) throw new LegacyFormatError(ErrorCode.INVALID_RECORD, `message magic ${magic} in a legacy message set`);
  const bodyStart = at + MAGIC_OFFSET;
  if (end - at < LEGACY_LOG_OVERHEAD + RECORD_OVERHEAD_V0 + (magic === 1 ? TIMESTAMP_BYTES : 0)) throw corrupt(`message at byte ${at} is shorter than its header`);
  if ((crc32(set.subarray(bodyStart, end)) >>> 0) !== set.readUInt32BE(at + CRC_OFFSET)) throw corrupt(`message at byte ${at}: CRC-32 does not match its contents`);
  const timestamp = magic === 1 ? Number(set.readBigInt64BE(at + TIMESTAMP_OFFSET)) : NO_TIMESTAMP;
  const reader = new MessageReader(set, at + TIMESTAMP_OFFSET + (magic === 1 ? TIMESTAMP_BYTES : 0), end);
  const key = reader.bytes('key');
  const value = reader.bytes('value');
  if (reader.at !== end) throw corrupt(`message at byte ${at} has ${end - reader.at} bytes after its value`);
  return { offset: Number(set.readBigInt64BE(at)), magic, attributes: set.readInt8(at + ATTRIBUTES_OFFSET), timestamp, key, value };
}

/**
 * Every message of `set`, each CRC-checked, all of one magic: `magic` when given (an inner
 * set must match its wrapper), else the first message's. A set must end on a message boundary.
 */
export function readMessageSet(set: Buffer, magic?: LegacyMagic): LegacyMessage[] {
  const messages: LegacyMessage[] = [];
  let expected = magic;
  for (let at = 0; at < set.length; ) {
    if (set.length - at < LEGACY_LOG_OVERHEAD + RECORD_OVERHEAD_V0) throw corrupt(`${set.length - at} bytes at the end of the message set are no whole message`);
    const end = at + LEGACY_LOG_OVERHEAD + set.readInt32BE(at + 8);
    if (end > set.length || end < at + LEGACY_LOG_OVERHEAD + RECORD_OVERHEAD_V0) throw corrupt(`message at byte ${at} claims ${end - at} bytes of the ${set.length - at} left`);
    const message = readMessage(set, at, end);
    expected ??= message.magic;
    if (message.magic !== expected) throw new LegacyFormatError(ErrorCode.INVALID_RECORD, `message magic ${message.magic} does not match the set's magic ${expected}`);
    messages.push(message);
    at = end;
  }
  return messages;
}

export interface LegacyMessageFields {
  readonly offset: number;
  readonly attributes: number;
  /** Ignored for magic 0. */
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
}

function writeBytes(out: Buffer, at: number, bytes: Uint8Array | null): number {
  if (bytes === null) return out.writeInt32BE(-1, at);
  at = out.writeInt32BE(bytes.length, at);
  out.set(bytes, at);
  return at + bytes.length;
}

/** Writes one message at `at` (legacyMessageBytes long), its CRC-32 computed; returns the position after it. */
export function writeLegacyMessage(out: Buffer, at: number, magic: LegacyMagic, fields: LegacyMessageFields): number {
  const end = at + legacyMessageBytes(magic, fields.key, fields.value);
  out.writeBigInt64BE(BigInt(fields.offset), at);
  out.writeInt32BE(end - at - LEGACY_LOG_OVERHEAD, at + 8);
  out.writeInt8(magic, at + MAGIC_OFFSET);
  out.writeInt8(fields.attributes, at + ATTRIBUTES_OFFSET);
  let pos = at + TIMESTAMP_OFFSET;
  if (magic === 1) pos = out.writeBigInt64BE(BigInt(fields.timestamp), pos);
  pos = writeBytes(out, pos, fields.key);
  pos = writeBytes(out, pos, fields.value);
  if (pos !== end) throw new Error(`legacy message writer wrote ${pos - at} of ${end - at} bytes`);
  out.writeUInt32BE(crc32(out.subarray(at + MAGIC_OFFSET, end)) >>> 0, at + CRC_OFFSET);
  return end;
}
