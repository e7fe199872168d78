/**
 * Kafka's LogValidator for the records of a produced magic-2 batch (Kafka 3.9: DefaultRecord
 * .readFrom, DefaultRecordBatch's record iterators, LogValidator.validateRecord), so that no
 * batch a consumer cannot read is ever stored. Pure and synchronous: the caller hands over the
 * records section, decompressed when the batch is compressed (compression.ts, with a bound).
 *
 * One pass over the section, no allocation per record (the produce hot path runs it on every
 * batch while its bytes are still in cache). What is checked, with Kafka's answer:
 * - structure, INVALID_RECORD: every record's length prefix fits the section and matches the
 *   bytes its fields take; varints are at most 5 bytes (varlongs 10), as Kafka's ByteUtils
 *   reads them, and fit 32 bits; key and value lengths are -1 (null) or fit the record; header counts are not
 *   negative and not larger than the bytes left; header keys are not null; exactly
 *   `recordCount` records and no byte after the last one;
 * - offsets, INVALID_RECORD with record_errors: record i has offset delta i. Kafka rebuilds a
 *   compressed batch whose inner offsets are not consecutive and ignores the deltas of an
 *   uncompressed one; Blink stores the producer's bytes as they are, so it refuses both
 *   rather than store records at offsets their consumers would misread;
 * - timestamps (message.timestamp.type), INVALID_TIMESTAMP with record_errors: CreateTime
 *   records outside [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms];
 *   a batch that claims LogAppendTime where the producer may not set it (LogAppendTime topics,
 *   or CreateTime without a timestamp);
 * - keys, INVALID_RECORD with record_errors: a compacted topic's records have a key
 *   (LogValidator.validateKey).
 * Record errors are reported as Kafka does: INVALID_TIMESTAMP when any of them is about a
 * timestamp, else INVALID_RECORD naming the first three (all are listed, up to
 * RECORD_ERRORS_MAX, in record_errors).
 */
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { ATTR_COMPRESSION_MASK, ATTR_TIMESTAMP_LOG_APPEND, Compression, type RecordBatchView } from './record-batch.js';
import { RecordFormatError } from './records.js';

/** The most record errors one refusal lists (a batch of 1 MB may hold 100,000 records). */
export const RECORD_ERRORS_MAX = 1_000;
/** The timestamp a record has when its producer set none (Kafka's RecordBatch.NO_TIMESTAMP). */
export const NO_TIMESTAMP = -1;
const INT32_VARINT_LAST_SHIFT = 28;
/** The fifth byte of an int32 varint carries its top 4 bits. */
const INT32_VARINT_LAST_BYTE_MAX = 0x0f;
const INT64_VARINT_LAST_SHIFT = 63;

/** The topic's rules for its records, and the time timestamps are checked against. */
export interface RecordRules {
  /** A compacted topic's partition ("topic-partition", named in the refusal): every record needs a key. Null: keys optional. */
  readonly keyRequiredIn: string | null;
  /** message.timestamp.type is LogAppendTime (the broker sets the timestamps). */
  readonly logAppendTime: boolean;
  /** message.timestamp.before.max.ms / after.max.ms (Kafka 3.6+, KIP-937); Infinity: no bound. */
  readonly beforeMaxMs: number;
  readonly afterMaxMs: number;
  readonly nowMs: number;
}

/** One refused record, as Produce v8+ record_errors carries it. */
export interface RecordError {
  readonly batchIndex: number;
  readonly message: string;
}

export type RecordsVerdict =
  /** `maxTimestamp`: the largest record timestamp (CreateTime; NO_TIMESTAMP when none has one). */
  | { readonly valid: true; readonly maxTimestamp: number }
  | { readonly valid: false; readonly errorCode: ErrorCodeValue; readonly message: string; readonly recordErrors: readonly RecordError[] };

/** A header field a client may not set that way, with Kafka's answer; null when there is none. */
export function clientHeaderProblem(batch: RecordBatchView): { readonly errorCode: ErrorCodeValue; readonly message: string } | null {
  // Kafka's UnifiedLog.analyzeAndValidateRecords: offsets are the broker's to assign.
  if (batch.baseOffset !== 0) return { errorCode: ErrorCode.INVALID_RECORD, message: `the base offset of a produced record batch must be 0, not ${batch.baseOffset}` };
  const codec = batch.attributes & ATTR_COMPRESSION_MASK;
  if (codec > Compression.Zstd) {
    return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, message: `compression codec ${codec} is not one Kafka defines (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)` };
  }
  return null;
}

