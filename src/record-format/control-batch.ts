/**
 * Transaction markers: the control batches a transaction coordinator writes into every
 * partition of a transaction when it ends (KIP-98), built and read exactly as Kafka does.
 *
 * A marker batch: attributes 0x30 (transactional | control), the transaction's producer id
 * and epoch, baseSequence -1, uncompressed, exactly one record whose
 *   key   = int16 version (0) | int16 type (0 = ABORT, 1 = COMMIT)      (ControlRecordType)
 *   value = int16 version (0) | int32 coordinator epoch                  (EndTransactionMarker)
 * Consumers read only the key; the value is written for Kafka's own tools (DumpLogSegments).
 * A marker takes one offset in its partition, like any record.
 */
import { crc32c } from './crc32c.js';
import { ATTR_COMPRESSION_MASK, ATTR_CONTROL, ATTR_TRANSACTIONAL, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, RecordBatchView } from './record-batch.js';
import { encodeRecord, parseRecords, RecordFormatError } from './records.js';

export const ControlType = { ABORT: 0, COMMIT: 1 } as const;
export type ControlTypeValue = (typeof ControlType)[keyof typeof ControlType];

/** A transaction's end, as written into one partition. */
export interface TransactionMarker {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly commit: boolean;
  readonly coordinatorEpoch: number;
}

const MARKER_ATTRIBUTES = ATTR_TRANSACTIONAL | ATTR_CONTROL;
const CONTROL_KEY_BYTES = 4;
const MARKER_VALUE_BYTES = 6;

/** The marker batch (base offset 0 until the broker assigns it), stamped at `timestampMs`. */
export function encodeMarkerBatch(marker: TransactionMarker, timestampMs: number): Buffer {
  const key = Buffer.alloc(CONTROL_KEY_BYTES);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(marker.commit ? ControlType.COMMIT : ControlType.ABORT, 2);
  const value = Buffer.alloc(MARKER_VALUE_BYTES);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(marker.coordinatorEpoch, 2);
  const record = encodeRecord({ timestampDelta: 0, offsetDelta: 0, key, value, headers: [] });
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + record.length);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(MARKER_ATTRIBUTES, 21);
  batch.writeInt32BE(0, 23);
  batch.writeBigInt64BE(BigInt(timestampMs), 27);
  batch.writeBigInt64BE(BigInt(timestampMs), 35);
  batch.writeBigInt64BE(BigInt(marker.producerId), 43);
  batch.writeInt16BE(marker.producerEpoch, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(1, 57);
  batch.set(record, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/**
 * The type of the control batch `batch` (ABORT or COMMIT), or null when it is not a marker
 * Kafka defines (another control type, a compressed or malformed control batch).
 */
export function markerTypeOf(batch: RecordBatchView): ControlTypeValue | null {
  if (!batch.isControl || (batch.attributes & ATTR_COMPRESSION_MASK) !== 0 || batch.recordCount !== 1) return null;
  try {
    const [record] = parseRecords(batch.buffer.subarray(BATCH_HEADER_BYTES), 1);
    const key = record.key;
    if (key === null || key.length < CONTROL_KEY_BYTES) return null;
    const type = Buffer.from(key.buffer, key.byteOffset, key.length).readInt16BE(2);
    return type === ControlType.ABORT || type === ControlType.COMMIT ? type : null;
  } catch (error) {
    if (error instanceof RecordFormatError) return null;
    throw error;
  }
}
