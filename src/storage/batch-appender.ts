/**
 * The produce path's storage step: validate one partition's record batch exactly as Kafka
 * 3.9 does for magic 2 (LogValidator), check idempotent-producer sequences, then assign the
 * offsets in place and append. The producer's bytes are stored as received; only a topic
 * set to LogAppendTime gets its attributes/maxTimestamp rewritten (and a fresh CRC-32C).
 * A compacted topic refuses records without a key (INVALID_RECORD, as Kafka's LogValidator):
 * the records are read for that, a compressed batch decompressed first (off the event loop).
 * Memory mode answers synchronously (for a compacted topic: unless the batch is compressed). Durable mode answers once the batch is in the WAL
 * (a promise); a WAL that cannot write answers KAFKA_STORAGE_ERROR and stores nothing.
 * Transactional batches are stored like any other (the transaction coordinator has checked
 * their producer first: produce/record-ingest.ts); clients may not write control batches,
 * which only `appendMarker` writes, for the coordinator and WriteTxnMarkers.
 */
import { Injectable } from '@nestjs/common';
import { decompress } from '../record-format/compression.js';
import { encodeMarkerBatch, type TransactionMarker } from '../record-format/control-batch.js';
import { crc32c } from '../record-format/crc32c.js';
import { parseRecords, RecordFormatError } from '../record-format/records.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_LOG_APPEND,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  batchSizeAt,
  Compression,
  magicAt,
  RecordBatchView,
} from '../record-format/record-batch.js';
import type { PartitionLog } from './partition-log.js';
import { isCompacted, rollAfterMs } from './topic-config.js';
import type { Topic } from './topic-registry.js';

/** Single node: the leader epoch never changes. */
export const LEADER_EPOCH = 0;
const NO_PRODUCER_ID = -1;
/** The most bytes a compressed batch of a compacted topic may decompress to for its key check (or max.message.bytes, when larger). */
export const RECORDS_DECOMPRESSED_BYTES_MAX = 64 * 1024 * 1024;
/** Where both record batches and legacy messages keep their magic byte. */
const MAGIC_OFFSET = 16;

export interface AppendOutcome {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  readonly logAppendTimeMs: number;
  /** Records stored by this call (0 for a duplicate or an error). */
  readonly recordsAppended: number;
}

export function refused(errorCode: ErrorCodeValue, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
}

export function storageFailure(error: unknown): AppendOutcome {
  return refused(ErrorCode.KAFKA_STORAGE_ERROR, `the write-ahead log cannot store the batch: ${(error as Error)?.message ?? String(error)}`);
}

@Injectable()
export class BatchAppender {
  append(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): AppendOutcome | Promise<AppendOutcome> {
    const problem = this.validate(topic, records);
    if (problem !== null) return problem;
    const keys = this.keyProblem(topic, log, records as Buffer);
    if (keys === null) return this.appendValidated(topic, log, records as Buffer, nowMs);
    if (keys instanceof Promise) return keys.then((found) => found ?? this.appendValidated(topic, log, records as Buffer, nowMs));
    return keys;
  }

  /**
   * A compacted topic's rule (Kafka's LogValidator.validateKey): every record has a key.
   * Null when the batch passes or the topic is not compacted; a promise for a compressed batch.
   */
  keyProblem(topic: Topic, log: PartitionLog, records: Buffer): AppendOutcome | null | Promise<AppendOutcome | null> {
    if (!isCompacted(topic.configs)) return null;
    const batch = new RecordBatchView(records);
    const where = `${log.topic}-${log.partition}`;
    if (batch.compression === Compression.None) return keylessRecordRefusal(records.subarray(BATCH_HEADER_BYTES), batch.recordCount, where);
    const maxBytes = Math.max(RECORDS_DECOMPRESSED_BYTES_MAX, Number(topic.configs.get('max.message.bytes')));
    return decompress(batch.compression, records.subarray(BATCH_HEADER_BYTES), maxBytes).then(
      ({ data }) => keylessRecordRefusal(data, batch.recordCount, where),
      (error: unknown) => refused(ErrorCode.CORRUPT_MESSAGE, `the record batch does not decompress: ${(error as Error).message}`),
    );
  }