/**
 * Reads a records section the way Kafka's ByteUtils does; every read is bounded by `end`
 * (the current record's end, or the section's while a length prefix is read).
 */
class RecordScanner {
  pos = 0;
  end: number;

  constructor(readonly bytes: Uint8Array) {
    this.end = bytes.length;
  }

  /**
   * Zigzag int32: at most 5 bytes. Java's ByteUtils lets a fifth byte's bits beyond 32 wrap
   * away, but librdkafka and Blink's own reader (records.ts) read them: such a record would
   * be accepted here and unreadable there, so a fifth byte above 0x0f is refused.
   */
  varint(what: string): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) throw new RecordFormatError(`${what} runs past the end of the record`);
      const byte = this.bytes[this.pos++];
      if ((byte & 0x80) === 0) {
        if (shift === INT32_VARINT_LAST_SHIFT && byte > INT32_VARINT_LAST_BYTE_MAX) throw new RecordFormatError(`${what} is a varint beyond 32 bits`);
        value |= byte << shift;
        return (value >>> 1) ^ -(value & 1);
      }
      value |= (byte & 0x7f) << shift;
      if (shift >= INT32_VARINT_LAST_SHIFT) throw new RecordFormatError(`${what} is a varint longer than 5 bytes`);
    }
  }

  /** Zigzag int64 as a JS number (exact within ±2^53, which covers any real timestamp delta). */
  varlong(what: string): number {
    let raw = 0;
    let scale = 1;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) throw new RecordFormatError(`${what} runs past the end of the record`);
      const byte = this.bytes[this.pos++];
      raw += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      scale *= 128;
      if (shift >= INT64_VARINT_LAST_SHIFT) throw new RecordFormatError(`${what} is a varint longer than 10 bytes`);
    }
  }

  /** Skips a length-prefixed field and returns its length: -1 is null, any other negative length is malformed. */
  skipNullable(what: string): number {
    const length = this.varint(what);
    if (length === -1) return length;
    if (length < -1 || length > this.end - this.pos) throw new RecordFormatError(`${what} length ${length} does not fit the record`);
    this.pos += length;
    return length;
  }
}

interface RecordCheck {
  readonly scanner: RecordScanner;
  readonly rules: RecordRules;
  /** The batch header's timestamp fields, read once. */
  readonly batchLogAppendTime: boolean;
  readonly baseTimestamp: number;
  readonly batchMaxTimestamp: number;
  readonly errors: RecordError[];
  recordErrorCount: number;
  timestampRefused: boolean;
  maxTimestamp: number;
  /** The fields of the record read last (kept here, not in an object per record). */
  timestampDelta: number;
  offsetDelta: number;
  keyIsNull: boolean;
}

/** One record's fields, bounded by its length prefix, into `check`. Labels are constants: this runs per record. */
function readRecord(check: RecordCheck): void {
  const scanner = check.scanner;
  scanner.end = scanner.bytes.length;
  const length = scanner.varint('the record length');
  const bodyStart = scanner.pos;
  if (length < 0 || length > scanner.end - bodyStart) {
    throw new RecordFormatError(`invalid record size ${length}, the records section has ${scanner.end - bodyStart} bytes left`);
  }
  scanner.end = bodyStart + length;
  if (scanner.pos >= scanner.end) throw new RecordFormatError('the attributes run past the end of the record');
  scanner.pos++;
  check.timestampDelta = scanner.varlong('the timestamp delta');
  check.offsetDelta = scanner.varint('the offset delta');
  check.keyIsNull = scanner.skipNullable('key') === -1;
  scanner.skipNullable('value');
  skipHeaders(scanner);
  if (scanner.pos !== scanner.end) {
    throw new RecordFormatError(`invalid record size: expected to read ${length} bytes in record payload, but instead read ${scanner.pos - bodyStart}`);
  }
}

function skipHeaders(scanner: RecordScanner): void {
  const count = scanner.varint('the header count');
  if (count < 0) throw new RecordFormatError(`invalid number of record headers ${count}`);
  if (count > scanner.end - scanner.pos) throw new RecordFormatError(`${count} headers do not fit the ${scanner.end - scanner.pos} bytes left`);
  for (let h = 0; h < count; h++) {
    const keyLength = scanner.varint('a header key length');
    if (keyLength < 0 || keyLength > scanner.end - scanner.pos) throw new RecordFormatError(`header key length ${keyLength} is invalid`);
    scanner.pos += keyLength;
    scanner.skipNullable('header value');
  }
}

