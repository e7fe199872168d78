/**
 * The transaction coordinator's state machine on a fake clock (Kafka 3.9, transactions v1):
 * InitProducerId epochs and fencing (KIP-360 included), the states a transaction goes
 * through and the error codes of each API in each state, the markers and the last stable
 * offset they move, the produce-side check, the timeout abort and id expiry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlType, markerTypeOf } from '../../../src/record-format/control-batch.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { PRODUCER_EPOCH_MAX } from '../../../src/txn/transaction.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { ManualColdTiers, TXN_TIMEOUT_MS, txnHarness, type TxnHarness } from './support.js';

const T0 = { topic: 't', partition: 0 };
const T1 = { topic: 't', partition: 1 };

/** The marker types written into a partition, in offset order. */
function markersIn(h: TxnHarness, partition: number): string[] {
  return [...h.log(partition).memoryBatchesFrom(0)]
    .map((b) => new RecordBatchView(b.buffer))
    .filter((view) => view.isControl)
    .map((view) => (markerTypeOf(view) === ControlType.COMMIT ? 'COMMIT' : 'ABORT'));
}

describe('TransactionCoordinator: InitProducerId', () => {
  it('gives a new transactional id its producer id at epoch 0, and bumps the epoch on every later call', async () => {
    const h = txnHarness();
    const first = await h.init('app');
    assert.equal(first.producerEpoch, 0);
    const second = await h.init('app');
    assert.deepEqual(second, { producerId: first.producerId, producerEpoch: 1 });
    assert.equal(h.coordinator.describe('app').state, 'Empty');
  });

  it('gives idempotent producers (no transactional id) a fresh producer id at epoch 0 every time', async () => {
    const h = txnHarness();
    const a = await h.coordinator.initProducerId(null, 0, null);
    const b = await h.coordinator.initProducerId(null, 0, { producerId: a.producerId, producerEpoch: 0 });
    assert.equal(a.errorCode, ErrorCode.NONE);
    assert.equal(b.producerEpoch, 0);
    assert.notEqual(a.producerId, b.producerId);
  });

  it('refuses an empty transactional id and a timeout outside 1..transaction_max_timeout_ms', async () => {
    const h = txnHarness({ TRANSACTION_MAX_TIMEOUT_MS: '60s' });
    assert.equal((await h.coordinator.initProducerId('', 1_000, null)).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await h.coordinator.initProducerId('app', 60_001, null)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await h.coordinator.initProducerId('app', 0, null)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await h.coordinator.initProducerId('app', 60_000, null)).errorCode, ErrorCode.NONE);
  });

  it('KIP-360: bumps for the current epoch, repeats the answer for a retried bump, fences any other epoch', async () => {
    const h = txnHarness();
    const { producerId } = await h.init('app');
    const bumped = await h.coordinator.initProducerId('app', TXN_TIMEOUT_MS, { producerId, producerEpoch: 0 });
    assert.deepEqual([bumped.errorCode, bumped.producerEpoch], [ErrorCode.NONE, 1]);
    const retried = await h.coordinator.initProducerId('app', TXN_TIMEOUT_MS, { producerId, producerEpoch: 0 });
    assert.deepEqual([retried.errorCode, retried.producerEpoch], [ErrorCode.NONE, 1], 'the retry of the bump to 1 gets 1 again');
    const stale = await h.coordinator.initProducerId('app', TXN_TIMEOUT_MS, { producerId, producerEpoch: 7 });
    assert.equal(stale.errorCode, ErrorCode.PRODUCER_FENCED);
    const otherId = await h.coordinator.initProducerId('app', TXN_TIMEOUT_MS, { producerId: producerId + 100, producerEpoch: 1 });
    assert.equal(otherId.errorCode, ErrorCode.PRODUCER_FENCED);
  });

  it('rotates to a new producer id at epoch 0 once the epoch is exhausted', async () => {
    const h = txnHarness();
    let last = await h.init('app');
    const firstId = last.producerId;
    let highestEpoch = last.producerEpoch;
    while (last.producerId === firstId) {
      highestEpoch = last.producerEpoch;
      last = await h.init('app');
    }
    assert.equal(highestEpoch, PRODUCER_EPOCH_MAX - 1, 'the last epoch handed out leaves one bump for fencing');
    assert.equal(last.producerEpoch, 0);
    assert.notEqual(last.producerId, firstId);
  });
});

