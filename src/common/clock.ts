/**
 * Time for the whole broker: the current time, one-shot and repeating timers, behind one
 * small injectable class (ARCHITECTURE decision 6), so unit tests drive every timeout
 * (sessions, rebalances, retention sweeps, fsync intervals, parked fetches, memory waits,
 * shutdown grace) with a fake clock instead of waiting.
 * Every real timer is unref'd: a pending timeout never keeps the process alive, and an
 * owner cancels its timers on shutdown.
 */
import { Injectable } from '@nestjs/common';

/** A scheduled task that has not run yet; cancelling twice, or after it ran, does nothing. */
export interface Timer {
  cancel(): void;
}

/** The DI token and contract; `SystemClock` is the real one. */
export abstract class Clock {
  abstract nowMs(): number;
  /** Runs `task` once after `delayMs` (clamped to >= 0). */
  abstract schedule(delayMs: number, task: () => void): Timer;
  /** Runs `task` every `intervalMs` until cancelled. */
  abstract every(intervalMs: number, task: () => void): Timer;
}

@Injectable()
export class SystemClock extends Clock {
  nowMs(): number {
    return Date.now();
  }

  schedule(delayMs: number, task: () => void): Timer {
    const handle = setTimeout(task, Math.max(0, delayMs));
    handle.unref();
    return new NodeTimer(handle);
  }

  every(intervalMs: number, task: () => void): Timer {
    const handle = setInterval(task, Math.max(1, intervalMs));
    handle.unref();
    return new NodeTimer(handle);
  }
}

/**
 * A class rather than a closure: every parked fetch schedules one, and the bundle names each
 * closure it creates (a defineProperty per call). clearTimeout also clears an interval.
 */
class NodeTimer implements Timer {
  constructor(private readonly handle: NodeJS.Timeout) {}

  cancel(): void {
    clearTimeout(this.handle);
  }
}

/**
 * Runs `task` every `intervalMs`, skipping a tick while the previous run has not settled
 * (an fsync or a checkpoint that takes longer than the interval is not stacked).
 */
export function everyUnlessRunning(clock: Clock, intervalMs: number, task: () => Promise<unknown>): Timer {
  let running = false;
  return clock.every(intervalMs, () => {
    if (running) return;
    running = true;
    void task().finally(() => {
      running = false;
    });
  });
}
