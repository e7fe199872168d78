import { KafkaProtocolError } from './errors.js';

/** The "no id" uuid: Kafka uses all-zero bytes where a topic id or directory id is unknown. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

const TWO_32 = 2 ** 32;
/** Arrays up to this many items are allocated at their size before they are read. */
const PRESIZED_ARRAY_MAX = 64;

/** Reads one array element; struct decoders `(r, version)` fit this shape too. */
export type ElementReader<T> = (r: KafkaReader, version: number, compact: boolean) => T;

export const readInt8Element: ElementReader<number> = (r) => r.readInt8();
export const readInt16Element: ElementReader<number> = (r) => r.readInt16();
export const readInt32Element: ElementReader<number> = (r) => r.readInt32();
export const readUuidElement: ElementReader<string> = (r) => r.readUuid();
export const readInt64Element: ElementReader<number> = (r) => r.readInt64();
export const readStringElement: ElementReader<string> = (r, _version, compact) =>
  r.readNonNullString(compact);

/**
 * Decodes Kafka's wire primitives from `buf[offset, end)`. Every read is bounds-checked and throws
 * {@link KafkaProtocolError} on truncated or inconsistent input; lengths and counts are checked
 * against the remaining bytes before anything is allocated. Byte ranges come back as `subarray`
 * views of `buf`, never copies.
 */
export class KafkaReader {
  constructor(
    private readonly buf: Buffer,
    public offset = 0,
    private readonly end = buf.length,
  ) {
    if (offset < 0 || offset > end || end > buf.length) {
      throw new RangeError(`bad reader window [${offset}, ${end}) over ${buf.length} bytes`);
    }
  }

  remaining(): number {
    return this.end - this.offset;
  }

  /** Fixed-width integers are big-endian two's complement. */
  readInt8(): number {
    return this.buf.readInt8(this.take(1));
  }

  readInt16(): number {
    return this.buf.readInt16BE(this.take(2));
  }

  readUInt16(): number {
    return this.buf.readUInt16BE(this.take(2));
  }

  readInt32(): number {
    return this.buf.readInt32BE(this.take(4));
  }

  readUInt32(): number {
    return this.buf.readUInt32BE(this.take(4));
  }

  /** int64 is carried as a JS number: signed high half * 2^32 + unsigned low half, exact up to 2^53. */
  readInt64(): number {
    const at = this.take(8);
    return this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
  }

  readFloat64(): number {
    return this.buf.readDoubleBE(this.take(8));
  }

  /** Any non-zero byte is true, as in Kafka's Java reader. */
  readBool(): boolean {
    return this.readByte() !== 0;
  }

