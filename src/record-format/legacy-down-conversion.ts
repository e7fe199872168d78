/**
 * Down-conversion: the legacy messages an old fetcher gets for one stored record batch
 * (Fetch v0-1: magic 0, Fetch v2-3: magic 1), as Kafka 3.9 converts them for clients that
 * cannot read record batches (kafka-go 0.2, sarama before 0.11, pre-0.11 Java clients):
 *
 * - a control batch (a transaction marker) gives no message; record headers are dropped
 *   (neither format has a place for them);
 * - each record becomes one message at its absolute offset (base offset + offset delta);
 *   magic 1 carries its timestamp: the record's (CreateTime), or the batch's max timestamp
 *   with attribute bit 3 (LogAppendTime), as Kafka's builder writes it;
 * - every message is written uncompressed, also from a compressed batch (Kafka keeps the
 *   codec instead). Uncompressed messages can be cut at any message, so a fetch returns
 *   exactly the whole messages at and after its fetch offset that fit its byte limits; no
 *   CPU goes into recompressing on the fetch path; and a magic-0 LZ4 wrapper would need the
 *   KAFKA-3160 header checksum that each old client expects its own way. The cost is more
 *   bytes on the wire for old consumers of compressed data.
 *
 * A converted batch indexes its messages (offset and end of each), so `selectMessages`
 * takes whole messages from any offset within a byte limit as a view, without copying, and
 * a cache can keep one conversion for every old consumer that reads the batch.
 */
import { decompress } from './compression.js';
import { legacyMessageBytes, LEGACY_ATTR_LOG_APPEND_TIME, writeLegacyMessage, type LegacyMagic } from './legacy-message.js';
import { ATTR_TIMESTAMP_LOG_APPEND, BATCH_HEADER_BYTES, RecordBatchView } from './record-batch.js';
import { parseRecords } from './records.js';

export interface ConvertedBatch {
  /** Every message of the batch, back to back. */
  readonly bytes: Buffer;
  /** Offset of message i, ascending. */
  readonly offsets: Float64Array;
  /** Position in `bytes` just after message i. */
  readonly ends: Float64Array;
}

export interface SelectedMessages {
  /** A view of the converted bytes (empty when no message was taken). */
  readonly bytes: Buffer;
  readonly count: number;
  /** The offset after the last message taken, or -1 when none was. */
  readonly nextOffset: number;
  /** True when messages at or after the start offset were left out for the byte limit. */
  readonly truncated: boolean;
}

const EMPTY: ConvertedBatch = { bytes: Buffer.alloc(0), offsets: new Float64Array(0), ends: new Float64Array(0) };

/** Converts every record of `batch` (a stored magic-2 batch) to a `magic` message; the records section decompresses to at most `decompressedBytesMax`. */
export async function downConvertBatch(batch: Buffer, magic: LegacyMagic, decompressedBytesMax: number): Promise<ConvertedBatch> {
  const view = new RecordBatchView(batch);
  if (view.isControl) return EMPTY;
  const { data } = await decompress(view.compression, batch.subarray(BATCH_HEADER_BYTES), decompressedBytesMax);
  const records = parseRecords(data, view.recordCount);
  const logAppendTime = (view.attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0;
  const attributes = magic === 1 && logAppendTime ? LEGACY_ATTR_LOG_APPEND_TIME : 0;
  const bytes = Buffer.alloc(records.reduce((sum, record) => sum + legacyMessageBytes(magic, record.key, record.value), 0));
  const offsets = new Float64Array(records.length);
  const ends = new Float64Array(records.length);
  let at = 0;
  for (const [i, record] of records.entries()) {
    offsets[i] = view.baseOffset + record.offsetDelta;
    const timestamp = logAppendTime ? view.maxTimestamp : view.baseTimestamp + record.timestampDelta;
    at = writeLegacyMessage(bytes, at, magic, { offset: offsets[i], attributes, timestamp, key: record.key, value: record.value });
    ends[i] = at;
  }
  return { bytes, offsets, ends };
}

/**
 * The whole messages of `converted` from `fromOffset` on that fit in `bytesMax`; the first
 * one even beyond it when `includeOversizedFirst` (KIP-74: a consumer must make progress).
 */
export function selectMessages(converted: ConvertedBatch, fromOffset: number, bytesMax: number, includeOversizedFirst: boolean): SelectedMessages {
  const { offsets, ends } = converted;
  let first = 0;
  while (first < offsets.length && offsets[first] < fromOffset) first++;
  const start = first === 0 ? 0 : ends[first - 1];
  let last = first - 1;
  while (last + 1 < offsets.length && (ends[last + 1] - start <= bytesMax || (last < first && includeOversizedFirst))) last++;
  const count = last - first + 1;
  return {
    bytes: converted.bytes.subarray(start, count > 0 ? ends[last] : start),
    count,
    nextOffset: count > 0 ? offsets[last] + 1 : -1,
    truncated: last + 1 < offsets.length,
  };
}
