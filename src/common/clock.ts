/**
 * Time for the group coordinator: the current time and one-shot timers, behind one small
 * injectable class (ARCHITECTURE decision 6) so the unit tests drive every session,
 * rebalance and retention timeout with a fake clock instead of waiting.
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
}

@Injectable()
export class SystemClock extends Clock {
  nowMs(): number {
    return Date.now();
  }

  /** Timers are unref'd: a pending session timeout never keeps the process alive. */
  schedule(delayMs: number, task: () => void): Timer {
    const handle = setTimeout(task, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }
}
