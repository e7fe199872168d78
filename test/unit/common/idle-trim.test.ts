import assert from 'node:assert/strict';
import { constants, type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { idleCollector, trimWhenIdle } from '../../../src/common/idle-trim.js';

/** The start times (and end times) of the full collections from now on; `atLeast(n)` settles once n were seen. */
function majorCollections(): { startTimes: number[]; endTimes: number[]; atLeast(n: number): Promise<void>; stop(): void } {
  const startTimes: number[] = [];
  const endTimes: number[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as PerformanceEntry & { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        startTimes.push(entry.startTime);
        endTimes.push(entry.startTime + entry.duration);
      }
    }
    for (const wait of waiting) if (startTimes.length >= wait.n) wait.resolve();
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    startTimes,
    endTimes,
    // Node hands GC entries to observers from an unref'd immediate, which runs only once the event loop
    // wakes for something else (the wait hung for 8-10 s when nothing else was due): a ref'd timer wakes it meanwhile.
    atLeast: (n) => {
      if (startTimes.length >= n) return Promise.resolve();
      const wake = setInterval(() => undefined, 10);
      return new Promise<void>((resolve) => waiting.push({ n, resolve })).finally(() => clearInterval(wake));
    },
    stop: () => observer.disconnect(),
  };
}

/**
 * Keeps the event loop at work until `done` settles: `workMs` of synchronous work, then the next
 * macrotask (busy all the time) or, with `pauseMs`, a timer that long (busy a part of the time).
 */
function keepBusy(done: Promise<unknown>, workMs = 20, pauseMs = 0): void {
  let settled = false;
  void done.finally(() => (settled = true));
  const spin = (): void => {
    const until = performance.now() + workMs;
    while (performance.now() < until);
    if (settled) return;
    if (pauseMs === 0) setImmediate(spin);
    else setTimeout(spin, pauseMs);
  };
  spin();
}

/** At work about a sixth of the time (3 ms of work, then a 15 ms timer), as a broker at 1,000 msg/s. */
const keepLightlyBusy = (done: Promise<unknown>): void => keepBusy(done, 3, 15);

/** An idle collection asked for while `load` runs. */
function idleCollectorDuring(load: (done: Promise<unknown>) => void): Promise<boolean> {
  const collected = idleCollector({ delayMs: 40, attempts: 3 })();
  load(collected);
  return collected;
}

/**
 * Windows a test that expects an idle one may look at: the test process is idle, but a window of
 * 20 ms with 2 ms of the runner's own work (a busy machine, other test files beside) reads busy.
 */
const IDLE_ATTEMPTS = 50;

// First in the file: the process has not called trimWhenIdle yet.
describe('idleCollector', () => {
  it('runs a full collection in an idle window, one at a time, without trimWhenIdle having run', { timeout: 10_000 }, async () => {
    const collectWhenIdle = idleCollector({ delayMs: 20, attempts: IDLE_ATTEMPTS });
    const gcs = majorCollections();
    try {
      const from = performance.now();
      const first = collectWhenIdle();
      assert.equal(await collectWhenIdle(), false, 'a second call while one waits joins it');
      assert.equal(await first, true);
      await gcs.atLeast(1);
      assert.ok(gcs.startTimes.some((start) => start >= from), `full collections at ${gcs.startTimes.join(', ')}, asked at ${from}`);
    } finally {
      gcs.stop();
    }
    assert.equal(await collectWhenIdle(), true, 'and again once it ran');
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'gc stays unexposed');
  });

  it("collectors are independent: two asked at once both collect (the state is each collector's own)", { timeout: 10_000 }, async () => {
    const schedule = { delayMs: 20, attempts: IDLE_ATTEMPTS };
    assert.deepEqual(await Promise.all([idleCollector(schedule)(), idleCollector(schedule)()]), [true, true]);
  });
});

describe('trimWhenIdle', () => {
  it('runs full collections (two, several rounds each) in an idle window; gc stays unexposed, V8 flags as they were', { timeout: 10_000 }, async () => {
    const gcs = majorCollections();
    try {
      const from = performance.now();
      assert.equal(await trimWhenIdle({ delayMs: 20, attempts: IDLE_ATTEMPTS }), true);
      const to = performance.now();
      // The observer hears of them in a later task. An idle test process runs no full collection of its own.
      await gcs.atLeast(2);
      assert.ok(gcs.startTimes.filter((start) => start >= from && start <= to).length >= 2, `full collections at ${gcs.startTimes.join(', ')}, trim ${from}-${to}`);
    } finally {
      gcs.stop();
    }
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
    assert.equal(runInNewContext('typeof gc'), 'undefined');
  });

  it('runs each of its collections in an idle window of its own: a client arriving meets one pause, not all of them', { timeout: 10_000 }, async () => {
    const stepDelayMs = 60;
    const gcs = majorCollections();
    try {
      const from = performance.now();
      assert.equal(await trimWhenIdle({ delayMs: 20, attempts: IDLE_ATTEMPTS, stepDelayMs }), true);
      const to = performance.now();
      // Entries arrive in order: once a later collection's has, all of the trim's have.
      const seen = gcs.startTimes.length;
      assert.equal(await idleCollector({ delayMs: 1, attempts: IDLE_ATTEMPTS })(), true);
      await gcs.atLeast(seen + 1);
      while (!gcs.startTimes.some((start) => start > to)) await gcs.atLeast(gcs.startTimes.length + 1);
      const mine = gcs.startTimes.map((start, i) => ({ start, end: gcs.endTimes[i]! })).filter(({ start }) => start >= from && start <= to);
      // A last-resort collection is one or more full collections back to back; between two of them, an idle window.
      const gaps = mine.slice(1).map(({ start }, i) => start - mine[i]!.end);
      assert.ok(gaps.filter((gap) => gap >= stepDelayMs - 10).length >= 2, `three collections two idle windows apart: gaps ${gaps.map((gap) => gap.toFixed(1)).join(', ')} ms`);
    } finally {
      gcs.stop();
    }
  });

  it('counts a light steady load as busy (the event loop at work a sixth of the time, as at 1,000 msg/s): no collection meets it', async () => {
    const trimmed = trimWhenIdle({ delayMs: 40, attempts: 3 });
    keepLightlyBusy(trimmed);
    assert.equal(await trimmed, false);
    assert.equal(await idleCollectorDuring(keepLightlyBusy), false);
  });

  it('gives up without collecting when the event loop stays busy for every window', async () => {
    const trimmed = trimWhenIdle({ delayMs: 20, attempts: 3 });
    keepBusy(trimmed);
    assert.equal(await trimmed, false);
  });
});
