/**
 * Metrics of the log cleaner (compaction/): totals updated once per pass, and per compacted
 * partition (labels topic, partition; the first metrics_max_entities topics) its dirty ratio
 * and when it was last cleaned, read at scrape time.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '../common/metric-providers.js';
import type { Counter, Gauge } from 'prom-client';
import { onScrape } from '../common/metric-entities.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { StorageProbe } from '../storage/storage.probe.js';
import { isCompacted } from '../storage/topic-config.js';
import type { PassStats } from './partition-cleaner.js';

const PARTITION_LABELS = ['topic', 'partition'];

export const cleanerMetricProviders = [
  makeCounterProvider({ name: 'blink_log_cleaner_passes', help: 'Cleaning passes of compacted partitions' }),
  makeCounterProvider({ name: 'blink_log_cleaner_bytes_read', help: 'Record-batch bytes the log cleaner read and rewrote' }),
  makeCounterProvider({ name: 'blink_log_cleaner_bytes_removed', help: 'Record-batch bytes the log cleaner removed (read minus written)' }),
  makeCounterProvider({ name: 'blink_log_cleaner_records_removed', help: 'Records the log cleaner removed (older values, expired tombstones, aborted data)' }),
  makeCounterProvider({ name: 'blink_log_cleaner_seconds', help: 'Time spent in cleaning passes, steps and yields included' }),
  makeCounterProvider({ name: 'blink_log_cleaner_failures', help: 'Cleaning passes that failed (the partition is left alone for a while)' }),
  makeGaugeProvider({ name: 'blink_log_cleaner_last_pass_seconds', help: 'Duration of the last cleaning pass' }),
  makeGaugeProvider({ name: 'blink_partition_dirty_ratio', help: 'Share of a compacted partition\'s cleanable bytes not cleaned yet', labelNames: PARTITION_LABELS }),
  makeGaugeProvider({ name: 'blink_partition_last_clean_timestamp_seconds', help: 'When the log cleaner last cleaned the compacted partition (Unix time)', labelNames: PARTITION_LABELS }),
];

/** How the probe reads a partition's cleaner state at scrape time. */
export interface CleanerView {
  dirtyRatio(log: PartitionLog): number;
  lastCleanMs(log: PartitionLog): number | null;
}

@Injectable()
export class CleanerProbe implements OnModuleInit {
  private view: CleanerView | null = null;

  constructor(
    private readonly storage: StorageProbe,
    @InjectMetric('blink_log_cleaner_passes') private readonly passes: Counter,
    @InjectMetric('blink_log_cleaner_bytes_read') private readonly bytesRead: Counter,
    @InjectMetric('blink_log_cleaner_bytes_removed') private readonly bytesRemoved: Counter,
    @InjectMetric('blink_log_cleaner_records_removed') private readonly recordsRemoved: Counter,
    @InjectMetric('blink_log_cleaner_seconds') private readonly seconds: Counter,
    @InjectMetric('blink_log_cleaner_failures') private readonly failures: Counter,
    @InjectMetric('blink_log_cleaner_last_pass_seconds') private readonly lastPass: Gauge,
    @InjectMetric('blink_partition_dirty_ratio') private readonly dirtyRatio: Gauge<string>,
    @InjectMetric('blink_partition_last_clean_timestamp_seconds') private readonly lastClean: Gauge<string>,
  ) {}

  onModuleInit(): void {
    onScrape(this.dirtyRatio, (gauge) => this.fill(gauge, (view, log) => view.dirtyRatio(log)));
    onScrape(this.lastClean, (gauge) =>
      this.fill(gauge, (view, log) => {
        const ms = view.lastCleanMs(log);
        return ms === null ? null : ms / 1000;
      }),
    );
  }

  /** The cleaner registers itself as the source of the per-partition gauges. */
  watch(view: CleanerView): void {
    this.view = view;
  }

  passDone(stats: PassStats, seconds: number): void {
    this.passes.inc();
    this.bytesRead.inc(stats.bytesRead);
    this.bytesRemoved.inc(Math.max(0, stats.bytesRead - stats.bytesWritten));
    this.recordsRemoved.inc(stats.recordsRemoved);
    this.seconds.inc(seconds);
    this.lastPass.set(seconds);
  }

  passFailed(): void {
    this.failures.inc();
  }

  private fill(gauge: Gauge<string>, value: (view: CleanerView, log: PartitionLog) => number | null): void {
    const view = this.view;
    if (view === null) return;
    for (const topic of this.storage.topicSplit().own) {
      if (!isCompacted(topic.configs)) continue;
      for (const log of topic.partitions) {
        const found = value(view, log);
        if (found !== null) gauge.set({ topic: topic.name, partition: String(log.partition) }, found);
      }
    }
  }
}
