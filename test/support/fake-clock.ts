/**
 * A Clock for unit tests: time moves only through advance(), which runs every timer that
 * falls due on the way, in deadline order (ties in scheduling order), with nowMs() at its
 * deadline, including timers scheduled by the tasks themselves. A repeating timer runs once
 * per interval passed. `settle()` lets promise chains started by timers run to their end.
 */
import { setImmediate as macrotask } from 'node:timers/promises';
import { Clock, type Timer } from '../../src/common/clock.js';

interface ScheduledTask {
  dueMs: number;
  readonly seq: number;
  readonly task: () => void;
  /** Repeating timers: the interval; one-shot: undefined. */
  readonly intervalMs?: number;
}

export class FakeClock extends Clock {
  private now = 1_000_000;
  private seq = 0;
  private readonly tasks = new Set<ScheduledTask>();

  nowMs(): number {
    return this.now;
  }

  schedule(delayMs: number, task: () => void): Timer {
    return this.add({ dueMs: this.now + Math.max(0, delayMs), seq: this.seq++, task });
  }

  every(intervalMs: number, task: () => void): Timer {
    const interval = Math.max(1, intervalMs);
    return this.add({ dueMs: this.now + interval, seq: this.seq++, task, intervalMs: interval });
  }

  /** Timers not yet run nor cancelled (a repeating timer counts until cancelled). */
  get pendingTimers(): number {
    return this.tasks.size;
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (let next = this.nextDue(target); next !== undefined; next = this.nextDue(target)) {
      this.now = next.dueMs;
      if (next.intervalMs === undefined) this.tasks.delete(next);
      else next.dueMs += next.intervalMs;
      next.task();
    }
    this.now = target;
  }

  /** `advance`, then lets the promise chains the timers started settle (a few macrotask turns). */
  async advanceAndSettle(ms: number): Promise<void> {
    this.advance(ms);
    await settle();
  }

  private add(entry: ScheduledTask): Timer {
    this.tasks.add(entry);
    return { cancel: () => this.tasks.delete(entry) };
  }

  private nextDue(limitMs: number): ScheduledTask | undefined {
    let best: ScheduledTask | undefined;
    for (const t of this.tasks) {
      if (t.dueMs > limitMs) continue;
      if (best === undefined || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets pending promise callbacks (and the microtasks they queue) run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await macrotask();
}