  /** 16 raw bytes, returned in canonical lowercase 8-4-4-4-12 form. */
  readUuid(): string {
    const at = this.take(16);
    const hex = this.buf.toString('hex', at, at + 16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /**
   * Unsigned varint (protobuf style): 7 bits per byte, least significant group first, high bit set
   * on every byte but the last. Kafka uses it for 32-bit values, so at most 5 bytes.
   */
  readUVarint(): number {
    let value = 0;
    for (let scale = 1, i = 0; i < 5; i++, scale *= 128) {
      const byte = this.readByte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
    throw new KafkaProtocolError(`unsigned varint longer than 5 bytes at offset ${this.offset}`);
  }

  /** Signed varint (record fields): zigzag-encoded int32, so -1 is 1, 1 is 2, -2 is 3. */
  readVarint(): number {
    const zigzag = this.readUVarint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  /**
   * Signed varlong (record fields): zigzag int64 in up to 10 bytes. Decoded as sign bit plus
   * magnitude (the first byte holds the sign and 6 bits), so every safe integer is exact.
   */
  readVarlong(): number {
    let byte = this.readByte();
    const negative = (byte & 1) === 1;
    let magnitude = (byte & 0x7e) >> 1;
    for (let scale = 64, length = 1; byte >= 0x80; scale *= 128) {
      if (++length > 10) throw new KafkaProtocolError(`varlong longer than 10 bytes at offset ${this.offset}`);
      byte = this.readByte();
      magnitude += (byte & 0x7f) * scale;
    }
    return negative ? -magnitude - 1 : magnitude;
  }

  /**
   * Length prefix of a string, bytes or records field, or -1 for null. Classic encoding: int16
   * (strings) or int32 (bytes) with -1 = null. Compact (flexible versions): unsigned varint of
   * length + 1, with 0 = null. The length must fit in the remaining bytes.
   */
  private readLength(compact: boolean, classicWidth: 2 | 4): number {
    const length = compact
      ? this.readUVarint() - 1
      : classicWidth === 2 ? this.readInt16() : this.readInt32();
    if (length < -1 || length > this.remaining()) {
      throw new KafkaProtocolError(`length ${length} invalid with ${this.remaining()} bytes left`);
    }
    return length;
  }

  /** UTF-8 string with an int16 (classic) or uvarint length + 1 (compact) prefix; null allowed. */
  readString(compact: boolean): string | null {
    const length = this.readLength(compact, 2);
    if (length < 0) return null;
    const at = this.take(length);
    return this.buf.toString('utf8', at, at + length);
  }

  /** A string field that is not nullable in any version: null on the wire is a protocol error. */
  readNonNullString(compact: boolean): string {
    return this.readString(compact) ?? this.nullError('string');
  }

  /** Bytes with an int32 (classic) or uvarint length + 1 (compact) prefix, as a view of the input. */
  readBytes(compact: boolean): Buffer | null {
    const length = this.readLength(compact, 4);
    if (length < 0) return null;
    const at = this.take(length);
    return this.buf.subarray(at, at + length);
  }

  readNonNullBytes(compact: boolean): Buffer {
    return this.readBytes(compact) ?? this.nullError('bytes');
  }

  /** A record-batch blob: encoded exactly like bytes; returned as a view, never parsed here. */
  readRecords(compact: boolean): Buffer | null {
    return this.readBytes(compact);
  }

  /**
   * Array element count, or -1 for null. Classic: int32 with -1 = null. Compact: uvarint of
   * count + 1 with 0 = null. Every element takes at least one byte, so a count above the remaining
   * bytes is garbage and is rejected before anything is allocated for it.
   */
  readArrayLength(compact: boolean): number {
    const count = compact ? this.readUVarint() - 1 : this.readInt32();
    if (count < -1 || count > this.remaining()) {
      throw new KafkaProtocolError(`array count ${count} invalid with ${this.remaining()} bytes left`);
    }
    return count;
  }

  /** An array that is not nullable in any version. */
  readArray<T>(compact: boolean, version: number, readElement: ElementReader<T>): T[] {
    return this.readNullableArray(compact, version, readElement) ?? this.nullError('array');
  }

  readNullableArray<T>(compact: boolean, version: number, readElement: ElementReader<T>): T[] | null {
    const count = this.readArrayLength(compact);
    if (count < 0) return null;
    // Sized up front when small (every request has a few arrays of one or two items: a push
    // would give each room for 17); a large count, bounded by the bytes left, grows as read.
    const items: T[] = count <= PRESIZED_ARRAY_MAX ? new Array<T>(count) : [];
    for (let i = 0; i < count; i++) items[i] = readElement(this, version, compact);
    return items;
  }

  /**
   * A tagged-field section (KIP-482) is a uvarint count, then per field: uvarint tag, uvarint size,
   * value. Generated decoders read the count and the tag themselves, then call this to read the size:
   * it returns the offset where the value ends, after checking that the value fits. They decode the
   * tags they know and finish every field with {@link endTaggedField}.
   */
  readTaggedFieldEnd(): number {
    const size = this.readUVarint();
    if (size > this.remaining()) {
      throw new KafkaProtocolError(`tagged field of ${size} bytes with ${this.remaining()} bytes left`);
    }
    return this.offset + size;
  }

  /** Moves past a tagged field's value: skips an unknown tag, and rejects a value that overran its size. */
  endTaggedField(end: number): void {
    if (this.offset > end) {
      throw new KafkaProtocolError(`tagged field value overran its size by ${this.offset - end} bytes`);
    }
    this.offset = end;
  }

  /**
   * A tagged-field section where no tag is known: uvarint count, then per field uvarint tag,
   * uvarint size and the value bytes, all skipped. Ends every struct in flexible versions.
   */
  skipTaggedFields(): void {
    for (let count = this.readUVarint(); count > 0; count--) {
      this.readUVarint();
      this.endTaggedField(this.readTaggedFieldEnd());
    }
  }

  private readByte(): number {
    return this.buf[this.take(1)];
  }

  /** Advances past `n` bytes and returns the offset where they start. */
  private take(n: number): number {
    const at = this.offset;
    if (this.end - at < n) {
      throw new KafkaProtocolError(`truncated input: need ${n} bytes at offset ${at}, have ${this.end - at}`);
    }
    this.offset = at + n;
    return at;
  }

  private nullError(what: string): never {
    throw new KafkaProtocolError(`null ${what} in a non-nullable field at offset ${this.offset}`);
  }
}
