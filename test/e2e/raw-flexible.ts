/**
 * Hand-built frames of the flexible versions (KIP-482), for the e2e tests of version
 * behaviours no client library sends (a wrong topic id, batched groups and keys, filters,
 * a protocol mismatch). Like raw-kafka.ts it does not use the broker's codecs: the layouts
 * are written here from Kafka's JSON specs, so a codec bug cannot hide on both sides.
 *
 * Encodings: request header v2 (int16 key, int16 version, int32 correlation id, int16-length
 * client id, empty tag section); response header v1 (int32 correlation id, tag section);
 * compact strings, bytes and arrays carry their length + 1 as an unsigned varint (0 = null);
 * every struct ends with a tag section (here always empty on the way out, skipped on the
 * way in).
 */
import { RawConnection } from './raw-kafka.js';

const RAW_CLIENT_ID = 'blink-e2e-raw-flexible';
const EMPTY_TAGS = Buffer.from([0]);

/** Builds one request body field by field. */
export class FlexWriter {
  private readonly parts: Buffer[] = [];

  int8(value: number): this {
    return this.push(Buffer.from([value & 0xff]));
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  int16(value: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(value);
    return this.push(b);
  }

  int32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    return this.push(b);
  }

  int64(value: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(value));
    return this.push(b);
  }

  uvarint(value: number): this {
    const bytes: number[] = [];
    let rest = value >>> 0;
    while (rest >= 0x80) {
      bytes.push((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    bytes.push(rest);
    return this.push(Buffer.from(bytes));
  }

  string(text: string | null): this {
    if (text === null) return this.uvarint(0);
    const bytes = Buffer.from(text, 'utf8');
    return this.uvarint(bytes.length + 1).push(bytes);
  }

  bytes(data: Buffer): this {
    return this.uvarint(data.length + 1).push(data);
  }

  /** A UUID in its 36-character form, as 16 bytes. */
  uuid(id: string): this {
    return this.push(Buffer.from(id.replace(/-/g, ''), 'hex'));
  }

  array<T>(items: readonly T[] | null, each: (w: this, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) each(this, item);
    return this;
  }

  tags(): this {
    return this.push(EMPTY_TAGS);
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
}

/** Reads one response body field by field, bounds-checked. */
export class FlexReader {
  private at = 0;

  constructor(
    private readonly frame: Buffer,
    private readonly what: string,
  ) {}

  int8(): number {
    return this.take(1).readInt8(0);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    return this.take(2).readInt16BE(0);
  }

  int32(): number {
    return this.take(4).readInt32BE(0);
  }

  int64(): number {
    return Number(this.take(8).readBigInt64BE(0));
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.take(1)[0]!;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new Error(`${this.what}: varint too long at byte ${this.at}`);
  }

  string(): string | null {
    const length = this.uvarint() - 1;
    return length < 0 ? null : this.take(length).toString('utf8');
  }

  bytes(): Buffer | null {
    const length = this.uvarint() - 1;
    return length < 0 ? null : this.take(length);
  }

  uuid(): string {
    const hex = this.take(16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  array<T>(each: (r: this) => T): T[] | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    return Array.from({ length }, () => each(this));
  }

  /** Skips a tag section (the broker may send tagged fields this reader does not name). */
  tags(): void {
    for (let count = this.uvarint(); count > 0; count--) {
      this.uvarint();
      this.take(this.uvarint());
    }
  }

  /** Throws unless the whole body was read. */
  end(): void {
    if (this.at !== this.frame.length) throw new Error(`${this.what}: ${this.frame.length - this.at} bytes after the body`);
  }

  private take(bytes: number): Buffer {
    if (this.at + bytes > this.frame.length) {
      throw new Error(`${this.what}: truncated at byte ${this.at} (+${bytes}) of ${this.frame.length}: ${this.frame.toString('hex').slice(0, 400)}`);
    }
    const slice = this.frame.subarray(this.at, this.at + bytes);
    this.at += bytes;
    return slice;
  }
}

let nextCorrelationId = 0x51ac;

/**
 * Sends one flexible request on `connection` and reads its answer: the body, after the
 * response header v1 (correlation id checked, tags skipped).
 */
export async function flexibleCall(connection: RawConnection, apiKey: number, version: number, body: FlexWriter, what: string): Promise<FlexReader> {
  const correlationId = nextCorrelationId++;
  const header = new FlexWriter().int16(apiKey).int16(version).int32(correlationId).build();
  const clientId = Buffer.from(RAW_CLIENT_ID, 'utf8');
  const clientIdField = Buffer.alloc(2);
  clientIdField.writeInt16BE(clientId.length);
  const payload = Buffer.concat([header, clientIdField, clientId, EMPTY_TAGS, body.build()]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  connection.write(Buffer.concat([size, payload]));
  const reader = new FlexReader(await connection.readFrame(15_000), `${what} v${version} response`);
  const answered = reader.int32();
  if (answered !== correlationId) throw new Error(`${what}: correlation id ${answered}, sent ${correlationId}`);
  reader.tags();
  return reader;
}
