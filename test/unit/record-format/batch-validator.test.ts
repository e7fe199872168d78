/**
 * The record validator on its own (uncompressed sections, no broker): what it accepts (every
 * field shape a producer may write), what it refuses (the uncompressed golden bad batches and
 * every truncation of a good section), and that it reports what Kafka reports: structure
 * errors without record_errors, offset and timestamp errors with them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientHeaderProblem, NO_TIMESTAMP, RECORD_ERRORS_MAX, RecordsValidator, validateRecords, type RecordsVerdict, type RecordRules } from '../../../src/record-format/batch-validator.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { parseRecords } from '../../../src/record-format/records.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { batchOf, GOLDEN_BAD_BATCHES, rawRecord, recordBody, zigzag } from '../../support/bad-batches.js';

const NOW = 1_700_000_000_000;
const CREATE_TIME: RecordRules = { keyRequiredIn: null, logAppendTime: false, beforeMaxMs: Infinity, afterMaxMs: Infinity, nowMs: NOW };
const LOG_APPEND_TIME: RecordRules = { ...CREATE_TIME, logAppendTime: true };
const ATTR_LOG_APPEND_TIME = 0x08;

/** What the produce path decides for an uncompressed batch: header rules, then the records. */
function judge(batch: Buffer, rules: RecordRules = CREATE_TIME): RecordsVerdict {
  const view = new RecordBatchView(batch);
  const header = clientHeaderProblem(view);
  if (header !== null) return { valid: false, ...header, recordErrors: [] };
  return validateRecords(view, batch.subarray(61), rules);
}

function refusal(verdict: RecordsVerdict): Extract<RecordsVerdict, { valid: false }> {
  assert.equal(verdict.valid, false, 'refused');
  return verdict as Extract<RecordsVerdict, { valid: false }>;
}

const sequential = (count: number, parts: (i: number) => Parameters<typeof recordBody>[1] = () => ({})): Buffer =>
  Buffer.concat(Array.from({ length: count }, (_, i) => rawRecord(recordBody(i, parts(i)))));

