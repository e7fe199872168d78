/**
 * Golden bad record batches: batches with a valid header and CRC-32C whose records a consumer
 * cannot read (or that break a LogValidator rule), each with the error Blink answers and the
 * one Apache Kafka 3.9 answers (they differ only where Blink is stricter, said in `deviation`).
 * Built byte by byte here, independent of the broker's record code, and shared by the
 * validator's unit tests, the produce tests and the e2e comparison with a real Kafka broker.
 */
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { buildBatch, values } from './batch-builder.js';
import { compressBatch } from './compressed-batch.js';

/** Kafka error codes used below (Errors.java). */
export const CODES = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  MESSAGE_TOO_LARGE: 10,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;

export interface GoldenBatch {
  readonly name: string;
  /** Builds the batch; `nowMs` is the broker's clock for timestamp cases. */
  readonly build: (nowMs: number) => Buffer;
  /** Blink's answer. */
  readonly errorCode: number;
  /** Apache Kafka 3.9's answer when it differs, and why Blink differs. */
  readonly kafka?: { readonly errorCode: number; readonly deviation: string };
  /** The records Blink names in record_errors (Produce v8+), when it names them. */
  readonly recordErrors?: readonly number[];
  /** Topic configs the case needs (the e2e test creates a topic with them). */
  readonly topicConfigs?: Readonly<Record<string, string>>;
}

const HEADER_BYTES = 61;

