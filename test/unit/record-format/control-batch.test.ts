/** Transaction markers as Kafka writes them, read back by type. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlType, encodeMarkerBatch, markerTypeOf } from '../../../src/record-format/control-batch.js';
import { ATTR_CONTROL, ATTR_TRANSACTIONAL, RecordBatchView } from '../../../src/record-format/record-batch.js';
import { parseRecords } from '../../../src/record-format/records.js';
import { buildBatch, values } from '../../support/batch-builder.js';

describe('transaction marker batches', () => {
  it('writes one control record (key: version 0 + type; value: version 0 + coordinator epoch) in a transactional control batch', () => {
    const view = new RecordBatchView(encodeMarkerBatch({ producerId: 42, producerEpoch: 3, commit: true, coordinatorEpoch: 7 }, 1_700_000_000_000));
    assert.equal(view.attributes, ATTR_TRANSACTIONAL | ATTR_CONTROL);
    assert.deepEqual([view.producerId, view.producerEpoch, view.baseSequence, view.recordCount, view.lastOffsetDelta], [42, 3, -1, 1, 0]);
    assert.equal(view.maxTimestamp, 1_700_000_000_000);
    assert.ok(view.hasValidCrc());
    const [record] = parseRecords(view.buffer.subarray(61), 1);
    assert.deepEqual([...(record.key ?? [])], [0, 0, 0, 1]);
    assert.deepEqual([...(record.value ?? [])], [0, 0, 0, 0, 0, 7]);
    assert.equal(markerTypeOf(view), ControlType.COMMIT);
    assert.equal(markerTypeOf(new RecordBatchView(encodeMarkerBatch({ producerId: 1, producerEpoch: 0, commit: false, coordinatorEpoch: 0 }, 0))), ControlType.ABORT);
  });

  it('reads no marker type from a data batch or a control batch of another kind', () => {
    assert.equal(markerTypeOf(new RecordBatchView(buildBatch(values(1)))), null);
    const otherControl = buildBatch([{ key: Buffer.from([0, 0, 0, 5]), value: null }], { attributes: ATTR_CONTROL | ATTR_TRANSACTIONAL });
    assert.equal(markerTypeOf(new RecordBatchView(otherControl)), null);
  });
});
