/**
 * Long-poll support for Fetch: a fetch that found fewer than `min_bytes` parks here until
 * enough bytes are appended to one of its partitions (woken by the append itself, no
 * polling), one of them goes away, `max_wait_ms` passes (on the Clock), or the broker shuts down.
 * A read_committed fetch counts only bytes that became readable below the last stable offset:
 * bytes of open transactions do not count until their transaction ends (the marker's append
 * brings them all at once).
 * Every parked fetch has a deadline, so they are bounded by connections x wait time; one
 * timer, due at the earliest deadline, serves them all.
 */
import { Injectable } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import type { AppendListener, PartitionLog } from '../storage/partition-log.js';
import type { StoredBatch } from '../storage/stored-batch.js';

/** Upper bound on a client's max_wait_ms (Kafka clients use 100 ms .. 30 s). */
export const FETCH_MAX_WAIT_CAP_MS = 60_000;
/**
 * Waits whose queue is kept while no fetch uses it. Forgetting an emptied queue at every timer
 * made it anew at the next park, and each delete and set of the Map (an old-generation object)
 * rebuilds its table straight in the old generation: ~0.8 MB of garbage per 8 s for the
 * mark-compacts at 10,000 long polls/s of 1 ms (bench/latency-gc.mjs; heap11).
 */
export const KEPT_IDLE_WAITS = 4;

/** What a park resolves with: the caller's `waiter`, and when it parked (performance.now()). */
export interface ParkedWait<W> {
  readonly waiter: W;
  readonly parkedAt: number;
}

@Injectable()
export class FetchParking {
  /**
   * Parked fetches by their wait (clients use one or two fetch.wait.max.ms values), each in the
   * order they parked, which is the order of their deadlines: a timer firing walks only the
   * fetches that are due, as Node's own timer lists do.
   */
  private readonly byWait = new Map<number, WaitQueue>();
  private parkedTotal = 0;
  /**
   * How many parked fetches appends have woken so far: a connection reads it before and after a
   * request's handler to learn whether the handler's appends woke fetches, whose answers are then
   * on their way in the promise continuations of this turn (kafka-connection.ts).
   */
  wokenByAppends = 0;
  /** The one deadline timer, due at `timerAtMs`: the earliest deadline when it was armed. */
  private timer: Timer | null = null;
  private timerAtMs = Infinity;
  private readonly onTimer = (): void => this.expire();

  constructor(private readonly clock: Clock) {}

  get parkedCount(): number {
    return this.parkedTotal;
  }

  /** Waits with a queue, in use or kept (at most KEPT_IDLE_WAITS unused). */
  get waitCount(): number {
    return this.byWait.size;
  }

  /**
   * Resolves when `bytesNeeded` more bytes reach `logs` (below their last stable offset when
   * `readCommitted`), or at the deadline, with `waiter` and the time it parked: the caller's
   * continuation can be one function for every park, not a closure per park.
   */
  park<W = undefined>(logs: readonly PartitionLog[], bytesNeeded: number, maxWaitMs: number, readCommitted = false, waiter?: W): Promise<ParkedWait<W>> {
    const waitMs = Math.min(Math.max(maxWaitMs, 0), FETCH_MAX_WAIT_CAP_MS);
    const deadlineMs = this.clock.nowMs() + waitMs;
    let queue = this.byWait.get(waitMs);
    if (queue === undefined) {
      queue = new WaitQueue(waitMs);
      this.byWait.set(waitMs, queue);
    }
    const entry = new ParkedFetch<W>(this, queue, logs, bytesNeeded, readCommitted, deadlineMs, waitMs, waiter as W);
    for (let i = 0; i < logs.length; i++) logs[i].addListener(entry);
    queue.push(entry);
    this.parkedTotal++;
    if (deadlineMs < this.timerAtMs) this.arm(deadlineMs);
    return entry.answered;
  }

  /** Shutdown: answer every parked fetch now with what it has. */
  releaseAll(): void {
    for (const queue of this.byWait.values()) while (queue.first !== null) queue.first.wake();
    this.timer?.cancel();
    this.timer = null;
    this.timerAtMs = Infinity;
  }

