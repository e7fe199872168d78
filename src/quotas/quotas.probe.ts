/**
 * Client quota metrics, per shared rate (Kafka's per user/client-id quota sensors), read at
 * scrape time from ClientQuotas (nothing is counted on the request path here):
 * - blink_quota_rate{type,user,client_id}: the measured rate, bytes per second for type
 *   produce and fetch, percent of one thread for type request (Kafka's byte-rate and
 *   request-time metrics);
 * - blink_quota_limit{…}: the quota applied to that rate (absent when no entity sets one);
 * - blink_quota_throttle_seconds_total{…} and blink_quota_throttled_responses_total{…}: the
 *   throttle time given and the responses that carried one (Kafka's throttle-time).
 * Labels follow Kafka's quota tags: user and client_id name who shares the rate, '' where
 * the rate is shared by any (a user quota covers all of its client ids). Rates exist only
 * once a quota of their type is set, and go after an hour unused. Per type, the first
 * metrics_max_entities rates have series of their own, the rest are summed into
 * user="__other__", client_id="__other__" and counted in blink_metrics_aggregated_quota_rates.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '../common/metric-providers.js';
import type { Counter, Gauge } from 'prom-client';
import { OTHER_ENTITY, onScrape, splitEntities } from '../common/metric-entities.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { ClientQuotas, type QuotaReading } from './client-quotas.service.js';
import type { QuotaType } from './quota-entity.js';

const LABELS = ['type', 'user', 'client_id'];
const TYPES: readonly QuotaType[] = ['produce', 'fetch', 'request'];

type Labels = { type: QuotaType; user: string; client_id: string };

@Injectable()
export class QuotasProbe implements OnModuleInit {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly quotas: ClientQuotas,
    @InjectMetric('blink_quota_rate') private readonly rate: Gauge<string>,
    @InjectMetric('blink_quota_limit') private readonly limit: Gauge<string>,
    @InjectMetric('blink_quota_throttle_seconds_total') private readonly throttleSeconds: Counter<string>,
    @InjectMetric('blink_quota_throttled_responses_total') private readonly throttledResponses: Counter<string>,
    @InjectMetric('blink_metrics_aggregated_quota_rates') private readonly aggregated: Gauge,
  ) {}

  onModuleInit(): void {
    onScrape(this.rate, (g) => this.fill((labels, reading) => g.inc(labels, reading.rate)));
    onScrape(this.limit, (g) => this.fill((labels, reading) => reading.limit !== null && labels.user !== OTHER_ENTITY && g.set(labels, reading.limit)));
    onScrape(this.throttleSeconds, (c) => this.fill((labels, reading) => c.inc(labels, reading.throttleMsTotal / 1000)));
    onScrape(this.throttledResponses, (c) => this.fill((labels, reading) => c.inc(labels, reading.throttledResponses)));
    onScrape(this.aggregated, (g) => g.set(this.split().reduce((sum, { other }) => sum + other.length, 0)));
  }

  private split(): Array<{ own: QuotaReading[]; other: QuotaReading[] }> {
    const readings = this.quotas.readings();
    return TYPES.map((type) => splitEntities(readings.filter((r) => r.type === type), this.config.metricsMaxEntities));
  }

  private fill(set: (labels: Labels, reading: QuotaReading) => unknown): void {
    for (const { own, other } of this.split()) {
      for (const reading of own) set({ type: reading.type, user: reading.shared.user, client_id: reading.shared.clientId }, reading);
      for (const reading of other) set({ type: reading.type, user: OTHER_ENTITY, client_id: OTHER_ENTITY }, reading);
    }
  }
}

export const quotasProbeProviders = [
  QuotasProbe,
  makeGaugeProvider({ name: 'blink_quota_rate', help: 'Measured rate of a client quota: bytes/s (produce, fetch) or percent of a thread (request)', labelNames: LABELS }),
  makeGaugeProvider({ name: 'blink_quota_limit', help: 'The quota applied to the rate (producer_byte_rate, consumer_byte_rate, request_percentage)', labelNames: LABELS }),
  makeCounterProvider({ name: 'blink_quota_throttle_seconds_total', help: 'Throttle time given to clients over their quota', labelNames: LABELS }),
  makeCounterProvider({ name: 'blink_quota_throttled_responses_total', help: 'Responses that carried a throttle time', labelNames: LABELS }),
  makeGaugeProvider({ name: 'blink_metrics_aggregated_quota_rates', help: `Quota rates beyond metrics_max_entities (per type), summed into user/client_id="${OTHER_ENTITY}"` }),
];
