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
