/**
 * Kafka's LogValidator for the records of a produced magic-2 batch (Kafka 3.9: DefaultRecord
 * .readFrom, DefaultRecordBatch's record iterators, LogValidator.validateRecord), so that no
 * batch a consumer cannot read is ever stored. Pure and synchronous: the caller hands over the
 * records section in chunks of any size, as a compressed batch is decompressed
 * (record-stream.ts, with a bound), so no decompressed copy of a batch is ever whole.
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

/** Where the reader is in the current record; each varint step reads one field. */
const enum Step {
  Length,
  Attributes,
  TimestampDelta,
  OffsetDelta,
  KeyLength,
  ValueLength,
  HeaderCount,
  HeaderKeyLength,
  HeaderValueLength,
  /** Skipping a key, value or header's bytes; `afterSkip` says what comes next. */
  Skip,
  /** A header's value was skipped: the next header, or the end of the record. */
  HeaderDone,
}

/** What each field is called in a refusal (indexed by Step). */
const FIELD_NAMES = ['the record length', 'the attributes', 'the timestamp delta', 'the offset delta', 'the key length', 'the value length', 'the header count', 'a header key length', 'a header value length'];

/**
 * Reads a records section the way Kafka's ByteUtils does, in chunks of any size (a
 * decompressor's output as it comes): a state machine over the fields of one record at a
 * time, so nothing is buffered and no record is ever whole in memory. Every field read is
 * bounded by the record's length prefix; varints resume across chunks.
 */
class RecordReader {
  step = Step.Length;
  /** Records completely read. */
  index = 0;
  private afterSkip = Step.Length;
  private skipLeft = 0;
  /** Bytes of the current record's body not yet read, and its declared length. */
  private recordLeft = 0;
  private recordLength = 0;
  private headersLeft = 0;
  /** The varint being read: Java int32 bits, or a varlong's magnitude (exact within 2^53). */
  private varint32 = 0;
  private varlong = 0;
  private varScale = 1;
  private varShift = 0;

  constructor(
    private readonly check: RecordCheck,
    private readonly recordCount: number,
    private readonly recordDone: (index: number) => void,
  ) {}

  /** Between records (nothing of the next one read yet). */
  get atRecordBoundary(): boolean {
    return this.step === Step.Length && this.varShift === 0;
  }

  /** Reads `chunk`; false when bytes follow the last declared record. Throws RecordFormatError on malformed records. */
  read(chunk: Uint8Array): boolean {
    const length = chunk.length;
    let at = 0;
    while (at < length) {
      if (this.step === Step.Skip) {
        const skipped = Math.min(this.skipLeft, length - at);
        at += skipped;
        this.skipLeft -= skipped;
        this.recordLeft -= skipped;
        if (this.skipLeft === 0) this.advance(this.afterSkip);
        continue;
      }
      if (this.step === Step.Length) {
        if (this.varShift === 0 && this.index >= this.recordCount) return false;
      } else {
        if (this.recordLeft === 0) throw new RecordFormatError(`${FIELD_NAMES[this.step]} runs past the end of the record`);
        this.recordLeft--;
      }
      const byte = chunk[at++];
      if (this.step === Step.Attributes) this.step = Step.TimestampDelta;
      else if (this.step === Step.TimestampDelta ? this.varlongByte(byte) : this.varintByte(byte)) this.fieldRead();
    }
    return true;
  }

  /**
   * Zigzag int32: at most 5 bytes. True once complete (in `varint32`). Java's ByteUtils lets a
   * fifth byte's bits beyond 32 wrap away, but librdkafka and Blink's own reader (records.ts)
   * read them: such a record would be accepted here and unreadable there (a poison batch), so
   * a fifth byte above 0x0f is refused.
   */
  private varintByte(byte: number): boolean {
    if ((byte & 0x80) === 0) {
      if (this.varShift === INT32_VARINT_LAST_SHIFT && byte > INT32_VARINT_LAST_BYTE_MAX) {
        throw new RecordFormatError(`${FIELD_NAMES[this.step]} is a varint beyond 32 bits`);
      }
      const raw = this.varint32 | (byte << this.varShift);
      this.varint32 = (raw >>> 1) ^ -(raw & 1);
      this.varShift = 0;
      return true;
    }
    this.varint32 |= (byte & 0x7f) << this.varShift;
    if (this.varShift >= INT32_VARINT_LAST_SHIFT) throw new RecordFormatError(`${FIELD_NAMES[this.step]} is a varint longer than 5 bytes`);
    this.varShift += 7;
    return false;
  }

