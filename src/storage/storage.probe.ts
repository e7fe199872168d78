/**
 * Metrics of the memory tier and of each partition, read at scrape time from the
 * MemoryAccountant and the TopicRegistry (nothing is updated on the produce path).
 * blink_current_allocated is the process's allocated memory as Node reports it (V8 heap in
 * use + external memory, which holds every Buffer). The WAL tier's totals are in wal.probe.ts.
 *
 * Per partition (labels topic, partition): log start, log end (the high watermark: what
 * kafka-consumer-groups shows as LOG-END-OFFSET), bytes in memory and in the WAL. Topics
 * beyond metrics_max_entities are summed into topic="__other__" (bytes only: a sum of
 * offsets means nothing) and counted in blink_metrics_aggregated_topics.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '../common/metric-providers.js';
import type { Counter, Gauge } from 'prom-client';
import { OTHER_ENTITY, onScrape, splitEntities } from '../common/metric-entities.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { MemoryAccountant } from './memory-accountant.js';
import type { PartitionLog } from './partition-log.js';
import { TopicRegistry, type Topic } from './topic-registry.js';

const PARTITION_LABELS = ['topic', 'partition'];

export const storageMetricProviders = [
  makeGaugeProvider({ name: 'blink_in_memory_queue_size_bytes', help: 'Record-batch bytes held in memory' }),
  makeGaugeProvider({ name: 'blink_ram_batch_count', help: 'Record batches held in memory' }),
  makeGaugeProvider({ name: 'blink_memory_used_bytes', help: 'What max_memory bounds: record-batch bytes in memory plus the heap counted per stored batch' }),
  makeGaugeProvider({ name: 'blink_max_memory_bytes', help: 'The max_memory setting, bytes' }),
  makeGaugeProvider({ name: 'blink_memory_high_water_bytes', help: 'The offload mark: above it the oldest batches go to the WAL (80% of max_memory)' }),
  makeCounterProvider({ name: 'blink_purged_records', help: 'Records removed by retention, purge_on_fetch or DeleteRecords' }),
  makeCounterProvider({ name: 'blink_segment_deletion_failures_total', help: 'Segment deletions of durable retention that failed (each retry counted)' }),
  makeGaugeProvider({ name: 'blink_current_allocated', help: 'Bytes allocated by the process: V8 heap used plus external memory (Buffers)' }),
  makeGaugeProvider({ name: 'blink_partition_log_start_offset', help: 'First offset still stored, per partition', labelNames: PARTITION_LABELS }),
  makeGaugeProvider({ name: 'blink_partition_log_end_offset', help: 'Offset after the last readable record (the high watermark), per partition', labelNames: PARTITION_LABELS }),
  makeGaugeProvider({ name: 'blink_partition_memory_bytes', help: 'Record-batch bytes of the partition held in memory', labelNames: PARTITION_LABELS }),
  makeGaugeProvider({ name: 'blink_partition_wal_bytes', help: 'Bytes of the partition\'s WAL segment files', labelNames: PARTITION_LABELS }),
  makeGaugeProvider({ name: 'blink_metrics_aggregated_topics', help: `Topics beyond metrics_max_entities, summed into topic="${OTHER_ENTITY}"` }),
  makeGaugeProvider({
    name: 'blink_batch_memory_bytes',
    help: 'Pooled memory behind the memory tier, by state: slabs (all of it), free (empty slabs kept for reuse), held_back (slabs and regions held only by readers not done with them: Fetch answers not yet flushed)',
    labelNames: ['state'],
  }),
];

/** A per-partition gauge: how to read it, and whether the __other__ series sums it. */
interface PartitionGauge {
  readonly gauge: Gauge<string>;
  readonly value: (log: PartitionLog) => number;
  readonly additive: boolean;
}

