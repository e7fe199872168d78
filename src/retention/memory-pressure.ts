/**
 * Keeps the memory tier under `max_memory`. Once used bytes (batch bytes plus the heap
 * counted per batch) exceed the high-water mark
 * (storage/memory-accountant.ts), relief runs (never two passes at once): first the
 * retention sweep drops whatever is expired, over retention.bytes or already consumed;
 * then, while usage is above the low-water mark, the oldest batches across all partitions
 * go to the WAL (Offloader).
 * Relief goes on until usage is under the low-water mark: a pass that stops above it (its
 * RELIEF_ROUNDS_MAX rounds done, or a round that freed nothing) is followed by another, at
 * once when it freed something, else after RELIEF_RETRY_MS (not on every append) with a
 * warning that says why (the WAL cannot write, or nothing in memory was left to offload).
 * Between the marks nothing starts relief: usage that appends bring back above the
 * low-water mark after relief ended stays until it crosses the high-water mark again.
 * Producers that find memory completely full wait for a pass (see the produce handler), so
 * memory stays bounded even when they outrun the disk.
 */
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { MemoryAccountant } from '../storage/memory-accountant.js';
import { Offloader } from '../wal/offloader.js';
import { RetentionService } from './retention.service.js';

/** Offload rounds per pass before yielding to other work (each round is bounded too). */
export const RELIEF_ROUNDS_MAX = 64;
export const RELIEF_RETRY_MS = 1_000;

@Injectable()
export class MemoryPressure implements OnApplicationShutdown {
  private readonly log = new Logger('MemoryPressure');
  private running = false;
  private readonly timers = new Set<Timer>();
  private stopped = false;
  /** A pass freed nothing above the low-water mark and relief has not got under it since (warned once). */
  private stalled = false;

  constructor(
    private readonly accountant: MemoryAccountant,
    private readonly retention: RetentionService,
    private readonly offloader: Offloader,
    private readonly clock: Clock,
  ) {
    accountant.onPressure(() => this.schedule());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }

  /** Runs `task` after `delayMs` on the Clock unless the broker stops first. */
  private later(delayMs: number, task: () => void): void {
    const timer = this.clock.schedule(delayMs, () => {
      this.timers.delete(timer);
      task();
    });
    this.timers.add(timer);
  }

  private schedule(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    // Not inside the append that crossed the mark: the pass starts once that call returns.
    this.later(0, () => void this.relieve());
  }

  /** One relief pass (see the file comment). */
  async relieve(): Promise<void> {
    let freedAny = true;
    try {
      const { lowWaterBytes } = this.accountant.memoryLimits;
      // Memory-mode partitions are swept at once; durable ones' file deletions need not hold relief up.
      void this.retention.sweep(this.clock.nowMs());
      for (let round = 0; round < RELIEF_ROUNDS_MAX && this.accountant.usedBytes > lowWaterBytes; round++) {
        // The offloader counts batch bytes: the share of the excess they carry at the tier's average batch.
        const { usedBytes, storedBytes } = this.accountant;
        const freed = await this.offloader.relieve(Math.ceil(((usedBytes - lowWaterBytes) * storedBytes) / usedBytes));
        if (freed > 0) this.stalled = false;
        if (freed === 0) {
          freedAny = false;
          this.warnStalled(usedBytes - lowWaterBytes);
          break;
        }
      }
    } catch (error) {
      freedAny = false;
      this.log.error(`memory relief failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
      this.afterPass(freedAny);
    }
  }

  /** Why relief stops above the low-water mark (once per stall; the WAL reports its own failures too). */
  private warnStalled(excessBytes: number): void {
    if (this.stalled) return;
    this.stalled = true;
    const why = this.offloader.lastWriteError === null ? 'no batch in memory could be offloaded' : `the WAL cannot write: ${this.offloader.lastWriteError.message}`;
    this.log.warn(`memory relief freed nothing with ${excessBytes} B above the low-water mark (${why}); retrying every ${RELIEF_RETRY_MS} ms`);
  }

  /** Relief goes on while usage is above the low-water mark: at once after a pass that freed something, else after RELIEF_RETRY_MS. */
  private afterPass(freedAny: boolean): void {
    if (this.stopped) return;
    if (this.accountant.usedBytes <= this.accountant.memoryLimits.lowWaterBytes) this.stalled = false;
    if (freedAny) {
      this.accountant.rearmPressure();
      if (this.aboveLowWater) this.schedule();
      return;
    }
    this.later(RELIEF_RETRY_MS, () => {
      this.accountant.rearmPressure();
      if (this.aboveLowWater) this.schedule();
      else this.stalled = false;
    });
  }

  private get aboveLowWater(): boolean {
    return this.accountant.usedBytes > this.accountant.memoryLimits.lowWaterBytes;
  }
}
