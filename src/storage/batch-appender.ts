/**
 * The produce path's storage step: validate one partition's record batch exactly as Kafka
 * 3.9 does for magic 2 (the header here, every record in record-format/batch-validator.ts),
 * check idempotent-producer sequences, then assign the offsets in place and append. The
 * producer's bytes are stored as received; only the timestamps get rewritten as Kafka
 * rewrites them (LogAppendTime topics; a CreateTime batch whose maxTimestamp is not its
 * records' largest), with a fresh CRC-32C. A compacted topic refuses records without a key
 * (INVALID_RECORD, as Kafka's LogValidator.validateKey), in the same pass.
 * Records are read once: an uncompressed batch in place, synchronously; a compressed one as
 * it decompresses, piece by piece (record-format/record-stream.ts: no decompressed copy of the
 * batch is ever whole; at most DECOMPRESSIONS_MAX at once, each bounded by
 * RECORDS_DECOMPRESSED_BYTES_MAX).
 * Memory mode answers synchronously. Durable mode answers once the batch is in the WAL
 * (a promise); a WAL that cannot write answers KAFKA_STORAGE_ERROR and stores nothing.
 * Transactional batches are stored like any other (the transaction coordinator has checked
 * their producer first: produce/record-ingest.ts); clients may not write control batches,
 * which only `appendMarker` writes, for the coordinator and WriteTxnMarkers.
 */
import { Injectable } from '@nestjs/common';
import { ConcurrencyLimit } from '../common/concurrency-limit.js';
import type { OpenedBatch } from '../record-format/batch-rewrite.js';
import { clientHeaderProblem, RecordsValidator, validateRecords, type RecordError, type RecordRules, type RecordsVerdict } from '../record-format/batch-validator.js';
import { CompressionError, DecompressedSizeError } from '../record-format/compression.js';
import { encodeMarkerBatch, type TransactionMarker } from '../record-format/control-batch.js';
import { crc32c } from '../record-format/crc32c.js';
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
import { decompressChunks } from '../record-format/record-stream.js';
import type { PartitionLog } from './partition-log.js';
import { isCompacted, rollAfterMs } from './topic-config.js';
import type { Topic } from './topic-registry.js';

/** Single node: the leader epoch never changes. */
export const LEADER_EPOCH = 0;
const NO_PRODUCER_ID = -1;
/** Where both record batches and legacy messages keep their magic byte. */
const MAGIC_OFFSET = 16;
/**
 * The most bytes a compressed batch may decompress to (or max.message.bytes, when larger):
 * more is a zip bomb, refused with MESSAGE_TOO_LARGE. Real batches are far below it: clients
 * close a batch at batch.size (16 KiB in Java, 1 MB in librdkafka) before compressing it.
 */
export const RECORDS_DECOMPRESSED_BYTES_MAX = 64 * 1024 * 1024;
/** Compressed batches decompressed at once (libuv's thread pool has 4 threads): bounds their memory. */
export const DECOMPRESSIONS_MAX = 4;
const UNCOMPRESSED = { codec: Compression.None, xerialFramed: false } as const;

export interface AppendOutcome {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  readonly logAppendTimeMs: number;
  /** Records stored by this call (0 for a duplicate or an error). */
  readonly recordsAppended: number;
  /** The records validation refused, when Kafka names them (INVALID_RECORD, INVALID_TIMESTAMP). */
  readonly recordErrors?: readonly RecordError[];
}

/**
 * What `checkRecords` found: a refusal, or the batch's records section when it is at hand
 * (uncompressed: a view of the batch); a compressed batch was validated as it decompressed,
 * so the plugins open it themselves (plugin.service.ts).
 */
export type RecordsCheck = { readonly refusal: AppendOutcome; readonly opened: null } | { readonly refusal: null; readonly opened: OpenedBatch | null };

export function refused(errorCode: ErrorCodeValue, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
}

function refusedCheck(errorCode: ErrorCodeValue, errorMessage: string, recordErrors?: readonly RecordError[]): RecordsCheck {
  return { refusal: { ...refused(errorCode, errorMessage), recordErrors }, opened: null };
}

export function storageFailure(error: unknown): AppendOutcome {
  return refused(ErrorCode.KAFKA_STORAGE_ERROR, `the write-ahead log cannot store the batch: ${(error as Error)?.message ?? String(error)}`);
}

@Injectable()
export class BatchAppender {
  private readonly decompressions = new ConcurrencyLimit(DECOMPRESSIONS_MAX);

  /** `validate`, `checkRecords`, then `appendValidated`: synchronous unless the batch is compressed or durable. */
  append(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): AppendOutcome | Promise<AppendOutcome> {
    const problem = this.validate(topic, records);
    if (problem !== null) return problem;
    const checked = this.checkRecords(topic, log, records as Buffer, nowMs);
    const appendChecked = (check: RecordsCheck): AppendOutcome | Promise<AppendOutcome> =>
      check.refusal ?? this.appendValidated(topic, log, records as Buffer, nowMs);
    return checked instanceof Promise ? checked.then(appendChecked) : appendChecked(checked);
  }

