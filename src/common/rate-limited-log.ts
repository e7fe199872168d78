/**
 * Warnings a client can cause (malformed frames, refused or expired connections, REST requests
 * refused with a 5xx), bounded: at most one line per kind per interval, the next one saying how
 * many were left out. A client that is not even authenticated must not decide how much the broker
 * logs (issue 14). Kinds are a fixed set of words chosen by the caller, so the table stays small.
 */
import type { Clock } from './clock.js';

/** One line per kind at most this often. */
export const LOG_INTERVAL_MS = 60_000;

interface KindState {
  lastMs: number;
  suppressed: number;
}

export class RateLimitedLog {
  private readonly kinds = new Map<string, KindState>();

  constructor(
    private readonly logger: { warn(message: string): unknown },
    private readonly clock: Clock,
    private readonly intervalMs = LOG_INTERVAL_MS,
  ) {}

  /** Logs `message` unless a line of this `kind` was logged less than an interval ago. */
  warn(kind: string, message: string): void {
    const now = this.clock.nowMs();
    const state = this.kinds.get(kind);
    if (state !== undefined && now - state.lastMs < this.intervalMs) {
      state.suppressed++;
      return;
    }
    const left = state?.suppressed ?? 0;
    this.kinds.set(kind, { lastMs: now, suppressed: 0 });
    this.logger.warn(left > 0 ? `${message} (and ${left} more of this kind since the last such line)` : message);
  }
}
