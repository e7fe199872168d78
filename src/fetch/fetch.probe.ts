/**
 * Metrics of the fetch path: blink_parked_fetches, the fetches (Kafka Fetch or a REST long
 * poll) waiting in FetchParking right now, read at scrape time (besides operators, the e2e
 * tests poll it to know that a fetch has parked); and what consumers' fetches returned
 * (Kafka Fetch; the REST read is an inspection and is not counted): records (the offsets a
 * fetch moved past) and batch bytes, in total and per partition (labels topic, partition;
 * topics beyond metrics_max_entities summed into topic="__other__"), the per-partition
 * series computed at scrape time from tallies (storage/partition-tallies.ts).
 * The down-conversion for old fetchers (Fetch v0-3): Kafka's FetchMessageConversionsPerSec
 * (records sent converted) and MessageConversionsTimeMs{request=Fetch} (here per stored
 * batch converted, in seconds), plus the conversion cache.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '../common/metric-providers.js';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { onScrape } from '../common/metric-entities.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { PartitionFlow } from '../storage/partition-tallies.js';
import { StorageProbe } from '../storage/storage.probe.js';
import { FetchParking } from './fetch-parking.js';

const PARTITION_LABELS = ['topic', 'partition'];
/** Conversion durations: tens of microseconds (a small batch) to seconds (a large compressed one). */
const CONVERSION_SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

@Injectable()
export class FetchProbe implements OnModuleInit {
  /** Records and bytes consumers' fetches returned, in total and per partition. */
  private readonly fetched: PartitionFlow;

  constructor(
    private readonly parking: FetchParking,
    private readonly storage: StorageProbe,
    @InjectMetric('blink_parked_fetches') private readonly parkedFetches: Gauge,
    @InjectMetric('blink_fetched_records_total') records: Counter,
    @InjectMetric('blink_fetched_bytes_total') bytes: Counter,
    @InjectMetric('blink_partition_fetched_records_total') partitionRecords: Counter<string>,
    @InjectMetric('blink_partition_fetched_bytes_total') partitionBytes: Counter<string>,
    @InjectMetric('blink_fetch_message_conversions_total') private readonly conversions: Counter,
    @InjectMetric('blink_fetch_message_conversion_seconds') private readonly conversionTime: Histogram,
    @InjectMetric('blink_fetch_conversion_cache_lookups_total') private readonly cacheLookups: Counter<'result'>,
    @InjectMetric('blink_fetch_conversion_cache_bytes') private readonly cacheBytes: Gauge,
  ) {
    this.fetched = new PartitionFlow({ records, bytes, partitionRecords, partitionBytes });
  }

  onModuleInit(): void {
    const parking = this.parking;
    onScrape(this.parkedFetches, (g) => g.set(parking.parkedCount));
    this.fetched.fillOnScrape(() => this.storage.topicSplit());
  }

  /** A consumer's fetch returned `bytes` of whole batches from `fromOffset` up to `nextOffset`. */
  partitionFetched(log: PartitionLog, fromOffset: number, nextOffset: number, bytes: number): void {
    this.fetched.add(log, Math.max(0, nextOffset - fromOffset), bytes);
  }

  messagesDownConverted(records: number): void {
    this.conversions.inc(records);
  }

  batchConverted(seconds: number, cacheBytes: number): void {
    this.cacheLookups.inc({ result: 'miss' });
    this.conversionTime.observe(seconds);
    this.cacheBytes.set(cacheBytes);
  }

  conversionCacheHit(): void {
    this.cacheLookups.inc({ result: 'hit' });
  }
}

/** The probe and its metrics, for the fetch module's providers. */
export const fetchProbeProviders = [
  FetchProbe,
  makeGaugeProvider({ name: 'blink_parked_fetches', help: 'Fetches (Kafka, or REST long polls) parked waiting for min_bytes or max_wait_ms' }),
  makeCounterProvider({ name: 'blink_fetched_records_total', help: 'Records returned by consumers\' fetches (offsets the fetches moved past)' }),
  makeCounterProvider({ name: 'blink_fetched_bytes_total', help: 'Record-batch bytes returned by consumers\' fetches' }),
  makeCounterProvider({ name: 'blink_partition_fetched_records_total', help: 'Records of the partition returned by consumers\' fetches', labelNames: PARTITION_LABELS }),
  makeCounterProvider({ name: 'blink_partition_fetched_bytes_total', help: 'Record-batch bytes of the partition returned by consumers\' fetches', labelNames: PARTITION_LABELS }),
  makeCounterProvider({
    name: 'blink_fetch_message_conversions_total',
    help: 'Records sent down-converted to legacy message sets (magic 0/1) to Fetch v0-3 clients (Kafka: FetchMessageConversionsPerSec)',
  }),
  makeHistogramProvider({
    name: 'blink_fetch_message_conversion_seconds',
    help: 'Time to down-convert one stored record batch for Fetch v0-3 (Kafka: MessageConversionsTimeMs, request=Fetch); cache hits take none',
    buckets: CONVERSION_SECONDS_BUCKETS,
  }),
  makeCounterProvider({
    name: 'blink_fetch_conversion_cache_lookups_total',
    help: 'Look-ups of down-converted batches in the conversion cache, by result (hit, miss)',
    labelNames: ['result'],
  }),
  makeGaugeProvider({ name: 'blink_fetch_conversion_cache_bytes', help: 'Bytes held by the down-conversion cache' }),
];
