/**
 * Whether the WAL can write. The first write or file error anywhere marks it failed
 * (readiness goes down: health.controller.ts), but for segment files durable retention could not
 * delete (no write is at risk: retention reports and retries those itself, retention.service.ts);
 * the partitions concerned stop taking appends
 * (durable produce answers KAFKA_STORAGE_ERROR; memory mode stops offloading), and a probe
 * writes, syncs and deletes a small file in `record_storage_path` and in the directory of each
 * failed partition every WRITABLE_PROBE_INTERVAL_MS (a partition directory that refuses new files
 * while the rest takes them would otherwise pass the probe, resume, and fail again at its next
 * roll: a failed/writable pair of lines, and produce let in and refused, every second). Once the
 * probe succeeds everywhere (space came back, the directories are writable again) every failed
 * partition WAL is resumed and readiness comes back.
 * The timer runs only while failed and is cleared on shutdown.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { WalFileSystem } from './wal-file-system.js';

export const WRITABLE_PROBE_INTERVAL_MS = 1_000;
/** The probe writes this much: a directory that takes it takes a small batch too. */
const WRITABLE_PROBE_BYTES = 64 * 1024;

export interface WalFailure {
  readonly message: string;
  readonly sinceMs: number;
}

export interface Resumable {
  /** Where its writes go: the probe writes there too. */
  readonly directory: string;
  resume(): Promise<void>;
}

@Injectable()
export class WalHealth implements OnApplicationShutdown {
  private readonly log = new Logger('WalHealth');
  private current: WalFailure | null = null;
  private readonly failedParts = new Set<Resumable>();
  private timer: Timer | undefined;
  private probing = false;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
    private readonly clock: Clock,
  ) {}

  get failure(): WalFailure | null {
    return this.current;
  }

  reportFailure(error: Error, part: Resumable | null): void {
    if (part !== null) this.failedParts.add(part);
    if (this.current !== null) return;
    this.current = { message: error.message, sinceMs: this.clock.nowMs() };
    this.log.error(`write-ahead log failed, produce answers KAFKA_STORAGE_ERROR until it can write again: ${error.message}`);
    this.timer = this.clock.every(WRITABLE_PROBE_INTERVAL_MS, () => void this.probe());
  }

  onApplicationShutdown(): void {
    this.timer?.cancel();
  }

  /** One probe: on success, resume every failed part, then clear the failure if none failed again. */
  async probe(): Promise<boolean> {
    if (this.probing || this.current === null) return this.current === null;
    this.probing = true;
    try {
      const parts = [...this.failedParts];
      for (const directory of new Set([this.config.recordStoragePath, ...parts.map((part) => part.directory)])) await this.probeWritable(directory);
      this.failedParts.clear();
      this.current = null;
      this.timer?.cancel();
      await Promise.all(parts.map((part) => part.resume()));
      if (this.current === null) this.log.log('write-ahead log writable again');
      return this.current === null;
    } catch {
      return false;
    } finally {
      this.probing = false;
    }
  }

  /** A partition directory that is not there (its topic deleted, or never made) is not in the way: its WAL's resume makes it, or fails again. */
  private async probeWritable(directory: string): Promise<void> {
    try {
      await this.fs.probeWritable(directory, WRITABLE_PROBE_BYTES);
    } catch (error) {
      if (directory === this.config.recordStoragePath || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
