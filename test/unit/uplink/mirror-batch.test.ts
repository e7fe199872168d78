/**
 * The batches the uplink sends: a stored batch copied byte for byte (only the producer
 * fields, base offset, leader epoch and CRC change), or rebuilt with the same codec when
 * records are left out, offsets have gaps, the batch says LogAppendTime, or small batches
 * are merged. The records of the sent batch are checked by decoding them independently of
 * the code under test's encoder.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { openBatch, rebuildBatch } from '../../../src/record-format/batch-rewrite.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { parseRecords } from '../../../src/record-format/records.js';
import { buildOutgoing, MERGE_BELOW_BYTES, nextSequence, recordOffsets, selectBatches, splitBatches } from '../../../src/uplink/mirror-batch.js';
import { buildBatch, values, type TestRecord } from '../../support/batch-builder.js';
import { compressBatch, TEST_CODECS, type TestCodec } from '../../support/compressed-batch.js';

const STAMP = { producerId: 4242, producerEpoch: 3, baseSequence: 17 };

/** A stored batch: offsets assigned from `base` (as the broker does in place). */
function stored(records: TestRecord[], base: number, codec: TestCodec = 'none'): RecordBatchView {
  const batch = compressBatch(buildBatch(records, { baseTimestamp: 1_700_000_000_000 }), codec);
  batch.writeBigInt64BE(BigInt(base), 0);
  return new RecordBatchView(batch);
}

/** A stored batch where a plugin dropped the records at `dropped` (built by the plugin path's own rebuildBatch). */
async function withGap(records: TestRecord[], base: number, dropped: readonly number[]): Promise<RecordBatchView> {
  const original = buildBatch(records);
  const opened = await openBatch(original);
  const kept = parseRecords(opened.records, opened.recordCount).filter((_, i) => !dropped.includes(i));
  const section = Buffer.concat(kept.map((r) => opened.records.subarray(r.start, r.end)));
  const batch = await rebuildBatch(original, section, kept.length, opened.shape);
  batch.writeBigInt64BE(BigInt(base), 0);
  return new RecordBatchView(batch);
}

async function decoded(batch: Buffer) {
  const view = new RecordBatchView(batch);
  const opened = await openBatch(batch);
  return parseRecords(opened.records, opened.recordCount).map((r) => ({
    offsetDelta: r.offsetDelta,
    timestamp: view.baseTimestamp + r.timestampDelta,
    key: r.key === null ? null : Buffer.from(r.key).toString(),
    value: r.value === null ? null : Buffer.from(r.value).toString(),
  }));
}

function assertStamped(batch: Buffer, sequence = STAMP.baseSequence): void {
  const view = new RecordBatchView(batch);
  assert.deepEqual([view.baseOffset, batch.readInt32BE(12), view.producerId, view.producerEpoch, view.baseSequence], [0, -1, 4242, 3, sequence]);
  assert.ok(view.hasValidCrc(), 'CRC-32C recomputed');
  assert.equal(view.recordCount, view.lastOffsetDelta + 1, 'Kafka accepts only batches without gaps');
}

