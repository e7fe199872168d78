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
import { Clock, type Timer } from '../common/clock.js';
import type { AppendListener, PartitionLog } from '../storage/partition-log.js';

/** Upper bound on a client's max_wait_ms (Kafka clients use 100 ms .. 30 s). */
export const FETCH_MAX_WAIT_CAP_MS = 60_000;

@Injectable()
export class FetchParking {
  private readonly parked = new Set<ParkedFetch>();

  constructor(private readonly clock: Clock) {}

  get parkedCount(): number {
    return this.parked.size;
  }

  /** Resolves when `bytesNeeded` more bytes reach `logs` (below their last stable offset when `readCommitted`), or at the deadline. */
  park(logs: readonly PartitionLog[], bytesNeeded: number, maxWaitMs: number, readCommitted = false): Promise<void> {
    const entry = new ParkedFetch(this.parked, logs, bytesNeeded, readCommitted);
    entry.timer = this.clock.schedule(Math.min(Math.max(maxWaitMs, 0), FETCH_MAX_WAIT_CAP_MS), entry.wake);
    for (let i = 0; i < logs.length; i++) logs[i].addListener(entry.appended);
    this.parked.add(entry);
    return entry.answered;
  }

  /** Shutdown: answer every parked fetch now with what it has. */
  releaseAll(): void {
    for (const entry of [...this.parked]) entry.wake();
  }
}

/**
 * One parked fetch: an object with two callbacks (the append listener, the wake-up its timer
 * and the shutdown call) rather than a closure for each step, since every long poll makes one.
 */
class ParkedFetch {
  readonly answered: Promise<void>;
  timer: Timer | null = null;
  private arrived = 0;
  private resolve!: () => void;

  constructor(
    private readonly parked: Set<ParkedFetch>,
    private readonly logs: readonly PartitionLog[],
    private readonly bytesNeeded: number,
    private readonly readCommitted: boolean,
  ) {
    this.answered = new Promise((resolve) => (this.resolve = resolve));
  }

  readonly appended: AppendListener = (batch, stableBytes) => {
    if (batch === null) this.arrived += this.bytesNeeded;
    else this.arrived += this.readCommitted ? stableBytes : batch.buffer.length;
    if (this.arrived >= this.bytesNeeded) this.wake();
  };

  readonly wake = (): void => {
    this.timer?.cancel();
    for (let i = 0; i < this.logs.length; i++) this.logs[i].removeListener(this.appended);
    this.parked.delete(this);
    this.resolve();
  };
}