@Injectable()
export class StorageProbe implements OnModuleInit {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly accountant: MemoryAccountant,
    private readonly registry: TopicRegistry,
    @InjectMetric('blink_in_memory_queue_size_bytes') private readonly inMemoryBytes: Gauge,
    @InjectMetric('blink_ram_batch_count') private readonly ramBatches: Gauge,
    @InjectMetric('blink_memory_used_bytes') private readonly usedBytes: Gauge,
    @InjectMetric('blink_max_memory_bytes') private readonly maxMemory: Gauge,
    @InjectMetric('blink_memory_high_water_bytes') private readonly highWater: Gauge,
    @InjectMetric('blink_purged_records') private readonly purgedRecords: Counter,
    @InjectMetric('blink_segment_deletion_failures_total') private readonly deletionFailures: Counter,
    @InjectMetric('blink_current_allocated') private readonly allocated: Gauge,
    @InjectMetric('blink_partition_log_start_offset') private readonly logStart: Gauge<string>,
    @InjectMetric('blink_partition_log_end_offset') private readonly logEnd: Gauge<string>,
    @InjectMetric('blink_partition_memory_bytes') private readonly partitionMemory: Gauge<string>,
    @InjectMetric('blink_partition_wal_bytes') private readonly partitionWal: Gauge<string>,
    @InjectMetric('blink_metrics_aggregated_topics') private readonly aggregatedTopics: Gauge,
    @InjectMetric('blink_batch_memory_bytes') private readonly batchMemory: Gauge<'state'>,
  ) {}

  onModuleInit(): void {
    this.maxMemory.set(this.config.maxMemoryBytes);
    const { highWaterBytes } = this.accountant.memoryLimits;
    this.highWater.set(Number.isFinite(highWaterBytes) ? highWaterBytes : this.config.maxMemoryBytes);
    const accountant = this.accountant;
    onScrape(this.inMemoryBytes, (g) => g.set(accountant.storedBytes));
    onScrape(this.ramBatches, (g) => g.set(accountant.storedBatches));
    onScrape(this.usedBytes, (g) => g.set(accountant.usedBytes));
    onScrape(this.allocated, (g) => {
      const usage = process.memoryUsage();
      g.set(usage.heapUsed + usage.external);
    });
    onScrape(this.batchMemory, (g) => {
      const stats = accountant.memory.stats();
      g.set({ state: 'slabs' }, stats.slabBytes);
      g.set({ state: 'free' }, stats.freeBytes);
      g.set({ state: 'held_back' }, stats.heldBackBytes);
    });
    onScrape(this.aggregatedTopics, (g) => g.set(this.topicSplit().other.length));
    // Transactions add blink_partition_last_stable_offset (and open transactions) here: one more row.
    const gauges: PartitionGauge[] = [
      { gauge: this.logStart, value: (log) => log.logStartOffset, additive: false },
      { gauge: this.logEnd, value: (log) => log.highWatermark, additive: false },
      { gauge: this.partitionMemory, value: (log) => log.storedBytes, additive: true },
      { gauge: this.partitionWal, value: walBytes, additive: true },
    ];
    for (const row of gauges) onScrape(row.gauge, (g) => this.fillPartitionGauge(g, row));
  }

  recordsPurged(records: number): void {
    if (records > 0) this.purgedRecords.inc(records);
  }

  /** Durable retention could not delete a partition's segment files (retention.service.ts). */
  segmentDeletionFailed(): void {
    this.deletionFailures.inc();
  }

  /** Which topics have series of their own (shared by every per-topic probe through the registry's order). */
  topicSplit(): { own: Topic[]; other: Topic[] } {
    return splitEntities(this.registry.all(), this.config.metricsMaxEntities);
  }

  private fillPartitionGauge(gauge: Gauge<string>, row: PartitionGauge): void {
    const { own, other } = this.topicSplit();
    for (const topic of own) {
      for (const log of topic.partitions) gauge.set({ topic: topic.name, partition: String(log.partition) }, row.value(log));
    }
    if (other.length === 0 || !row.additive) return;
    let sum = 0;
    for (const topic of other) for (const log of topic.partitions) sum += row.value(log);
    gauge.set({ topic: OTHER_ENTITY, partition: '' }, sum);
  }
}

/** Bytes of the partition's WAL segment files. */
function walBytes(log: PartitionLog): number {
  let bytes = 0;
  for (const segment of log.cold?.segments() ?? []) bytes += segment.sizeBytes;
  return bytes;
}