  /** Zigzag int64 as a JS number (exact within ±2^53, which covers any real timestamp delta). */
  private varlongByte(byte: number): boolean {
    this.varlong += (byte & 0x7f) * this.varScale;
    if ((byte & 0x80) === 0) {
      const raw = this.varlong;
      this.check.timestampDelta = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      this.varlong = 0;
      this.varScale = 1;
      this.varShift = 0;
      return true;
    }
    if (this.varShift >= INT64_VARINT_LAST_SHIFT) throw new RecordFormatError(`${FIELD_NAMES[this.step]} is a varint longer than 10 bytes`);
    this.varScale *= 128;
    this.varShift += 7;
    return false;
  }

  /** A varint field is complete: check it and move on. */
  private fieldRead(): void {
    const value = this.varint32;
    this.varint32 = 0;
    switch (this.step) {
      case Step.Length:
        if (value < 0) throw new RecordFormatError(`invalid record size ${value}`);
        this.recordLength = this.recordLeft = value;
        this.step = Step.Attributes;
        return;
      case Step.TimestampDelta:
        this.step = Step.OffsetDelta;
        return;
      case Step.OffsetDelta:
        this.check.offsetDelta = value;
        this.step = Step.KeyLength;
        return;
      case Step.KeyLength:
        this.check.keyIsNull = value === -1;
        return this.skip(value, 'key', Step.ValueLength);
      case Step.ValueLength:
        return this.skip(value, 'value', Step.HeaderCount);
      case Step.HeaderCount:
        if (value < 0) throw new RecordFormatError(`invalid number of record headers ${value}`);
        if (value > this.recordLeft) throw new RecordFormatError(`${value} headers do not fit the ${this.recordLeft} bytes left`);
        this.headersLeft = value;
        return this.nextHeader();
      case Step.HeaderKeyLength:
        if (value < 0) throw new RecordFormatError(`header key length ${value} is invalid`);
        return this.skip(value, 'header key', Step.HeaderValueLength);
      case Step.HeaderValueLength:
        return this.skip(value, 'header value', Step.HeaderDone);
    }
  }

  /** A length-prefixed field's bytes: -1 is null, any other negative length is malformed. */
  private skip(length: number, what: string, next: Step): void {
    if (length < -1 || length > this.recordLeft) throw new RecordFormatError(`${what} length ${length} does not fit the record`);
    if (length <= 0) return this.advance(next);
    this.skipLeft = length;
    this.afterSkip = next;
    this.step = Step.Skip;
  }

  private advance(next: Step): void {
    if (next !== Step.HeaderDone) {
      this.step = next;
      return;
    }
    this.headersLeft--;
    this.nextHeader();
  }

  private nextHeader(): void {
    if (this.headersLeft > 0) {
      this.step = Step.HeaderKeyLength;
      return;
    }
    if (this.recordLeft !== 0) {
      throw new RecordFormatError(`invalid record size: expected to read ${this.recordLength} bytes in record payload, but instead read ${this.recordLength - this.recordLeft}`);
    }
    this.recordDone(this.index);
    this.index++;
    this.step = Step.Length;
  }
}

interface RecordCheck {
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

/** The rules every record read must pass (LogValidator's per-record checks). */
function judgeRecord(check: RecordCheck, index: number): void {
  if (check.offsetDelta !== index) refuseRecord(check, index, `offset delta ${check.offsetDelta}: offsets inside a batch must be consecutive from 0`, false);
  checkTimestamp(check, index);
  if (check.keyIsNull && check.rules.keyRequiredIn !== null) {
    refuseRecord(check, index, `Compacted topic cannot accept message without key in topic partition ${check.rules.keyRequiredIn}.`, false);
  }
}

/**
 * Every record of `batch`, read from its records section (decompressed) in chunks as they
 * come (`push`), then the verdict (`finish`) and, when valid, the largest timestamp (which
 * Kafka writes into a CreateTime batch's maxTimestamp). Holds no chunk: memory stays the same
 * whatever the batch's size.
 */
export class RecordsValidator {
  private readonly check: RecordCheck;
  private readonly reader: RecordReader;
  private refusal: RecordsVerdict | null = null;

