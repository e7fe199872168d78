/**
 * Metrics of the Kafka face. The transport and handlers call intent-named methods; only
 * this class touches prom-client. The seed's histograms are in microseconds (its alert rule
 * compares blink_produce_duration quantiles with 10000 = 10 ms); the same latencies are
 * exported in seconds, Prometheus's base unit, as blink_produce_duration_seconds and
 * blink_fetch_duration_seconds (same bucket bounds). Request counts are plain numbers here,
 * handed to prom-client when it is scraped, and so are the duration histograms' bucket
 * counts (common/scrape-tallies.ts): prom-client allocates on every increment and
 * observation, and this runs for every request.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '../common/metric-providers.js';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { ScrapedHistogram } from '../common/scrape-tallies.js';
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
  makeCounterProvider({ name: 'blink_connections_closed_by_broker_total', help: 'Kafka connections the broker closed or refused on its own, by reason', labelNames: ['reason'] }),
];

@Injectable()
export class KafkaProbe implements OnModuleInit {
  /** Requests handled per API key since the last scrape. */
  private readonly unreported = new Map<number, number>();
  /** The four duration histograms, tallied per request and handed over at scrape (common/scrape-tallies.ts). */
  private readonly produceTally: ScrapedHistogram;
  private readonly fetchTally: ScrapedHistogram;
  private readonly produceSecondsTally: ScrapedHistogram;
  private readonly fetchSecondsTally: ScrapedHistogram;

  constructor(
    @InjectMetric('blink_produce_count') private readonly produceCount: Counter,
    @InjectMetric('blink_fetch_count') private readonly fetchCount: Counter,
    @InjectMetric('blink_produce_duration') produceDuration: Histogram,
    @InjectMetric('blink_fetch_duration') fetchDuration: Histogram,
    @InjectMetric('blink_produce_duration_seconds') produceSeconds: Histogram,
    @InjectMetric('blink_fetch_duration_seconds') fetchSeconds: Histogram,
    @InjectMetric('blink_requests_total') private readonly requests: Counter<'api'>,
    @InjectMetric('blink_connections') private readonly connections: Gauge,
    @InjectMetric('blink_connections_closed_by_broker_total') private readonly closedByBroker: Counter<'reason'>,
  ) {
    this.produceTally = new ScrapedHistogram(produceDuration, DURATION_BUCKETS_US);
    this.fetchTally = new ScrapedHistogram(fetchDuration, DURATION_BUCKETS_US);
    this.produceSecondsTally = new ScrapedHistogram(produceSeconds, DURATION_BUCKETS_SECONDS);
    this.fetchSecondsTally = new ScrapedHistogram(fetchSeconds, DURATION_BUCKETS_SECONDS);
  }

  onModuleInit(): void {
    const report = (): void => this.report();
    // Each counter is read by its own scrape; the first one read hands over everything counted.
    for (const counter of [this.requests, this.produceCount, this.fetchCount]) Object.assign(counter, { collect: report });
  }

  requestHandled(apiKey: number, durationMs: number): void {
    this.unreported.set(apiKey, (this.unreported.get(apiKey) ?? 0) + 1);
    if (apiKey === PRODUCE_KEY) {
      this.produceTally.observe(durationMs * 1000);
      this.produceSecondsTally.observe(durationMs / 1000);
    } else if (apiKey === FETCH_KEY) {
      this.fetchTally.observe(durationMs * 1000);
      this.fetchSecondsTally.observe(durationMs / 1000);
    }
  }

  private report(): void {
    for (const [apiKey, count] of this.unreported) {
      this.requests.inc({ api: API_NAMES[apiKey] ?? String(apiKey) }, count);
      if (apiKey === PRODUCE_KEY) this.produceCount.inc(count);
      else if (apiKey === FETCH_KEY) this.fetchCount.inc(count);
    }
    this.unreported.clear();
  }

  connectionOpened(): void {
    this.connections.inc();
  }

  connectionClosed(): void {
    this.connections.dec();
  }

  /** A connection closed or refused by the broker: idle, a request too slow, or a connection limit. */
  connectionClosedByBroker(reason: string): void {
    this.closedByBroker.inc({ reason });
  }
}
