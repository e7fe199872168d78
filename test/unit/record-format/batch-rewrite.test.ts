import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { openBatch, rebuildBatch } from '../../../src/record-format/batch-rewrite.js';
import { compress, decompress, CompressionError } from '../../../src/record-format/compression.js';
import { encodeRecord, parseRecords, RecordFormatError } from '../../../src/record-format/records.js';
import { buildBatch, type TestRecord } from '../../support/batch-builder.js';
import { compressBatch, decompressedRecords, isXerial, TEST_CODECS, xerialFrame } from '../../support/compressed-batch.js';

const text = (value: string): Buffer => Buffer.from(value);

/** key "k", value "v", one header h=x: length 12, attributes 0, deltas 0. */
const RECORD_WITH_HEADER = Buffer.from([0x18, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x02, 0x76, 0x02, 0x02, 0x68, 0x02, 0x78]);

const FOUR: TestRecord[] = [
  { key: text('a'), value: text('first'), timestampDelta: 0 },
  { key: null, value: text('second'), timestampDelta: 7 },
  { key: text('c'), value: text('third'), timestampDelta: 3 },
  { key: text('d'), value: null, timestampDelta: 5 },
];
const PRODUCER = { producerId: 4242, producerEpoch: 3, baseSequence: 17, baseTimestamp: 1_700_000_000_000 };

describe('records section codec', () => {
  it('parses every field of a record with a header (a hand-encoded vector)', () => {
    const [record] = parseRecords(RECORD_WITH_HEADER, 1);
    assert.deepEqual(
      { ...record, key: Buffer.from(record.key!), value: Buffer.from(record.value!) },
      {
        start: 0,
        end: 13,
        attributes: 0,
        timestampDelta: 0,
        offsetDelta: 0,
        key: text('k'),
        value: text('v'),
        headers: record.headers,
      },
    );
    assert.deepEqual(record.headers.map((h) => [Buffer.from(h.key).toString(), Buffer.from(h.value!).toString()]), [['h', 'x']]);
  });

  it('encodes the same bytes back, and round-trips nulls and large deltas', () => {
    const headers = [{ key: text('h'), value: text('x') }];
    assert.deepEqual(Buffer.from(encodeRecord({ timestampDelta: 0, offsetDelta: 0, key: text('k'), value: text('v'), headers })), RECORD_WITH_HEADER);
    const fields = { timestampDelta: 2 ** 40, offsetDelta: 70_000, key: null, value: null, headers: [{ key: text('n'), value: null }] };
    const [back] = parseRecords(encodeRecord(fields), 1);
    assert.equal(back.timestampDelta, 2 ** 40);
    assert.equal(back.offsetDelta, 70_000);
    assert.equal(back.key, null);
    assert.equal(back.value, null);
    assert.equal(back.headers[0].value, null);
  });

  it('refuses truncated records, trailing bytes and a wrong count with RecordFormatError', () => {
    assert.throws(() => parseRecords(RECORD_WITH_HEADER.subarray(0, 12), 1), RecordFormatError);
    assert.throws(() => parseRecords(Buffer.concat([RECORD_WITH_HEADER, Buffer.from([0])]), 1), RecordFormatError);
    assert.throws(() => parseRecords(RECORD_WITH_HEADER, 2), RecordFormatError);
    const badKeyLength = Buffer.from(RECORD_WITH_HEADER);
    badKeyLength[4] = 0x40; // key length 32, past the record's end
    assert.throws(() => parseRecords(badKeyLength, 1), /key length 32 does not fit/);
  });
});

