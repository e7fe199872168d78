import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subscribedTopics } from '../../../src/groups/consumer-protocol.js';
import { subscription } from './support.js';

describe('ConsumerProtocolSubscription topics', () => {
  it('reads the topics of a v0 subscription', () => {
    assert.deepEqual(subscribedTopics(subscription(['a', 'bb'])), ['a', 'bb']);
  });

  it('reads the same prefix of later versions (owned partitions, generation, rack appended)', () => {
    const v3 = Buffer.concat([subscription(['orders']), Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);
    v3.writeInt16BE(3, 0);
    assert.deepEqual(subscribedTopics(v3), ['orders']);
  });

  it('returns null for bytes that are not a subscription', () => {
    assert.equal(subscribedTopics(Buffer.alloc(0)), null);
    assert.equal(subscribedTopics(Buffer.from([0, 0, 0, 0, 0, 9, 0, 3])), null);
    assert.equal(subscribedTopics(Buffer.from([0xff, 0xff])), null);
  });
});