function refuseRecord(check: RecordCheck, batchIndex: number, message: string, aboutTimestamp: boolean): void {
  check.recordErrorCount++;
  check.timestampRefused ||= aboutTimestamp;
  if (check.errors.length < RECORD_ERRORS_MAX) check.errors.push({ batchIndex, message });
}

/** LogValidator.validateTimestamp for one record, and the running maximum (CreateTime). */
function checkTimestamp(check: RecordCheck, index: number): void {
  const { rules, batchLogAppendTime } = check;
  const timestamp = batchLogAppendTime ? check.batchMaxTimestamp : check.baseTimestamp + check.timestampDelta;
  if (!rules.logAppendTime && timestamp !== NO_TIMESTAMP) {
    if (rules.nowMs - timestamp > rules.beforeMaxMs || timestamp - rules.nowMs > rules.afterMaxMs) {
      const range = `[${rules.nowMs - rules.beforeMaxMs}, ${rules.nowMs + rules.afterMaxMs}]`;
      refuseRecord(check, index, `timestamp ${timestamp} is out of range: it should be within ${range}`, true);
    }
    if (timestamp > check.maxTimestamp) check.maxTimestamp = timestamp;
  } else if (batchLogAppendTime) {
    refuseRecord(check, index, 'the producer should not set the timestamp type to LogAppendTime', true);
  }
}

function verdictOf(check: RecordCheck): RecordsVerdict {
  if (check.recordErrorCount === 0) return { valid: true, maxTimestamp: check.maxTimestamp };
  if (check.timestampRefused) {
    return { valid: false, errorCode: ErrorCode.INVALID_TIMESTAMP, message: 'One or more records have been rejected due to invalid timestamp', recordErrors: check.errors };
  }
  const shown = check.errors.slice(0, 3).map((e) => `record ${e.batchIndex}: ${e.message}`);
  return {
    valid: false,
    errorCode: ErrorCode.INVALID_RECORD,
    message: `One or more records have been rejected due to ${check.recordErrorCount} record errors in total, and only showing the first three errors at most: [${shown.join('; ')}]`,
    recordErrors: check.errors,
  };
}

function structureRefused(message: string): RecordsVerdict {
  return { valid: false, errorCode: ErrorCode.INVALID_RECORD, message, recordErrors: [] };
}

/**
 * Every record of `batch`, read from `section` (its records section, decompressed): the
 * verdict and, when valid, the largest timestamp (which Kafka writes into a CreateTime
 * batch's maxTimestamp).
 */
export function validateRecords(batch: RecordBatchView, section: Uint8Array, rules: RecordRules): RecordsVerdict {
  const check: RecordCheck = {
    scanner: new RecordScanner(section),
    rules,
    batchLogAppendTime: (batch.attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0,
    baseTimestamp: batch.baseTimestamp,
    batchMaxTimestamp: batch.maxTimestamp,
    errors: [],
    recordErrorCount: 0,
    timestampRefused: false,
    maxTimestamp: NO_TIMESTAMP,
    timestampDelta: 0,
    offsetDelta: 0,
    keyIsNull: false,
  };
  const count = batch.recordCount;
  let index = 0;
  try {
    for (; index < count; index++) {
      if (check.scanner.pos >= section.length) return structureRefused(`incorrect declared batch size: ${count} records declared, the records end after ${index}`);
      readRecord(check);
      if (check.offsetDelta !== index) refuseRecord(check, index, `offset delta ${check.offsetDelta}: offsets inside a batch must be consecutive from 0`, false);
      checkTimestamp(check, index);
      if (check.keyIsNull && rules.keyRequiredIn !== null) {
        refuseRecord(check, index, `Compacted topic cannot accept message without key in topic partition ${rules.keyRequiredIn}.`, false);
      }
    }
  } catch (error) {
    if (error instanceof RecordFormatError) return structureRefused(`invalid record structure in record ${index}: ${error.message}`);
    throw error;
  }
  if (check.scanner.pos !== section.length) {
    return structureRefused(`incorrect declared batch size: ${section.length - check.scanner.pos} bytes remain after the ${count} declared records`);
  }
  return verdictOf(check);
}