describe('compression codecs', () => {
  const payload = Buffer.concat(Array.from({ length: 3000 }, (_, i) => text(`record ${i} `)));

  for (const codec of TEST_CODECS) {
    it(`${codec}: decompresses what the codec library wrote and compresses back to the same shape`, async () => {
      const batch = compressBatch(buildBatch([{ value: payload }]), codec);
      const view = batch.subarray(61);
      const { data, shape } = await decompress(batch.readInt16BE(21) & 0x07, view);
      assert.deepEqual(data, decompressedRecords(batch));
      assert.equal(shape.xerialFramed, codec === 'snappy-xerial');
      const again = await compress(shape, data);
      const rebuilt = Buffer.concat([batch.subarray(0, 61), again]);
      assert.deepEqual(decompressedRecords(rebuilt), data, 'the library reads what the broker compressed');
      assert.equal(isXerial(rebuilt), codec === 'snappy-xerial');
    });
  }

  it('reads xerial snappy with several blocks (Java clients split at 32 KiB)', async () => {
    const big = Buffer.alloc(100_000, 'xy');
    const { data } = await decompress(2, xerialFrame(big));
    assert.deepEqual(data, big);
  });

  it('reports garbage as CompressionError', async () => {
    await assert.rejects(decompress(1, text('not gzip at all')), CompressionError);
    await assert.rejects(decompress(4, text('not zstd')), CompressionError);
  });
});

describe('rebuildBatch', () => {
  for (const codec of TEST_CODECS) {
    it(`${codec}: keeps the codec, the header fields and the offset deltas; recounts and re-checksums`, async () => {
      const original = compressBatch(buildBatch(FOUR, PRODUCER), codec);
      const opened = await openBatch(original);
      const records = parseRecords(opened.records, opened.recordCount);
      const replaced = encodeRecord({ ...records[2], value: text('THIRD'), headers: [{ key: text('x-rewritten'), value: text('1') }] });
      // Record 1 dropped, record 2 replaced.
      const section = Buffer.concat([opened.records.subarray(records[0].start, records[0].end), replaced, opened.records.subarray(records[3].start, records[3].end)]);
      const rebuilt = await rebuildBatch(original, section, 3, opened.shape);

      assert.equal(rebuilt.readInt16BE(21) & 0x07, original.readInt16BE(21) & 0x07, 'same codec bits');
      assert.equal(isXerial(rebuilt), codec === 'snappy-xerial');
      assert.equal(rebuilt.readUInt32BE(17), crc32c(rebuilt.subarray(21)) >>> 0, 'fresh CRC-32C');
      assert.equal(rebuilt.readInt32BE(8), rebuilt.length - 12, 'batchLength');
      assert.equal(rebuilt.readInt32BE(57), 3, 'recordCount');
      assert.equal(rebuilt.readInt32BE(23), 3, 'lastOffsetDelta kept: the dropped record leaves a gap');
      assert.equal(rebuilt.readBigInt64BE(43), 4242n, 'producer id');
      assert.equal(rebuilt.readInt16BE(51), 3, 'producer epoch');
      assert.equal(rebuilt.readInt32BE(53), 17, 'base sequence');
      assert.equal(rebuilt.readBigInt64BE(27), 1_700_000_000_000n, 'base timestamp');
      assert.equal(rebuilt.readBigInt64BE(35), 1_700_000_000_005n, 'max timestamp of the records left (7 was dropped)');

      const left = parseRecords(decompressedRecords(rebuilt), 3);
      assert.deepEqual(left.map((r) => r.offsetDelta), [0, 2, 3]);
      assert.deepEqual(left.map((r) => r.timestampDelta), [0, 3, 5]);
      assert.deepEqual(left.map((r) => (r.value === null ? null : Buffer.from(r.value).toString())), ['first', 'THIRD', null]);
      assert.equal(Buffer.from(left[1].headers[0].key).toString(), 'x-rewritten');
    });
  }

  it('refuses records whose offset delta lies outside the original batch', async () => {
    const original = buildBatch(FOUR.slice(0, 2));
    const outside = encodeRecord({ timestampDelta: 0, offsetDelta: 5, key: null, value: text('x'), headers: [] });
    await assert.rejects(rebuildBatch(original, outside, 1, { codec: 0, xerialFramed: false }), /outside 0\.\.1/);
  });
});
