/**
 * The bound on request bytes held by all connections together (Kafka's
 * queued.max.request.bytes, here `queued_max_request_bytes`): a frame's whole declared size
 * is taken from the budget when its size prefix arrives, before any memory is allocated for
 * it, and given back when the connection takes the frame to handle it (or closes). A frame
 * that does not fit waits and its connection stops reading meanwhile (back-pressure: the
 * client's bytes wait in the kernel, nothing is dropped). As in Kafka's memory pool, a frame
 * that fits is never held behind one that does not: one client declaring huge frames must
 * not stall the small requests of the others. Waiting frames are granted in arrival order
 * among those that fit.
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

  /** Takes `bytes` if they fit. */
  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  /** Queues a frame of `bytes`; `granted` runs once they are taken for it. */
  wait(bytes: number, granted: () => void): BudgetWait {
    const waiter: Waiter = { bytes, granted, cancelled: false };
    this.waiters.push(waiter);
    return {
      // Nothing was taken for it, so nothing else fits now: it is dropped at the next release.
      cancel: () => (waiter.cancelled = true),
    };
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.grantWaiting();
  }

  /** Grants, in arrival order, every waiting frame that fits; drops the cancelled ones. */
  private grantWaiting(): void {
    // Every frame taken releases its bytes: with nobody waiting (the rule), nothing to build.
    if (this.waiters.length === 0) return;
    const granted: Waiter[] = [];
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.cancelled) return false;
      if (this.used + waiter.bytes > this.limitBytes) return true;
      this.used += waiter.bytes;
      granted.push(waiter);
      return false;
    });
    for (const waiter of granted) waiter.granted();
  }
}
