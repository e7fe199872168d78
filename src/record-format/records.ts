/**
 * The records inside a magic-2 batch (after decompression): parse every field, and encode
 * a record back. Works on Uint8Array so that plugin worker threads use it too.
 *
 * Record layout (varints are zigzag, as in Kafka's DefaultRecord):
 *   length varint | attributes i8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint (-1: null) | key | valueLength varint (-1: null) | value |
 *   headerCount varint | headers: keyLength varint | key (UTF-8) | valueLength varint (-1: null) | value
 *
 * Parsing bounds every length by the bytes left, so a malformed section throws
 * `RecordFormatError` instead of reading past it; byte fields are `subarray` views.
 */

/** The most headers one record may carry (Kafka has no limit; this bounds a hostile count). */
export const RECORD_HEADERS_MAX = 10_000;
const VARINT_BYTES_MAX = 10;

export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
}

export interface RecordHeader {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

export interface DecodedRecord {
  /** Bytes of the whole record (length prefix included) in the section it was parsed from. */
  readonly start: number;
  readonly end: number;
  readonly attributes: number;
  readonly timestampDelta: number;
  readonly offsetDelta: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

/** The fields a record is rebuilt from. */
export interface RecordFields {
  readonly timestampDelta: number;
  readonly offsetDelta: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

class SectionReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {}

  varint(): number {
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < VARINT_BYTES_MAX; i++) {
      if (this.pos >= this.end) throw new RecordFormatError('varint runs past the end of the record');
      const byte = this.bytes[this.pos++];
      raw += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    throw new RecordFormatError('varint longer than 10 bytes');
  }

  int8(): number {
    if (this.pos >= this.end) throw new RecordFormatError('record attributes run past its end');
    return (this.bytes[this.pos++] << 24) >> 24;
  }

  /** Length-prefixed bytes; -1 is null. */
  nullableBytes(what: string): Uint8Array | null {
    const length = this.varint();
    if (length === -1) return null;
    if (length < -1 || length > this.end - this.pos) throw new RecordFormatError(`${what} length ${length} does not fit the record`);
    const view = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }
}

function parseHeaders(reader: SectionReader): RecordHeader[] {
  const count = reader.varint();
  if (count < 0 || count > RECORD_HEADERS_MAX) throw new RecordFormatError(`header count ${count} is out of range`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const key = reader.nullableBytes('header key');
    if (key === null) throw new RecordFormatError('a header key is null');
    headers.push({ key, value: reader.nullableBytes('header value') });
  }
  return headers;
}

/** Every record of a records section, which must hold exactly `count` records and nothing after. */
export function parseRecords(section: Uint8Array, count: number): DecodedRecord[] {
  const records: DecodedRecord[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const prefix = new SectionReader(section, pos, section.length);
    const length = prefix.varint();
    const end = prefix.pos + length;
    if (length < 0 || end > section.length) throw new RecordFormatError(`record ${i} of ${length} bytes runs past the records`);
    const reader = new SectionReader(section, prefix.pos, end);
    const attributes = reader.int8();
    const timestampDelta = reader.varint();
    const offsetDelta = reader.varint();
    const key = reader.nullableBytes('key');
    const value = reader.nullableBytes('value');
    const headers = parseHeaders(reader);
    if (reader.pos !== end) throw new RecordFormatError(`record ${i} has ${end - reader.pos} bytes after its headers`);
    records.push({ start, end, attributes, timestampDelta, offsetDelta, key, value, headers });
    pos = end;
  }
  if (pos !== section.length) throw new RecordFormatError(`${section.length - pos} bytes follow the last of ${count} records`);
  return records;
}

function zigzagVarintSize(value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

function writeZigzagVarint(out: Uint8Array, at: number, value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 0x80) {
    out[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

function nullableBytesSize(bytes: Uint8Array | null): number {
  return bytes === null ? 1 : zigzagVarintSize(bytes.length) + bytes.length;
}

function writeNullableBytes(out: Uint8Array, at: number, bytes: Uint8Array | null): number {
  if (bytes === null) return writeZigzagVarint(out, at, -1);
  at = writeZigzagVarint(out, at, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

function bodySize(record: RecordFields): number {
  let size = 1 + zigzagVarintSize(record.timestampDelta) + zigzagVarintSize(record.offsetDelta);
  size += nullableBytesSize(record.key) + nullableBytesSize(record.value) + zigzagVarintSize(record.headers.length);
  for (const header of record.headers) size += nullableBytesSize(header.key) + nullableBytesSize(header.value);
  return size;
}

/** Encodes one record (attributes 0: Kafka defines no record-level attribute bits). */
export function encodeRecord(record: RecordFields): Uint8Array {
  const body = bodySize(record);
  const out = new Uint8Array(zigzagVarintSize(body) + body);
  let at = writeZigzagVarint(out, 0, body);
  out[at++] = 0;
  at = writeZigzagVarint(out, at, record.timestampDelta);
  at = writeZigzagVarint(out, at, record.offsetDelta);
  at = writeNullableBytes(out, at, record.key);
  at = writeNullableBytes(out, at, record.value);
  at = writeZigzagVarint(out, at, record.headers.length);
  for (const header of record.headers) {
    at = writeNullableBytes(out, at, header.key);
    at = writeNullableBytes(out, at, header.value);
  }
  if (at !== out.length) throw new Error(`record encoder wrote ${at} of ${out.length} bytes`);
  return out;
}
