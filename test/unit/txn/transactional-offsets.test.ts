/**
 * TxnOffsetCommit (KIP-98, KIP-447): offsets staged in a transaction, seen by the group only
 * once it commits, unstable (OffsetFetch require_stable) meanwhile, dropped on abort; and the
 * checks a TxnOffsetCommit goes through, in Kafka 3.9's order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TxnOffsetCommitParams } from '../../../src/txn/transactional-offsets.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { txnHarness, type TxnHarness } from './support.js';

function params(h: TxnHarness, p: { producerId: number; producerEpoch: number }, offset: number, overrides: Partial<TxnOffsetCommitParams> = {}): TxnOffsetCommitParams {
  return {
    transactionalId: 'app',
    groupId: 'g',
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
    ...overrides,
  };
}

const codes = (results: ReturnType<TxnHarness['offsets']['commit']>) => results.flatMap((t) => t.partitions.map((p) => p.errorCode));
const committed = (h: TxnHarness) => h.offsetManager.fetch('g', [{ name: 't', partitionIndexes: [0] }])[0].partitions[0].committedOffset;

describe('TransactionalOffsets', () => {
  it('stages offsets until the transaction commits: unstable meanwhile, the latest staged wins, the group sees them after the commit', async () => {
    const h = txnHarness();
    const p = await h.init('app');
    assert.equal(h.coordinator.addOffsets('app', p.producerId, p.producerEpoch, 'g'), ErrorCode.NONE);
    assert.deepEqual(codes(h.offsets.commit(params(h, p, 5))), [ErrorCode.NONE]);
    assert.deepEqual(codes(h.offsets.commit(params(h, p, 7))), [ErrorCode.NONE]);
    assert.equal(committed(h), -1, 'not visible before the commit');
    assert.equal(h.coordinator.hasStagedOffset('g', 't', 0), true);
    assert.equal(h.coordinator.hasStagedOffset('g', 't', 1), false);
    assert.equal(await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, true), ErrorCode.NONE);
    assert.equal(committed(h), 7);
    assert.equal(h.coordinator.hasStagedOffset('g', 't', 0), false);
  });

  it('drops staged offsets when the transaction aborts', async () => {
    const h = txnHarness();
    const p = await h.init('app');
    h.coordinator.addOffsets('app', p.producerId, p.producerEpoch, 'g');
    h.offsets.commit(params(h, p, 5));
    await h.coordinator.endTransaction('app', p.producerId, p.producerEpoch, false);
    assert.equal(committed(h), -1);
    assert.equal(h.coordinator.hasStagedOffset('g', 't', 0), false);
  });

  it('checks the transaction, then the group, then the metadata size; unknown partitions first', async () => {
    const h = txnHarness();
    const p = await h.init('app');
    assert.deepEqual(codes(h.offsets.commit(params(h, p, 5))), [ErrorCode.INVALID_TXN_STATE], 'AddOffsetsToTxn first');
    h.coordinator.addOffsets('app', p.producerId, p.producerEpoch, 'g');
    assert.deepEqual(codes(h.offsets.commit(params(h, p, 5, { producerEpoch: p.producerEpoch + 1 }))), [ErrorCode.INVALID_PRODUCER_EPOCH]);
    assert.deepEqual(codes(h.offsets.commit(params(h, p, 5, { producerId: 1 }))), [ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
    assert.deepEqual(codes(h.offsets.commit(params(h, p, 5, { memberId: 'stranger', generationId: 3 }))), [ErrorCode.UNKNOWN_MEMBER_ID], 'KIP-447 member checks');
    const missing = params(h, p, 5, { topics: [{ name: 'missing', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    assert.deepEqual(codes(h.offsets.commit(missing)), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const longMetadata = params(h, p, 5);
    const bigTopics = [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: 'x'.repeat(5_000) }] }];
    assert.deepEqual(codes(h.offsets.commit({ ...longMetadata, topics: bigTopics })), [ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    assert.equal(h.coordinator.hasStagedOffset('g', 't', 0), false, 'nothing refused was staged');
  });
});
