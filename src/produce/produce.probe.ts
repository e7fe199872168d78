/**
 * Metrics of the produce path, counted once for both faces (Kafka Produce and the REST
 * produce routes) where the batch is appended: totals, and per partition (labels topic,
 * partition; topics beyond metrics_max_entities summed into topic="__other__"), the
 * per-partition series computed at scrape time from tallies (storage/partition-tallies.ts).
 * Also the up-conversion of legacy message sets (Produce v0-2): Kafka's
 * ProduceMessageConversionsPerSec (records converted) and
 * MessageConversionsTimeMs{request=Produce}, in seconds.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '../common/metric-providers.js';
import type { Counter, Histogram } from 'prom-client';
import type { PartitionLog } from '../storage/partition-log.js';
import { PartitionFlow } from '../storage/partition-tallies.js';
import { StorageProbe } from '../storage/storage.probe.js';

const PARTITION_LABELS = ['topic', 'partition'];
/** Conversion durations: tens of microseconds (a few small messages) to seconds (a large compressed set). */
const CONVERSION_SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export const produceMetricProviders = [
  makeCounterProvider({ name: 'blink_produced_records_total', help: 'Records appended by Produce (Kafka, or the REST produce routes)' }),
  makeCounterProvider({ name: 'blink_produced_bytes_total', help: 'Record-batch bytes appended by Produce (Kafka, or the REST produce routes)' }),
  makeCounterProvider({ name: 'blink_partition_produced_records_total', help: 'Records appended to the partition', labelNames: PARTITION_LABELS }),
  makeCounterProvider({ name: 'blink_partition_produced_bytes_total', help: 'Record-batch bytes appended to the partition', labelNames: PARTITION_LABELS }),
  makeCounterProvider({
    name: 'blink_produce_message_conversions_total',
    help: 'Records of legacy message sets (magic 0/1, Produce v0-2) converted to record batches (Kafka: ProduceMessageConversionsPerSec)',
  }),
  makeHistogramProvider({
    name: 'blink_produce_message_conversion_seconds',
    help: 'Time to convert one partition\'s legacy message set to a record batch (Kafka: MessageConversionsTimeMs, request=Produce)',
    buckets: CONVERSION_SECONDS_BUCKETS,
  }),
];

@Injectable()
export class ProduceProbe implements OnModuleInit {
  /** Records and bytes appended, in total and per partition. */
  private readonly appended: PartitionFlow;

  constructor(
    private readonly storage: StorageProbe,
    @InjectMetric('blink_produced_records_total') records: Counter,
    @InjectMetric('blink_produced_bytes_total') bytes: Counter,
    @InjectMetric('blink_partition_produced_records_total') partitionRecords: Counter<string>,
    @InjectMetric('blink_partition_produced_bytes_total') partitionBytes: Counter<string>,
    @InjectMetric('blink_produce_message_conversions_total') private readonly conversions: Counter,
    @InjectMetric('blink_produce_message_conversion_seconds') private readonly conversionTime: Histogram,
  ) {
    this.appended = new PartitionFlow({ records, bytes, partitionRecords, partitionBytes });
  }

  onModuleInit(): void {
    this.appended.fillOnScrape(() => this.storage.topicSplit());
  }

  batchAppended(log: PartitionLog, records: number, bytes: number): void {
    this.appended.add(log, records, bytes);
  }

  messagesUpConverted(records: number, seconds: number): void {
    this.conversions.inc(records);
    this.conversionTime.observe(seconds);
  }
}
