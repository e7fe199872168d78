/**
 * Keeps the memory tier under `max_memory`. Once used bytes (batch bytes plus the heap
 * counted per batch) exceed the high-water mark
 * (storage/memory-accountant.ts), a relief pass runs (never two at once): first the
 * retention sweep drops whatever is expired, over retention.bytes or already consumed;
 * then, while usage is above the low-water mark, the oldest batches across all partitions
 * go to the WAL (Offloader).
 * A pass that frees nothing (the WAL cannot write) is retried after RELIEF_RETRY_MS rather
 * than on every append. Producers that find memory completely full wait for a pass (see
 * the produce handler), so memory stays bounded even when they outrun the disk.
 */
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { MemoryAccountant } from '../storage/memory-accountant.js';
import { Offloader } from '../wal/offloader.js';
import { RetentionService } from './retention.service.js';

/** Offload rounds per pass before yielding to other work (each round is bounded too). */
const RELIEF_ROUNDS_MAX = 64;
export const RELIEF_RETRY_MS = 1_000;

@Injectable()
export class MemoryPressure implements OnApplicationShutdown {
  private readonly log = new Logger('MemoryPressure');
  private running = false;
  private readonly timers = new Set<Timer>();
  private stopped = false;

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
      this.retention.sweep(this.clock.nowMs());
      for (let round = 0; round < RELIEF_ROUNDS_MAX && this.accountant.usedBytes > lowWaterBytes; round++) {
        // The offloader counts batch bytes: the share of the excess they carry at the tier's average batch.
        const { usedBytes, storedBytes } = this.accountant;
        const freed = await this.offloader.relieve(Math.ceil(((usedBytes - lowWaterBytes) * storedBytes) / usedBytes));
        if (freed === 0) {
          freedAny = false;
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

  private afterPass(freedAny: boolean): void {
    const overHighWater = this.accountant.usedBytes > this.accountant.memoryLimits.highWaterBytes;
    if (freedAny) {
      this.accountant.rearmPressure();
      if (overHighWater) this.schedule();
      return;
    }
    this.later(RELIEF_RETRY_MS, () => {
      this.accountant.rearmPressure();
      if (this.accountant.usedBytes > this.accountant.memoryLimits.highWaterBytes) this.schedule();
    });
  }
}
