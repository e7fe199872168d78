/**
 * The two appender entry points the plugin path uses: `appendValidated` for a batch the
 * plugins rebuilt (records dropped leave offset gaps) and `acknowledgeDropped` for a batch
 * whose every record was dropped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { rebuildBatch } from '../../../src/record-format/batch-rewrite.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { parseRecords } from '../../../src/record-format/records.js';
import { BatchAppender, type AppendOutcome } from '../../../src/storage/batch-appender.js';
import { MemoryAccountant } from '../../../src/storage/memory-accountant.js';
import { TopicRegistry } from '../../../src/storage/topic-registry.js';
import { buildBatch, values } from '../../support/batch-builder.js';

function fixture() {
  const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
  const topic = new TopicRegistry(config, new MemoryAccountant()).create('t', 1);
  return { topic, log: topic.partitions[0], appender: new BatchAppender() };
}

function settled(outcome: AppendOutcome | Promise<AppendOutcome>): AppendOutcome {
  assert.ok(!(outcome instanceof Promise), 'memory mode answers synchronously');
  return outcome;
}

const idempotent = (baseSequence: number) => ({ producerId: 9, producerEpoch: 0, baseSequence });

/** The batch without its records at `drop` (as the plugin service rebuilds it). */
async function withoutRecords(batch: Buffer, drop: number[]): Promise<Buffer> {
  const section = batch.subarray(61);
  const kept = parseRecords(section, batch.readInt32BE(57)).filter((_, i) => !drop.includes(i));
  return rebuildBatch(batch, Buffer.concat(kept.map((r) => section.subarray(r.start, r.end))), kept.length, { codec: 0, xerialFramed: false });
}

describe('BatchAppender for plugin-rebuilt batches', () => {
  it('appends a batch with dropped records: the gap keeps its offsets, the next batch follows the whole range', async () => {
    const { topic, log, appender } = fixture();
    const produced = buildBatch(values(4), idempotent(0));
    assert.equal(appender.validate(topic, produced), null);
    const rebuilt = await withoutRecords(produced, [1]);
    assert.notEqual(appender.validate(topic, rebuilt), null, 'a produced batch with a gap would be refused: rebuilt ones skip validation');
    const first = settled(appender.appendValidated(topic, log, rebuilt, 1));
    assert.deepEqual([first.errorCode, first.baseOffset, first.recordsAppended], [ErrorCode.NONE, 0, 3]);
    assert.equal(log.highWatermark, 4);
    const next = settled(appender.append(topic, log, buildBatch(values(1), idempotent(4)), 2));
    assert.deepEqual([next.errorCode, next.baseOffset], [ErrorCode.NONE, 4], 'sequence 4 is next: the producer sequence range was kept');
  });

  it('acknowledges a wholly dropped idempotent batch: base offset -1, nothing stored, sequences stay in step', () => {
    const { topic, log, appender } = fixture();
    const dropped = buildBatch(values(2), idempotent(0));
    assert.deepEqual(appender.acknowledgeDropped(log, dropped), { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 });
    assert.equal(log.highWatermark, 0);
    assert.equal(appender.acknowledgeDropped(log, buildBatch(values(2), idempotent(0))).baseOffset, -1, 'a retry is a duplicate');
    const next = settled(appender.append(topic, log, buildBatch(values(1), idempotent(2)), 1));
    assert.deepEqual([next.errorCode, next.baseOffset], [ErrorCode.NONE, 0]);
    assert.equal(appender.acknowledgeDropped(log, buildBatch(values(1), idempotent(7))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });
});
