/**
 * Fetch isolation (KIP-98) through the FetchService and OffsetLookup, with transactions
 * written through the real produce step and coordinator: read_committed stops at the last
 * stable offset and lists the aborted ranges, read_uncommitted sees aborted records too,
 * ListOffsets "latest" follows the isolation level, and a parked read_committed fetch is
 * woken by the marker that makes bytes stable, not by bytes of an open transaction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FetchSpec } from '../../../src/fetch/fetch.service.js';
import { ListOffsetsTimestamp } from '../../../src/fetch/offset-lookup.js';
import { ATTR_TRANSACTIONAL, RecordBatchView } from '../../../src/record-format/record-batch.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { domain } from '../topics/support.js';

const MB = 1024 * 1024;
/** Long enough that a test finishing early proves the wait was cut short. */
const LONG_WAIT_MS = 30_000;

function spec(fetchOffset: number, readCommitted: boolean, overrides: Partial<FetchSpec> = {}): FetchSpec {
  return {
    partitions: [{ topic: 't', partition: 0, fetchOffset, partitionMaxBytes: MB }],
    maxBytes: 50 * MB,
    minBytes: 1,
    maxWaitMs: 0,
    firstBatchWhole: true,
    consuming: false,
    readCommitted,
    ...overrides,
  };
}

/** Base offsets of the batches a fetch returned. */
function offsetsOf(records: Buffer[] | null): number[] {
  return (records ?? []).map((buffer) => new RecordBatchView(buffer).baseOffset);
}

async function setup() {
  const d = domain();
  d.registry.create('t', 1);
  const { coordinator } = d.transactions;
  const init = await coordinator.initProducerId('app', 60_000, null);
  let sequence = 0;
  const produce = async (transactional: boolean, count = 2) => {
    const records = transactional
      ? buildBatch(values(count, 'txn'), { producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: sequence, attributes: ATTR_TRANSACTIONAL })
      : buildBatch(values(count, 'plain'));
    if (transactional) sequence += count;
    const [outcome] = await d.producer.produce([{ topic: 't', partition: 0, records }], 0, 0);
    assert.equal(outcome.errorCode, ErrorCode.NONE);
  };
  const begin = () => coordinator.addPartitions('app', init.producerId, init.producerEpoch, [{ topic: 't', partition: 0 }]);
  const end = (commit: boolean) => coordinator.endTransaction('app', init.producerId, init.producerEpoch, commit);
  return { ...d, init, produce, begin, end };
}

describe('Fetch isolation', () => {
  it('read_committed stops at the open transaction; read_uncommitted reads on; both see the last stable offset', async () => {
    const s = await setup();
    await s.produce(false);
    s.begin();
    await s.produce(true);
    await s.produce(false);
    const [committed] = await s.fetcher.fetch(spec(0, true));
    assert.deepEqual(offsetsOf(committed.records), [0]);
    assert.equal(committed.lastStableOffset, 2);
    assert.equal(committed.highWatermark, 6);
    assert.deepEqual(committed.abortedTransactions, []);
    const [uncommitted] = await s.fetcher.fetch(spec(0, false));
    assert.deepEqual(offsetsOf(uncommitted.records), [0, 2, 4]);
    assert.equal(uncommitted.lastStableOffset, 2);
    assert.equal(uncommitted.abortedTransactions, null);
    const [atStable] = await s.fetcher.fetch(spec(2, true));
    assert.deepEqual([atStable.errorCode, atStable.bytes], [ErrorCode.NONE, 0], 'at the last stable offset: nothing yet, no error');
  });

  it('after an abort, read_committed gets the aborted range with the batches; read_uncommitted gets the aborted records and no list', async () => {
    const s = await setup();
    s.begin();
    await s.produce(true);
    await s.produce(false);
    assert.equal(await s.end(false), ErrorCode.NONE);
    await s.produce(false);
    const [committed] = await s.fetcher.fetch(spec(0, true));
    assert.deepEqual(offsetsOf(committed.records), [0, 2, 4, 5], 'the aborted data, the batch beside it, the marker, what came after');
    assert.deepEqual(committed.abortedTransactions, [{ producerId: s.init.producerId, firstOffset: 0 }]);
    const [after] = await s.fetcher.fetch(spec(5, true));
    assert.deepEqual(after.abortedTransactions, [], 'no aborted transaction ends at or after offset 5');
    const [uncommitted] = await s.fetcher.fetch(spec(0, false));
    assert.deepEqual(offsetsOf(uncommitted.records), [0, 2, 4, 5]);
    assert.equal(uncommitted.abortedTransactions, null);
  });

  it('ListOffsets latest is the last stable offset under read_committed, the high watermark otherwise', async () => {
    const s = await setup();
    await s.produce(false);
    s.begin();
    await s.produce(true);
    assert.deepEqual(await s.offsets.offsetFor('t', 0, ListOffsetsTimestamp.LATEST, -1, true), { offset: 2, timestamp: -1, leaderEpoch: 0 });
    assert.deepEqual(await s.offsets.offsetFor('t', 0, ListOffsetsTimestamp.LATEST, -1, false), { offset: 4, timestamp: -1, leaderEpoch: 0 });
    await s.end(true);
    assert.deepEqual(await s.offsets.offsetFor('t', 0, ListOffsetsTimestamp.LATEST, -1, true), { offset: 5, timestamp: -1, leaderEpoch: 0 });
  });

  it('a parked read_committed fetch is not woken by an open transaction, and is woken by its COMMIT marker', async () => {
    const s = await setup();
    s.begin();
    const parked = s.fetcher.fetch(spec(0, true, { minBytes: 1, maxWaitMs: LONG_WAIT_MS }));
    assert.ok(parked instanceof Promise, 'a fetch that parks answers later');
    let answered = false;
    void parked.then(() => (answered = true));
    await s.produce(true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'bytes of an open transaction do not count toward min_bytes');
    const started = Date.now();
    await s.end(true);
    const [fetched] = await parked;
    assert.ok(Date.now() - started < LONG_WAIT_MS / 2, 'woken by the marker, not by the deadline');
    assert.deepEqual(offsetsOf(fetched.records), [0, 2]);
  });
});