  /**
   * Every record of a batch `validate` accepted, as Kafka's LogValidator reads them; then, as
   * it does, a CreateTime batch's maxTimestamp is set to its records' largest timestamp.
   * Synchronous for an uncompressed batch; a compressed one is decompressed first. Header
   * rules come first: a base offset other than 0 is INVALID_RECORD, a codec Kafka does not
   * define UNSUPPORTED_COMPRESSION_TYPE; then data that does not decompress is INVALID_RECORD,
   * data beyond the bound MESSAGE_TOO_LARGE. `opening`: the check of an uncompressed batch
   * brings its records section (for the plugins); without it, none is made.
   */
  checkRecords(topic: Topic, log: PartitionLog, records: Buffer, nowMs: number, opening = false): RecordsCheck | Promise<RecordsCheck> {
    const batch = new RecordBatchView(records);
    const header = clientHeaderProblem(batch);
    if (header !== null) return refusedCheck(header.errorCode, header.message);
    const rules = recordRules(topic, log, nowMs);
    if (batch.compression === Compression.None) {
      const verdict = validateRecords(batch, records, rules, BATCH_HEADER_BYTES);
      const opened = opening ? { records: records.subarray(BATCH_HEADER_BYTES), recordCount: batch.recordCount, shape: UNCOMPRESSED } : null;
      return judged(batch, verdict, rules, opened);
    }
    const maxBytes = Math.max(RECORDS_DECOMPRESSED_BYTES_MAX, Number(topic.configs.get('max.message.bytes')));
    const validator = new RecordsValidator(batch, rules);
    return this.decompressions
      .run(() => decompressChunks(batch.compression, records.subarray(BATCH_HEADER_BYTES), maxBytes, (chunk) => validator.push(chunk)))
      .then(
        () => judged(batch, validator.finish(), rules, null),
        (error: unknown) => decompressionRefused(error, maxBytes),
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
    const stored = { baseOffset, lastOffset: baseOffset, buffer, appendTimeMs: nowMs };
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

function recordRules(topic: Topic, log: PartitionLog, nowMs: number): RecordRules {
  return {
    keyRequiredIn: isCompacted(topic.configs) ? `${log.topic}-${log.partition}` : null,
    logAppendTime: topic.configs.get('message.timestamp.type') === 'LogAppendTime',
    beforeMaxMs: Number(topic.configs.get('message.timestamp.before.max.ms') ?? Number.POSITIVE_INFINITY),
    afterMaxMs: Number(topic.configs.get('message.timestamp.after.max.ms') ?? Number.POSITIVE_INFINITY),
    nowMs,
  };
}

/** The verdict on a batch's records; `opened`: its records section when at hand (uncompressed) for the plugins. */
function judged(batch: RecordBatchView, verdict: RecordsVerdict, rules: RecordRules, opened: OpenedBatch | null): RecordsCheck {
  if (!verdict.valid) return refusedCheck(verdict.errorCode, verdict.message, verdict.recordErrors);
  if (!rules.logAppendTime) setCreateTimeMax(batch, verdict.maxTimestamp);
  return opened === null ? ACCEPTED : { refusal: null, opened };
}

/** The check of an accepted batch with no records section at hand (one for all). */
const ACCEPTED: RecordsCheck = Object.freeze({ refusal: null, opened: null });

function decompressionRefused(error: unknown, maxBytes: number): RecordsCheck {
  if (error instanceof DecompressedSizeError) {
    return refusedCheck(ErrorCode.MESSAGE_TOO_LARGE, `the record batch decompresses to more than ${maxBytes} bytes, the broker's bound against zip bombs`);
  }
  // The CRC-32C matched, so these are the producer's own bytes: INVALID_RECORD (not retriable), as
  // Kafka answers a compressed stream that ends early (Kafka 3.9 fails other undecodable data with
  // UNKNOWN_SERVER_ERROR). CORRUPT_MESSAGE would make producers retry what can never succeed.
  if (error instanceof CompressionError) return refusedCheck(ErrorCode.INVALID_RECORD, error.message);
  throw error;
}

/** Kafka's DefaultRecordBatch.setMaxTimestamp(CREATE_TIME, max): rewritten (and re-checksummed) only when it differs. */
function setCreateTimeMax(batch: RecordBatchView, maxTimestamp: number): void {
  const attributes = batch.attributes;
  if ((attributes & ATTR_TIMESTAMP_LOG_APPEND) === 0 && batch.maxTimestamp === maxTimestamp) return;
  const buffer = batch.buffer;
  buffer.writeInt16BE(attributes & ~ATTR_TIMESTAMP_LOG_APPEND, 21);
  buffer.writeBigInt64BE(BigInt(maxTimestamp), 35);
  buffer.writeUInt32BE(crc32c(buffer.subarray(21)), 17);
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
