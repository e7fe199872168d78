/**
 * Bytes and batches held by the memory tier across all partitions. Partitions report every
 * change; metrics and the memory-pressure relief (retention/memory-pressure.ts) read the
 * totals. The limits come from `max_memory` (StorageModule builds the accountant from the
 * config). Crossing the high-water mark tells the pressure listeners once, until the relief
 * re-arms it; producers that find memory full wait in `waitForRoom` (bounded by their own
 * timeout, on the Clock) until usage drops below `maxBytes`.
 */
import type { Clock, Timer } from '../common/clock.js';

/** Relief starts once stored bytes exceed this share of max_memory ... */
export const HIGH_WATER_RATIO = 0.8;
/** ... and offloads until they are under this share. */
export const LOW_WATER_RATIO = 0.6;

/** Memory-tier thresholds, bytes: relief starts above `highWaterBytes` and stops under `lowWaterBytes`. */
export interface MemoryLimits {
  readonly maxBytes: number;
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
}

/** The thresholds for `max_memory` = `maxBytes`. */
export function memoryLimitsFor(maxBytes: number): MemoryLimits {
  return { maxBytes, highWaterBytes: Math.floor(maxBytes * HIGH_WATER_RATIO), lowWaterBytes: Math.floor(maxBytes * LOW_WATER_RATIO) };
}

/** What a produce that waited for room in vain is told (Kafka and REST alike). */
export const MEMORY_FULL_MESSAGE =
  'the memory tier is full (max_memory) and could not be relieved in time: the write-ahead log is not taking the overflow';

export class MemoryAccountant {
  private bytes = 0;
  private batches = 0;
  private readonly pressureListeners = new Set<() => void>();
  private pressureSignalled = false;
  private readonly roomWaiters = new Set<() => void>();

  constructor(
    private readonly limits: MemoryLimits,
    private readonly clock: Clock,
  ) {}

  adjust(bytesDelta: number, batchesDelta: number): void {
    this.bytes += bytesDelta;
    this.batches += batchesDelta;
    if (bytesDelta > 0) {
      if (this.bytes > this.limits.highWaterBytes && !this.pressureSignalled && this.pressureListeners.size > 0) {
        this.pressureSignalled = true;
        for (const listener of this.pressureListeners) listener();
      }
    } else if (this.roomWaiters.size > 0 && this.bytes < this.limits.maxBytes) {
      for (const wake of [...this.roomWaiters]) wake();
    }
  }

  get storedBytes(): number {
    return this.bytes;
  }

  get storedBatches(): number {
    return this.batches;
  }

  get memoryLimits(): MemoryLimits {
    return this.limits;
  }

  /** At or over max_memory: a produce must wait for room first. */
  get isFull(): boolean {
    return this.bytes >= this.limits.maxBytes;
  }

  /** `listener` runs (synchronously, so it should only schedule work) when usage crosses the high-water mark. */
  onPressure(listener: () => void): void {
    this.pressureListeners.add(listener);
  }

  /** The relief pass is over: the next crossing of the high-water mark signals again. */
  rearmPressure(): void {
    this.pressureSignalled = false;
  }

  /** Resolves true once usage is below max_memory, false after `timeoutMs`. */
  waitForRoom(timeoutMs: number): Promise<boolean> {
    if (!this.isFull) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        timer.cancel();
        this.roomWaiters.delete(wake);
        resolve(!this.isFull);
      };
      const timer: Timer = this.clock.schedule(timeoutMs, wake);
      this.roomWaiters.add(wake);
    });
  }
}
