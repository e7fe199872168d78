/**
 * Metrics of the WAL tier (seed README names first). Sizes are read from the WalStore at
 * scrape time; only the offload counters are updated as offloads happen.
 * - blink_current_disk_space_bytes: bytes of segment files (.log) on disk;
 * - blink_total_queue_size_bytes: record-batch bytes stored across memory and disk, each
 *   batch counted once (durable mode: the log on disk holds everything);
 * - blink_offloaded_batch_count: batches on disk that have no copy in memory;
 * - blink_offload_operations_total: offload writes (one per partition and offload round;
 *   durable mode drops cached copies without writing and counts nothing);
 * - blink_wal_disk_free_bytes / _capacity_bytes: the file system of record_storage_path
 *   (statfs at scrape time; NaN when statfs fails, so no comparison fires on it), for the
 *   "WAL disk filling" alert; blink_wal_writable: 0 while a write failed (WalHealth).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '../common/metric-providers.js';
import type { Counter, Gauge } from 'prom-client';
import { onScrape } from '../common/metric-entities.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { WalFileSystem } from './wal-file-system.js';
import { WalHealth } from './wal-health.js';
import { WalStore } from './wal-store.js';

export const walMetricProviders = [
  makeGaugeProvider({ name: 'blink_current_disk_space_bytes', help: 'Bytes of WAL segment files on disk' }),
  makeGaugeProvider({ name: 'blink_total_queue_size_bytes', help: 'Record-batch bytes stored in memory and on disk, each batch counted once' }),
  makeGaugeProvider({ name: 'blink_offloaded_batch_count', help: 'Record batches held only on disk' }),
  makeCounterProvider({ name: 'blink_offload_operations_total', help: 'Writes of memory batches to the WAL under memory pressure (one per partition and round)' }),
  makeCounterProvider({ name: 'blink_offloaded_batches_total', help: 'Record batches written to the WAL under memory pressure' }),
  makeGaugeProvider({ name: 'blink_wal_disk_free_bytes', help: 'Bytes the broker may still write on the file system of record_storage_path' }),
  makeGaugeProvider({ name: 'blink_wal_disk_capacity_bytes', help: 'Size of the file system of record_storage_path, bytes' }),
  makeGaugeProvider({ name: 'blink_wal_writable', help: '1 while the WAL can write, 0 after a write failed until a probe write succeeds' }),
];

@Injectable()
export class WalProbe implements OnModuleInit {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly store: WalStore,
    private readonly fs: WalFileSystem,
    private readonly health: WalHealth,
    @InjectMetric('blink_current_disk_space_bytes') private readonly diskBytes: Gauge,
    @InjectMetric('blink_total_queue_size_bytes') private readonly totalBytes: Gauge,
    @InjectMetric('blink_offloaded_batch_count') private readonly offloadedBatches: Gauge,
    @InjectMetric('blink_offload_operations_total') private readonly offloadOperations: Counter,
    @InjectMetric('blink_offloaded_batches_total') private readonly offloadedBatchesTotal: Counter,
    @InjectMetric('blink_wal_disk_free_bytes') private readonly diskFree: Gauge,
    @InjectMetric('blink_wal_disk_capacity_bytes') private readonly diskCapacity: Gauge,
    @InjectMetric('blink_wal_writable') private readonly writable: Gauge,
  ) {}

  onModuleInit(): void {
    const store = this.store;
    onScrape(this.diskBytes, (g) => g.set(store.stats().diskBytes));
    onScrape(this.totalBytes, (g) => g.set(store.stats().totalStoredBytes));
    onScrape(this.offloadedBatches, (g) => g.set(store.stats().offloadedBatches));
    onScrape(this.writable, (g) => g.set(this.health.failure === null ? 1 : 0));
    onScrape(this.diskFree, async (g) => {
      g.set((await this.space())?.freeBytes ?? Number.NaN);
    });
    onScrape(this.diskCapacity, async (g) => {
      g.set((await this.space())?.capacityBytes ?? Number.NaN);
    });
  }

  offloadStarted(batches: number): void {
    this.offloadOperations.inc();
    this.offloadedBatchesTotal.inc(batches);
  }

  private async space(): Promise<{ freeBytes: number; capacityBytes: number } | null> {
    return this.fs.space(this.config.recordStoragePath).catch(() => null);
  }
}
