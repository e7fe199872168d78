/**
 * Up-conversion of produced legacy message sets to the one record batch Kafka 3.9 stores,
 * and every rule Kafka 3.9 applies on the way (each answer checked against an Apache Kafka
 * 3.9 broker): golden comparisons with batches built independently (test/support), every
 * legacy codec, and the refusals with their error codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LegacyFormatError } from '../../../src/record-format/legacy-message.js';
import { upConvertMessageSet } from '../../../src/record-format/legacy-up-conversion.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { parseRecords } from '../../../src/record-format/records.js';
import { ErrorCode, type ErrorCodeValue } from '../../../src/wire/error-codes.js';
import { buildBatch } from '../../support/batch-builder.js';
import { decompressedRecords, isXerial } from '../../support/compressed-batch.js';
import { legacyMessage, legacyMessageSet, legacyWrapper, TIMESTAMP_LOG_APPEND, type LegacyCodec, type LegacyMessageSpec } from '../../support/legacy-messages.js';

const BASE = 1_700_000_000_000;
const LIMIT = 1024 * 1024;
const text = (value: string): Buffer => Buffer.from(value);

const THREE: LegacyMessageSpec[] = [
  { key: text('a'), value: text('first'), timestamp: BASE },
  { key: null, value: text('second'), timestamp: BASE + 7 },
  { key: text('c'), value: null, timestamp: BASE + 3 },
];

/** The batch a magic-2 producer would send for THREE (timestamps dropped for magic 0). */
function expectedBatch(magic: 0 | 1): Buffer {
  const records = THREE.map((m) => ({ key: m.key, value: m.value, timestampDelta: magic === 1 ? m.timestamp! - BASE : 0 }));
  return buildBatch(records, { baseTimestamp: magic === 1 ? BASE : -1 });
}

function refusedWith(code: ErrorCodeValue, pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof LegacyFormatError && error.errorCode === code && pattern.test(error.message);
}

/** [key, value, timestamp] of every record of a converted batch. */
function contents(batch: Buffer): Array<[string | null, string | null, number]> {
  const view = new RecordBatchView(batch);
  return parseRecords(decompressedRecords(batch), view.recordCount).map((r) => [
    r.key === null ? null : Buffer.from(r.key).toString(),
    r.value === null ? null : Buffer.from(r.value).toString(),
    view.baseTimestamp + r.timestampDelta,
  ]);
}

