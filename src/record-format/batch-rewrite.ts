/**
 * Opening a magic-2 batch's records for inspection (decompressing them) and building the
 * batch that replaces it when some records were dropped or rewritten.
 *
 * A rebuilt batch keeps the producer's header fields (producer id/epoch, base sequence,
 * base timestamp, attributes, so the same codec) and its `lastOffsetDelta`, and each kept
 * record keeps its `offsetDelta` and `timestampDelta`. A dropped record therefore leaves a
 * gap in the offsets, as log compaction does: every surviving record is stored at the
 * offset its producer computes (base offset + index), and an idempotent producer's
 * sequence range (baseSequence + lastOffsetDelta) is unchanged. `recordCount`,
 * `maxTimestamp` (CreateTime), `batchLength` and the CRC-32C are recomputed.
 */
import { compress, decompress, type CompressionShape } from './compression.js';
import { crc32c } from './crc32c.js';
import { ATTR_TIMESTAMP_LOG_APPEND, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, RecordBatchView } from './record-batch.js';
import { parseRecords } from './records.js';

const CRC_OFFSET = 17;
const CRC_START = 21;
const MAX_TIMESTAMP_OFFSET = 35;
const RECORD_COUNT_OFFSET = 57;

export interface OpenedBatch {
  /** The records section, decompressed (a view of the batch itself when uncompressed). */
  readonly records: Buffer;
  readonly recordCount: number;
  readonly shape: CompressionShape;
}

export async function openBatch(batch: Buffer): Promise<OpenedBatch> {
  const view = new RecordBatchView(batch);
  const { data, shape } = await decompress(view.compression, batch.subarray(BATCH_HEADER_BYTES));
  return { records: data, recordCount: view.recordCount, shape };
}

/**
 * A new batch from `original`'s header and a records section of `recordCount` (>= 1)
 * records taken from it (kept as they were, or rewritten with their original deltas).
 */
export async function rebuildBatch(original: Buffer, records: Uint8Array, recordCount: number, shape: CompressionShape): Promise<Buffer> {
  if (recordCount < 1) throw new RangeError('a rebuilt batch needs at least one record');
  const source = new RecordBatchView(original);
  const parsed = parseRecords(records, recordCount);
  const lastOffsetDelta = source.lastOffsetDelta;
  for (const record of parsed) {
    if (record.offsetDelta < 0 || record.offsetDelta > lastOffsetDelta) {
      throw new RangeError(`record offset delta ${record.offsetDelta} is outside 0..${lastOffsetDelta}`);
    }
  }
  const body = await compress(shape, Buffer.from(records.buffer, records.byteOffset, records.byteLength));
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + body.length);
  original.copy(batch, 0, 0, BATCH_HEADER_BYTES);
  body.copy(batch, BATCH_HEADER_BYTES);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, 8);
  batch.writeInt32BE(recordCount, RECORD_COUNT_OFFSET);
  if ((source.attributes & ATTR_TIMESTAMP_LOG_APPEND) === 0) {
    const maxDelta = parsed.reduce((max, record) => Math.max(max, record.timestampDelta), Number.NEGATIVE_INFINITY);
    batch.writeBigInt64BE(BigInt(source.baseTimestamp + maxDelta), MAX_TIMESTAMP_OFFSET);
  }
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_START)), CRC_OFFSET);
  return batch;
}
