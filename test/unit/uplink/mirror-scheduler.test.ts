/**
 * MirrorScheduler: at most uplink_max_in_flight steps at once, one per mirror, in the order
 * mirrors asked; a mirror waiting for its backoff gets one timer; pause holds new steps;
 * stop waits for the running ones. The mirrors here are stand-ins with the scheduler's
 * view of a mirror (work left, backoff, one step as a promise the test settles).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MirrorScheduler } from '../../../src/uplink/mirror-scheduler.js';
import type { PartitionMirror } from '../../../src/uplink/partition-mirror.js';
import { FakeClock } from '../../support/fake-clock.js';

/** A mirror with `work` steps to do; each step waits until the test finishes it. */
class StepMirror {
  queued = false;
  notBeforeMs = 0;
  steps = 0;
  stopped = false;
  private finishers: Array<() => void> = [];

  constructor(
    readonly name: string,
    public work: number,
  ) {}

  hasWork(): boolean {
    return !this.stopped && this.work > 0;
  }

  step(): Promise<void> {
    this.steps++;
    return new Promise((resolve) => this.finishers.push(() => {
      this.work--;
      resolve();
    }));
  }

  stop(): void {
    this.stopped = true;
  }

  get running(): boolean {
    return this.finishers.length > 0;
  }

  /** Finishes the running step; the scheduler reacts once microtasks have run. */
  async finish(): Promise<void> {
    const finisher = this.finishers.shift();
    assert.ok(finisher, `${this.name} has no running step`);
    finisher();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const asMirror = (mirror: StepMirror) => mirror as unknown as PartitionMirror;

describe('MirrorScheduler', () => {
  it('runs at most maxInFlight steps at once, one per mirror, and the waiting ones in the order they asked', async () => {
    const scheduler = new MirrorScheduler(new FakeClock(), 2);
    const [a, b, c] = [new StepMirror('a', 2), new StepMirror('b', 1), new StepMirror('c', 1)];
    for (const mirror of [a, b, c, a]) scheduler.wake(asMirror(mirror));
    assert.deepEqual([a.running, b.running, c.running, scheduler.inFlight], [true, true, false, 2]);
    await a.finish();
    assert.deepEqual([a.steps, c.running], [1, true], 'c asked before a asked again');
    await b.finish();
    assert.equal(a.running, true, 'a still has work: it asked again');
    await c.finish();
    await a.finish();
    assert.deepEqual([a.steps, b.steps, c.steps, scheduler.inFlight], [2, 1, 1, 0]);
  });

  it('waits for a mirror\'s backoff with one timer, and pause holds new steps until resume', async () => {
    const clock = new FakeClock();
    const scheduler = new MirrorScheduler(clock, 4);
    const mirror = new StepMirror('m', 1);
    mirror.notBeforeMs = clock.nowMs() + 500;
    scheduler.wake(asMirror(mirror));
    scheduler.wake(asMirror(mirror));
    assert.deepEqual([mirror.running, clock.pendingTimers], [false, 1]);
    scheduler.pause();
    clock.advance(500);
    assert.equal(mirror.running, false, 'paused');
    scheduler.resume([asMirror(mirror)]);
    assert.equal(mirror.running, true);
    await mirror.finish();
    assert.equal(clock.pendingTimers, 0);
  });

  it('stop cancels the timers, forgets the queue and resolves once the running steps are done', async () => {
    const clock = new FakeClock();
    const scheduler = new MirrorScheduler(clock, 1);
    const [running, queued, waiting] = [new StepMirror('r', 1), new StepMirror('q', 1), new StepMirror('w', 1)];
    waiting.notBeforeMs = clock.nowMs() + 1_000;
    for (const mirror of [running, queued, waiting]) scheduler.wake(asMirror(mirror));
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([stopped, clock.pendingTimers], [false, 0]);
    await running.finish();
    await stopping;
    assert.deepEqual([queued.steps, waiting.steps], [0, 0]);
  });

  it('a removed mirror is stopped and never stepped again', () => {
    const clock = new FakeClock();
    const scheduler = new MirrorScheduler(clock, 1);
    const mirror = new StepMirror('gone', 3);
    mirror.notBeforeMs = clock.nowMs() + 100;
    scheduler.wake(asMirror(mirror));
    scheduler.remove(asMirror(mirror));
    clock.advance(100);
    assert.deepEqual([mirror.stopped, mirror.steps, clock.pendingTimers], [true, 0, 0]);
  });
});
