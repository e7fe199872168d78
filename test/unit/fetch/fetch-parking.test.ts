/**
 * Unit tests of long-poll parking on a fake clock: a parked fetch is answered at its
 * deadline (capped), as soon as enough bytes arrive, or at shutdown, and leaves no timer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FETCH_MAX_WAIT_CAP_MS, FetchParking, KEPT_IDLE_WAITS } from '../../../src/fetch/fetch-parking.js';
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
    assert.equal(parking.parkedCount, 0);
    assert.equal(clock.pendingTimers, 1, 'the shared deadline timer stays armed');
    await clock.advanceAndSettle(30_000);
    assert.equal(clock.pendingTimers, 0, 'and, with nothing parked, is not armed again once it fires');
  });

  it('serves every parked fetch with one timer, answering each at its own deadline (a shorter wait parked later included)', async () => {
    const clock = new FakeClock();
    const parking = new FetchParking(clock);
    const log = new PartitionLog('t', 0, unlimitedAccountant(clock));
    const slow = parkOn(parking, log, 1_000, 500);
    await clock.advanceAndSettle(100);
    const later = parkOn(parking, log, 1_000, 500);
    const fast = parkOn(parking, log, 1_000, 50);
    assert.equal(clock.pendingTimers, 1);
    await clock.advanceAndSettle(49);
    assert.deepEqual([slow.answered(), later.answered(), fast.answered()], [false, false, false]);
    await clock.advanceAndSettle(1);
    assert.deepEqual([slow.answered(), later.answered(), fast.answered()], [false, false, true], 'the shorter wait at t+150');
    await clock.advanceAndSettle(349);
    assert.deepEqual([slow.answered(), later.answered()], [false, false]);
    await clock.advanceAndSettle(1);
    assert.deepEqual([slow.answered(), later.answered()], [true, false], 'the first at t+500');
    await clock.advanceAndSettle(99);
    assert.equal(later.answered(), false);
    await clock.advanceAndSettle(1);
    assert.equal(later.answered(), true, 'the second at t+600');
    assert.equal(clock.pendingTimers, 0);
  });

  it('answers fetches of one wait in the order they parked, each at its deadline, those woken by bytes in between left out', async () => {
    const clock = new FakeClock();
    const parking = new FetchParking(clock);
    const quiet = new PartitionLog('t', 0, unlimitedAccountant(clock));
    const busy = new PartitionLog('t', 1, unlimitedAccountant(clock));
    const fetches: Array<{ answered: () => boolean }> = [];
    for (let i = 0; i < 10; i++) {
      if (i > 0) await clock.advanceAndSettle(10);
      fetches.push(parkOn(parking, i % 3 === 0 ? busy : quiet, 50, 100));
    }
    assert.equal(parking.parkedCount, 10);
    busy.append(batchAt(0, 60));
    await settle();
    const answered = () => fetches.map((f, i) => (f.answered() ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(answered(), [0, 3, 6, 9], 'the busy partition\'s fetches, by bytes');
    assert.equal(parking.parkedCount, 6);
    // Parked at t = 0, 10, ..., 90 with a 100 ms wait; now t = 90.
    await clock.advanceAndSettle(19);
    assert.deepEqual(answered(), [0, 3, 6, 9], 'none at t=109');
    await clock.advanceAndSettle(1);
    assert.deepEqual(answered(), [0, 1, 3, 6, 9], 'the one parked at t=10, at t=110');
    await clock.advanceAndSettle(40);
    assert.deepEqual(answered(), [0, 1, 2, 3, 4, 5, 6, 9], 'then each at its own deadline');
    await clock.advanceAndSettle(40);
    assert.deepEqual(answered(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(parking.parkedCount, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('answers a parked fetch whose deadline the wall clock moved back beyond its whole wait when the timer fires', async () => {
    class SteppedClock extends FakeClock {
      backMs = 0;
      override nowMs(): number {
        return super.nowMs() - this.backMs;
      }
    }
    const clock = new SteppedClock();
    const parking = new FetchParking(clock);
    const fetch = parkOn(parking, new PartitionLog('t', 0, unlimitedAccountant(clock)), 1_000, 500);
    clock.backMs = 3_600_000;
    await clock.advanceAndSettle(500);
    assert.equal(fetch.answered(), true, 'not an hour later');
    assert.equal(clock.pendingTimers, 0);
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

  it('keeps a wait\'s queue between long polls, and at most KEPT_IDLE_WAITS queues no fetch uses', async () => {
    const clock = new FakeClock();
    const parking = new FetchParking(clock);
    const log = new PartitionLog('t', 0, unlimitedAccountant(clock));
    let offset = 0;
    for (let round = 0; round < 3; round++) {
      const fetch = parkOn(parking, log, 1, 1);
      log.append(batchAt(offset++, 10));
      await settle();
      assert.equal(fetch.answered(), true);
      await clock.advanceAndSettle(1);
      assert.equal(parking.waitCount, 1, `round ${round}: the 1 ms wait's queue is kept for the next long poll`);
    }
    const fetches = Array.from({ length: 10 }, (_, k) => parkOn(parking, log, 1, 10 + k));
    assert.equal(parking.waitCount, 11);
    log.append(batchAt(offset++, 10));
    await settle();
    assert.ok(fetches.every((f) => f.answered()));
    await clock.advanceAndSettle(10);
    assert.equal(parking.waitCount, KEPT_IDLE_WAITS, 'the unused queues past the bound are forgotten when the timer fires');
    assert.equal(clock.pendingTimers, 0);
    const late = parkOn(parking, log, 1_000, 15);
    await clock.advanceAndSettle(15);
    assert.equal(late.answered(), true, 'a wait forgotten works again');
  });
});