  /** A parked fetch was answered (ParkedFetch.wake). */
  unparked(): void {
    this.parkedTotal--;
  }

  /**
   * One timer for every parked fetch, due at the earliest deadline, rather than one per fetch
   * (a Node timer and its list cost ~400 bytes of heap per long poll). A fetch woken by an
   * append leaves it armed: when it fires it answers the fetches whose deadline has come and
   * arms itself for the next one, if any is parked. A fetch with more than its whole wait
   * still to go (the wall clock went back) is answered too: no wait outlasts twice its length.
   */
  private arm(atMs: number): void {
    this.timer?.cancel();
    this.timerAtMs = atMs;
    this.timer = this.clock.schedule(atMs - this.clock.nowMs(), this.onTimer);
  }

  private expire(): void {
    this.timer = null;
    this.timerAtMs = Infinity;
    const nowMs = this.clock.nowMs();
    let nextMs = Infinity;
    for (const queue of this.byWait.values()) {
      // A wait no fetch uses any more is forgotten here, not at every answer, and only past
      // KEPT_IDLE_WAITS of them (a long poll at a time would otherwise make its queue anew at
      // every park). Deleting the entry being visited is safe in a Map's iteration.
      if (queue.first === null && this.byWait.size > KEPT_IDLE_WAITS) this.byWait.delete(queue.waitMs);
      for (let entry = queue.first; entry !== null; entry = queue.first) {
        if (entry.deadlineMs > nowMs && entry.deadlineMs - nowMs <= entry.waitMs) {
          nextMs = Math.min(nextMs, entry.deadlineMs);
          break;
        }
        entry.wake();
      }
    }
    if (nextMs !== Infinity) this.arm(nextMs);
  }
}

/**
 * One parked fetch, its own append listener: an object with its wake-up rather than a closure
 * for each step, since every long poll makes one.
 */
class ParkedFetch<W = unknown> implements AppendListener, ParkedWait<W> {
  readonly answered: Promise<ParkedWait<W>>;
  readonly parkedAt = performance.now();
  private arrived = 0;
  private resolve!: (parked: unknown) => void;
  /** Its neighbours in its queue while parked (WaitQueue). */
  previous: ParkedFetch | null = null;
  next: ParkedFetch | null = null;
  parked = true;

  constructor(
    private readonly parking: FetchParking,
    private readonly queue: WaitQueue,
    private readonly logs: readonly PartitionLog[],
    private readonly bytesNeeded: number,
    private readonly readCommitted: boolean,
    readonly deadlineMs: number,
    readonly waitMs: number,
    readonly waiter: W,
  ) {
    this.answered = new Promise<ParkedWait<W>>((resolve) => (this.resolve = resolve as (parked: unknown) => void));
  }

  appended(batch: StoredBatch | null, stableBytes: number): void {
    if (batch === null) this.arrived += this.bytesNeeded;
    else this.arrived += this.readCommitted ? stableBytes : batch.buffer.length;
    if (this.arrived >= this.bytesNeeded && this.parked) {
      this.parking.wokenByAppends++;
      this.wake();
    }
  }

  wake(): void {
    if (!this.parked) return;
    this.parked = false;
    this.queue.remove(this);
    for (let i = 0; i < this.logs.length; i++) this.logs[i].removeListener(this);
    this.parking.unparked();
    this.resolve(this);
  }
}

/**
 * The fetches parked with one wait, oldest first: a list linked through the fetches themselves.
 * A Set would do, but one emptied and filled again at every long poll reallocates its table
 * (~120 bytes of heap per park).
 */
class WaitQueue {
  first: ParkedFetch | null = null;
  private last: ParkedFetch | null = null;

  constructor(readonly waitMs: number) {}

  push(entry: ParkedFetch): void {
    entry.previous = this.last;
    if (this.last === null) this.first = entry;
    else this.last.next = entry;
    this.last = entry;
  }

  remove(entry: ParkedFetch): void {
    if (entry.previous === null) this.first = entry.next;
    else entry.previous.next = entry.next;
    if (entry.next === null) this.last = entry.previous;
    else entry.next.previous = entry.previous;
    entry.previous = null;
    entry.next = null;
  }
}