  /**
   * `append` for a batch that `validate` accepted as produced and that the plugins may have
   * rebuilt since (plugins/plugin.service.ts): a rebuilt batch keeps the producer's
   * lastOffsetDelta and sequences, so a dropped record leaves an offset gap and
   * recordCount may be below lastOffsetDelta + 1, as after log compaction.
   */
  appendValidated(topic: Topic, log: PartitionLog, records: Buffer, nowMs: number): AppendOutcome | Promise<AppendOutcome> {
    const batch = new RecordBatchView(records);
    const sequenced = batch.producerId !== NO_PRODUCER_ID;
    if (sequenced) {
      const problem = sequenceProblem(log, batch);
      if (problem !== null) return problem;
    }
    log.rollHeadIfDue(records.length, Number(topic.configs.get('segment.bytes')), rollAfterMs(topic.configs), nowMs);
    const baseOffset = log.logEndOffset;
    batch.assignOffsets(baseOffset, LEADER_EPOCH);
    const logAppendTimeMs = topic.configs.get('message.timestamp.type') === 'LogAppendTime' ? nowMs : -1;
    if (logAppendTimeMs >= 0) stampLogAppendTime(batch.buffer, nowMs);
    const stored = {
      baseOffset,
      lastOffset: baseOffset + batch.lastOffsetDelta,
      buffer: batch.buffer,
      appendTimeMs: nowMs,
      maxTimestamp: batch.maxTimestamp,
      recordCount: batch.recordCount,
    };
    const outcome: AppendOutcome = { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset, logAppendTimeMs, recordsAppended: batch.recordCount };
    if (log.isDurable) {
      // Sequences are recorded only once the batch is written, so a failed write is never a "duplicate".
      const recordSequence = (): void => (sequenced ? recordSequenceOf(log, batch, baseOffset) : undefined);
      return log.appendDurably(stored, recordSequence).then(() => outcome, storageFailure);
    }
    log.append(stored);
    if (sequenced) recordSequenceOf(log, batch, baseOffset);
    return outcome;
  }