describe('validateRecords', () => {
  it('accepts what producers write: null keys and values, headers with null values, 5-byte varints, negative and large deltas', () => {
    const headers = Buffer.concat([zigzag(2), zigzag(1), Buffer.from('h'), zigzag(-1), zigzag(2), Buffer.from('h2'), zigzag(3), Buffer.from('abc')]);
    const twoInFiveBytes = Buffer.from([0x84, 0x80, 0x80, 0x80, 0x00]);
    const section = Buffer.concat([
      rawRecord(recordBody(0, { key: Buffer.from('k'), headers })),
      rawRecord(recordBody(1, { timestampDelta: -5 })),
      rawRecord(Buffer.concat([Buffer.from([0]), zigzag(2 ** 40), twoInFiveBytes, zigzag(-1), zigzag(-1), zigzag(0)])),
    ]);
    assert.deepEqual(judge(batchOf(section, 3, { baseTimestamp: NOW })), { valid: true, maxTimestamp: NOW + 2 ** 40 });
    assert.deepEqual(judge(buildBatch(values(100), { baseTimestamp: NOW })), { valid: true, maxTimestamp: NOW });
  });

  it('finds the largest record timestamp whatever the header claims (Kafka rewrites a CreateTime maxTimestamp)', () => {
    const section = sequential(3, (i) => ({ timestampDelta: [5, 90, 2][i] }));
    assert.deepEqual(judge(batchOf(section, 3, { baseTimestamp: NOW, maxTimestamp: NOW + 1 })), { valid: true, maxTimestamp: NOW + 90 });
  });

  for (const golden of GOLDEN_BAD_BATCHES) {
    const batch = golden.build(NOW);
    // Compressed cases, topic configs and control batches (BatchAppender.validate's header rule) are in batch-validation.test.
    if ((batch.readInt16BE(21) & 0x27) !== 0 || golden.topicConfigs !== undefined) continue;
    it(`refuses the golden uncompressed batch "${golden.name}" with error ${golden.errorCode}`, () => {
      const verdict = refusal(judge(batch));
      assert.equal(verdict.errorCode, golden.errorCode, verdict.message);
      assert.deepEqual(verdict.recordErrors.map((e) => e.batchIndex), golden.recordErrors ?? []);
    });
  }

  it('refuses every truncation and every extension of a good records section, never throwing', () => {
    const section = sequential(4, (i) => ({ key: Buffer.from(`key-${i}`), headers: Buffer.concat([zigzag(1), zigzag(1), Buffer.from('h'), zigzag(2), Buffer.from('hv')]) }));
    for (let length = 0; length < section.length; length++) {
      const verdict = refusal(judge(batchOf(section.subarray(0, length), 4)));
      assert.equal(verdict.errorCode, ErrorCode.INVALID_RECORD, `cut at ${length}`);
      assert.deepEqual(verdict.recordErrors, []);
    }
    for (const extra of [[0], [0x7f], [0x80, 0x01]]) {
      assert.equal(refusal(judge(batchOf(Buffer.concat([section, Buffer.from(extra)]), 4))).errorCode, ErrorCode.INVALID_RECORD);
    }
  });

  it('refuses a varint whose fifth byte goes beyond 32 bits, which the readers would not read as the validator did (found by the fuzzer)', () => {
    const body = recordBody(1);
    /** Record 1's length as a 5-byte varint whose fifth byte is `last` (Java drops bits beyond 32, librdkafka does not). */
    const section = (last: number): Buffer => Buffer.concat([rawRecord(recordBody(0)), Buffer.from([0x80 | (body.length * 2), 0x80, 0x80, 0x80, last]), body]);
    assert.match(refusal(judge(batchOf(section(0x20), 2))).message, /beyond 32 bits/);
    const fitting = section(0x00);
    assert.equal(judge(batchOf(fitting, 2)).valid, true, 'a fifth byte within 32 bits is still read');
    assert.equal(parseRecords(fitting, 2).length, 2);
  });

  it('names records whose offset deltas are not their index, and says how many there are as Kafka does', () => {
    const section = Buffer.concat([rawRecord(recordBody(0)), rawRecord(recordBody(5)), rawRecord(recordBody(2)), rawRecord(recordBody(0))]);
    const verdict = refusal(judge(batchOf(section, 4)));
    assert.equal(verdict.errorCode, ErrorCode.INVALID_RECORD);
    assert.deepEqual(verdict.recordErrors.map((e) => e.batchIndex), [1, 3]);
    assert.match(verdict.message, /^One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: \[record 1: offset delta 5/);
  });

  it(`lists at most ${RECORD_ERRORS_MAX} record errors and counts them all`, () => {
    const count = RECORD_ERRORS_MAX + 500;
    const shifted = Buffer.concat(Array.from({ length: count }, (_, i) => rawRecord(recordBody(i + 1))));
    const offsets = refusal(judge(batchOf(shifted, count)));
    assert.equal(offsets.recordErrors.length, RECORD_ERRORS_MAX);
    assert.match(offsets.message, new RegExp(`due to ${count} record errors`));
  });

  it('CreateTime: refuses timestamps outside message.timestamp.before/after.max.ms, record by record; records without a timestamp pass', () => {
    const rules = { ...CREATE_TIME, beforeMaxMs: 1_000, afterMaxMs: 2_000 };
    const section = sequential(4, (i) => ({ timestampDelta: [0, -1_001, 2_001, 1_999][i] }));
    const verdict = refusal(judge(batchOf(section, 4, { baseTimestamp: NOW }), rules));
    assert.equal(verdict.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.equal(verdict.message, 'One or more records have been rejected due to invalid timestamp');
    assert.deepEqual(verdict.recordErrors.map((e) => e.batchIndex), [1, 2]);
    assert.match(verdict.recordErrors[0].message, new RegExp(`timestamp ${NOW - 1_001} is out of range: it should be within \\[${NOW - 1_000}, ${NOW + 2_000}\\]`));
    assert.deepEqual(judge(batchOf(sequential(2), 2, { baseTimestamp: NO_TIMESTAMP, maxTimestamp: NO_TIMESTAMP }), rules), { valid: true, maxTimestamp: NO_TIMESTAMP });
  });

  it('a timestamp error outranks an offset error (INVALID_TIMESTAMP, both records named)', () => {
    const rules = { ...CREATE_TIME, afterMaxMs: 0 };
    const section = Buffer.concat([rawRecord(recordBody(3)), rawRecord(recordBody(1, { timestampDelta: 10 }))]);
    const verdict = refusal(judge(batchOf(section, 2, { baseTimestamp: NOW }), rules));
    assert.equal(verdict.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(verdict.recordErrors.map((e) => e.batchIndex), [0, 1]);
  });

  it('LogAppendTime set by the producer: refused on a LogAppendTime topic, and on a CreateTime topic without a timestamp', () => {
    const flagged = (maxTimestamp: number): Buffer => batchOf(sequential(2), 2, { attributes: ATTR_LOG_APPEND_TIME, baseTimestamp: NOW, maxTimestamp });
    const onLogAppendTopic = refusal(judge(flagged(NOW), LOG_APPEND_TIME));
    assert.equal(onLogAppendTopic.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(onLogAppendTopic.recordErrors.map((e) => e.batchIndex), [0, 1]);
    assert.equal(refusal(judge(flagged(NO_TIMESTAMP))).errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(judge(flagged(NOW + 7)), { valid: true, maxTimestamp: NOW + 7 }, 'with a timestamp, every record has the batch maxTimestamp');
    assert.deepEqual(judge(batchOf(sequential(2), 2), LOG_APPEND_TIME), { valid: true, maxTimestamp: NO_TIMESTAMP }, 'CreateTime batches on a LogAppendTime topic are fine');
  });
});

describe('RecordsValidator (the section in pieces, as it decompresses)', () => {
  /** The verdict on `batch`'s records pushed in pieces cut at `cuts`. */
  function inPieces(batch: Buffer, cuts: readonly number[], rules: RecordRules = CREATE_TIME): RecordsVerdict {
    const view = new RecordBatchView(batch);
    const section = batch.subarray(61);
    const validator = new RecordsValidator(view, rules);
    let from = 0;
    for (const cut of [...cuts, section.length]) {
      validator.push(section.subarray(from, cut));
      from = cut;
    }
    return validator.finish();
  }

  it('reaches the verdict of the whole section wherever the section is cut, and byte by byte', () => {
    const headers = Buffer.concat([zigzag(1), zigzag(2), Buffer.from('hk'), zigzag(3), Buffer.from('hv!')]);
    const good = batchOf(sequential(3, (i) => ({ key: Buffer.from(`key-${i}`), timestampDelta: 2 ** 35 + i, headers })), 3, { baseTimestamp: NOW });
    const offsets = batchOf(Buffer.concat([rawRecord(recordBody(0)), rawRecord(recordBody(4)), rawRecord(recordBody(2))]), 3);
    const goldens = GOLDEN_BAD_BATCHES.map((golden) => golden.build(NOW)).filter((batch) => (batch.readInt16BE(21) & 0x27) === 0);
    for (const batch of [good, offsets, ...goldens]) {
      const whole = validateRecords(new RecordBatchView(batch), batch.subarray(61), CREATE_TIME);
      const length = batch.length - 61;
      for (let cut = 0; cut <= length; cut++) assert.deepEqual(inPieces(batch, [cut]), whole, `cut at ${cut}`);
      assert.deepEqual(inPieces(batch, Array.from({ length }, (_, i) => i)), whole, 'byte by byte');
    }
  });

  it('gives the verdict RecordsValidator gives for a whole section (its one-loop reading of valid batches included), whatever byte is altered', () => {
    const headers = Buffer.concat([zigzag(1), zigzag(2), Buffer.from('hk'), zigzag(-1)]);
    const withHeaders = batchOf(sequential(3, (i) => ({ key: i === 1 ? undefined : Buffer.from(`k${i}`), timestampDelta: 300 + i, headers })), 3, { baseTimestamp: NOW });
    // Most records have no header (the count is one zero byte, read on a shorter path).
    const bare = batchOf(sequential(3, (i) => ({ key: i === 1 ? undefined : Buffer.from(`k${i}`), timestampDelta: 300 + i })), 3, { baseTimestamp: NOW });
    const compacted: RecordRules = { ...CREATE_TIME, keyRequiredIn: 't-0' };
    let compared = 0;
    const cases = [withHeaders, bare].flatMap((good) =>
      [CREATE_TIME, compacted, LOG_APPEND_TIME, { ...CREATE_TIME, beforeMaxMs: 1_000, afterMaxMs: 1_000 }].map((rules) => ({ good, rules })),
    );
    for (const { good, rules } of cases) {
      const section = good.subarray(61);
      for (let i = 0; i < section.length; i++) {
        for (const value of [0x00, 0x01, 0x7f, 0x80, 0xff, section[i] ^ 0x02]) {
          const altered = Buffer.from(good);
          altered[61 + i] = value;
          const view = new RecordBatchView(altered);
          const validator = new RecordsValidator(view, rules);
          validator.push(altered.subarray(61));
          const verdict = validator.finish();
          assert.deepEqual(validateRecords(view, altered.subarray(61), rules), verdict, `byte ${i} = ${value}`);
          // Read in place from the batch itself (the produce path): the same verdict.
          assert.deepEqual(validateRecords(view, altered, rules, 61), verdict, `in place, byte ${i} = ${value}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 100);
  });

  it('stops taking pieces once the batch is refused for its structure', () => {
    const section = Buffer.concat([sequential(2), Buffer.from([0])]);
    const validator = new RecordsValidator(new RecordBatchView(batchOf(section, 2)), CREATE_TIME);
    assert.equal(validator.push(section), false);
    assert.equal(validator.push(Buffer.from([1, 2, 3])), false);
    assert.equal(refusal(validator.finish()).errorCode, ErrorCode.INVALID_RECORD);
  });
});