export function zigzag(value: number): Buffer {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A record from raw parts: `body` follows the length prefix, which is body.length + `lengthSkew`. */
export function rawRecord(body: Buffer, lengthSkew = 0): Buffer {
  return Buffer.concat([zigzag(body.length + lengthSkew), body]);
}

/** A record body: attributes 0, the deltas, key, value, then `headers` as raw bytes (count included). */
export function recordBody(offsetDelta: number, parts: { timestampDelta?: number; key?: Buffer; value?: Buffer; headers?: Buffer } = {}): Buffer {
  const bytes = (b: Buffer | undefined): Buffer => (b === undefined ? zigzag(-1) : Buffer.concat([zigzag(b.length), b]));
  return Buffer.concat([
    Buffer.from([0]),
    zigzag(parts.timestampDelta ?? 0),
    zigzag(offsetDelta),
    bytes(parts.key),
    bytes(parts.value ?? Buffer.from('v')),
    parts.headers ?? zigzag(0),
  ]);
}

/**
 * A batch header over `section` (uncompressed unless `codec`), declaring `count` records and
 * `lastOffsetDelta` (count - 1 unless given); CRC-32C over attributes..end, as a client writes it.
 */
export function batchOf(section: Buffer, count: number, options: { lastOffsetDelta?: number; attributes?: number; baseTimestamp?: number; maxTimestamp?: number; baseOffset?: number } = {}): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const baseTimestamp = options.baseTimestamp ?? 1_700_000_000_000;
  header.writeBigInt64BE(BigInt(options.baseOffset ?? 0), 0);
  header.writeInt32BE(HEADER_BYTES - 12 + section.length, 8);
  header.writeInt32BE(-1, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(options.attributes ?? 0, 21);
  header.writeInt32BE(options.lastOffsetDelta ?? count - 1, 23);
  header.writeBigInt64BE(BigInt(baseTimestamp), 27);
  header.writeBigInt64BE(BigInt(options.maxTimestamp ?? baseTimestamp), 35);
  header.writeBigInt64BE(-1n, 43);
  header.writeInt16BE(-1, 51);
  header.writeInt32BE(-1, 53);
  header.writeInt32BE(count, 57);
  const batch = Buffer.concat([header, section]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}

/** Deterministic bytes (xorshift32), so the garbage cases are the same on every run. */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const twoRecords = (): Buffer => Buffer.concat([rawRecord(recordBody(0)), rawRecord(recordBody(1))]);
const withCodecBits = (batch: Buffer, codec: number): Buffer => batchOf(batch.subarray(HEADER_BYTES), batch.readInt32BE(57), { attributes: codec });
const garbageBody = (codec: number): Buffer => batchOf(pseudoRandomBytes(64, 7 + codec), 2, { attributes: codec });
/** Kafka 3.9 fails these with a Java exception (IllegalArgumentException, KafkaException wrapping an IOException). */
const KAFKA_FAILS = (what: string) => ({ errorCode: CODES.UNKNOWN_SERVER_ERROR, deviation: `Kafka 3.9 answers UNKNOWN_SERVER_ERROR (${what}); Blink names the problem` });
const UNDECODABLE = KAFKA_FAILS('the decompressing stream throws');
/** More bytes than Blink's 64 MiB decompression bound, in one record of zeros. */
const ZIP_BOMB_VALUE_MIB = 80;

/**
 * One record with an 80 MiB value of zeros, gzipped in ~80 KB: a gzip member per MiB (readers
 * take concatenated members as one stream, as Java's GZIPInputStream and zlib do), so the
 * bomb costs one 1 MiB compression to build.
 */
function gzipBomb(): Buffer {
  const valueBytes = ZIP_BOMB_VALUE_MIB * 1024 * 1024;
  const head = Buffer.concat([Buffer.from([0]), zigzag(0), zigzag(0), zigzag(-1), zigzag(valueBytes)]);
  const bodyLength = head.length + valueBytes + 1;
  const zeros = gzipSync(Buffer.alloc(1024 * 1024));
  const members = [gzipSync(Buffer.concat([zigzag(bodyLength), head])), ...Array.from({ length: ZIP_BOMB_VALUE_MIB }, () => zeros), gzipSync(zigzag(0))];
  return Buffer.concat(members);
}

export const GOLDEN_BAD_BATCHES: readonly GoldenBatch[] = [
  { name: 'compression codec 7', build: () => withCodecBits(buildBatch(values(2)), 7), errorCode: CODES.UNSUPPORTED_COMPRESSION_TYPE, kafka: KAFKA_FAILS('CompressionType.forId throws') },
  { name: 'compression codec 5', build: () => withCodecBits(buildBatch(values(2)), 5), errorCode: CODES.UNSUPPORTED_COMPRESSION_TYPE, kafka: KAFKA_FAILS('CompressionType.forId throws') },
  { name: 'gzip flag over bytes that are not gzip', build: () => garbageBody(1), errorCode: CODES.INVALID_RECORD, kafka: UNDECODABLE },
  { name: 'snappy flag over bytes that are not snappy', build: () => garbageBody(2), errorCode: CODES.INVALID_RECORD, kafka: UNDECODABLE },
  { name: 'lz4 flag over bytes that are not an LZ4 frame', build: () => garbageBody(3), errorCode: CODES.INVALID_RECORD, kafka: UNDECODABLE },
  { name: 'zstd flag over bytes that are not zstd', build: () => garbageBody(4), errorCode: CODES.INVALID_RECORD, kafka: UNDECODABLE },
  {
    name: 'gzip stream cut short',
    build: () => {
      const whole = gzipSync(Buffer.concat(values(50).map((r, i) => rawRecord(recordBody(i, { value: r.value ?? undefined })))));
      return batchOf(whole.subarray(0, whole.length - 20), 50, { attributes: 1 });
    },
    errorCode: CODES.INVALID_RECORD,
    kafka: UNDECODABLE,
  },
  { name: 'gzip holding fewer records than declared', build: () => batchOf(gzipSync(twoRecords()), 3, { attributes: 1 }), errorCode: CODES.INVALID_RECORD },
  { name: 'zstd holding a byte after the last record', build: () => batchOf(zstdCompressSync(Buffer.concat([twoRecords(), Buffer.from([0])])), 2, { attributes: 4 }), errorCode: CODES.INVALID_RECORD },
  { name: 'garbage record bodies', build: () => batchOf(pseudoRandomBytes(200, 42), 5), errorCode: CODES.INVALID_RECORD },
  { name: 'a record length past the end of the batch', build: () => batchOf(rawRecord(recordBody(0), 40), 1), errorCode: CODES.INVALID_RECORD },
  { name: 'a byte after the last record', build: () => batchOf(Buffer.concat([twoRecords(), Buffer.from([0])]), 2), errorCode: CODES.INVALID_RECORD },
  { name: 'three records declared, two present', build: () => batchOf(twoRecords(), 3), errorCode: CODES.INVALID_RECORD },
  { name: 'a negative header count', build: () => batchOf(rawRecord(recordBody(0, { headers: zigzag(-3) })), 1), errorCode: CODES.INVALID_RECORD },
  { name: 'a header count beyond the bytes left', build: () => batchOf(rawRecord(recordBody(0, { headers: zigzag(1_000_000) })), 1), errorCode: CODES.INVALID_RECORD },
  {
    name: 'a null header key',
    build: () => batchOf(rawRecord(recordBody(0, { headers: Buffer.concat([zigzag(1), zigzag(-1), zigzag(-1)]) })), 1),
    errorCode: CODES.INVALID_RECORD,
  },
  {
    name: 'an offset delta varint of 6 bytes',
    build: () => batchOf(rawRecord(Buffer.concat([Buffer.from([0]), zigzag(0), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), zigzag(-1), zigzag(1), Buffer.from('v'), zigzag(0)])), 1),
    errorCode: CODES.INVALID_RECORD,
  },
  { name: 'a record length longer than its fields', build: () => batchOf(rawRecord(Buffer.concat([recordBody(0), Buffer.from([0])])), 1), errorCode: CODES.INVALID_RECORD },
  {
    name: 'a key length of -5',
    build: () => batchOf(rawRecord(Buffer.concat([Buffer.from([0]), zigzag(0), zigzag(0), zigzag(-5), zigzag(1), Buffer.from('v'), zigzag(0)])), 1),
    errorCode: CODES.INVALID_RECORD,
    kafka: { errorCode: CODES.NONE, deviation: 'Kafka reads any negative length as null; consumers (librdkafka) refuse it' },
  },
  {
    name: 'offset deltas 0 and 2 in an uncompressed batch',
    build: () => batchOf(Buffer.concat([rawRecord(recordBody(0)), rawRecord(recordBody(2))]), 2),
    errorCode: CODES.INVALID_RECORD,
    recordErrors: [1],
    kafka: { errorCode: CODES.NONE, deviation: 'Kafka ignores the deltas of an uncompressed batch: its consumers then see offsets that do not exist' },
  },
  {
    name: 'offset deltas 0 and 0 in a gzip batch',
    build: () => batchOf(gzipSync(Buffer.concat([rawRecord(recordBody(0)), rawRecord(recordBody(0))])), 2, { attributes: 1 }),
    errorCode: CODES.INVALID_RECORD,
    recordErrors: [1],
    kafka: KAFKA_FAILS('rebuilding the batch with new offsets throws'),
  },
  {
    name: 'a control batch',
    build: () => batchOf(twoRecords(), 2, { attributes: 0x20 }),
    errorCode: CODES.INVALID_RECORD,
  },
  { name: 'a base offset of 5', build: () => batchOf(twoRecords(), 2, { baseOffset: 5 }), errorCode: CODES.INVALID_RECORD },
  {
    name: 'LogAppendTime set by the producer on a LogAppendTime topic',
    build: (nowMs) => batchOf(twoRecords(), 2, { attributes: 0x08, baseTimestamp: nowMs, maxTimestamp: nowMs }),
    errorCode: CODES.INVALID_TIMESTAMP,
    recordErrors: [0, 1],
    topicConfigs: { 'message.timestamp.type': 'LogAppendTime' },
  },
  {
    name: 'a timestamp a day ahead with message.timestamp.after.max.ms one hour',
    build: (nowMs) => batchOf(Buffer.concat([rawRecord(recordBody(0)), rawRecord(recordBody(1, { timestampDelta: 86_400_000 }))]), 2, { baseTimestamp: nowMs, maxTimestamp: nowMs + 86_400_000 }),
    errorCode: CODES.INVALID_TIMESTAMP,
    recordErrors: [1],
    topicConfigs: { 'message.timestamp.after.max.ms': '3600000' },
  },
  {
    name: 'a gzip zip bomb (80 MiB of zeros in one record)',
    build: () => batchOf(gzipBomb(), 1, { attributes: 1 }),
    errorCode: CODES.MESSAGE_TOO_LARGE,
    kafka: { errorCode: CODES.NONE, deviation: 'Kafka has no bound on the decompressed size; Blink refuses more than 64 MiB' },
  },
];

/** Good batches in every codec: what the golden bad ones are told apart from. */
export function goodBatch(codec: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd', nowMs: number, count = 3): Buffer {
  const batch = buildBatch(values(count), { baseTimestamp: nowMs });
  return codec === 'none' ? batch : compressBatch(batch, codec);
}
