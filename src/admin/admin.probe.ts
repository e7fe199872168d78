/**
 * Metrics of the REST admin face (rest_port): requests by method, route pattern and
 * status, and their latency. Routes are the registered patterns (`/api/v1/topics/:topic`),
 * never raw URLs, so the label set stays bounded; a request that matched no route is
 * counted under `route="unmatched"`. Durations are exported in microseconds, like the
 * Kafka request latencies.
 */
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '../common/metric-providers.js';
import type { Counter, Histogram } from 'prom-client';

const DURATION_BUCKETS_US = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000, 1_000_000, 10_000_000];
export const UNMATCHED_ROUTE = 'unmatched';

export const adminMetricProviders = [
  makeCounterProvider({ name: 'blink_http_requests_total', help: 'REST requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'] }),
  makeHistogramProvider({ name: 'blink_http_request_duration', help: 'REST request latency, microseconds', labelNames: ['method', 'route'], buckets: DURATION_BUCKETS_US }),
];

@Injectable()
export class AdminProbe {
  constructor(
    @InjectMetric('blink_http_requests_total') private readonly requests: Counter<'method' | 'route' | 'status'>,
    @InjectMetric('blink_http_request_duration') private readonly duration: Histogram<'method' | 'route'>,
  ) {}

  requestAnswered(method: string, route: string | undefined, status: number, durationMs: number): void {
    const labels = { method, route: route ?? UNMATCHED_ROUTE };
    this.requests.inc({ ...labels, status: String(status) });
    this.duration.observe(labels, durationMs * 1000);
  }
}
