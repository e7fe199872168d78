/**
 * Unit tests of Kafka's sampled rate and throttle time (rate-sensor.ts): a first burst is
 * measured over samples − 1 windows, samples older than the whole window are forgotten, a
 * negative record takes bytes back, and the throttle is (O − T) / T × W.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateSensor } from '../../../src/quotas/rate-sensor.js';

const WINDOW_MS = 1000;
const SAMPLES = 11;

describe('RateSensor', () => {
  it('measures a first burst over samples - 1 windows, not over the milliseconds it took', () => {
    const rate = new RateSensor(WINDOW_MS, SAMPLES);
    rate.record(10_000, 0);
    assert.equal(rate.measuredWindowMs(0), 10_000);
    assert.equal(rate.ratePerSecond(0), 1000);
  });

  it('measures over the elapsed time once more than samples - 1 windows have passed', () => {
    const rate = new RateSensor(WINDOW_MS, SAMPLES);
    for (let t = 0; t <= 10_500; t += 500) rate.record(500, t);
    // 22 records of 500 bytes in 10.5 s, the oldest sample (started at 0) still counted.
    assert.equal(rate.measuredWindowMs(10_500), 10_500);
    assert.equal(Math.round(rate.ratePerSecond(10_500)), Math.round((22 * 500) / 10.5));
  });

  it('forgets samples older than the whole window', () => {
    const rate = new RateSensor(WINDOW_MS, SAMPLES);
    rate.record(1_000_000, 0);
    assert.ok(rate.ratePerSecond(10_999) > 0);
    assert.equal(rate.ratePerSecond(11_000), 0);
  });

  it('reuses its samples in a ring: what was recorded samples windows ago is overwritten', () => {
    const rate = new RateSensor(WINDOW_MS, 2);
    rate.record(100, 0);
    rate.record(100, 1000);
    rate.record(100, 2000);
    // The first 100 is gone: 200 bytes over the one full window since the oldest sample began.
    assert.equal(rate.ratePerSecond(2000), 200);
  });

  it('takes back a recorded value with a negative one (a throttled fetch that answered nothing)', () => {
    const rate = new RateSensor(WINDOW_MS, SAMPLES);
    rate.record(5000, 0);
    rate.record(7000, 0);
    rate.record(-7000, 0);
    assert.equal(rate.ratePerSecond(0), 500);
  });

  it('throttles by (O - T) / T x W: the delay that brings the rate back to the quota', () => {
    const rate = new RateSensor(WINDOW_MS, SAMPLES);
    rate.record(20_000, 0);
    // O = 2000 B/s over W = 10 s, T = 1000 B/s: X = 10 s, after which 20000 B / 20 s = T.
    assert.equal(rate.throttleMs(1000, 0), 10_000);
    assert.equal(rate.throttleMs(2000, 0), 0, 'at the quota: no throttle');
    assert.equal(rate.throttleMs(4000, 0), 0);
  });
});
