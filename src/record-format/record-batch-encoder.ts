/**
 * Builds the magic-2 record batch a plain (non-idempotent, uncompressed, CreateTime)
 * producer would send, from records given as fields. The REST produce routes use it so
 * that their records take the Kafka Produce path unchanged (BatchAppender validation,
 * plugins, offsets assigned in place); records are encoded by records.ts. The up-conversion
 * of legacy message sets (legacy-up-conversion.ts) wraps its records section, compressed
 * with the producer's codec, with `assembleBatch`.
 *
 * Header fields (record-batch.ts has the layout): baseOffset 0 (the broker assigns it),
 * partitionLeaderEpoch -1, attributes 0 (or the codec), producerId -1, producerEpoch -1, baseSequence -1,
 * baseTimestamp = the first record's timestamp (record deltas may be negative),
 * maxTimestamp = the largest one; batchLength and the CRC-32C cover what was written.
 */
import { crc32c } from './crc32c.js';
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD } from './record-batch.js';
import { encodeRecord, type RecordHeader } from './records.js';

const MAGIC = 2;
const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;
const NO_SEQUENCE = -1;
const NO_LEADER_EPOCH = -1;
const CRC_OFFSET = 17;
const CRC_START = 21;
/** Kafka caps the records of one batch by size only; this bounds a hostile list. */
export const BATCH_RECORDS_MAX = 10_000;

export interface NewRecord {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
  /** Milliseconds since the epoch (CreateTime). */
  readonly timestampMs: number;
}

export function encodeRecordBatch(records: readonly NewRecord[]): Buffer {
  if (records.length < 1 || records.length > BATCH_RECORDS_MAX) {
    throw new RangeError(`a batch holds 1..${BATCH_RECORDS_MAX} records, got ${records.length}`);
  }
  const baseTimestamp = records[0].timestampMs;
  const maxTimestamp = records.reduce((max, r) => Math.max(max, r.timestampMs), baseTimestamp);
  const encoded = records.map((record, index) =>
    encodeRecord({ timestampDelta: record.timestampMs - baseTimestamp, offsetDelta: index, key: record.key, value: record.value, headers: record.headers }),
  );
  const section = Buffer.alloc(encoded.reduce((sum, r) => sum + r.length, 0));
  let at = 0;
  for (const record of encoded) {
    section.set(record, at);
    at += record.length;
  }
  return assembleBatch(section, { attributes: 0, lastOffsetDelta: records.length - 1, baseTimestamp, maxTimestamp, recordCount: records.length });
}

/** The header fields a plain producer's batch varies; the rest are those of the file comment. */
export interface PlainBatchFields {
  /** The codec bits (the records section is already compressed with it). */
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly recordCount: number;
}

/** A plain producer's batch around a records section (compressed or not, as `attributes` say). */
export function assembleBatch(section: Uint8Array, fields: PlainBatchFields): Buffer {
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + section.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, 8);
  batch.writeInt32BE(NO_LEADER_EPOCH, 12);
  batch.writeInt8(MAGIC, 16);
  batch.writeInt16BE(fields.attributes, 21);
  batch.writeInt32BE(fields.lastOffsetDelta, 23);
  batch.writeBigInt64BE(BigInt(fields.baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(fields.maxTimestamp), 35);
  batch.writeBigInt64BE(NO_PRODUCER_ID, 43);
  batch.writeInt16BE(NO_PRODUCER_EPOCH, 51);
  batch.writeInt32BE(NO_SEQUENCE, 53);
  batch.writeInt32BE(fields.recordCount, 57);
  batch.set(section, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_START)), CRC_OFFSET);
  return batch;
}
