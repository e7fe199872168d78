import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur2, RestPartitioner } from '../../../src/admin/services/partitioner.js';

describe('REST partitioner', () => {
  // Expected values from Apache Kafka's UtilsTest.testMurmur2.
  it('hashes like Kafka Utils.murmur2', () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, expected] of cases) assert.equal(murmur2(Buffer.from(key)), expected, key);
  });

  it('sends a key where the Java client would, and keyless requests round-robin', () => {
    const partitioner = new RestPartitioner();
    assert.equal(partitioner.choose('t', 3, Buffer.from('foobar')), (-790332482 & 0x7fffffff) % 3);
    assert.deepEqual([0, 1, 2, 3].map(() => partitioner.choose('t', 3, null)), [0, 1, 2, 0]);
    assert.equal(partitioner.choose('other', 3, null), 0, 'each topic has its own position');
  });
});
