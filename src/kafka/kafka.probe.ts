/**
 * Metrics of the Kafka face. The transport and handlers call intent-named methods; only
 * this class touches prom-client. The seed's histograms are in microseconds (its alert rule
 * compares blink_produce_duration quantiles with 10000 = 10 ms); the same latencies are
 * exported in seconds, Prometheus's base unit, as blink_produce_duration_seconds and
 * blink_fetch_duration_seconds (same bucket bounds).
 */
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { API_NAMES } from '../wire/api-names.js';

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;
const DURATION_BUCKETS_US = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000];
const DURATION_BUCKETS_SECONDS = DURATION_BUCKETS_US.map((us) => us / 1_000_000);

export const kafkaMetricProviders = [
  makeCounterProvider({ name: 'blink_produce_count', help: 'Produce requests handled' }),
  makeCounterProvider({ name: 'blink_fetch_count', help: 'Fetch requests handled' }),
  makeHistogramProvider({ name: 'blink_produce_duration', help: 'Produce request latency, microseconds', buckets: DURATION_BUCKETS_US }),
  makeHistogramProvider({ name: 'blink_fetch_duration', help: 'Fetch request latency including long-poll wait, microseconds', buckets: DURATION_BUCKETS_US }),
  makeHistogramProvider({ name: 'blink_produce_duration_seconds', help: 'Produce request latency, seconds', buckets: DURATION_BUCKETS_SECONDS }),
  makeHistogramProvider({ name: 'blink_fetch_duration_seconds', help: 'Fetch request latency including long-poll wait, seconds', buckets: DURATION_BUCKETS_SECONDS }),
  makeCounterProvider({ name: 'blink_requests_total', help: 'Kafka requests handled, by API', labelNames: ['api'] }),
  makeGaugeProvider({ name: 'blink_connections', help: 'Open Kafka client connections' }),
];

@Injectable()
export class KafkaProbe {
  constructor(
    @InjectMetric('blink_produce_count') private readonly produceCount: Counter,
    @InjectMetric('blink_fetch_count') private readonly fetchCount: Counter,
    @InjectMetric('blink_produce_duration') private readonly produceDuration: Histogram,
    @InjectMetric('blink_fetch_duration') private readonly fetchDuration: Histogram,
    @InjectMetric('blink_produce_duration_seconds') private readonly produceSeconds: Histogram,
    @InjectMetric('blink_fetch_duration_seconds') private readonly fetchSeconds: Histogram,
    @InjectMetric('blink_requests_total') private readonly requests: Counter<'api'>,
    @InjectMetric('blink_connections') private readonly connections: Gauge,
  ) {}

  requestHandled(apiKey: number, durationMs: number): void {
    this.requests.inc({ api: API_NAMES[apiKey] ?? String(apiKey) });
    if (apiKey === PRODUCE_KEY) {
      this.produceCount.inc();
      this.produceDuration.observe(durationMs * 1000);
      this.produceSeconds.observe(durationMs / 1000);
    } else if (apiKey === FETCH_KEY) {
      this.fetchCount.inc();
      this.fetchDuration.observe(durationMs * 1000);
      this.fetchSeconds.observe(durationMs / 1000);
    }
  }

  connectionOpened(): void {
    this.connections.inc();
  }

  connectionClosed(): void {
    this.connections.dec();
  }
}
