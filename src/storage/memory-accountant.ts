import { Injectable } from '@nestjs/common';

/** Memory-tier thresholds, bytes: relief starts above `highWaterBytes` and stops under `lowWaterBytes`. */
export interface MemoryLimits {
  readonly maxBytes: number;
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
}

const UNLIMITED: MemoryLimits = { maxBytes: Infinity, highWaterBytes: Infinity, lowWaterBytes: Infinity };

/**
 * Bytes and batches held by the memory tier across all partitions. Partitions report every
 * change; metrics and the memory-pressure relief (retention/memory-pressure.ts) read the
 * totals. Crossing the high-water mark calls the pressure listener once, until the relief
 * re-arms it; producers that find memory full wait in `waitForRoom` (bounded by their own
 * timeout) until usage drops below `maxBytes`.
 */
/** What a produce that waited for room in vain is told (Kafka and REST alike). */
export const MEMORY_FULL_MESSAGE =
  'the memory tier is full (max_memory) and could not be relieved in time: the write-ahead log is not taking the overflow';

@Injectable()
export class MemoryAccountant {
  private bytes = 0;
  private batches = 0;
  private limits: MemoryLimits = UNLIMITED;
  private pressureListener: (() => void) | null = null;
  private pressureSignalled = false;
  private readonly roomWaiters = new Set<() => void>();

  adjust(bytesDelta: number, batchesDelta: number): void {
    this.bytes += bytesDelta;
    this.batches += batchesDelta;
    if (bytesDelta > 0) {
      if (this.bytes > this.limits.highWaterBytes && !this.pressureSignalled && this.pressureListener !== null) {
        this.pressureSignalled = true;
        this.pressureListener();
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

  setLimits(limits: MemoryLimits, onPressure: () => void): void {
    this.limits = limits;
    this.pressureListener = onPressure;
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
        clearTimeout(timer);
        this.roomWaiters.delete(wake);
        resolve(!this.isFull);
      };
      const timer = setTimeout(wake, timeoutMs);
      this.roomWaiters.add(wake);
    });
  }
}
