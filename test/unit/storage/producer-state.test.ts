import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProducerStateTable, RECENT_BATCHES_MAX } from '../../../src/storage/producer-state.js';

describe('ProducerStateTable', () => {
  it('accepts the next sequence and recognises a retried batch', () => {
    const table = new ProducerStateTable();
    assert.deepEqual(table.check(7, 0, 0, 4), { kind: 'append' });
    table.record(7, 0, { firstSeq: 0, lastSeq: 4, baseOffset: 100, timestamp: -1 });
    assert.deepEqual(table.check(7, 0, 5, 9), { kind: 'append' });
    assert.deepEqual(table.check(7, 0, 0, 4), { kind: 'duplicate', baseOffset: 100 });
  });

  it('refuses a gap as out of order', () => {
    const table = new ProducerStateTable();
    table.record(7, 0, { firstSeq: 0, lastSeq: 4, baseOffset: 0, timestamp: -1 });
    assert.equal(table.check(7, 0, 6, 6).kind, 'out-of-order');
  });

  it('fences an older epoch and restarts sequences on a newer one', () => {
    const table = new ProducerStateTable();
    table.record(7, 1, { firstSeq: 0, lastSeq: 0, baseOffset: 0, timestamp: -1 });
    assert.equal(table.check(7, 0, 1, 1).kind, 'fenced');
    assert.equal(table.check(7, 2, 3, 3).kind, 'out-of-order');
    assert.equal(table.check(7, 2, 0, 0).kind, 'append');
  });

  it('remembers only the most recent batches', () => {
    const table = new ProducerStateTable();
    for (let i = 0; i <= RECENT_BATCHES_MAX; i++) table.record(1, 0, { firstSeq: i, lastSeq: i, baseOffset: i, timestamp: -1 });
    assert.equal(table.check(1, 0, 0, 0).kind, 'out-of-order', 'the oldest batch fell out of the window');
    assert.deepEqual(table.check(1, 0, 1, 1), { kind: 'duplicate', baseOffset: 1 });
  });

  it('wraps the sequence at Int32.MAX', () => {
    const table = new ProducerStateTable();
    table.record(1, 0, { firstSeq: 0x7fff_fff0, lastSeq: 0x7fff_ffff, baseOffset: 0, timestamp: -1 });
    assert.equal(table.check(1, 0, 0, 3).kind, 'append');
  });

  it('describes each producer by its last batch, with no transaction', () => {
    const table = new ProducerStateTable();
    table.record(7, 0, { firstSeq: 0, lastSeq: 4, baseOffset: 0, timestamp: 1_000 });
    table.record(7, 0, { firstSeq: 5, lastSeq: 6, baseOffset: 5, timestamp: 2_000 });
    table.record(9, 3, { firstSeq: 0, lastSeq: 0, baseOffset: 7, timestamp: 1_500 });
    table.record(7, 1, { firstSeq: 0, lastSeq: 2, baseOffset: 8, timestamp: 2_500 });
    assert.deepEqual(table.activeProducers(), [
      { producerId: 7, producerEpoch: 1, lastSequence: 2, lastTimestamp: 2_500, coordinatorEpoch: -1, currentTxnStartOffset: -1 },
      { producerId: 9, producerEpoch: 3, lastSequence: 0, lastTimestamp: 1_500, coordinatorEpoch: -1, currentTxnStartOffset: -1 },
    ]);
  });
});

describe('ProducerStateTable: transactions', () => {
  const data = (producerId: number, baseOffset: number) => ({ producerId, producerEpoch: 0, baseOffset, marker: null });

  it('opens a transaction at its first batch, keeps the oldest first offset as the first unstable offset, and closes it at the marker', () => {
    const table = new ProducerStateTable();
    table.record(1, 0, { firstSeq: 0, lastSeq: 0, baseOffset: 3, timestamp: -1 });
    table.transactionalBatchAppended(data(1, 3));
    table.transactionalBatchAppended(data(1, 4));
    table.record(2, 0, { firstSeq: 0, lastSeq: 0, baseOffset: 5, timestamp: -1 });
    table.transactionalBatchAppended(data(2, 5));
    assert.equal(table.firstUnstableOffset, 3);
    assert.deepEqual(table.ongoingTransaction(1), { producerId: 1, epoch: 0, firstOffset: 3 });
    assert.equal(table.transactionalBatchAppended({ producerId: 1, producerEpoch: 0, baseOffset: 6, marker: 1 }), 3);
    assert.equal(table.firstUnstableOffset, 5, 'producer 2 still holds the partition back');
    table.transactionalBatchAppended({ producerId: 2, producerEpoch: 0, baseOffset: 7, marker: 0 });
    assert.equal(table.firstUnstableOffset, undefined);
    assert.deepEqual(table.aborted.collect(0, 8), [{ producerId: 2, firstOffset: 5 }]);
  });

  it('refuses a non-transactional write from a producer whose transaction is open here', () => {
    const table = new ProducerStateTable();
    table.record(1, 0, { firstSeq: 0, lastSeq: 0, baseOffset: 0, timestamp: -1 });
    table.transactionalBatchAppended(data(1, 0));
    assert.equal(table.check(1, 0, 1, 1, false).kind, 'invalid-txn-state');
    assert.equal(table.check(1, 0, 1, 1, true).kind, 'append');
  });

  it('a marker with a newer epoch fences the older one and restarts sequences', () => {
    const table = new ProducerStateTable();
    table.record(1, 0, { firstSeq: 0, lastSeq: 4, baseOffset: 0, timestamp: -1 });
    table.transactionalBatchAppended(data(1, 0));
    table.transactionalBatchAppended({ producerId: 1, producerEpoch: 1, baseOffset: 5, marker: 0 });
    assert.equal(table.epochOf(1), 1);
    assert.equal(table.check(1, 0, 5, 5, true).kind, 'fenced');
    assert.equal(table.check(1, 1, 0, 0, true).kind, 'append');
  });

  it('keeps open transactions across a snapshot and its restore', () => {
    const table = new ProducerStateTable();
    table.record(1, 0, { firstSeq: 0, lastSeq: 0, baseOffset: 10, timestamp: -1 });
    table.transactionalBatchAppended(data(1, 10));
    table.record(2, 0, { firstSeq: 0, lastSeq: 0, baseOffset: 11, timestamp: -1 });
    const restored = new ProducerStateTable();
    restored.restore(JSON.parse(JSON.stringify(table.snapshot())));
    assert.equal(restored.firstUnstableOffset, 10);
    assert.deepEqual(restored.ongoingTransactions(), [{ producerId: 1, epoch: 0, firstOffset: 10 }]);
    assert.equal(restored.ongoingTransaction(2), undefined);
  });
});
