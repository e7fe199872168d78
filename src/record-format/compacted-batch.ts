/**
 * What the log cleaner reads in a record batch and the batch it writes back (Kafka's
 * MemoryRecords.filterTo for magic 2, with KIP-534's delete horizon).
 *
 * A cleaned batch keeps its base offset and lastOffsetDelta (so the offsets of the records it
 * keeps, and of the batch after it, never change: removed records leave gaps), its producer
 * fields and its codec (compression.ts writes the same shape back). When the cleaner first
 * keeps a tombstone (a record with a null value) or a transaction marker, it stamps the batch
 * with a delete horizon: attribute bit 6 set and baseTimestamp = the horizon, every record's
 * timestampDelta re-encoded against it so that record timestamps do not change; after the
 * horizon a later cleaning may remove the tombstones (delete.retention.ms). Control batches
 * are one record, uncompressed, key = int16 version | int16 type (0 ABORT, 1 COMMIT).
 */
import type { CompressionShape } from './compression.js';
import { rebuildBatch } from './batch-rewrite.js';
import { ATTR_TIMESTAMP_LOG_APPEND, BATCH_HEADER_BYTES, RecordBatchView } from './record-batch.js';
import { encodeRecord, type DecodedRecord } from './records.js';

/** KIP-534: the batch's baseTimestamp holds its delete horizon. */
export const ATTR_DELETE_HORIZON = 0x40;
const ATTRIBUTES_OFFSET = 21;
const BASE_TIMESTAMP_OFFSET = 27;
const CONTROL_KEY_BYTES = 4;

/** Kafka's ControlRecordType values the cleaner acts on. */
export const ControlRecord = { ABORT: 0, COMMIT: 1 } as const;

/** The batch's delete horizon (ms), or null when no cleaning has stamped one. */
export function deleteHorizonOf(batch: RecordBatchView): number | null {
  return (batch.attributes & ATTR_DELETE_HORIZON) !== 0 ? batch.baseTimestamp : null;
}

/** The control type of a control batch's record (ABORT 0, COMMIT 1, others), or null for an empty or malformed one. */
export function controlTypeOf(record: DecodedRecord | undefined): number | null {
  const key = record?.key;
  if (key === null || key === undefined || key.length < CONTROL_KEY_BYTES) return null;
  return Buffer.from(key.buffer, key.byteOffset, key.length).readInt16BE(2);
}

/** A records section of `records`, each as it was (their bytes in `section`). */
function keptSection(section: Uint8Array, records: readonly DecodedRecord[]): Uint8Array {
  let length = 0;
  for (const record of records) length += record.end - record.start;
  const out = new Uint8Array(length);
  let at = 0;
  for (const record of records) {
    out.set(section.subarray(record.start, record.end), at);
    at += record.end - record.start;
  }
  return out;
}

/** `records` re-encoded with timestamp deltas against `newBaseTimestamp` (their timestamps unchanged). */
function rebasedSection(records: readonly DecodedRecord[], oldBaseTimestamp: number, newBaseTimestamp: number): Uint8Array {
  const encoded = records.map((record) =>
    encodeRecord({ ...record, timestampDelta: oldBaseTimestamp + record.timestampDelta - newBaseTimestamp }),
  );
  const out = new Uint8Array(encoded.reduce((sum, record) => sum + record.length, 0));
  let at = 0;
  for (const record of encoded) {
    out.set(record, at);
    at += record.length;
  }
  return out;
}

/**
 * The batch that replaces `original` holding only `kept` (at least one record of its records
 * `section`), compressed as `shape`; stamped with `deleteHorizonMs` when it is not null.
 */
export async function compactedBatch(
  original: Buffer,
  section: Uint8Array,
  kept: readonly DecodedRecord[],
  shape: CompressionShape,
  deleteHorizonMs: number | null,
): Promise<Buffer> {
  if (deleteHorizonMs === null) return rebuildBatch(original, keptSection(section, kept), kept.length, shape);
  const view = new RecordBatchView(original);
  const header = Buffer.from(original.subarray(0, BATCH_HEADER_BYTES));
  header.writeInt16BE(view.attributes | ATTR_DELETE_HORIZON, ATTRIBUTES_OFFSET);
  header.writeBigInt64BE(BigInt(deleteHorizonMs), BASE_TIMESTAMP_OFFSET);
  // A LogAppendTime batch's records all carry maxTimestamp: their deltas mean nothing.
  const rebase = (view.attributes & ATTR_TIMESTAMP_LOG_APPEND) === 0;
  const records = rebase ? rebasedSection(kept, view.baseTimestamp, deleteHorizonMs) : keptSection(section, kept);
  return rebuildBatch(header, records, kept.length, shape);
}
