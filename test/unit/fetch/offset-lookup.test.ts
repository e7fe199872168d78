/** OffsetLookup: ListOffsets' special timestamps and look-ups by time, and OffsetForLeaderEpoch, per partition. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ListOffsetsTimestamp } from '../../../src/fetch/offset-lookup.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { domain } from '../topics/support.js';

const BASE_TIMESTAMP = 1_700_000_000_000;

async function withData() {
  const d = domain();
  d.registry.create('t', 1);
  for (let i = 0; i < 3; i++) {
    const records = buildBatch(values(2).map((r, delta) => ({ ...r, timestampDelta: delta })), { baseTimestamp: BASE_TIMESTAMP + i * 10 });
    await d.producer.produce([{ topic: 't', partition: 0, records }], 0, 0);
  }
  d.topics.deleteRecords(d.registry.partition('t', 0)!, 1);
  return d;
}

describe('OffsetLookup', () => {
  it('latest, earliest, max timestamp, earliest local, latest tiered, by time, and nothing for other negative timestamps', async () => {
    const { offsets } = await withData();
    const look = (timestamp: number) => offsets.offsetFor('t', 0, timestamp);
    assert.deepEqual(await look(ListOffsetsTimestamp.LATEST), { offset: 6, timestamp: -1, leaderEpoch: 0 });
    assert.deepEqual(await look(ListOffsetsTimestamp.EARLIEST), { offset: 1, timestamp: -1, leaderEpoch: 0 });
    assert.deepEqual(await look(ListOffsetsTimestamp.MAX_TIMESTAMP), { offset: 5, timestamp: BASE_TIMESTAMP + 21, leaderEpoch: 0 });
    assert.deepEqual(await look(ListOffsetsTimestamp.EARLIEST_LOCAL), { offset: 1, timestamp: -1, leaderEpoch: 0 }, 'all data is local: the log start');
    assert.deepEqual(await look(ListOffsetsTimestamp.LATEST_TIERED), { offset: -1, timestamp: -1, leaderEpoch: -1 }, 'no tiered storage');
    assert.deepEqual(await look(BASE_TIMESTAMP + 11), { offset: 3, timestamp: BASE_TIMESTAMP + 11, leaderEpoch: 0 });
    assert.deepEqual(await look(BASE_TIMESTAMP + 100), { offset: -1, timestamp: -1, leaderEpoch: -1 });
    assert.deepEqual(await look(-7), { offset: -1, timestamp: -1, leaderEpoch: -1 });
  });

  it('checks the current leader epoch: ours (0) or none (negative) pass, a newer one is UNKNOWN_LEADER_EPOCH', async () => {
    const { offsets } = await withData();
    assert.equal(((await offsets.offsetFor('t', 0, -1, 0)) as { offset: number }).offset, 6);
    assert.equal(((await offsets.offsetFor('t', 0, -1, -1)) as { offset: number }).offset, 6);
    assert.equal(((await offsets.offsetFor('t', 0, -1, 1)) as { errorCode?: number }).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  });

  it('unknown partitions are UNKNOWN_TOPIC_OR_PARTITION; leader epoch 0 ends at the high watermark, later ones are unknown', async () => {
    const { offsets } = await withData();
    assert.equal(((await offsets.offsetFor('t', 1, -1)) as { errorCode?: number }).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.deepEqual(offsets.epochEnd('t', 0, 0), { leaderEpoch: 0, endOffset: 6 });
    assert.deepEqual(offsets.epochEnd('t', 0, 3), { leaderEpoch: -1, endOffset: -1 });
    assert.deepEqual(offsets.epochEnd('t', 0, -1), { leaderEpoch: -1, endOffset: -1 }, 'no epoch asked: unknown, as Kafka');
    assert.deepEqual(offsets.epochEnd('t', 0, -2), { leaderEpoch: -2, endOffset: 1 }, 'an epoch before the first ends where the first starts (the log start offset)');
    assert.equal((offsets.epochEnd('absent', 0, 0) as { errorCode?: number }).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
