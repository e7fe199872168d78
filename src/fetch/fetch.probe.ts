/**
 * Metrics of the fetch path: blink_parked_fetches, the fetches (Kafka Fetch or a REST long
 * poll) waiting in FetchParking right now, read at scrape time (besides operators, the e2e
 * tests poll it to know that a fetch has parked); and what consumers' fetches returned
 * (Kafka Fetch; the REST read is an inspection and is not counted): records (the offsets a
 * fetch moved past) and batch bytes, in total and per partition (labels topic, partition;
 * topics beyond metrics_max_entities summed into topic="__other__"), the per-partition
 * series computed at scrape time from tallies (storage/partition-tallies.ts).
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { onScrape } from '../common/metric-entities.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { PartitionTallies } from '../storage/partition-tallies.js';
import { StorageProbe } from '../storage/storage.probe.js';
import { FetchParking } from './fetch-parking.js';

const PARTITION_LABELS = ['topic', 'partition'];

@Injectable()
export class FetchProbe implements OnModuleInit {
  private readonly tallies = new PartitionTallies();

  constructor(
    private readonly parking: FetchParking,
    private readonly storage: StorageProbe,
    @InjectMetric('blink_parked_fetches') private readonly parkedFetches: Gauge,
    @InjectMetric('blink_fetched_records_total') private readonly fetchedRecords: Counter,
    @InjectMetric('blink_fetched_bytes_total') private readonly fetchedBytes: Counter,
    @InjectMetric('blink_partition_fetched_records_total') private readonly partitionRecords: Counter<string>,
    @InjectMetric('blink_partition_fetched_bytes_total') private readonly partitionBytes: Counter<string>,
  ) {}

  onModuleInit(): void {
    const parking = this.parking;
    onScrape(this.parkedFetches, (g) => g.set(parking.parkedCount));
    onScrape(this.partitionRecords, (counter) => this.tallies.fill(counter, 'records', this.storage.topicSplit()));
    onScrape(this.partitionBytes, (counter) => this.tallies.fill(counter, 'bytes', this.storage.topicSplit()));
  }

  /** A consumer's fetch returned `bytes` of whole batches from `fromOffset` up to `nextOffset`. */
  partitionFetched(log: PartitionLog, fromOffset: number, nextOffset: number, bytes: number): void {
    const records = Math.max(0, nextOffset - fromOffset);
    this.fetchedRecords.inc(records);
    this.fetchedBytes.inc(bytes);
    this.tallies.add(log, records, bytes);
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
];
