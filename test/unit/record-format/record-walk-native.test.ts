import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordsValidator, validateRecords, type RecordRules } from '../../../src/record-format/batch-validator.js';
import { blinkAddon, type BlinkAddon } from '../../../src/record-format/native-addon.js';
import { ATTR_TIMESTAMP_LOG_APPEND, RecordBatchView } from '../../../src/record-format/record-batch.js';

/**
 * The addon's record walk (native/records.c) against the JavaScript validator, the source of
 * truth: over generated batches, valid and corrupt, the walk accepts exactly the batches the
 * validator finds valid, with the same largest timestamp, and validateRecords (which runs the
 * walk) gives the validator's verdict.
 */
const HEADER_BYTES = 61;

function addon(): BlinkAddon {
  const loaded = blinkAddon();
  assert.ok(loaded !== null, 'dist/native/blink.node is missing: `npm run build` with a C compiler builds it (tools/build-native.mjs)');
  return loaded;
}

/** A fixed pseudo-random sequence (xorshift32), so that a failure names a case that repeats. */
function random(seed: number): { int(below: number): number; chance(p: number): boolean } {
  let state = seed;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return { int: (below) => Math.floor(next() * below), chance: (p) => next() < p };
}

/** A zigzag varint of any width up to 10 bytes (`pad`: that many extra bytes of a longer, still valid, encoding). */
function varint(value: number, pad = 0): number[] {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  for (let i = 0; i < pad; i++) {
    out[out.length - 1] |= 0x80;
    out.push(0);
  }
  return out;
}

interface GeneratedRecord {
  timestampDelta: number;
  key: number[] | null;
  value: number[] | null;
  headers: Array<[number[], number[] | null]>;
}

function bytes(length: number, rnd: ReturnType<typeof random>): number[] {
  return Array.from({ length }, () => rnd.int(256));
}

function encodeRecord(record: GeneratedRecord, offsetDelta: number, rnd: ReturnType<typeof random>): number[] {
  const pad = (): number => (rnd.chance(0.05) ? rnd.int(3) : 0);
  const field = (data: number[] | null): number[] => (data === null ? varint(-1, pad()) : [...varint(data.length, pad()), ...data]);
  const body = [
    0,
    ...varint(record.timestampDelta, pad()),
    ...varint(offsetDelta, pad()),
    ...field(record.key),
    ...field(record.value),
    ...varint(record.headers.length, pad()),
    ...record.headers.flatMap(([key, value]) => [...field(key), ...field(value)]),
  ];
  return [...varint(body.length), ...body];
}

function batchOf(section: number[], count: number, baseTimestamp: number, attributes: number): Buffer {
  const batch = Buffer.alloc(HEADER_BYTES + section.length);
  batch.writeInt32BE(HEADER_BYTES - 12 + section.length, 8);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(attributes, 21);
  batch.writeInt32BE(Math.max(0, count - 1), 23);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 35);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(count, 57);
  Buffer.from(section).copy(batch, HEADER_BYTES);
  return batch;
}

const NOW = 1_765_000_000_000;

function generate(rnd: ReturnType<typeof random>): { batch: Buffer; rules: RecordRules } {
  const count = rnd.chance(0.1) ? rnd.int(3) : 1 + rnd.int(60);
  const baseTimestamp = rnd.chance(0.1) ? -1 : NOW - rnd.int(100_000);
  const records: GeneratedRecord[] = Array.from({ length: count }, () => ({
    timestampDelta: rnd.chance(0.01) ? rnd.int(2 ** 40) - 2 ** 39 : rnd.int(2_000) - 500,
    key: rnd.chance(0.02) ? null : bytes(rnd.int(20), rnd),
    value: rnd.chance(0.05) ? null : bytes(rnd.chance(0.01) ? 8_200 + rnd.int(100) : rnd.int(300), rnd),
    headers: rnd.chance(0.7) ? [] : Array.from({ length: 1 + rnd.int(3) }, () => [bytes(rnd.int(10), rnd), rnd.chance(0.2) ? null : bytes(rnd.int(40), rnd)] as [number[], number[] | null]),
  }));
  const wrongOffset = rnd.chance(0.05) ? rnd.int(count) : -1;
  const section = records.flatMap((record, i) => encodeRecord(record, i === wrongOffset ? i + 1 : i, rnd));
  const declared = rnd.chance(0.03) ? count + rnd.int(3) - 1 : count;
  let corrupt = section;
  if (rnd.chance(0.3) && section.length > 0) {
    corrupt = [...section];
    const kind = rnd.int(4);
    if (kind === 0) corrupt[rnd.int(corrupt.length)] ^= 1 << rnd.int(8);
    else if (kind === 1) corrupt[rnd.int(corrupt.length)] = rnd.int(256);
    else if (kind === 2) corrupt = corrupt.slice(0, rnd.int(corrupt.length));
    else corrupt.push(rnd.int(256));
  }
  const attributes = rnd.chance(0.05) ? ATTR_TIMESTAMP_LOG_APPEND : 0;
  const rules: RecordRules = {
    keyRequiredIn: rnd.chance(0.2) ? 'topic-0' : null,
    logAppendTime: rnd.chance(0.1),
    beforeMaxMs: rnd.chance(0.7) ? Infinity : rnd.int(200_000),
    afterMaxMs: rnd.chance(0.7) ? Infinity : rnd.int(4_000),
    nowMs: NOW,
  };
  return { batch: batchOf(corrupt, declared, baseTimestamp, attributes), rules };
}