  /**
   * Plugins dropped every record of a validated batch (drop-record mode): nothing is stored
   * and the answer's base offset is -1. An idempotent producer's sequence range is still
   * recorded, so a retry is a duplicate and its next batch is in order.
   */
  acknowledgeDropped(log: PartitionLog, records: Buffer): AppendOutcome {
    const batch = new RecordBatchView(records);
    if (batch.producerId !== NO_PRODUCER_ID) {
      const problem = sequenceProblem(log, batch);
      if (problem !== null) return problem;
      log.producers.record(batch.producerId, batch.producerEpoch, { firstSeq: batch.baseSequence, lastSeq: batch.lastSequence, baseOffset: -1, timestamp: batch.maxTimestamp });
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
  }

  /**
   * Writes a transaction marker (a COMMIT or ABORT control batch) into the partition: for the
   * transaction coordinator, and for WriteTxnMarkers (kafka-transactions abort). A marker
   * older than the producer's epoch in this partition is INVALID_PRODUCER_EPOCH. The marker
   * ends the producer's transaction here once it is visible (PartitionLog.append).
   */
  appendMarker(log: PartitionLog, marker: TransactionMarker, nowMs: number): AppendOutcome | Promise<AppendOutcome> {
    const epoch = log.producers.epochOf(marker.producerId);
    if (epoch !== undefined && marker.producerEpoch < epoch) {
      return refused(ErrorCode.INVALID_PRODUCER_EPOCH, `marker epoch ${marker.producerEpoch} is older than producer ${marker.producerId}'s epoch ${epoch}`);
    }
    const buffer = encodeMarkerBatch(marker, nowMs);
    const baseOffset = log.logEndOffset;
    new RecordBatchView(buffer).assignOffsets(baseOffset, LEADER_EPOCH);
    const stored = { baseOffset, lastOffset: baseOffset, buffer, appendTimeMs: nowMs, maxTimestamp: nowMs, recordCount: 1 };
    const outcome: AppendOutcome = { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset, logAppendTimeMs: -1, recordsAppended: 0 };
    if (log.isDurable) return log.appendDurably(stored, () => undefined).then(() => outcome, storageFailure);
    log.append(stored);
    return outcome;
  }

  /**
   * Kafka's checks for a produced magic-2 batch (ProduceRequest.validateRecords, then
   * LogValidator); null when it passes. Legacy message sets never get here as such: Produce
   * v0-2 converts them first (produce/message-set-conversion.ts), so a magic other than 2 is
   * a Produce v3+ request carrying one, INVALID_RECORD as Kafka answers, whatever its length.
   */
  validate(topic: Topic, records: Buffer | null): AppendOutcome | null {
    if (records === null || records.length === 0) {
      return refused(ErrorCode.INVALID_RECORD, 'produce request carries no record batch');
    }
    if (records.length > MAGIC_OFFSET && magicAt(records, 0) !== 2) {
      return refused(
        ErrorCode.INVALID_RECORD,
        `a record batch (magic 2) is required, got message format magic ${magicAt(records, 0)}: legacy message sets (magic 0/1) are accepted in Produce v0-2 only`,
      );
    }
    const maxBytes = Number(topic.configs.get('max.message.bytes'));
    if (records.length > maxBytes) {
      return refused(ErrorCode.MESSAGE_TOO_LARGE, `record batch of ${records.length} bytes exceeds max.message.bytes ${maxBytes}`);
    }
    if (records.length < BATCH_HEADER_BYTES) {
      return refused(ErrorCode.CORRUPT_MESSAGE, `record batch of ${records.length} bytes is shorter than its 61-byte header`);
    }
    const size = batchSizeAt(records, 0);
    if (size > records.length || size < BATCH_HEADER_BYTES) {
      return refused(ErrorCode.CORRUPT_MESSAGE, `record batch length ${size} does not match the ${records.length} bytes sent`);
    }
    if (size < records.length) {
      return refused(ErrorCode.INVALID_RECORD, 'produce requests v3+ must carry exactly one record batch per partition');
    }
    return this.validateHeader(new RecordBatchView(records));
  }

  private validateHeader(batch: RecordBatchView): AppendOutcome | null {
    if (!batch.hasValidCrc()) return refused(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC-32C does not match its contents');
    if (batch.recordCount < 1 || batch.lastOffsetDelta !== batch.recordCount - 1) {
      return refused(
        ErrorCode.INVALID_RECORD,
        `record count ${batch.recordCount} does not match last offset delta ${batch.lastOffsetDelta}`,
      );
    }
    if ((batch.attributes & ATTR_CONTROL) !== 0) return refused(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
    if ((batch.attributes & ATTR_TRANSACTIONAL) !== 0 && batch.producerId === NO_PRODUCER_ID) {
      return refused(ErrorCode.INVALID_RECORD, 'a transactional batch must carry a producer id');
    }
    if (batch.producerId !== NO_PRODUCER_ID && batch.baseSequence < 0) {
      return refused(ErrorCode.INVALID_RECORD, `idempotent batch from producer ${batch.producerId} has no sequence`);
    }
    return null;
  }
}

/** The idempotence and transaction checks of the producer's state in this partition; null when the batch may be appended. */
function sequenceProblem(log: PartitionLog, batch: RecordBatchView): AppendOutcome | null {
  const check = log.producers.check(batch.producerId, batch.producerEpoch, batch.baseSequence, batch.lastSequence, batch.isTransactional);
  switch (check.kind) {
    case 'append':
      return null;
    case 'duplicate':
      return { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: check.baseOffset, logAppendTimeMs: -1, recordsAppended: 0 };
    case 'out-of-order':
      return refused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, check.message);
    case 'fenced':
      return refused(ErrorCode.INVALID_PRODUCER_EPOCH, check.message);
    case 'invalid-txn-state':
      return refused(ErrorCode.INVALID_TXN_STATE, check.message);
  }
}

/** INVALID_RECORD when a record of the section has a null key (or the section is malformed), else null. */
function keylessRecordRefusal(section: Buffer, recordCount: number, where: string): AppendOutcome | null {
  try {
    const index = parseRecords(section, recordCount).findIndex((record) => record.key === null);
    if (index < 0) return null;
    return refused(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${where} (record ${index}).`);
  } catch (error) {
    if (error instanceof RecordFormatError) return refused(ErrorCode.INVALID_RECORD, `malformed records: ${error.message}`);
    throw error;
  }
}

function recordSequenceOf(log: PartitionLog, batch: RecordBatchView, baseOffset: number): void {
  log.producers.record(batch.producerId, batch.producerEpoch, { firstSeq: batch.baseSequence, lastSeq: batch.lastSequence, baseOffset, timestamp: batch.maxTimestamp });
}

/** LogAppendTime: set the timestamp-type bit and maxTimestamp, then re-checksum (bytes 21..). */
function stampLogAppendTime(buffer: Buffer, nowMs: number): void {
  buffer.writeInt16BE(buffer.readInt16BE(21) | ATTR_TIMESTAMP_LOG_APPEND, 21);
  buffer.writeBigInt64BE(BigInt(nowMs), 35);
  buffer.writeUInt32BE(crc32c(buffer.subarray(21)), 17);
}
