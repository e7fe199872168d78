import assert from 'node:assert/strict';
import { constants, type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { collectWhenIdle, trimWhenIdle } from '../../../src/common/idle-trim.js';

/** The start times of the full collections from now on; `atLeast(n)` settles once n were seen. */
function majorCollections(): { startTimes: number[]; atLeast(n: number): Promise<void>; stop(): void } {
  const startTimes: number[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as PerformanceEntry & { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) startTimes.push(entry.startTime);
    }
    for (const wait of waiting) if (startTimes.length >= wait.n) wait.resolve();
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    startTimes,
    atLeast: (n) => (startTimes.length >= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ n, resolve }))),
    stop: () => observer.disconnect(),
  };
}

/** Keeps the event loop busy (synchronous work in back-to-back macrotasks) until `done` settles. */
function keepBusy(done: Promise<unknown>): void {
  let settled = false;
  void done.finally(() => (settled = true));
  const spin = (): void => {
    const until = performance.now() + 20;
    while (performance.now() < until);
    if (!settled) setImmediate(spin);
  };
  spin();
}

// First in the file: the process has not called trimWhenIdle yet.
describe('collectWhenIdle before trimWhenIdle', () => {
  it('collects nothing: only the server process (which trims after its boot) collects for memory let go', async () => {
    assert.equal(await collectWhenIdle({ delayMs: 20, attempts: 2 }), false);
  });
});

describe('trimWhenIdle', () => {
  it('runs full collections (two, several rounds each) in an idle window; gc stays unexposed, V8 flags as they were', { timeout: 10_000 }, async () => {
    const gcs = majorCollections();
    try {
      const from = performance.now();
      assert.equal(await trimWhenIdle({ delayMs: 20, attempts: 5 }), true);
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

  it('gives up without collecting when the event loop stays busy for every window', async () => {
    const trimmed = trimWhenIdle({ delayMs: 20, attempts: 3 });
    keepBusy(trimmed);
    assert.equal(await trimmed, false);
  });
});

describe('collectWhenIdle after trimWhenIdle', () => {
  it('runs a full collection in an idle window, one at a time', { timeout: 10_000 }, async () => {
    await trimWhenIdle({ delayMs: 20, attempts: 5 });
    const gcs = majorCollections();
    try {
      const from = performance.now();
      const first = collectWhenIdle({ delayMs: 20, attempts: 5 });
      assert.equal(await collectWhenIdle({ delayMs: 20, attempts: 5 }), false, 'a second call while one waits joins it');
      assert.equal(await first, true);
      await gcs.atLeast(1);
      assert.ok(gcs.startTimes.some((start) => start >= from), `full collections at ${gcs.startTimes.join(', ')}, asked at ${from}`);
    } finally {
      gcs.stop();
    }
    assert.equal(await collectWhenIdle({ delayMs: 20, attempts: 5 }), true, 'and again once it ran');
  });
});
