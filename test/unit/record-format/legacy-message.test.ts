/**
 * Legacy message sets (magic 0/1): the reader checks each message (size, CRC-32, magic) with
 * the Kafka error code a producer gets, and the writer produces the bytes an old client
 * expects. Golden bytes: two messages written out by hand (CRC-32 from Python's zlib), which
 * pin the test helper that builds the other sets (test/support/legacy-messages.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  legacyMessageBytes,
  LegacyFormatError,
  readMessageSet,
  startsWithLegacyMessage,
  writeLegacyMessage,
} from '../../../src/record-format/legacy-message.js';
import { ErrorCode, type ErrorCodeValue } from '../../../src/wire/error-codes.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { legacyMessage, legacyMessageSet } from '../../support/legacy-messages.js';

/** offset 7, magic 0, key "k", value "v". */
const GOLDEN_V0 = Buffer.from('0000000000000007000000101fecd70a0000000000016b0000000176', 'hex');
/** offset 8, magic 1, timestamp 1700000000000, key null, value "value". */
const GOLDEN_V1 = Buffer.from('00000000000000080000001ba584f50801000000018bcfe56800ffffffff0000000576616c7565', 'hex');

const specs = (count: number) => values(count).map(({ key, value }) => ({ key: key ?? null, value }));

function refusedWith(code: ErrorCodeValue, pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof LegacyFormatError && error.errorCode === code && pattern.test(error.message);
}

describe('legacy message sets', () => {
  it('the test helper writes the golden bytes', () => {
    assert.deepEqual(legacyMessage(0, { key: Buffer.from('k'), value: Buffer.from('v') }, 7), GOLDEN_V0);
    assert.deepEqual(legacyMessage(1, { key: null, value: Buffer.from('value'), timestamp: 1_700_000_000_000 }, 8), GOLDEN_V1);
  });

  it('writes the golden bytes', () => {
    const v0 = Buffer.alloc(legacyMessageBytes(0, Buffer.from('k'), Buffer.from('v')));
    assert.equal(writeLegacyMessage(v0, 0, 0, { offset: 7, attributes: 0, timestamp: 123, key: Buffer.from('k'), value: Buffer.from('v') }), v0.length);
    assert.deepEqual(v0, GOLDEN_V0, 'magic 0 writes no timestamp');
    const v1 = Buffer.alloc(legacyMessageBytes(1, null, Buffer.from('value')));
    writeLegacyMessage(v1, 0, 1, { offset: 8, attributes: 0, timestamp: 1_700_000_000_000, key: null, value: Buffer.from('value') });
    assert.deepEqual(v1, GOLDEN_V1);
  });

  it('reads every message of a set with its offset, timestamp, key and value', () => {
    const set = Buffer.concat([GOLDEN_V1, legacyMessage(1, { key: Buffer.alloc(0), value: null, timestamp: -1, attributes: 0x08 }, 9)]);
    const messages = readMessageSet(set);
    assert.equal(messages.length, 2);
    assert.deepEqual(
      messages.map((m) => [m.offset, m.magic, m.attributes, m.timestamp, m.key?.toString() ?? null, m.value?.toString() ?? null]),
      [
        [8, 1, 0, 1_700_000_000_000, null, 'value'],
        [9, 1, 8, -1, '', null],
      ],
    );
    assert.deepEqual(readMessageSet(GOLDEN_V0).map((m) => [m.offset, m.magic, m.timestamp, m.key?.toString()]), [[7, 0, -1, 'k']]);
  });

  it('refuses a flipped byte with CORRUPT_MESSAGE (CRC-32)', () => {
    const set = legacyMessageSet(1, specs(3));
    set[set.length - 1] ^= 0x01;
    assert.throws(() => readMessageSet(set), refusedWith(ErrorCode.CORRUPT_MESSAGE, /CRC-32/));
  });

  it('refuses sizes that do not hold with CORRUPT_MESSAGE', () => {
    const set = legacyMessageSet(0, specs(2));
    assert.throws(() => readMessageSet(set.subarray(0, set.length - 3)), refusedWith(ErrorCode.CORRUPT_MESSAGE, /claims/), 'a truncated last message');
    assert.throws(() => readMessageSet(set.subarray(0, set.length - 20)), refusedWith(ErrorCode.CORRUPT_MESSAGE, /no whole message/), 'a few trailing bytes');
    const short = Buffer.from(GOLDEN_V0);
    short.writeInt32BE(5, 8);
    assert.throws(() => readMessageSet(short), refusedWith(ErrorCode.CORRUPT_MESSAGE, /claims/), 'a size below the smallest message');
    const keyTooLong = legacyMessage(0, { key: Buffer.from('k'), value: Buffer.from('v') });
    keyTooLong.writeInt32BE(100, 18);
    assert.throws(() => readMessageSet(keyTooLong), refusedWith(ErrorCode.CORRUPT_MESSAGE, /CRC-32/), 'the CRC is checked before the fields');
    keyTooLong.writeUInt32BE(crc32(keyTooLong.subarray(16)) >>> 0, 12);
    assert.throws(() => readMessageSet(keyTooLong), refusedWith(ErrorCode.CORRUPT_MESSAGE, /key of 100 bytes does not fit/), 'a key longer than its message');
  });

  it('refuses a magic that differs from the set\'s first message, or from the one asked for, with INVALID_RECORD', () => {
    const mixed = Buffer.concat([legacyMessage(0, { key: null, value: Buffer.from('a') }, 0), legacyMessage(1, { key: null, value: Buffer.from('b') }, 1)]);
    assert.throws(() => readMessageSet(mixed), refusedWith(ErrorCode.INVALID_RECORD, /magic 1 does not match the set's magic 0/));
    assert.throws(() => readMessageSet(GOLDEN_V0, 1), refusedWith(ErrorCode.INVALID_RECORD, /magic 0 does not match/));
    const batchInside = Buffer.concat([GOLDEN_V0, buildBatch(values(1))]);
    assert.throws(() => readMessageSet(batchInside), refusedWith(ErrorCode.INVALID_RECORD, /magic 2/));
  });

  it('tells a legacy message from a record batch by the magic byte both keep at byte 16', () => {
    assert.equal(startsWithLegacyMessage(GOLDEN_V0), true);
    assert.equal(startsWithLegacyMessage(GOLDEN_V1), true);
    assert.equal(startsWithLegacyMessage(buildBatch(values(1))), false);
    assert.equal(startsWithLegacyMessage(GOLDEN_V0.subarray(0, 16)), false, 'too short to have a magic byte');
  });
});
