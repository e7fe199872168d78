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
  it('latest, earliest, max timestamp, by time, and nothing for other negative timestamps', async () => {
    const { offsets } = await withData();
    const look = (timestamp: number) => offsets.offsetFor('t', 0, timestamp);
    assert.deepEqual(await look(ListOffsetsTimestamp.LATEST), { offset: 6, timestamp: -1 });
    assert.deepEqual(await look(ListOffsetsTimestamp.EARLIEST), { offset: 1, timestamp: -1 });
    assert.deepEqual(await look(ListOffsetsTimestamp.MAX_TIMESTAMP), { offset: 5, timestamp: BASE_TIMESTAMP + 21 });
    assert.deepEqual(await look(BASE_TIMESTAMP + 11), { offset: 3, timestamp: BASE_TIMESTAMP + 11 });
    assert.deepEqual(await look(BASE_TIMESTAMP + 100), { offset: -1, timestamp: -1 });
    assert.deepEqual(await look(-7), { offset: -1, timestamp: -1 });
  });

  it('unknown partitions are UNKNOWN_TOPIC_OR_PARTITION; leader epoch 0 ends at the high watermark, later ones are unknown', async () => {
    const { offsets } = await withData();
    assert.equal(((await offsets.offsetFor('t', 1, -1)) as { errorCode?: number }).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.deepEqual(offsets.epochEnd('t', 0, 0), { leaderEpoch: 0, endOffset: 6 });
    assert.deepEqual(offsets.epochEnd('t', 0, 3), { leaderEpoch: -1, endOffset: -1 });
    assert.equal((offsets.epochEnd('absent', 0, 0) as { errorCode?: number }).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
