/**
 * Metrics of the fetch path's down-conversion for old fetchers (Fetch v0-3): Kafka's
 * FetchMessageConversionsPerSec (records sent converted) and MessageConversionsTimeMs
 * {request=Fetch} (here per stored batch converted, in seconds), plus the conversion cache.
 */
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** Conversion durations: tens of microseconds (a small batch) to seconds (a large compressed one). */
const CONVERSION_SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export const fetchMetricProviders = [
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

@Injectable()
export class FetchProbe {
  constructor(
    @InjectMetric('blink_fetch_message_conversions_total') private readonly conversions: Counter,
    @InjectMetric('blink_fetch_message_conversion_seconds') private readonly conversionTime: Histogram,
    @InjectMetric('blink_fetch_conversion_cache_lookups_total') private readonly cacheLookups: Counter<'result'>,
    @InjectMetric('blink_fetch_conversion_cache_bytes') private readonly cacheBytes: Gauge,
  ) {}

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
