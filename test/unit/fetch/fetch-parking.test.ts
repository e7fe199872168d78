/**
 * Unit tests of long-poll parking on a fake clock: a parked fetch is answered at its
 * deadline (capped), as soon as enough bytes arrive, or at shutdown, and leaves no timer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FETCH_MAX_WAIT_CAP_MS, FetchParking } from '../../../src/fetch/fetch-parking.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { FakeClock, settle } from '../../support/fake-clock.js';
import { unlimitedAccountant } from '../../support/storage.js';

function batchAt(baseOffset: number, size: number) {
  return { baseOffset, lastOffset: baseOffset, buffer: Buffer.alloc(size), appendTimeMs: 0, maxTimestamp: 0, recordCount: 1 };
}

/** Parks a fetch and reports whether it has been answered. */
function parkOn(parking: FetchParking, log: PartitionLog, bytesNeeded: number, maxWaitMs: number): { answered: () => boolean } {
  let done = false;
  void parking.park([log], bytesNeeded, maxWaitMs).then(() => (done = true));
  return { answered: () => done };
}

describe('FetchParking (fake clock)', () => {
  it('answers a parked fetch exactly at max_wait_ms when too few bytes arrive', async () => {
    const clock = new FakeClock();
    const parking = new FetchParking(clock);
    const log = new PartitionLog('t', 0, unlimitedAccountant(clock));
    const fetch = parkOn(parking, log, 1_000, 500);
    log.append(batchAt(0, 10));
    await clock.advanceAndSettle(499);
    assert.equal(fetch.answered(), false);
    await clock.advanceAndSettle(1);
    assert.equal(fetch.answered(), true);
    assert.equal(parking.parkedCount, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('wakes as soon as enough bytes are appended, cancelling its deadline', async () => {
    const clock = new FakeClock();
    const parking = new FetchParking(clock);
    const log = new PartitionLog('t', 0, unlimitedAccountant(clock));
    const fetch = parkOn(parking, log, 100, 30_000);
    log.append(batchAt(0, 60));
    await settle();
    assert.equal(fetch.answered(), false);
    log.append(batchAt(1, 60));
    await settle();
    assert.equal(fetch.answered(), true);
    assert.equal(clock.pendingTimers, 0, 'the deadline timer is gone');
  });

  it('caps a client max_wait_ms at FETCH_MAX_WAIT_CAP_MS', async () => {
    const clock = new FakeClock();
    const parking = new FetchParking(clock);
    const fetch = parkOn(parking, new PartitionLog('t', 0, unlimitedAccountant(clock)), 1, 10 * FETCH_MAX_WAIT_CAP_MS);
    await clock.advanceAndSettle(FETCH_MAX_WAIT_CAP_MS);
    assert.equal(fetch.answered(), true);
  });

  it('answers every parked fetch at shutdown', async () => {
    const clock = new FakeClock();
    const parking = new FetchParking(clock);
    const log = new PartitionLog('t', 0, unlimitedAccountant(clock));
    const fetches = [parkOn(parking, log, 1, 5_000), parkOn(parking, log, 1, 5_000)];
    parking.releaseAll();
    await settle();
    assert.deepEqual(fetches.map((f) => f.answered()), [true, true]);
    assert.equal(clock.pendingTimers, 0);
  });
});
