/**
 * Metrics of the WAL tier (seed README names). Sizes are read from the WalStore at scrape
 * time; only the offload counter is updated as offloads happen.
 * - blink_current_disk_space_bytes: bytes of segment files (.log) on disk;
 * - blink_total_queue_size_bytes: record-batch bytes stored across memory and disk, each
 *   batch counted once (durable mode: the log on disk holds everything);
 * - blink_offloaded_batch_count: batches on disk that have no copy in memory;
 * - blink_offload_operations_total: offload writes (one per partition and offload round;
 *   durable mode drops cached copies without writing and counts nothing).
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { WalStore } from './wal-store.js';

export const walMetricProviders = [
  makeGaugeProvider({ name: 'blink_current_disk_space_bytes', help: 'Bytes of WAL segment files on disk' }),
  makeGaugeProvider({ name: 'blink_total_queue_size_bytes', help: 'Record-batch bytes stored in memory and on disk, each batch counted once' }),
  makeGaugeProvider({ name: 'blink_offloaded_batch_count', help: 'Record batches held only on disk' }),
  makeCounterProvider({ name: 'blink_offload_operations_total', help: 'Writes of memory batches to the WAL under memory pressure (one per partition and round)' }),
  makeCounterProvider({ name: 'blink_offloaded_batches_total', help: 'Record batches written to the WAL under memory pressure' }),
];

@Injectable()
export class WalProbe implements OnModuleInit {
  constructor(
    private readonly store: WalStore,
    @InjectMetric('blink_current_disk_space_bytes') private readonly diskBytes: Gauge,
    @InjectMetric('blink_total_queue_size_bytes') private readonly totalBytes: Gauge,
    @InjectMetric('blink_offloaded_batch_count') private readonly offloadedBatches: Gauge,
    @InjectMetric('blink_offload_operations_total') private readonly offloadOperations: Counter,
    @InjectMetric('blink_offloaded_batches_total') private readonly offloadedBatchesTotal: Counter,
  ) {}

  onModuleInit(): void {
    const store = this.store;
    // Gauges computed on scrape: collect() runs inside prom-client's registry.metrics().
    Object.assign(this.diskBytes, { collect: function (this: Gauge) { this.set(store.stats().diskBytes); } });
    Object.assign(this.totalBytes, { collect: function (this: Gauge) { this.set(store.stats().totalStoredBytes); } });
    Object.assign(this.offloadedBatches, { collect: function (this: Gauge) { this.set(store.stats().offloadedBatches); } });
  }

  offloadStarted(batches: number): void {
    this.offloadOperations.inc();
    this.offloadedBatchesTotal.inc(batches);
  }
}