describe('TransactionCoordinator: a transaction from begin to end', () => {
  it('commits: Ongoing while open (last stable offset held at its first offset), COMMIT markers in every partition, then CompleteCommit', async () => {
    const h = txnHarness();
    const p = await h.init('app');
    assert.deepEqual(h.coordinator.addPartitions('app', p.producerId, p.producerEpoch, [T0, T1]).map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.NONE]);
    assert.equal(h.coordinator.describe('app').state, 'Ongoing');
    assert.equal((await h.produce(0, { ...p, baseSequence: 0, count: 3 })).errorCode, ErrorCode.NONE);
    assert.equal(h.log(0).highWatermark, 3);
    assert.equal(h.log(0).lastStableOffset, 0, 'read_committed consumers stop before the open transaction');
    assert.equal(h.probe.counts.open, 1);
    assert.equal(await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, true), ErrorCode.NONE);
    assert.deepEqual(markersIn(h, 0), ['COMMIT']);
    assert.deepEqual(markersIn(h, 1), ['COMMIT'], 'a partition added but never written still gets its marker');
    assert.equal(h.log(0).highWatermark, 4, 'the marker takes one offset');
    assert.equal(h.log(0).lastStableOffset, 4);
    assert.equal(h.log(0).producers.aborted.size, 0);
    assert.equal(h.coordinator.describe('app').state, 'CompleteCommit');
    assert.deepEqual(h.probe.counts, { open: 0, committed: 1, aborted: 0, timedOut: 0 });
  });

  it('aborts: ABORT markers, and the aborted range (producer, first offset) recorded for read_committed fetches', async () => {
    const h = txnHarness();
    await h.produce(0, { producerId: 999, producerEpoch: 0, baseSequence: 0, count: 2, transactional: false });
    const p = await h.init('app');
    h.coordinator.addPartitions('app', p.producerId, p.producerEpoch, [T0]);
    await h.produce(0, { ...p, baseSequence: 0, count: 3 });
    assert.equal(h.log(0).lastStableOffset, 2);
    assert.equal(await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, false), ErrorCode.NONE);
    assert.deepEqual(markersIn(h, 0), ['ABORT']);
    assert.deepEqual(h.log(0).producers.aborted.collect(0, 6), [{ producerId: p.producerId, firstOffset: 2 }]);
    assert.deepEqual(h.log(0).producers.aborted.collect(6, 7), [], 'a fetch after the marker needs no aborted range');
    assert.equal(h.log(0).lastStableOffset, 6);
    assert.equal(h.coordinator.describe('app').state, 'CompleteAbort');
  });

  it('answers a retried EndTxn by the state it reached, and refuses an EndTxn that does not fit', async () => {
    const h = txnHarness();
    const p = await h.init('app');
    assert.equal(await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, true), ErrorCode.INVALID_TXN_STATE, 'Empty: nothing to end');
    h.coordinator.addPartitions('app', p.producerId, p.producerEpoch, [T0]);
    await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, true);
    assert.equal(await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, true), ErrorCode.NONE, 'commit after commit');
    assert.equal(await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, false), ErrorCode.INVALID_TXN_STATE, 'abort after commit');
    assert.deepEqual(markersIn(h, 0), ['COMMIT'], 'a retry writes no second marker');
  });

  it('refuses unknown transactional ids and producer ids (INVALID_PRODUCER_ID_MAPPING) and unknown partitions', async () => {
    const h = txnHarness();
    const p = await h.init('app');
    assert.equal(h.coordinator.addOffsets('nope', p.producerId, p.producerEpoch, 'g'), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    assert.equal(await h.coordinator.endTransaction('app', p.producerId + 1, p.producerEpoch, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const results = h.coordinator.addPartitions('app', p.producerId, p.producerEpoch, [T0, { topic: 'missing', partition: 0 }]);
    assert.deepEqual(results.map((r) => r.errorCode), [ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    assert.equal(h.coordinator.describe('app').state, 'Empty', 'nothing was added');
  });
});

describe('TransactionCoordinator: fencing', () => {
  it('a new producer of the same transactional id aborts the zombie transaction and fences the zombie everywhere', async () => {
    const h = txnHarness();
    const zombie = await h.init('app');
    h.coordinator.addPartitions('app', zombie.producerId, zombie.producerEpoch, [T0]);
    await h.produce(0, { ...zombie, baseSequence: 0, count: 2 });
    const fresh = await h.init('app');
    assert.deepEqual(fresh, { producerId: zombie.producerId, producerEpoch: 2 }, 'one bump fences and aborts, one initialises');
    assert.deepEqual(markersIn(h, 0), ['ABORT']);
    assert.deepEqual(h.log(0).producers.aborted.collect(0, 3), [{ producerId: zombie.producerId, firstOffset: 0 }]);
    const late = await h.produce(0, { ...zombie, baseSequence: 2, count: 1 });
    assert.equal(late.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'the zombie cannot write: no hanging transaction');
    assert.equal(h.coordinator.addPartitions('app', zombie.producerId, zombie.producerEpoch, [T1])[0].errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal(await h.coordinator.endTransaction('app', zombie.producerId, zombie.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
    assert.equal(h.log(0).lastStableOffset, h.log(0).highWatermark);
  });

  it('checks a transactional batch: its producer, its epoch, and that its partition was added', async () => {
    const h = txnHarness();
    const p = await h.init('app');
    h.coordinator.addPartitions('app', p.producerId, p.producerEpoch, [T0]);
    assert.equal((await h.produce(1, { ...p, baseSequence: 0 })).errorCode, ErrorCode.INVALID_TXN_STATE, 'partition not added');
    assert.equal((await h.produce(0, { producerId: 4242, producerEpoch: 0, baseSequence: 0 })).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    assert.equal((await h.produce(0, { ...p, producerEpoch: p.producerEpoch + 1, baseSequence: 0 })).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal((await h.produce(0, { ...p, baseSequence: 0 })).errorCode, ErrorCode.NONE);
    const outside = await h.produce(0, { ...p, baseSequence: 1, transactional: false });
    assert.equal(outside.errorCode, ErrorCode.INVALID_TXN_STATE, 'a write outside the open transaction');
    assert.equal(h.log(1).highWatermark, 0);
    assert.equal(h.log(0).highWatermark, 1);
  });

  it('aborts a transaction that outlives its timeout, bumping the epoch: the late commit is fenced', async () => {
    const h = txnHarness();
    const p = await h.init('app', 5_000);
    h.coordinator.addPartitions('app', p.producerId, p.producerEpoch, [T0]);
    await h.produce(0, { ...p, baseSequence: 0, count: 2 });
    await h.clock.advanceAndSettle(4_000);
    assert.equal(h.coordinator.describe('app').state, 'Ongoing');
    await h.clock.advanceAndSettle(2_000);
    const described = h.coordinator.describe('app');
    assert.deepEqual([described.state, described.producerEpoch], ['CompleteAbort', p.producerEpoch + 1]);
    assert.deepEqual(markersIn(h, 0), ['ABORT']);
    assert.equal(h.log(0).lastStableOffset, 3, 'read_committed readers are unblocked');
    assert.equal(await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
    assert.deepEqual(h.probe.counts, { open: 0, committed: 0, aborted: 1, timedOut: 1 });
  });

  it('forgets a transactional id idle for transactional_id_expiration_ms, never one with an open transaction', async () => {
    const h = txnHarness({ TRANSACTIONAL_ID_EXPIRATION_MS: '10s', TRANSACTION_MAX_TIMEOUT_MS: '60s' });
    await h.init('idle');
    const busy = await h.init('busy', 60_000);
    h.coordinator.addPartitions('busy', busy.producerId, busy.producerEpoch, [T0]);
    await h.clock.advanceAndSettle(10_000);
    assert.equal(h.coordinator.describe('idle').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    assert.equal(h.coordinator.describe('busy').state, 'Ongoing');
  });
});

describe('TransactionCoordinator: markers that take time to write (durable mode)', () => {
  it('answers CONCURRENT_TRANSACTIONS while the markers are being written, and completes the retry once they are', async () => {
    const cold = new ManualColdTiers();
    const h = txnHarness({}, cold);
    const p = await h.init('app');
    h.coordinator.addPartitions('app', p.producerId, p.producerEpoch, [T0]);
    const appended = h.produce(0, { ...p, baseSequence: 0 });
    cold.flush();
    assert.equal((await appended).errorCode, ErrorCode.NONE);
    cold.failing = true;
    const ending = h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, true);
    assert.equal(h.coordinator.describe('app').state, 'PrepareCommit');
    assert.equal(h.coordinator.addPartitions('app', p.producerId, p.producerEpoch, [T1])[0].errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal((await h.coordinator.initProducerId('app', TXN_TIMEOUT_MS, null)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, false), ErrorCode.INVALID_TXN_STATE);
    cold.flush();
    assert.equal(await ending, ErrorCode.NONE, 'the decision is journaled: the client is told it committed');
    assert.equal(h.coordinator.describe('app').state, 'PrepareCommit', 'the marker failed: still prepared');
    assert.equal(h.log(0).lastStableOffset, 0);
    cold.failing = false;
    await h.clock.advanceAndSettle(1_000);
    cold.flush();
    await h.clock.advanceAndSettle(0);
    assert.equal(h.coordinator.describe('app').state, 'CompleteCommit');
    assert.equal(h.log(0).lastStableOffset, 2);
  });
});

describe('TransactionCoordinator: admin views', () => {
  it('describes and lists transactions by state, producer id and duration', async () => {
    const h = txnHarness();
    const a = await h.init('a');
    await h.init('b');
    h.coordinator.addPartitions('a', a.producerId, a.producerEpoch, [T1, T0]);
    h.coordinator.addOffsets('a', a.producerId, a.producerEpoch, 'g');
    const described = h.coordinator.describe('a');
    assert.equal(described.state, 'Ongoing');
    assert.equal(described.startTimeMs, h.clock.nowMs());
    assert.deepEqual(described.topics, [
      { topic: 't', partitions: [1, 0] },
      { topic: '__consumer_offsets', partitions: [0] },
    ]);
    assert.deepEqual(h.coordinator.list(['Ongoing'], [], -1).transactions.map((t) => t.transactionalId), ['a']);
    assert.deepEqual(h.coordinator.list([], [a.producerId], -1).transactions.map((t) => t.transactionState), ['Ongoing']);
    assert.deepEqual(h.coordinator.list(['Bogus'], [], -1), { unknownStateFilters: ['Bogus'], transactions: [] });
    assert.deepEqual(h.coordinator.list(['Ongoing'], [], 5_000).transactions, [], 'not running longer than 5 s yet');
    await h.clock.advanceAndSettle(6_000);
    assert.deepEqual(h.coordinator.list(['Ongoing'], [], 5_000).transactions.map((t) => t.transactionalId), ['a']);
  });
});
