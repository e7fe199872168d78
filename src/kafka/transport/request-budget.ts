/**
 * The bound on request bytes held by all connections together (Kafka's
 * queued.max.request.bytes, here `queued_max_request_bytes`): a frame's whole declared size
 * is taken from the budget when its size prefix arrives, before any memory is allocated for
 * it, and given back when the connection takes the frame to handle it (or closes). A frame
 * that does not fit waits, first come first served, and its connection stops reading
 * meanwhile (back-pressure: the client's bytes wait in the kernel, nothing is dropped).
 * Whole frames reserved at once cannot deadlock: a reserved frame only needs its own client
 * to finish sending it, which request_timeout_ms bounds.
 */

/** A frame waiting for room; `cancel` when its connection closes first. */
export interface BudgetWait {
  cancel(): void;
}

interface Waiter {
  readonly bytes: number;
  readonly granted: () => void;
  cancelled: boolean;
}

export class RequestBudget {
  private used = 0;
  private waiters: Waiter[] = [];

  constructor(readonly limitBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Takes `bytes` if they fit and no frame waits before them. */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  /** Queues a frame of `bytes`; `granted` runs once they are taken for it. */
  wait(bytes: number, granted: () => void): BudgetWait {
    const waiter: Waiter = { bytes, granted, cancelled: false };
    this.waiters.push(waiter);
    return {
      cancel: () => {
        waiter.cancelled = true;
        this.grantWaiting();
      },
    };
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.grantWaiting();
  }

  /** Grants waiting frames in order while the first one fits. */
  private grantWaiting(): void {
    while (this.waiters.length > 0) {
      const first = this.waiters[0]!;
      if (!first.cancelled && this.used + first.bytes > this.limitBytes) return;
      this.waiters.shift();
      if (first.cancelled) continue;
      this.used += first.bytes;
      first.granted();
    }
  }
}
