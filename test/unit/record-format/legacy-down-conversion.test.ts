/**
 * Down-conversion of stored record batches to the legacy messages old fetchers read: golden
 * comparisons with message sets built independently (test/support/legacy-messages.ts),
 * every codec, LogAppendTime, control batches, and the selection of whole messages within
 * byte limits from any offset.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downConvertBatch, selectMessages } from '../../../src/record-format/legacy-down-conversion.js';
import { DecompressedSizeError } from '../../../src/record-format/compression.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { encodeRecordBatch } from '../../../src/record-format/record-batch-encoder.js';
import { buildBatch, type TestRecord } from '../../support/batch-builder.js';
import { compressBatch, TEST_CODECS } from '../../support/compressed-batch.js';
import { legacyMessageSet, parseLegacyMessageSet } from '../../support/legacy-messages.js';

const BASE = 1_700_000_000_000;
const LIMIT = 1024 * 1024;
const text = (value: string): Buffer => Buffer.from(value);

const RECORDS: TestRecord[] = [
  { key: text('a'), value: text('first'), timestampDelta: 0 },
  { key: null, value: text('second'), timestampDelta: 7 },
  { key: text('c'), value: null, timestampDelta: 3 },
];

/** RECORDS as stored at base offset 40 (the broker rewrites the base offset in place). */
function storedBatch(attributes = 0): Buffer {
  const batch = buildBatch(RECORDS, { baseTimestamp: BASE, attributes });
  new RecordBatchView(batch).assignOffsets(40, 0);
  return batch;
}

function expectedSet(magic: 0 | 1): Buffer {
  return legacyMessageSet(magic, RECORDS.map((r, i) => ({ key: r.key ?? null, value: r.value, timestamp: BASE + r.timestampDelta!, offset: 40 + i })));
}

describe('down-conversion of record batches', () => {
  for (const magic of [0, 1] as const) {
    it(`writes magic ${magic} messages byte for byte as an old broker stores them, indexed by offset`, async () => {
      const converted = await downConvertBatch(storedBatch(), magic, LIMIT);
      assert.deepEqual(converted.bytes, expectedSet(magic));
      assert.deepEqual([...converted.offsets], [40, 41, 42]);
      assert.equal(converted.ends[2], converted.bytes.length);
    });
  }

  for (const codec of TEST_CODECS) {
    it(`${codec}: writes the records of a compressed batch uncompressed`, async () => {
      const converted = await downConvertBatch(compressBatch(storedBatch(), codec), 1, LIMIT);
      assert.deepEqual(converted.bytes, expectedSet(1));
    });
  }

  it('drops record headers', async () => {
    const withHeaders = encodeRecordBatch([{ key: text('a'), value: text('first'), headers: [{ key: text('h'), value: text('x') }], timestampMs: BASE }]);
    const converted = await downConvertBatch(withHeaders, 1, LIMIT);
    assert.deepEqual(parseLegacyMessageSet(converted.bytes).map((m) => [m.key?.toString(), m.value?.toString(), m.crcValid]), [['a', 'first', true]]);
  });

  it('gives magic-1 messages of a LogAppendTime batch the batch time and attribute bit 3; magic 0 has neither', async () => {
    const batch = storedBatch(0x08);
    batch.writeBigInt64BE(BigInt(BASE + 999), 35);
    const v1 = parseLegacyMessageSet((await downConvertBatch(batch, 1, LIMIT)).bytes);
    assert.deepEqual(v1.map((m) => [m.attributes, m.timestamp]), [[8, BASE + 999], [8, BASE + 999], [8, BASE + 999]]);
    const v0 = parseLegacyMessageSet((await downConvertBatch(batch, 0, LIMIT)).bytes);
    assert.deepEqual(v0.map((m) => [m.attributes, m.timestamp]), [[0, -1], [0, -1], [0, -1]]);
  });

  it('converts a control batch (a transaction marker) to no message', async () => {
    const converted = await downConvertBatch(buildBatch([{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { attributes: 0x30 }), 1, LIMIT);
    assert.equal(converted.bytes.length, 0);
    assert.equal(converted.offsets.length, 0);
  });

  it('refuses a batch whose records decompress beyond the bound', async () => {
    const big = compressBatch(buildBatch([{ value: Buffer.alloc(100_000, 'q') }]), 'gzip');
    await assert.rejects(downConvertBatch(big, 1, 50_000), DecompressedSizeError);
  });

  describe('selecting whole messages', () => {
    it('takes the messages from the fetch offset on as a view of the converted bytes', async () => {
      const converted = await downConvertBatch(storedBatch(), 1, LIMIT);
      const taken = selectMessages(converted, 41, LIMIT, false);
      assert.deepEqual([taken.count, taken.nextOffset, taken.truncated], [2, 43, false]);
      assert.deepEqual(parseLegacyMessageSet(taken.bytes).map((m) => m.offset), [41, 42]);
      assert.equal(taken.bytes.buffer, converted.bytes.buffer, 'no copy');
    });

    it('stops before the first message that does not fit, and says so', async () => {
      const converted = await downConvertBatch(storedBatch(), 1, LIMIT);
      const twoMessages = converted.ends[1];
      const taken = selectMessages(converted, 40, twoMessages + 5, false);
      assert.deepEqual([taken.count, taken.nextOffset, taken.truncated, taken.bytes.length], [2, 42, true, twoMessages]);
    });

    it('takes the first message beyond the limit only when asked to (KIP-74)', async () => {
      const converted = await downConvertBatch(storedBatch(), 0, LIMIT);
      assert.deepEqual([selectMessages(converted, 40, 10, false).count, selectMessages(converted, 40, 10, false).truncated], [0, true]);
      const forced = selectMessages(converted, 40, 10, true);
      assert.deepEqual([forced.count, forced.nextOffset, forced.truncated], [1, 41, true]);
    });

    it('takes nothing, and is not truncated, from an offset past the batch', async () => {
      const converted = await downConvertBatch(storedBatch(), 1, LIMIT);
      const taken = selectMessages(converted, 43, LIMIT, true);
      assert.deepEqual([taken.count, taken.nextOffset, taken.truncated, taken.bytes.length], [0, -1, false, 0]);
    });
  });
});
