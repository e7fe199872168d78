/**
 * Long-poll support for Fetch: a fetch that found fewer than `min_bytes` parks here until
 * enough bytes are appended to one of its partitions (woken by the append itself, no
 * polling), one of them goes away, `max_wait_ms` passes (on the Clock), or the broker shuts down.
 * A read_committed fetch counts only bytes that became readable below the last stable offset:
 * bytes of open transactions do not count until their transaction ends (the marker's append
 * brings them all at once).
 * Every parked fetch has a timer, so the set is bounded by connections x wait time.
 */
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { AppendListener, PartitionLog } from '../storage/partition-log.js';

/** Upper bound on a client's max_wait_ms (Kafka clients use 100 ms .. 30 s). */
export const FETCH_MAX_WAIT_CAP_MS = 60_000;

interface ParkedFetch {
  readonly wake: () => void;
}

@Injectable()
export class FetchParking {
  private readonly parked = new Set<ParkedFetch>();

  constructor(private readonly clock: Clock) {}

  get parkedCount(): number {
    return this.parked.size;
  }

  /** Resolves when `bytesNeeded` more bytes reach `logs` (below their last stable offset when `readCommitted`), or at the deadline. */
  park(logs: readonly PartitionLog[], bytesNeeded: number, maxWaitMs: number, readCommitted = false): Promise<void> {
    return new Promise((resolve) => {
      let arrived = 0;
      const listener: AppendListener = (batch, stableBytes) => {
        if (batch === null) arrived += bytesNeeded;
        else arrived += readCommitted ? stableBytes : batch.buffer.length;
        if (arrived >= bytesNeeded) entry.wake();
      };
      const timer = this.clock.schedule(Math.min(Math.max(maxWaitMs, 0), FETCH_MAX_WAIT_CAP_MS), () => entry.wake());
      const entry: ParkedFetch = {
        wake: () => {
          timer.cancel();
          for (const log of logs) log.removeListener(listener);
          this.parked.delete(entry);
          resolve();
        },
      };
      for (const log of logs) log.addListener(listener);
      this.parked.add(entry);
    });
  }

  /** Shutdown: answer every parked fetch now with what it has. */
  releaseAll(): void {
    for (const entry of [...this.parked]) entry.wake();
  }
}