describe('up-conversion of legacy message sets', () => {
  it('turns an uncompressed magic-1 set into the batch a magic-2 producer sends (timestamps kept)', async () => {
    const { batch, recordCount } = await upConvertMessageSet(legacyMessageSet(1, THREE), LIMIT);
    assert.equal(recordCount, 3);
    assert.deepEqual(batch, expectedBatch(1));
    assert.equal(new RecordBatchView(batch).maxTimestamp, BASE + 7);
  });

  it('turns an uncompressed magic-0 set into a batch without timestamps (-1)', async () => {
    const { batch } = await upConvertMessageSet(legacyMessageSet(0, THREE), LIMIT);
    assert.deepEqual(batch, expectedBatch(0));
    const view = new RecordBatchView(batch);
    assert.deepEqual([view.baseTimestamp, view.maxTimestamp, view.producerId, view.baseSequence], [-1, -1, -1, -1]);
  });

  it('renumbers the offsets a producer wrote (deltas 0..n-1)', async () => {
    const set = legacyMessageSet(1, THREE.map((m, i) => ({ ...m, offset: 100 + i * 5 })));
    assert.deepEqual((await upConvertMessageSet(set, LIMIT)).batch, expectedBatch(1));
  });

  const CODECS: ReadonlyArray<[LegacyCodec, number]> = [['gzip', 1], ['snappy', 2], ['snappy-raw', 2], ['lz4', 3]];
  for (const magic of [0, 1] as const) {
    for (const [codec, bits] of CODECS) {
      it(`magic ${magic} ${codec}: unwraps the wrapper and recompresses the records with the same codec`, async () => {
        const { batch, recordCount } = await upConvertMessageSet(legacyWrapper(magic, codec, THREE), LIMIT);
        const view = new RecordBatchView(batch);
        assert.equal(recordCount, 3);
        assert.equal(view.compression, bits);
        assert.equal(view.hasValidCrc(), true);
        assert.equal(view.lastOffsetDelta, 2);
        if (codec.startsWith('snappy')) assert.equal(isXerial(batch), codec === 'snappy', 'the snappy framing the producer chose');
        assert.deepEqual(decompressedRecords(batch), decompressedRecords(expectedBatch(magic)));
      });
    }
  }

  it('accepts a magic-0 lz4 wrapper with the KAFKA-3160 header checksum, as Kafka ignores it for magic 0', async () => {
    const { batch } = await upConvertMessageSet(legacyWrapper(0, 'lz4-3160', THREE), LIMIT);
    assert.deepEqual(contents(batch), [['a', 'first', -1], [null, 'second', -1], ['c', null, -1]]);
  });

  it('refuses a magic-1 lz4 wrapper with the KAFKA-3160 header checksum (CORRUPT_MESSAGE)', async () => {
    await assert.rejects(upConvertMessageSet(legacyWrapper(1, 'lz4-3160', THREE), LIMIT), refusedWith(ErrorCode.CORRUPT_MESSAGE, /decompress/));
  });

  it('gives inner messages the timestamp of a LogAppendTime wrapper, and stores CreateTime', async () => {
    const set = legacyWrapper(1, 'gzip', THREE, { wrapperAttributes: TIMESTAMP_LOG_APPEND, wrapperTimestamp: 42 });
    const { batch } = await upConvertMessageSet(set, LIMIT);
    assert.deepEqual(contents(batch).map(([, , timestamp]) => timestamp), [42, 42, 42]);
    assert.equal(new RecordBatchView(batch).attributes & 0x08, 0);
  });

  it('accepts a magic-1 wrapper whose offset is 0 (some librdkafka versions) or above the last inner offset', async () => {
    await upConvertMessageSet(legacyWrapper(1, 'gzip', THREE, { wrapperOffset: 0 }), LIMIT);
    await upConvertMessageSet(legacyWrapper(1, 'gzip', THREE, { innerOffsets: [5, 6, 7], wrapperOffset: 7 }), LIMIT);
    await assert.rejects(
      upConvertMessageSet(legacyWrapper(1, 'gzip', THREE, { wrapperOffset: 1 }), LIMIT),
      refusedWith(ErrorCode.INVALID_RECORD, /wrapper offset 1 is below its last inner offset 2/),
    );
  });

  const wrapperOf = (magic: 0 | 1, inner: Buffer, attributes = 1): Buffer => legacyMessage(magic, { key: null, value: gzipSync(inner), attributes, timestamp: BASE }, 0);

  const INVALID: ReadonlyArray<[string, () => Buffer, ErrorCodeValue, RegExp]> = [
    ['zstd below magic 2', () => legacyWrapper(1, 'zstd', THREE), ErrorCode.INVALID_RECORD, /zstd/],
    ['an unknown codec', () => legacyMessage(1, { key: null, value: text('x'), attributes: 5 }), ErrorCode.CORRUPT_MESSAGE, /codec 5/],
    ['a wrapper inside a wrapper', () => wrapperOf(1, legacyWrapper(1, 'gzip', THREE)), ErrorCode.INVALID_RECORD, /nesting/],
    ['two wrappers', () => Buffer.concat([legacyWrapper(1, 'gzip', THREE), legacyWrapper(1, 'gzip', THREE)]), ErrorCode.INVALID_RECORD, /exactly one wrapper/],
    ['a wrapper and a plain message', () => Buffer.concat([legacyMessage(1, { key: null, value: text('x') }, 0), legacyWrapper(1, 'gzip', THREE)]), ErrorCode.INVALID_RECORD, /exactly one wrapper/],
    ['an empty wrapper', () => wrapperOf(1, Buffer.alloc(0)), ErrorCode.INVALID_RECORD, /no messages/],
    ['a wrapper with a null value', () => legacyMessage(1, { key: null, value: null, attributes: 1 }), ErrorCode.INVALID_RECORD, /null value/],
    ['inner magic 0 in a magic-1 wrapper', () => wrapperOf(1, legacyMessageSet(0, THREE)), ErrorCode.INVALID_RECORD, /magic 0 does not match/],
    ['a corrupt inner message', () => {
      const inner = legacyMessageSet(1, THREE);
      inner[inner.length - 1] ^= 0x01;
      return wrapperOf(1, inner);
    }, ErrorCode.CORRUPT_MESSAGE, /CRC-32/],
    ['a corrupt compressed value', () => legacyMessage(1, { key: null, value: text('not gzip at all'), attributes: 1 }), ErrorCode.CORRUPT_MESSAGE, /decompress/],
    ['a timestamp below -1', () => legacyMessageSet(1, [{ key: null, value: text('x'), timestamp: -5 }]), ErrorCode.INVALID_TIMESTAMP, /-5/],
    ['mixed magic', () => Buffer.concat([legacyMessage(0, { key: null, value: text('a') }, 0), legacyMessage(1, { key: null, value: text('b') }, 1)]), ErrorCode.INVALID_RECORD, /magic/],
  ];
  for (const [name, build, code, pattern] of INVALID) {
    it(`refuses ${name}`, async () => {
      await assert.rejects(upConvertMessageSet(build(), LIMIT), refusedWith(code, pattern));
    });
  }

  it('keeps a timestamp of -1 (no timestamp) in a magic-1 set', async () => {
    const { batch } = await upConvertMessageSet(legacyMessageSet(1, [{ key: null, value: text('x'), timestamp: -1 }]), LIMIT);
    assert.deepEqual(contents(batch), [[null, 'x', -1]]);
  });

  it('refuses a wrapper that decompresses beyond the bound with MESSAGE_TOO_LARGE', async () => {
    const big = [{ key: null, value: Buffer.alloc(200_000, 'z'), timestamp: BASE }];
    await assert.rejects(upConvertMessageSet(legacyWrapper(1, 'gzip', big), 100_000), refusedWith(ErrorCode.MESSAGE_TOO_LARGE, /more than 100000 bytes/));
    assert.equal((await upConvertMessageSet(legacyWrapper(1, 'gzip', big), LIMIT)).recordCount, 1);
  });
});
