/**
 * Builds the magic-2 record batch a plain (non-idempotent, uncompressed, CreateTime)
 * producer would send, from records given as fields. The REST produce routes use it so
 * that their records take the Kafka Produce path unchanged (BatchAppender validation,
 * plugins, offsets assigned in place); records are encoded by records.ts.
 *
 * Header fields (record-batch.ts has the layout): baseOffset 0 (the broker assigns it),
 * partitionLeaderEpoch -1, attributes 0, producerId -1, producerEpoch -1, baseSequence -1,
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
  const recordBytes = encoded.reduce((sum, r) => sum + r.length, 0);
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + recordBytes);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, 8);
  batch.writeInt32BE(NO_LEADER_EPOCH, 12);
  batch.writeInt8(MAGIC, 16);
  batch.writeInt16BE(0, 21);
  batch.writeInt32BE(records.length - 1, 23);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(maxTimestamp), 35);
  batch.writeBigInt64BE(NO_PRODUCER_ID, 43);
  batch.writeInt16BE(NO_PRODUCER_EPOCH, 51);
  batch.writeInt32BE(NO_SEQUENCE, 53);
  batch.writeInt32BE(records.length, 57);
  let at = BATCH_HEADER_BYTES;
  for (const record of encoded) {
    batch.set(record, at);
    at += record.length;
  }
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_START)), CRC_OFFSET);
  return batch;
}