  constructor(
    batch: RecordBatchView,
    rules: RecordRules,
    private readonly recordCount = batch.recordCount,
  ) {
    this.check = {
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
    this.reader = new RecordReader(this.check, recordCount, (index) => judgeRecord(this.check, index));
  }

  /** Reads the next bytes of the section; false once the batch is refused (the rest need not be read). */
  push(chunk: Uint8Array): boolean {
    if (this.refusal !== null) return false;
    try {
      if (!this.reader.read(chunk)) this.refusal = structureRefused(`incorrect declared batch size: bytes remain after the ${this.recordCount} declared records`);
    } catch (error) {
      if (!(error instanceof RecordFormatError)) throw error;
      this.refusal = structureRefused(`invalid record structure in record ${this.reader.index}: ${error.message}`);
    }
    return this.refusal === null;
  }

  /** The verdict once the whole section was pushed. */
  finish(): RecordsVerdict {
    if (this.refusal !== null) return this.refusal;
    if (!this.reader.atRecordBoundary) return structureRefused(`invalid record structure in record ${this.reader.index}: the records section ends inside it`);
    if (this.reader.index < this.recordCount) {
      return structureRefused(`incorrect declared batch size: ${this.recordCount} records declared, the records end after ${this.reader.index}`);
    }
    return verdictOf(this.check);
  }
}

/**
 * `RecordsValidator` over a whole records section (uncompressed, or decompressed at once), from
 * `start` in `section` (an uncompressed batch is read in place: no view of its records per batch).
 * A batch that passes every rule is read by `acceptWhole`, a straight loop over the section
 * (no state kept across chunks); anything else (a refusal, or a case it leaves out) is read
 * again by the RecordsValidator, which words the refusal.
 */
export function validateRecords(batch: RecordBatchView, section: Uint8Array, rules: RecordRules, start = 0): RecordsVerdict {
  const accepted = acceptWhole(batch, section, start, rules);
  if (accepted !== null) return accepted;
  const validator = new RecordsValidator(batch, rules);
  validator.push(start === 0 ? section : section.subarray(start));
  return validator.finish();
}

/** Where `wholeVarint`/`wholeVarlong` read next in the section `acceptWhole` is reading (module state: no object per call). */
let at = 0;

/**
 * The verdict of a batch that passes every rule RecordsValidator applies, read in one loop;
 * null when any rule fails or the batch is one it leaves to RecordsValidator (a batch claiming
 * LogAppendTime). It accepts exactly what RecordsValidator accepts, with the same maxTimestamp.
 * Varints of one or two bytes (most fields of most records) are read inline.
 */
function acceptWhole(batch: RecordBatchView, section: Uint8Array, start: number, rules: RecordRules): RecordsVerdict | null {
  if ((batch.attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0) return null;
  const count = batch.recordCount;
  const end = section.length;
  const baseTimestamp = batch.baseTimestamp;
  const checkTimestamps = !rules.logAppendTime;
  const { nowMs, beforeMaxMs, afterMaxMs } = rules;
  const keyRequired = rules.keyRequiredIn !== null;
  let maxTimestamp = NO_TIMESTAMP;
  let pos = start;
  let raw = 0;
  let value = 0;
  for (let index = 0; index < count; index++) {
    // The record's length: bounded by the section, not by a record.
    if (pos + 1 < end && (raw = section[pos]) < 0x80) {
      pos++;
    } else if (pos + 2 < end && (section[pos + 1] & 0x80) === 0) {
      raw = (raw & 0x7f) | (section[pos + 1] << 7);
      pos += 2;
    } else {
      at = pos;
      raw = wholeVarintRaw(section, end);
      pos = at;
      if (Number.isNaN(raw)) return null;
    }
    const length = (raw >>> 1) ^ -(raw & 1);
    if (length <= 0 || length > end - pos) return null;
    const recordEnd = pos + length;
    pos++; // attributes
    let timestampDelta: number;
    if (pos < recordEnd && (raw = section[pos]) < 0x80) {
      timestampDelta = (raw >>> 1) ^ -(raw & 1);
      pos++;
    } else {
      at = pos;
      timestampDelta = wholeVarlong(section, recordEnd);
      pos = at;
      if (Number.isNaN(timestampDelta)) return null;
    }
    for (let field = 0; field < 3; field++) {
      // offset delta, key length, value length
      if (pos < recordEnd && (raw = section[pos]) < 0x80) {
        pos++;
      } else if (pos + 1 < recordEnd && (section[pos + 1] & 0x80) === 0) {
        raw = (raw & 0x7f) | (section[pos + 1] << 7);
        pos += 2;
      } else {
        at = pos;
        raw = wholeVarintRaw(section, recordEnd);
        pos = at;
        if (Number.isNaN(raw)) return null;
      }
      value = (raw >>> 1) ^ -(raw & 1);
      if (field === 0) {
        if (value !== index) return null;
      } else {
        if (value < -1 || value > recordEnd - pos || (value === -1 && field === 1 && keyRequired)) return null;
        if (value > 0) pos += value;
      }
    }
    // The header count: most records have none (one zero byte).
    if (pos === recordEnd - 1 && section[pos] === 0) {
      pos = recordEnd;
    } else {
      pos = acceptHeaders(section, pos, recordEnd);
      if (pos !== recordEnd) return null;
    }
    const timestamp = baseTimestamp + timestampDelta;
    if (checkTimestamps && timestamp !== NO_TIMESTAMP) {
      if (nowMs - timestamp > beforeMaxMs || timestamp - nowMs > afterMaxMs) return null;
      if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    }
  }
  if (pos !== end) return null;
  return { valid: true, maxTimestamp };
}

/** The headers of a record from `pos` (their count first) within `recordEnd`: where they end, or -1 when malformed. */
function acceptHeaders(section: Uint8Array, pos: number, recordEnd: number): number {
  at = pos;
  let headers = wholeVarint(section, recordEnd);
  if (!(headers >= 0) || headers > recordEnd - at) return -1;
  for (; headers > 0; headers--) {
    const headerKeyLength = wholeVarint(section, recordEnd);
    if (!(headerKeyLength >= 0) || headerKeyLength > recordEnd - at) return -1;
    at += headerKeyLength;
    const headerValueLength = wholeVarint(section, recordEnd);
    if (!(headerValueLength >= -1) || headerValueLength > recordEnd - at) return -1;
    if (headerValueLength > 0) at += headerValueLength;
  }
  return at;
}

/** A zigzag int32 varint (as RecordReader.varintByte reads it) ending before `limit`; NaN when malformed or past it. */
function wholeVarint(section: Uint8Array, limit: number): number {
  const raw = wholeVarintRaw(section, limit);
  return Number.isNaN(raw) ? NaN : (raw >>> 1) ^ -(raw & 1);
}

/** The bits of an int32 varint before zigzag decoding (at most 5 bytes, the fifth at most 0x0f); NaN when malformed or past `limit`. */
function wholeVarintRaw(section: Uint8Array, limit: number): number {
  let raw = 0;
  for (let shift = 0; shift <= INT32_VARINT_LAST_SHIFT; shift += 7) {
    if (at >= limit) return NaN;
    const byte = section[at++];
    if ((byte & 0x80) === 0) {
      if (shift === INT32_VARINT_LAST_SHIFT && byte > INT32_VARINT_LAST_BYTE_MAX) return NaN;
      return raw | (byte << shift);
    }
    raw |= (byte & 0x7f) << shift;
  }
  return NaN;
}

/** A zigzag int64 varint as a JS number (as RecordReader.varlongByte reads it) ending before `limit`; NaN when malformed or past it. */
function wholeVarlong(section: Uint8Array, limit: number): number {
  let raw = 0;
  let scale = 1;
  for (let shift = 0; shift <= INT64_VARINT_LAST_SHIFT; shift += 7) {
    if (at >= limit) return NaN;
    const byte = section[at++];
    raw += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    scale *= 128;
  }
  return NaN;
}
