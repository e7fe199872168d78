/**
 * KeyedOrder: one key's operations run one at a time in the order asked, past failures;
 * different keys do not wait for each other; a key with nothing pending holds no entry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedOrder } from '../../../src/common/keyed-order.js';

/** A promise and the functions that settle it. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('KeyedOrder', () => {
  it('runs one key in order, a failure does not stop the next, and forgets settled keys', async () => {
    const order = new KeyedOrder();
    const started: string[] = [];
    const first = deferred();
    const a1 = order.run('a', () => (started.push('a1'), first.promise));
    const a2 = order.run('a', async () => (started.push('a2'), 2));
    const b1 = order.run('b', async () => (started.push('b1'), 'b'));
    assert.equal(order.pendingKeys, 2);
    assert.equal(await b1, 'b', 'another key does not wait for a');
    assert.deepEqual(started, ['a1', 'b1'], 'a2 waits for a1');
    first.reject(new Error('disk full'));
    await assert.rejects(a1, /disk full/);
    assert.equal(await a2, 2, 'a2 runs after a1 failed');
    assert.deepEqual(started, ['a1', 'b1', 'a2']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.pendingKeys, 0, 'no entry is kept for settled keys');
  });
});
