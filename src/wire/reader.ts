import { KafkaProtocolError } from './errors.js';

/** The "no id" uuid: Kafka uses all-zero bytes where a topic id or directory id is unknown. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

const TWO_32 = 2 ** 32;

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
 * Where a `records` field read from several pieces goes: given the views of its bytes (in
 * order, `length` bytes in all), returns the Buffer the decoded request carries (the
 * transport copies Produce's record batches into storage's pooled memory this way).
 */
export type RecordsCopy = (pieces: readonly Buffer[], length: number) => Buffer;

/**
 * Decodes Kafka's wire primitives from `buf[offset, end)`, or from a frame still in the socket
 * chunks it arrived in (`overParts`): positions (`offset`, `remaining`) count bytes across the
 * pieces, and a value that straddles two of them is read from a small stitched copy. Every
 * read is bounds-checked and throws {@link KafkaProtocolError} on truncated or inconsistent
 * input; lengths and counts are checked against the remaining bytes before anything is
 * allocated. Byte ranges come back as `subarray` views, never copies, unless they straddle
 * pieces; `records` fields then go to the reader's RecordsCopy.
 */
export class KafkaReader {
  /** The piece holding `offset` (or a stitched copy for one straddling read). */
  private buf: Buffer;
  /** Position of `buf[0]` in the frame, and the position where `buf` ends. */
  private bufStart = 0;
  private bufEnd: number;
  private parts: readonly Buffer[] | null = null;
  private partStarts: readonly number[] = [];
  private partIndex = 0;
  private recordsCopy: RecordsCopy | undefined;

  constructor(
    buf: Buffer,
    public offset = 0,
    private end = buf.length,
  ) {
    if (offset < 0 || offset > end || end > buf.length) {
      throw new RangeError(`bad reader window [${offset}, ${end}) over ${buf.length} bytes`);
    }
    this.buf = buf;
    this.bufEnd = end;
  }

  /** A reader over a frame given as consecutive pieces (views of socket chunks), without joining them. */
  static overParts(parts: readonly Buffer[]): KafkaReader {
    let length = 0;
    const starts: number[] = [];
    for (const part of parts) {
      starts.push(length);
      length += part.length;
    }
    const reader = new KafkaReader(parts[0] ?? Buffer.alloc(0), 0, parts[0]?.length ?? 0);
    reader.end = length;
    reader.parts = parts;
    reader.partStarts = starts;
    return reader;
  }

  /** From now on `records` fields go to `copy` (see RecordsCopy). */
  useRecordsCopy(copy: RecordsCopy): void {
    this.recordsCopy = copy;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  /** Fixed-width integers are big-endian two's complement. */
  readInt8(): number {
    const at = this.take(1);
    return this.buf.readInt8(at);
  }

  readInt16(): number {
    const at = this.take(2);
    return this.buf.readInt16BE(at);
  }

  readUInt16(): number {
    const at = this.take(2);
    return this.buf.readUInt16BE(at);
  }

  readInt32(): number {
    const at = this.take(4);
    return this.buf.readInt32BE(at);
  }

  readUInt32(): number {
    const at = this.take(4);
    return this.buf.readUInt32BE(at);
  }

  /** int64 is carried as a JS number: signed high half * 2^32 + unsigned low half, exact up to 2^53. */
  readInt64(): number {
    const at = this.take(8);
    return this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
  }

  readFloat64(): number {
    const at = this.take(8);
    return this.buf.readDoubleBE(at);
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

  /**
   * A record-batch blob: encoded exactly like bytes, never parsed here. A view of the input,
   * unless the reader has a RecordsCopy: that one gets the views of every piece the blob
   * spans and decides what the request carries.
   */
  readRecords(compact: boolean): Buffer | null {
    if (this.recordsCopy === undefined) return this.readBytes(compact);
    const length = this.readLength(compact, 4);
    if (length < 0) return null;
    return this.recordsCopy(this.takeViews(length), length);
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
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(readElement(this, version, compact));
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
    const at = this.take(1);
    return this.buf[at];
  }

  /** Advances past `n` bytes and returns where they start in `buf` (which it may move to another piece). */
  private take(n: number): number {
    const at = this.offset;
    if (at + n <= this.bufEnd) {
      this.offset = at + n;
      return at - this.bufStart;
    }
    return this.takeAcrossPieces(n);
  }

  /** `take` when the bytes lie in a later piece, or straddle pieces (then `buf` is a stitched copy of them). */
  private takeAcrossPieces(n: number): number {
    const at = this.offset;
    if (this.end - at < n) {
      throw new KafkaProtocolError(`truncated input: need ${n} bytes at offset ${at}, have ${this.end - at}`);
    }
    const parts = this.parts as readonly Buffer[];
    this.moveTo(at);
    if (at + n <= this.bufEnd) {
      this.offset = at + n;
      return at - this.bufStart;
    }
    const stitched = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = this.partIndex; filled < n; i++) {
      const from = filled === 0 ? at - this.partStarts[i] : 0;
      filled += parts[i].copy(stitched, filled, from, Math.min(parts[i].length, from + n - filled));
    }
    this.buf = stitched;
    this.bufStart = at;
    this.bufEnd = at + n;
    this.offset = at + n;
    return 0;
  }

  /** Makes `buf` the piece holding position `at` (positions only move forward). */
  private moveTo(at: number): void {
    const parts = this.parts as readonly Buffer[];
    while (this.partIndex + 1 < parts.length && this.partStarts[this.partIndex + 1] <= at) this.partIndex++;
    this.buf = parts[this.partIndex];
    this.bufStart = this.partStarts[this.partIndex];
    this.bufEnd = this.bufStart + this.buf.length;
  }

  /** Advances past `n` bytes and returns them as views, one per piece they touch. */
  private takeViews(n: number): Buffer[] {
    const at = this.offset;
    if (this.parts === null || at + n <= this.bufEnd) {
      const start = this.take(n);
      return [this.buf.subarray(start, start + n)];
    }
    if (this.end - at < n) this.take(n);
    const views: Buffer[] = [];
    let taken = 0;
    while (taken < n) {
      this.moveTo(at + taken);
      const from = at + taken - this.bufStart;
      const view = this.buf.subarray(from, Math.min(this.buf.length, from + n - taken));
      views.push(view);
      taken += view.length;
    }
    this.offset = at + n;
    return views;
  }

  private nullError(what: string): never {
    throw new KafkaProtocolError(`null ${what} in a non-nullable field at offset ${this.offset}`);
  }
}
