/**
 * A Clock for unit tests: time moves only through advance(), which runs every timer that
 * falls due on the way, in deadline order (ties in scheduling order), with nowMs() at its
 * deadline, including timers scheduled by the tasks themselves.
 */
import { Clock, type Timer } from '../../../src/common/clock.js';

interface ScheduledTask {
  readonly dueMs: number;
  readonly seq: number;
  readonly task: () => void;
}

export class FakeClock extends Clock {
  private now = 1_000_000;
  private seq = 0;
  private readonly tasks = new Set<ScheduledTask>();

  nowMs(): number {
    return this.now;
  }

  schedule(delayMs: number, task: () => void): Timer {
    const entry: ScheduledTask = { dueMs: this.now + Math.max(0, delayMs), seq: this.seq++, task };
    this.tasks.add(entry);
    return { cancel: () => this.tasks.delete(entry) };
  }

  /** Timers not yet run nor cancelled. */
  get pendingTimers(): number {
    return this.tasks.size;
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (let next = this.nextDue(target); next !== undefined; next = this.nextDue(target)) {
      this.tasks.delete(next);
      this.now = next.dueMs;
      next.task();
    }
    this.now = target;
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
