/** Which topics the uplink mirrors and what they are called on the remote cluster. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopicSelection } from '../../../src/uplink/topic-selection.js';

describe('TopicSelection', () => {
  it('matches names and regular expressions against the whole topic name, as MirrorMaker 2 does', () => {
    const selection = new TopicSelection(['orders', 'events\\..*'], '');
    assert.deepEqual(['orders', 'orders-old', 'events.eu', 'events', 'my-orders'].map((t) => selection.matches(t)), [true, false, true, false, false]);
  });

  it('prefixes remote names', () => {
    assert.equal(new TopicSelection(['.*'], 'blink.').remoteName('orders'), 'blink.orders');
    assert.equal(new TopicSelection(['.*'], '').remoteName('orders'), 'orders');
  });
});
