/**
 * A read-only view of one magic-2 record batch inside a Buffer, plus the two in-place
 * rewrites the broker does (base offset, partition leader epoch). Neither is covered by
 * the CRC-32C, which starts at `attributes` (byte 21), so no checksum is recomputed.
 *
 * Layout (all big-endian; see tools/codegen/kafka-protocol/README.md):
 *   0 baseOffset i64 | 8 batchLength i32 | 12 partitionLeaderEpoch i32 | 16 magic i8 |
 *   17 crc u32 | 21 attributes i16 | 23 lastOffsetDelta i32 | 27 baseTimestamp i64 |
 *   35 maxTimestamp i64 | 43 producerId i64 | 51 producerEpoch i16 | 53 baseSequence i32 |
 *   57 recordCount i32 | 61 records...
 */
import { crc32c } from './crc32c.js';

export const BATCH_HEADER_BYTES = 61;
/** Bytes before `batchLength` counts: baseOffset (8) + batchLength (4). */
export const BATCH_LOG_OVERHEAD = 12;
const MAGIC_OFFSET = 16;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;

export const enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_LOG_APPEND = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

/** A safe integer as int64, high half then low half (no BigInt: this runs for every produced batch). */
function writeInt64(buf: Buffer, at: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(value - high * 0x1_0000_0000, at + 4);
}

/** Total bytes of the batch starting at `at`, or -1 when fewer than 12 bytes remain. */
export function batchSizeAt(buf: Buffer, at: number): number {
  if (buf.length - at < BATCH_LOG_OVERHEAD) return -1;
  return BATCH_LOG_OVERHEAD + buf.readInt32BE(at + 8);
}

/** Bytes of a batch header needed to know its offsets and size: up to lastOffsetDelta (23..27). */
export const BATCH_OFFSETS_HEADER_BYTES = 27;

/** Size and offsets of the batch at `at`, from its first 27 bytes (no CRC check), or null if fewer remain. */
export function peekBatchOffsets(buffer: Buffer, at: number): { baseOffset: number; lastOffset: number; sizeBytes: number } | null {
  if (buffer.length - at < BATCH_OFFSETS_HEADER_BYTES) return null;
  const baseOffset = readInt64(buffer, at);
  return { baseOffset, lastOffset: baseOffset + buffer.readInt32BE(at + 23), sizeBytes: BATCH_LOG_OVERHEAD + buffer.readInt32BE(at + 8) };
}

/** The batch's maxTimestamp (bytes 35..42 of its header), read from the bytes (a stored batch keeps no copy). */
export function maxTimestampOf(batch: Buffer): number {
  return readInt64(batch, 35);
}

/** Magic byte of the batch (or legacy message) at `at`; both formats keep it at byte 16. */
export function magicAt(buf: Buffer, at: number): number {
  return buf.readInt8(at + MAGIC_OFFSET);
}

export class RecordBatchView {
  constructor(readonly buffer: Buffer) {}

  get byteLength(): number {
    return this.buffer.length;
  }
  get baseOffset(): number {
    return readInt64(this.buffer, 0);
  }
  get magic(): number {
    return this.buffer.readInt8(MAGIC_OFFSET);
  }
  get crc(): number {
    return this.buffer.readUInt32BE(CRC_OFFSET);
  }
  get attributes(): number {
    return this.buffer.readInt16BE(ATTRIBUTES_OFFSET);
  }
  get compression(): Compression {
    return this.attributes & ATTR_COMPRESSION_MASK;
  }
  get isTransactional(): boolean {
    return (this.attributes & ATTR_TRANSACTIONAL) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & ATTR_CONTROL) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.buffer.readInt32BE(23);
  }
  get baseTimestamp(): number {
    return readInt64(this.buffer, 27);
  }
  get maxTimestamp(): number {
    return readInt64(this.buffer, 35);
  }
  get producerId(): number {
    return readInt64(this.buffer, 43);
  }
  get producerEpoch(): number {
    return this.buffer.readInt16BE(51);
  }
  get baseSequence(): number {
    return this.buffer.readInt32BE(53);
  }
  get recordCount(): number {
    return this.buffer.readInt32BE(57);
  }
  get lastSequence(): number {
    const last = this.baseSequence + this.lastOffsetDelta;
    // Sequences wrap at Int32.MAX (KIP-98).
    return last > 0x7fff_ffff ? last - 0x8000_0000 : last;
  }

  /** CRC-32C over attributes..end, compared with the stored checksum. */
  hasValidCrc(): boolean {
    return crc32c(this.buffer.subarray(ATTRIBUTES_OFFSET)) === this.crc;
  }

  /** Broker-side rewrite on append: not covered by the CRC. */
  assignOffsets(baseOffset: number, leaderEpoch: number): void {
    writeInt64(this.buffer, 0, baseOffset);
    this.buffer.writeInt32BE(leaderEpoch, 12);
  }
}

/** Zigzag varint (int32/int64 as JS number) at `at`; returns the value and the next position. */
function readZigzagVarint(buf: Buffer, at: number): { value: number; next: number } {
  let raw = 0;
  let scale = 1;
  let pos = at;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= buf.length) throw new RangeError('varint runs past the end of the batch');
    const byte = buf[pos++];
    raw += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) {
      const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return { value, next: pos };
    }
  }
  throw new RangeError('varint longer than 10 bytes');
}

export interface RecordPosition {
  readonly offsetDelta: number;
  readonly timestamp: number;
}

/**
 * The offset delta and timestamp of each record of an UNCOMPRESSED batch, in order, without
 * copying (callers that need more decode further; compressed batches are not read here).
 */
export function* recordPositions(batch: RecordBatchView): IterableIterator<RecordPosition> {
  if (batch.compression !== Compression.None) throw new Error('recordPositions reads uncompressed batches only');
  const buf = batch.buffer;
  const logAppendTime = (batch.attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0;
  let pos = BATCH_HEADER_BYTES;
  for (let i = 0; i < batch.recordCount; i++) {
    const length = readZigzagVarint(buf, pos);
    const recordEnd = length.next + length.value;
    const timestampDelta = readZigzagVarint(buf, length.next + 1);
    const offsetDelta = readZigzagVarint(buf, timestampDelta.next);
    yield {
      offsetDelta: offsetDelta.value,
      timestamp: logAppendTime ? batch.maxTimestamp : batch.baseTimestamp + timestampDelta.value,
    };
    pos = recordEnd;
  }
}