describe('mirror batches', () => {
  for (const codec of TEST_CODECS) {
    it(`copies a whole ${codec} batch as it is, restamped`, async () => {
      const source = stored(values(5), 40, codec);
      const out = await buildOutgoing([source], 40, STAMP);
      assert.ok(out !== null && out.copied);
      assertStamped(out.bytes);
      assert.deepEqual(out.bytes.subarray(61), source.buffer.subarray(61), 'records and compressed bytes untouched');
      assert.equal(out.bytes.readInt16BE(21), source.attributes, 'same codec');
      assert.deepEqual(out.runs, [{ blinkStart: 40, remoteStart: 0, count: 5 }]);
      assert.equal(out.blinkNext, 45);
      assert.deepEqual(source.baseOffset, 40, 'the stored batch itself is not changed');
    });
  }

  it('rebuilds a batch with a plugin gap: consecutive offsets, the same records, runs around the gap', async () => {
    const records = values(5);
    const source = await withGap(records, 10, [1, 2]);
    const out = await buildOutgoing([source], 10, STAMP);
    assert.ok(out !== null && !out.copied);
    assertStamped(out.bytes);
    assert.deepEqual((await decoded(out.bytes)).map((r) => [r.offsetDelta, r.value]), [[0, 'v0'], [1, 'v3'], [2, 'v4']]);
    assert.deepEqual(out.runs, [{ blinkStart: 10, remoteStart: 0, count: 1 }, { blinkStart: 13, remoteStart: 1, count: 2 }]);
    assert.equal(out.blinkNext, 15);
    assert.deepEqual(await recordOffsets(source), [10, 13, 14]);
  });

  it('leaves out the records below the position (DeleteRecords cut into the batch)', async () => {
    const out = await buildOutgoing([stored(values(6), 0, 'zstd')], 4, STAMP);
    assert.ok(out !== null && !out.copied);
    assert.equal(out.bytes.readInt16BE(21) & 7, 4, 'still zstd');
    assert.deepEqual((await decoded(out.bytes)).map((r) => r.value), ['v4', 'v5']);
    assert.deepEqual(out.runs, [{ blinkStart: 4, remoteStart: 0, count: 2 }]);
  });

  it('answers null when no record of the batches is at or after the position', async () => {
    assert.equal(await buildOutgoing([stored(values(3), 0)], 3, STAMP), null);
  });

  it('merges small consecutive batches of one codec into one, keeping each record\'s timestamp', async () => {
    const first = stored([{ value: Buffer.from('a'), timestampDelta: 5 }], 0, 'gzip');
    const second = stored([{ value: Buffer.from('b'), timestampDelta: -3 }, { value: Buffer.from('c'), timestampDelta: 9 }], 1, 'gzip');
    const third = stored([{ value: Buffer.from('d') }], 3, 'lz4');
    const selected = selectBatches([first, second, third], 1024 * 1024, true);
    assert.equal(selected.length, 2, 'a codec change ends the merge');
    const out = await buildOutgoing(selected, 0, STAMP);
    assert.ok(out !== null && !out.copied);
    assertStamped(out.bytes);
    assert.equal(out.bytes.readInt16BE(21) & 7, 1, 'gzip');
    const base = 1_700_000_000_000;
    assert.deepEqual((await decoded(out.bytes)).map((r) => [r.value, r.timestamp]), [['a', base + 5], ['b', base - 3], ['c', base + 9]]);
    assert.equal(new RecordBatchView(out.bytes).maxTimestamp, base + 9);
    assert.deepEqual(out.runs, [{ blinkStart: 0, remoteStart: 0, count: 3 }]);
  });

  it('sends a large batch alone, and no merge when merging is off or the budget is reached', () => {
    const big = stored([{ value: Buffer.alloc(MERGE_BELOW_BYTES) }], 0);
    const small = (base: number) => stored([{ value: Buffer.from('s') }], base);
    assert.equal(selectBatches([big, small(1)], 1 << 20, true).length, 1);
    assert.equal(selectBatches([small(0), small(1)], 1 << 20, false).length, 1);
    const one = small(0).byteLength;
    assert.equal(selectBatches([small(0), small(1), small(2)], 2 * one, true).length, 2);
  });

  it('rebuilds a LogAppendTime batch as CreateTime (a producer may not set LogAppendTime)', async () => {
    const source = stored(values(2), 0);
    source.buffer.writeInt16BE(0x08, 21);
    source.buffer.writeUInt32BE(crc32c(source.buffer.subarray(21)) >>> 0, 17);
    const out = await buildOutgoing([source], 0, STAMP);
    assert.ok(out !== null && !out.copied);
    assert.equal(out.bytes.readInt16BE(21), 0);
  });

  it('splits reads that hold several batches back to back, and refuses a cut one', () => {
    const a = stored(values(1), 0).buffer;
    const b = stored(values(2), 1).buffer;
    assert.deepEqual(splitBatches([Buffer.concat([a, b])]).map((v) => v.baseOffset), [0, 1]);
    assert.throws(() => splitBatches([Buffer.concat([a, b.subarray(0, 70)])]), /cut/);
  });

  it('wraps producer sequences after Int32.MAX, as Kafka does', () => {
    assert.equal(nextSequence(10, 5), 15);
    assert.equal(nextSequence(0x7fff_fffe, 3), 1);
  });
});
