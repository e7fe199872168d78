/**
 * Time-based retention over the memory tier: every RETENTION_SWEEP_INTERVAL_MS, batches
 * appended longer ago than their topic's `retention.ms` (default: the `retention` setting;
 * -1 keeps forever) are dropped and the log start offset moves past them. Blink measures
 * age from the broker's append time, not the producer's timestamps, so a producer with a
 * skewed clock cannot make data vanish early. The timer is cleared on shutdown.
 */
import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { StorageProbe } from '../metrics/storage.probe.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import type { StoredBatch } from '../storage/stored-batch.js';

export const RETENTION_SWEEP_INTERVAL_MS = 1_000;

/** Named rule: the batch is older than the retention period at `nowMs`. */
export function isExpired(batch: StoredBatch, retentionMs: number, nowMs: number): boolean {
  return retentionMs >= 0 && nowMs - batch.appendTimeMs > retentionMs;
}

@Injectable()
export class RetentionService implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly topics: TopicRegistry,
    private readonly probe: StorageProbe,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.sweep(Date.now()), RETENTION_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Drops every expired batch; returns the number of records removed. */
  sweep(nowMs: number): number {
    let purged = 0;
    for (const topic of this.topics.all()) {
      const retentionMs = Number(topic.configs.get('retention.ms'));
      for (const log of topic.partitions) {
        purged += log.dropOldestWhile((batch) => isExpired(batch, retentionMs, nowMs));
      }
    }
    this.probe.recordsPurged(purged);
    return purged;
  }
}
