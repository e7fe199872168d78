import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRecordBatch } from '../../../src/record-format/record-batch-encoder.js';
import { ATTR_TIMESTAMP_LOG_APPEND } from '../../../src/record-format/record-batch.js';
import { recordTimestamp } from '../../../src/storage/timestamp-index.js';

const ATTRIBUTES_AT = 21;
const MAX_TIMESTAMP_AT = 35;
const GZIP = 1;

function batchAt(baseOffset: number, timestamps: readonly number[]): Buffer {
  const batch = encodeRecordBatch(timestamps.map((timestampMs) => ({ key: null, value: Buffer.from('v'), headers: [], timestampMs })));
  batch.writeBigInt64BE(BigInt(baseOffset), 0);
  return batch;
}

describe('recordTimestamp (consumer lag in seconds)', () => {
  it('reads the timestamp of the record at the offset inside an uncompressed batch', () => {
    const batch = batchAt(100, [1_000, 2_500, 2_000]);
    assert.equal(recordTimestamp(batch, 100), 1_000);
    assert.equal(recordTimestamp(batch, 101), 2_500);
    assert.equal(recordTimestamp(batch, 102), 2_000);
  });

  it('a LogAppendTime batch: every record has the broker time (maxTimestamp)', () => {
    const batch = batchAt(0, [1_000, 2_000]);
    batch.writeInt16BE(batch.readInt16BE(ATTRIBUTES_AT) | ATTR_TIMESTAMP_LOG_APPEND, ATTRIBUTES_AT);
    batch.writeBigInt64BE(9_999n, MAX_TIMESTAMP_AT);
    assert.equal(recordTimestamp(batch, 1), 9_999);
  });

  it('a compressed batch: its first timestamp, the earliest any of its records can have, without decompressing', () => {
    const batch = batchAt(0, [1_000, 2_000, 3_000]);
    batch.writeInt16BE(batch.readInt16BE(ATTRIBUTES_AT) | GZIP, ATTRIBUTES_AT);
    assert.equal(recordTimestamp(batch, 2), 1_000);
  });
});
