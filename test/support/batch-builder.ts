/**
 * Builds magic-2 record batches the way a producer does (uncompressed), for unit tests of
 * the storage and produce paths. Independent of the broker's own batch code on purpose.
 */
import { crc32c } from '@node-rs/crc32';

export interface TestRecord {
  key?: Buffer | null;
  value: Buffer | null;
  timestampDelta?: number;
}

export interface BatchOptions {
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  attributes?: number;
}

function zigzag(n: number): number[] {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function lengthPrefixed(bytes: Buffer | null | undefined): Buffer {
  if (bytes === null || bytes === undefined) return Buffer.from(zigzag(-1));
  return Buffer.concat([Buffer.from(zigzag(bytes.length)), bytes]);
}

function encodeRecord(record: TestRecord, offsetDelta: number): Buffer {
  const body = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(zigzag(record.timestampDelta ?? 0)),
    Buffer.from(zigzag(offsetDelta)),
    lengthPrefixed(record.key),
    lengthPrefixed(record.value),
    Buffer.from(zigzag(0)),
  ]);
  return Buffer.concat([Buffer.from(zigzag(body.length)), body]);
}

export function buildBatch(records: TestRecord[], options: BatchOptions = {}): Buffer {
  const recordBytes = Buffer.concat(records.map((r, i) => encodeRecord(r, i)));
  const header = Buffer.alloc(61);
  const baseTimestamp = options.baseTimestamp ?? 1_700_000_000_000;
  const maxDelta = Math.max(0, ...records.map((r) => r.timestampDelta ?? 0));
  header.writeBigInt64BE(0n, 0);
  header.writeInt32BE(61 - 12 + recordBytes.length, 8);
  header.writeInt32BE(-1, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(options.attributes ?? 0, 21);
  header.writeInt32BE(records.length - 1, 23);
  header.writeBigInt64BE(BigInt(baseTimestamp), 27);
  header.writeBigInt64BE(BigInt(baseTimestamp + maxDelta), 35);
  header.writeBigInt64BE(BigInt(options.producerId ?? -1), 43);
  header.writeInt16BE(options.producerEpoch ?? -1, 51);
  header.writeInt32BE(options.baseSequence ?? -1, 53);
  header.writeInt32BE(records.length, 57);
  const batch = Buffer.concat([header, recordBytes]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}

export function values(count: number, prefix = 'v'): TestRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`${prefix}${i}`) }));
}
