/**
 * Long-poll support for Fetch: a fetch that found fewer than `min_bytes` parks here until
 * enough bytes are appended to one of its partitions (woken by the append itself, no
 * polling), one of them goes away, `max_wait_ms` passes, or the broker shuts down.
 * Every parked fetch has a timer, so the set is bounded by connections x wait time.
 */
import { Injectable } from '@nestjs/common';
import type { AppendListener, PartitionLog } from '../storage/partition-log.js';

/** Upper bound on a client's max_wait_ms (Kafka clients use 100 ms .. 30 s). */
export const FETCH_MAX_WAIT_CAP_MS = 60_000;

interface ParkedFetch {
  readonly wake: () => void;
}

@Injectable()
export class FetchParking {
  private readonly parked = new Set<ParkedFetch>();

  get parkedCount(): number {
    return this.parked.size;
  }

  /** Resolves when `bytesNeeded` more bytes reach `logs`, or at the deadline, whichever first. */
  park(logs: readonly PartitionLog[], bytesNeeded: number, maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      let arrived = 0;
      const listener: AppendListener = (batch) => {
        arrived += batch === null ? bytesNeeded : batch.buffer.length;
        if (arrived >= bytesNeeded) entry.wake();
      };
      const timer = setTimeout(() => entry.wake(), Math.min(Math.max(maxWaitMs, 0), FETCH_MAX_WAIT_CAP_MS));
      const entry: ParkedFetch = {
        wake: () => {
          clearTimeout(timer);
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
