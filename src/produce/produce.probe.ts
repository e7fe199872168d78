/**
 * Metrics of the produce path, counted once for both faces (Kafka Produce and the REST
 * produce routes) where the batch is appended: totals, and per partition (labels topic,
 * partition; topics beyond metrics_max_entities summed into topic="__other__"), the
 * per-partition series computed at scrape time from tallies (storage/partition-tallies.ts).
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { onScrape } from '../common/metric-entities.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { PartitionTallies } from '../storage/partition-tallies.js';
import { StorageProbe } from '../storage/storage.probe.js';

const PARTITION_LABELS = ['topic', 'partition'];

export const produceMetricProviders = [
  makeCounterProvider({ name: 'blink_produced_records_total', help: 'Records appended by Produce (Kafka, or the REST produce routes)' }),
  makeCounterProvider({ name: 'blink_produced_bytes_total', help: 'Record-batch bytes appended by Produce (Kafka, or the REST produce routes)' }),
  makeCounterProvider({ name: 'blink_partition_produced_records_total', help: 'Records appended to the partition', labelNames: PARTITION_LABELS }),
  makeCounterProvider({ name: 'blink_partition_produced_bytes_total', help: 'Record-batch bytes appended to the partition', labelNames: PARTITION_LABELS }),
];

@Injectable()
export class ProduceProbe implements OnModuleInit {
  private readonly tallies = new PartitionTallies();

  constructor(
    private readonly storage: StorageProbe,
    @InjectMetric('blink_produced_records_total') private readonly producedRecords: Counter,
    @InjectMetric('blink_produced_bytes_total') private readonly producedBytes: Counter,
    @InjectMetric('blink_partition_produced_records_total') private readonly partitionRecords: Counter<string>,
    @InjectMetric('blink_partition_produced_bytes_total') private readonly partitionBytes: Counter<string>,
  ) {}

  onModuleInit(): void {
    onScrape(this.partitionRecords, (counter) => this.tallies.fill(counter, 'records', this.storage.topicSplit()));
    onScrape(this.partitionBytes, (counter) => this.tallies.fill(counter, 'bytes', this.storage.topicSplit()));
  }

  batchAppended(log: PartitionLog, records: number, bytes: number): void {
    this.producedRecords.inc(records);
    this.producedBytes.inc(bytes);
    this.tallies.add(log, records, bytes);
  }
}