/** The addon's verdict on the batch's records, called as batch-validator.ts calls it. */
function walk(batch: Buffer, rules: RecordRules): number | undefined {
  const view = new RecordBatchView(batch);
  return addon().acceptRecords(batch, HEADER_BYTES, view.recordCount, view.baseTimestamp, !rules.logAppendTime, rules.nowMs, rules.beforeMaxMs, rules.afterMaxMs, rules.keyRequiredIn !== null);
}

function truth(batch: Buffer, rules: RecordRules): ReturnType<RecordsValidator['finish']> {
  const validator = new RecordsValidator(new RecordBatchView(batch), rules);
  validator.push(batch.subarray(HEADER_BYTES));
  return validator.finish();
}

describe('the record walk in Blink\'s addon against the JavaScript validator', () => {
  it('accepts exactly what the validator accepts, with the same largest timestamp (2,000 generated batches, a third corrupt)', () => {
    const rnd = random(0x5eed_0001);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 2_000; i++) {
      const { batch, rules } = generate(rnd);
      const expected = truth(batch, rules);
      const label = `case ${i}: ${batch.subarray(HEADER_BYTES, HEADER_BYTES + 40).toString('hex')}... rules ${JSON.stringify(rules)}`;
      const walked = walk(batch, rules);
      if ((new RecordBatchView(batch).attributes & ATTR_TIMESTAMP_LOG_APPEND) === 0) {
        // (validateRecords never asks the walk about a batch claiming LogAppendTime.)
        assert.equal(walked, expected.valid ? expected.maxTimestamp : undefined, label);
      }
      assert.deepEqual(validateRecords(new RecordBatchView(batch), batch, rules, HEADER_BYTES), expected, label);
      if (expected.valid) accepted++;
      else refused++;
    }
    // The generator must give both kinds in numbers, or the comparison says little.
    assert.ok(accepted > 600 && refused > 600, `accepted ${accepted}, refused ${refused}`);
  });

  it('declines a timestamp delta JavaScript numbers cannot hold exactly (2^53 and more) and reads one just below', () => {
    const rules: RecordRules = { keyRequiredIn: null, logAppendTime: false, beforeMaxMs: Infinity, afterMaxMs: Infinity, nowMs: NOW };
    const record = (delta: number[]): number[] => {
      const body = [0, ...delta, 0, 1, 0, 0];
      return [...varint(body.length), ...body];
    };
    const justBelow = batchOf(record(varint(2 ** 52 - 1)), 1, 0, 0);
    assert.equal(walk(justBelow, rules), 2 ** 52 - 1);
    // 2^53 before zigzag (delta 2^52): the validator's own reading of it is the answer.
    const atLimit = batchOf(record([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]), 1, 0, 0);
    assert.equal(walk(atLimit, rules), undefined);
    assert.deepEqual(validateRecords(new RecordBatchView(atLimit), atLimit, rules, HEADER_BYTES), truth(atLimit, rules));
    // Eleven bytes: malformed for both.
    const overlong = batchOf(record([...Array(10).fill(0x81), 0x01]), 1, 0, 0);
    assert.equal(walk(overlong, rules), undefined);
    assert.equal(truth(overlong, rules).valid, false);
  });

  it('throws for arguments of the wrong kind instead of reading memory it was not given', () => {
    const batch = batchOf([], 0, NOW, 0);
    const walkWith = (start: number, count: number): number | undefined => addon().acceptRecords(batch, start, count, NOW, true, NOW, Infinity, Infinity, false);
    assert.equal(walkWith(HEADER_BYTES, 0), -1);
    assert.throws(() => walkWith(HEADER_BYTES + 1, 0), RangeError);
    assert.throws(() => walkWith(-1, 0), RangeError);
    assert.throws(() => walkWith(0.5, 0), RangeError);
    assert.throws(() => addon().acceptRecords('text' as unknown as Buffer, 0, 0, NOW, true, NOW, 1, 1, false), TypeError);
    assert.throws(() => addon().acceptRecords(batch, 0, 0, NOW, 1 as unknown as boolean, NOW, 1, 1, false), TypeError);
  });
});
