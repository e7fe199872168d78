import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { BatchAppender as AsyncCapableAppender, type AppendOutcome } from '../../../src/storage/batch-appender.js';
import type { PartitionLog, ReadResult } from '../../../src/storage/partition-log.js';
import { legacyMessage } from '../../support/legacy-messages.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { memoryOnlyRegistry } from '../../support/storage.js';

/** Memory mode answers synchronously: these tests hold the appender to that. */
class BatchAppender extends AsyncCapableAppender {
  override append(...args: Parameters<AsyncCapableAppender['append']>): AppendOutcome {
    const outcome = super.append(...args);
    assert.ok(!(outcome instanceof Promise), 'a memory-mode append answers synchronously');
    return outcome;
  }
}

function readNow(log: PartitionLog, offset: number, maxBytes: number, includeOversizedFirst: boolean): ReadResult {
  const result = log.read(offset, maxBytes, includeOversizedFirst);
  assert.ok(!(result instanceof Promise), 'a memory read answers synchronously');
  return result;
}

function fixture(env: Record<string, string> = {}) {
  const config = loadSettings({ argv: [], env, cwd: '/nonexistent-dir-for-tests' });
  const topics = memoryOnlyRegistry(config);
  const topic = topics.create('t', 1);
  return { topic, log: topic.partitions[0], appender: new BatchAppender() };
}

describe('BatchAppender', () => {
  it('assigns consecutive offsets in place and keeps the producer bytes', () => {
    const { topic, log, appender } = fixture();
    const first = buildBatch(values(3));
    const second = buildBatch(values(2));
    assert.equal(appender.append(topic, log, first, 1).baseOffset, 0);
    const outcome = appender.append(topic, log, second, 2);
    assert.equal(outcome.baseOffset, 3);
    assert.equal(outcome.recordsAppended, 2);
    assert.equal(new RecordBatchView(second).baseOffset, 3);
    assert.equal(new RecordBatchView(second).hasValidCrc(), true, 'rewriting the base offset keeps the CRC valid');
    const stored = readNow(log, 3, 1e6, true).chunks[0];
    assert.deepEqual([stored.buffer === second.buffer, stored.byteOffset, stored.length], [true, second.byteOffset, second.length], 'the stored bytes are the request bytes');
    assert.equal(log.highWatermark, 5);
  });

  it('refuses a flipped byte with CORRUPT_MESSAGE and stores nothing', () => {
    const { topic, log, appender } = fixture();
    const batch = buildBatch(values(2));
    batch[batch.length - 3] ^= 0xff;
    assert.equal(appender.append(topic, log, batch, 1).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(log.highWatermark, 0);
  });

  it('refuses a batch above max.message.bytes with MESSAGE_TOO_LARGE', () => {
    const { topic, log, appender } = fixture({ MESSAGE_MAX_BYTES: '200' });
    const outcome = appender.append(topic, log, buildBatch([{ value: Buffer.alloc(300) }]), 1);
    assert.equal(outcome.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('refuses legacy message sets (Produce v3+), truncated batches and two batches in one partition', () => {
    const { topic, log, appender } = fixture();
    const legacy = buildBatch(values(1));
    legacy.writeInt8(1, 16);
    assert.equal(appender.append(topic, log, legacy, 1).errorCode, ErrorCode.INVALID_RECORD);
    const shortLegacy = legacyMessage(0, { key: null, value: null });
    assert.ok(shortLegacy.length < 61, 'a magic-0 message may be shorter than a batch header');
    const outcome = appender.append(topic, log, shortLegacy, 1);
    assert.equal(outcome.errorCode, ErrorCode.INVALID_RECORD, 'the magic is checked before the length');
    assert.match(outcome.errorMessage ?? '', /magic 0/);
    const whole = buildBatch(values(2));
    assert.equal(appender.append(topic, log, whole.subarray(0, whole.length - 1), 1).errorCode, ErrorCode.CORRUPT_MESSAGE);
    const two = Buffer.concat([buildBatch(values(1)), buildBatch(values(1))]);
    assert.equal(appender.append(topic, log, two, 1).errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(appender.append(topic, log, null, 1).errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(log.highWatermark, 0);
  });

  it('answers a retried idempotent batch with its first offset and stores it once', () => {
    const { topic, log, appender } = fixture();
    const options = { producerId: 1000, producerEpoch: 0, baseSequence: 0 };
    appender.append(topic, log, buildBatch(values(1), { producerId: 1000, producerEpoch: 0, baseSequence: 0 }), 1);
    const first = appender.append(topic, log, buildBatch(values(3), { ...options, baseSequence: 1 }), 1);
    const retry = appender.append(topic, log, buildBatch(values(3), { ...options, baseSequence: 1 }), 2);
    assert.deepEqual([first.baseOffset, retry.baseOffset, retry.recordsAppended], [1, 1, 0]);
    assert.equal(log.highWatermark, 4);
    const gap = appender.append(topic, log, buildBatch(values(1), { ...options, baseSequence: 9 }), 3);
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('stamps LogAppendTime and re-checksums when the topic asks for it', () => {
    const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
    const topics = memoryOnlyRegistry(config);
    const topic = topics.create('lat', 1, new Map([['message.timestamp.type', 'LogAppendTime']]));
    const batch = buildBatch(values(1));
    const outcome = new BatchAppender().append(topic, topic.partitions[0], batch, 1_234_567);
    assert.equal(outcome.logAppendTimeMs, 1_234_567);
    const view = new RecordBatchView(batch);
    assert.equal(view.maxTimestamp, 1_234_567);
    assert.equal(view.hasValidCrc(), true);
  });
});
