/**
 * AbortedTransactionIndex: which aborted transactions a read_committed Fetch lists, with
 * Kafka's early stop on each entry's last stable offset, and its bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbortedTransactionIndex } from '../../../src/storage/aborted-transactions.js';

describe('AbortedTransactionIndex', () => {
  it('lists the transactions whose marker is at or after the fetch offset and that began below the bound', () => {
    const index = new AbortedTransactionIndex();
    index.add({ producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 5 });
    index.add({ producerId: 2, firstOffset: 6, lastOffset: 9, lastStableOffset: 10 });
    index.add({ producerId: 3, firstOffset: 12, lastOffset: 15, lastStableOffset: 16 });
    assert.deepEqual(index.collect(0, 10), [{ producerId: 1, firstOffset: 0 }, { producerId: 2, firstOffset: 6 }]);
    assert.deepEqual(index.collect(5, 10), [{ producerId: 2, firstOffset: 6 }], 'a marker below the fetch offset is behind the consumer');
    assert.deepEqual(index.collect(10, 12), [], 'the third began at the bound: nothing of it is returned');
    assert.deepEqual(index.collect(10, 13), [{ producerId: 3, firstOffset: 12 }]);
  });

  it('keeps looking past an entry while an older transaction was still open when it ended (interleaved producers), and lists them by first offset', () => {
    const index = new AbortedTransactionIndex();
    // Producer 1 runs 0..20; producer 2 runs 5..8 and aborts while 1 is open (stable offset stays 0).
    index.add({ producerId: 2, firstOffset: 5, lastOffset: 8, lastStableOffset: 0 });
    index.add({ producerId: 1, firstOffset: 0, lastOffset: 20, lastStableOffset: 21 });
    // Kafka lists them in marker order (2 then 1); kafkajs needs them by first offset.
    assert.deepEqual(index.collect(0, 10), [{ producerId: 1, firstOffset: 0 }, { producerId: 2, firstOffset: 5 }]);
  });

  it('stops at the first entry whose last stable offset reaches the bound (nothing later can begin below it)', () => {
    const index = new AbortedTransactionIndex();
    index.add({ producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 });
    index.add({ producerId: 2, firstOffset: 1, lastOffset: 30, lastStableOffset: 31 });
    assert.deepEqual(index.collect(0, 3), [{ producerId: 1, firstOffset: 0 }], 'by the early stop, as Kafka: entry 2 began at 1 but ended after the stable offset passed the bound');
  });

  it('gives a sealed segment its share, drops entries below the log start, and refuses entries out of order', () => {
    const index = new AbortedTransactionIndex();
    index.add({ producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 5 });
    index.add({ producerId: 2, firstOffset: 5, lastOffset: 9, lastStableOffset: 10 });
    assert.deepEqual(index.between(0, 5).map((e) => e.producerId), [1]);
    assert.deepEqual(index.between(5, 100).map((e) => e.producerId), [2]);
    assert.throws(() => index.add({ producerId: 3, firstOffset: 7, lastOffset: 9, lastStableOffset: 10 }), /does not follow/);
    index.dropBelow(5);
    assert.equal(index.size, 1);
    assert.deepEqual(index.collect(0, 100), [{ producerId: 2, firstOffset: 5 }]);
    index.restore([{ producerId: 9, firstOffset: 20, lastOffset: 21, lastStableOffset: 22 }, { producerId: 8, firstOffset: 10, lastOffset: 11, lastStableOffset: 12 }]);
    assert.deepEqual(index.collect(0, 100).map((e) => e.producerId), [8, 9], 'restored entries are sorted by marker');
  });
});
