/**
 * Keeps the memory tier under `max_memory`. Once stored bytes exceed HIGH_WATER_RATIO of it,
 * a relief pass runs (never two at once): first the retention sweep drops whatever is
 * expired, over retention.bytes or already consumed; then, while usage is above
 * LOW_WATER_RATIO, the oldest batches across all partitions go to the WAL (Offloader).
 * A pass that frees nothing (the WAL cannot write) is retried after RELIEF_RETRY_MS rather
 * than on every append. Producers that find memory completely full wait for a pass (see
 * the produce handler), so memory stays bounded even when they outrun the disk.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { MemoryAccountant } from '../storage/memory-accountant.js';
import { Offloader } from '../wal/offloader.js';
import { RetentionService } from './retention.service.js';

export const HIGH_WATER_RATIO = 0.8;
export const LOW_WATER_RATIO = 0.6;
/** Offload rounds per pass before yielding to other work (each round is bounded too). */
const RELIEF_ROUNDS_MAX = 64;
export const RELIEF_RETRY_MS = 1_000;

@Injectable()
export class MemoryPressure implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('MemoryPressure');
  private running = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly accountant: MemoryAccountant,
    private readonly retention: RetentionService,
    private readonly offloader: Offloader,
  ) {}

  onModuleInit(): void {
    const maxBytes = this.config.maxMemoryBytes;
    this.accountant.setLimits(
      { maxBytes, highWaterBytes: Math.floor(maxBytes * HIGH_WATER_RATIO), lowWaterBytes: Math.floor(maxBytes * LOW_WATER_RATIO) },
      () => this.schedule(),
    );
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private schedule(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    setImmediate(() => void this.relieve());
  }

  /** One relief pass (see the file comment). */
  async relieve(): Promise<void> {
    let freedAny = true;
    try {
      const { lowWaterBytes } = this.accountant.memoryLimits;
      this.retention.sweep(Date.now());
      for (let round = 0; round < RELIEF_ROUNDS_MAX && this.accountant.storedBytes > lowWaterBytes; round++) {
        const freed = await this.offloader.relieve(this.accountant.storedBytes - lowWaterBytes);
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
    const overHighWater = this.accountant.storedBytes > this.accountant.memoryLimits.highWaterBytes;
    if (freedAny) {
      this.accountant.rearmPressure();
      if (overHighWater) this.schedule();
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.accountant.rearmPressure();
      if (this.accountant.storedBytes > this.accountant.memoryLimits.highWaterBytes) this.schedule();
    }, RELIEF_RETRY_MS);
    this.retryTimer.unref();
  }
}
