/**
 * The record batch the uplink sends for one partition, built from Blink's stored batches.
 *
 * - Copied: one stored batch whose records are all still wanted and consecutive goes as it
 *   is (keys, values, headers, timestamps, codec and compressed bytes untouched); only the
 *   producer fields (the uplink's idempotent producer id, epoch, sequence), the base offset
 *   and leader epoch the remote assigns anyway, and the CRC-32C that covers them change.
 * - Rebuilt: when records must be left out (below the position: DeleteRecords cut into the
 *   batch), when offsets have gaps (a plugin dropped records; Kafka refuses a produced batch
 *   whose record count and offset range differ), when the batch says LogAppendTime (a
 *   producer may not set it: the remote stamps its own time if its topic says so), or when
 *   small consecutive batches with the same codec are merged (one round trip for many):
 *   the records are decompressed, given consecutive offset deltas and re-encoded with the
 *   same codec (and the same snappy framing).
 *
 * `runs` say which Blink offsets the records came from, relative to the remote base offset
 * the remote will assign (offset-map.ts turns them into absolute runs after the ack).
 */
import { compress, type CompressionShape } from '../record-format/compression.js';
import { openBatch } from '../record-format/batch-rewrite.js';
import { crc32c } from '../record-format/crc32c.js';
import { ATTR_COMPRESSION_MASK, ATTR_TIMESTAMP_LOG_APPEND, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, batchSizeAt, RecordBatchView } from '../record-format/record-batch.js';
import { encodeRecord, parseRecords, type RecordHeader } from '../record-format/records.js';
import type { OffsetRun } from './offset-map.js';

/** Stored batches smaller than this are merged with their small neighbours (same codec) up to the batch budget. */
export const MERGE_BELOW_BYTES = 16 * 1024;
const CRC_OFFSET = 17;
const CRC_START = 21;

/** The uplink's idempotent producer fields for one batch. */
export interface ProducerStamp {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

export interface OutgoingBatch {
  /** The batch to produce, stamped with the producer fields. */
  readonly bytes: Buffer;
  readonly recordCount: number;
  /** Runs with `remoteStart` relative to the remote base offset (0 = the batch's first record). */
  readonly runs: readonly OffsetRun[];
  /** The Blink offset after the last stored batch used. */
  readonly blinkNext: number;
  /** The stored batch was sent as it is. */
  readonly copied: boolean;
}

/** The whole batches in `chunks` (a read may return one batch per chunk, or several back to back). */
export function splitBatches(chunks: readonly Buffer[]): RecordBatchView[] {
  const batches: RecordBatchView[] = [];
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const size = batchSizeAt(chunk, at);
      if (size < BATCH_HEADER_BYTES || at + size > chunk.length) throw new Error(`a stored batch at byte ${at} of a read is cut (${size} bytes)`);
      batches.push(new RecordBatchView(chunk.subarray(at, at + size)));
      at += size;
    }
  }
  return batches;
}

/**
 * The stored batches one outgoing batch is made of, from the first: a large one alone, or
 * consecutive small ones with the same codec within `budgetBytes`.
 */
export function selectBatches(batches: readonly RecordBatchView[], budgetBytes: number, mergeAllowed: boolean): RecordBatchView[] {
  const [first] = batches;
  if (first === undefined) return [];
  const selected = [first];
  if (!mergeAllowed || first.byteLength >= MERGE_BELOW_BYTES) return selected;
  let bytes = first.byteLength;
  for (const next of batches.slice(1)) {
    if (next.byteLength >= MERGE_BELOW_BYTES || next.compression !== first.compression || bytes + next.byteLength > budgetBytes) break;
    selected.push(next);
    bytes += next.byteLength;
  }
  return selected;
}

/** The outgoing batch for `selected` (records from Blink offset `from` on), or null when none is left. */
export async function buildOutgoing(selected: readonly RecordBatchView[], from: number, stamp: ProducerStamp): Promise<OutgoingBatch | null> {
  const last = selected[selected.length - 1];
  if (last === undefined) return null;
  const blinkNext = last.baseOffset + last.lastOffsetDelta + 1;
  if (selected.length === 1 && copiesAsIs(selected[0], from)) return copied(selected[0], stamp, blinkNext);
  return rebuilt(selected, from, stamp, blinkNext);
}

