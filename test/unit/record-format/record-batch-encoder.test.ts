import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRecordBatch } from '../../../src/record-format/record-batch-encoder.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { BatchAppender } from '../../../src/storage/batch-appender.js';
import type { Topic } from '../../../src/storage/topic-registry.js';
import { storedRecords } from '../../../src/admin/services/record-codec.js';

const topic = { name: 't', configs: new Map([['max.message.bytes', '1048588']]) } as unknown as Topic;
const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('encodeRecordBatch', () => {
  it('builds a batch the produce path accepts (magic 2, CRC, counts) with the plain-producer header', () => {
    const batch = encodeRecordBatch([
      { key: bytes('k1'), value: bytes('v1'), headers: [], timestampMs: 1_000 },
      { key: null, value: null, headers: [{ key: bytes('h'), value: null }], timestampMs: 900 },
    ]);
    assert.equal(new BatchAppender().validate(topic, batch), null);
    const view = new RecordBatchView(batch);
    assert.equal(view.magic, 2);
    assert.equal(view.recordCount, 2);
    assert.equal(view.lastOffsetDelta, 1);
    assert.equal(view.baseTimestamp, 1_000, 'the first record sets the base timestamp');
    assert.equal(view.maxTimestamp, 1_000);
    assert.equal(view.producerId, -1);
    assert.equal(view.producerEpoch, -1);
    assert.equal(view.baseSequence, -1);
    assert.equal(view.attributes, 0);
  });

  it('round-trips keys, values, headers and timestamps (a timestamp below the base is a negative delta)', async () => {
    const batch = encodeRecordBatch([
      { key: bytes('k'), value: Buffer.from([0, 1, 255]), headers: [{ key: bytes('a'), value: bytes('1') }, { key: bytes('a'), value: bytes('2') }], timestampMs: 5_000 },
      { key: null, value: bytes('tomb?'), headers: [], timestampMs: 4_000 },
    ]);
    new RecordBatchView(batch).assignOffsets(40, 0);
    const records = await storedRecords(batch);
    assert.deepEqual(
      records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, type: r.timestampType, key: r.key && Buffer.from(r.key).toString(), value: r.value && [...r.value], headers: r.headers.map((h) => [Buffer.from(h.key).toString(), h.value && Buffer.from(h.value).toString()]) })),
      [
        { offset: 40, timestamp: 5_000, type: 'CreateTime', key: 'k', value: [0, 1, 255], headers: [['a', '1'], ['a', '2']] },
        { offset: 41, timestamp: 4_000, type: 'CreateTime', key: null, value: [...bytes('tomb?')], headers: [] },
      ],
    );
  });

  it('refuses an empty record list', () => {
    assert.throws(() => encodeRecordBatch([]), RangeError);
  });
});
