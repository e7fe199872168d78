/**
 * Runs the partition mirrors' steps: at most `maxInFlight` at once (uplink_max_in_flight),
 * each mirror at most once at a time, in the order they asked (a FIFO of mirrors, each in
 * it at most once, so it is bounded by the number of partitions). A mirror asks when Blink
 * appends to its partition (PartitionLog listener) or when its backoff ends (one timer per
 * mirror at most); after a step it asks again while it has work. `pause` stops new steps
 * (the remote is unreachable) until `resume`.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { PartitionMirror } from './partition-mirror.js';

export class MirrorScheduler {
  private readonly queue: PartitionMirror[] = [];
  private readonly running = new Set<PartitionMirror>();
  private readonly timers = new Map<PartitionMirror, Timer>();
  private paused = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    private readonly maxInFlight: number,
  ) {}

  get inFlight(): number {
    return this.running.size;
  }

  /** The mirror may have work: queue it (unless queued, running or waiting for its backoff). */
  wake(mirror: PartitionMirror): void {
    if (this.stopped || mirror.queued || this.running.has(mirror) || this.timers.has(mirror)) return;
    const waitMs = mirror.notBeforeMs - this.clock.nowMs();
    if (waitMs > 0) {
      this.timers.set(
        mirror,
        this.clock.schedule(waitMs, () => {
          this.timers.delete(mirror);
          this.wake(mirror);
        }),
      );
      return;
    }
    mirror.queued = true;
    this.queue.push(mirror);
    this.pump();
  }

  pause(): void {
    this.paused = true;
  }

  resume(mirrors: Iterable<PartitionMirror>): void {
    this.paused = false;
    for (const mirror of mirrors) {
      this.timers.get(mirror)?.cancel();
      this.timers.delete(mirror);
      mirror.notBeforeMs = 0;
      this.wake(mirror);
    }
    this.pump();
  }

  /** Forgets a mirror (its partition is no longer mirrored). */
  remove(mirror: PartitionMirror): void {
    mirror.stop();
    this.timers.get(mirror)?.cancel();
    this.timers.delete(mirror);
  }

  /** Stops scheduling; resolves once no step runs. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    this.queue.length = 0;
    if (this.running.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.paused && !this.stopped && this.running.size < this.maxInFlight && this.queue.length > 0) {
      const mirror = this.queue.shift() as PartitionMirror;
      mirror.queued = false;
      if (!mirror.hasWork()) continue;
      this.running.add(mirror);
      void mirror.step().finally(() => this.finished(mirror));
    }
  }

  private finished(mirror: PartitionMirror): void {
    this.running.delete(mirror);
    if (this.running.size === 0 && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
    if (mirror.hasWork()) this.wake(mirror);
    this.pump();
  }
}