function copiesAsIs(batch: RecordBatchView, from: number): boolean {
  return batch.baseOffset >= from && batch.recordCount === batch.lastOffsetDelta + 1 && (batch.attributes & ATTR_TIMESTAMP_LOG_APPEND) === 0;
}

function copied(batch: RecordBatchView, stamp: ProducerStamp, blinkNext: number): OutgoingBatch {
  const bytes = Buffer.from(batch.buffer);
  stampHeader(bytes, stamp);
  return { bytes, recordCount: batch.recordCount, runs: [{ blinkStart: batch.baseOffset, remoteStart: 0, count: batch.recordCount }], blinkNext, copied: true };
}

interface MirroredRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

async function rebuilt(selected: readonly RecordBatchView[], from: number, stamp: ProducerStamp, blinkNext: number): Promise<OutgoingBatch | null> {
  const records: MirroredRecord[] = [];
  let shape: CompressionShape | null = null;
  for (const batch of selected) {
    const opened = await openBatch(batch.buffer);
    shape ??= opened.shape;
    for (const record of parseRecords(opened.records, opened.recordCount)) {
      const offset = batch.baseOffset + record.offsetDelta;
      if (offset < from) continue;
      records.push({ offset, timestamp: batch.baseTimestamp + record.timestampDelta, key: record.key, value: record.value, headers: record.headers });
    }
  }
  if (records.length === 0 || shape === null) return null;
  const bytes = await encodeBatch(records, shape, stamp);
  return { bytes, recordCount: records.length, runs: runsOf(records), blinkNext, copied: false };
}

/** Consecutive Blink offsets form one run; record i goes to remote base + i. */
function runsOf(records: readonly MirroredRecord[]): OffsetRun[] {
  const runs: OffsetRun[] = [];
  records.forEach((record, index) => {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.blinkStart + last.count === record.offset) runs[runs.length - 1] = { ...last, count: last.count + 1 };
    else runs.push({ blinkStart: record.offset, remoteStart: index, count: 1 });
  });
  return runs;
}

async function encodeBatch(records: readonly MirroredRecord[], shape: CompressionShape, stamp: ProducerStamp): Promise<Buffer> {
  const baseTimestamp = records[0].timestamp;
  const maxTimestamp = records.reduce((max, record) => Math.max(max, record.timestamp), baseTimestamp);
  const encoded = records.map((record, index) =>
    encodeRecord({ timestampDelta: record.timestamp - baseTimestamp, offsetDelta: index, key: record.key, value: record.value, headers: record.headers }),
  );
  const section = await compress(shape, Buffer.concat(encoded));
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + section.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, 8);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(shape.codec & ATTR_COMPRESSION_MASK, 21);
  batch.writeInt32BE(records.length - 1, 23);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(maxTimestamp), 35);
  batch.writeInt32BE(records.length, 57);
  section.copy(batch, BATCH_HEADER_BYTES);
  stampHeader(batch, stamp);
  return batch;
}

/** Base offset 0 and leader epoch -1 (the remote assigns both), the producer fields, then the CRC-32C. */
function stampHeader(batch: Buffer, stamp: ProducerStamp): void {
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(-1, 12);
  batch.writeBigInt64BE(BigInt(stamp.producerId), 43);
  batch.writeInt16BE(stamp.producerEpoch, 51);
  batch.writeInt32BE(stamp.baseSequence, 53);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_START)), CRC_OFFSET);
}

/** The Blink offsets of the batch's records, in order (decompressed only when the offsets have gaps). */
export async function recordOffsets(batch: RecordBatchView): Promise<number[]> {
  const base = batch.baseOffset;
  if (batch.recordCount === batch.lastOffsetDelta + 1) return Array.from({ length: batch.recordCount }, (_, index) => base + index);
  const opened = await openBatch(batch.buffer);
  return parseRecords(opened.records, opened.recordCount).map((record) => base + record.offsetDelta);
}

/** Kafka's producer sequences wrap to 0 after Int32.MAX (KIP-98). */
export function nextSequence(sequence: number, records: number): number {
  return (sequence + records) % 0x8000_0000;
}
