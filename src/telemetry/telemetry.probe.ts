/**
 * Client telemetry on /prometheus: the metrics clients push (one Prometheus metric per pushed
 * metric name, `blink_client_…`, registered when its first series arrives and removed when its
 * last client stops pushing; values read at scrape time from ClientSeries), and the receiver's
 * own bookkeeping:
 * - blink_telemetry_clients, blink_telemetry_series: clients with series, series in all;
 * - blink_telemetry_dropped_points_total{reason}: points not kept: "clients" (beyond
 *   metrics_max_entities clients), "series" (beyond client_metrics_max_series), "type" (a
 *   name pushed as a gauge and as a counter);
 * - blink_telemetry_pushes_total{result}: PushTelemetry requests accepted or refused;
 * - blink_telemetry_subscriptions: CLIENT_METRICS resources.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '../common/metric-providers.js';
import { Counter, Gauge, register } from 'prom-client';
import { onScrape } from '../common/metric-entities.js';
import { ClientMetrics } from './client-metrics.service.js';
import type { ClientSeries } from './client-series.js';
import type { PointKind } from './otlp-metrics.js';

type ClientMetric = Gauge<string> | Counter<string>;

@Injectable()
export class TelemetryProbe implements OnModuleInit {
  private readonly registered = new Map<string, ClientMetric>();

  constructor(
    private readonly telemetry: ClientMetrics,
    @InjectMetric('blink_telemetry_clients') private readonly clients: Gauge,
    @InjectMetric('blink_telemetry_series') private readonly series: Gauge,
    @InjectMetric('blink_telemetry_dropped_points_total') private readonly dropped: Counter<string>,
    @InjectMetric('blink_telemetry_pushes_total') private readonly pushes: Counter<string>,
    @InjectMetric('blink_telemetry_subscriptions') private readonly subscriptions: Gauge,
  ) {}

  onModuleInit(): void {
    const store = this.telemetry.series;
    onScrape(this.clients, (g) => g.set(store.clientCount));
    onScrape(this.series, (g) => g.set(store.seriesCount));
    onScrape(this.dropped, (c) => {
      for (const [reason, points] of Object.entries(store.dropped)) c.inc({ reason }, points);
    });
    onScrape(this.pushes, (c) => {
      c.inc({ result: 'accepted' }, this.telemetry.pushCounts.accepted);
      c.inc({ result: 'refused' }, this.telemetry.pushCounts.refused);
    });
    onScrape(this.subscriptions, (g) => g.set(this.telemetry.names().length));
    this.telemetry.onSeriesChanged(() => this.sync(store));
  }

  /** One Prometheus metric per pushed metric that has series, no more. */
  private sync(store: ClientSeries): void {
    const live = store.metrics();
    for (const [name, kind] of live) if (!this.registered.has(name)) this.registered.set(name, this.metricFor(name, kind, store));
    for (const name of this.registered.keys()) {
      if (live.has(name)) continue;
      register.removeSingleMetric(name);
      this.registered.delete(name);
    }
  }

  private metricFor(name: string, kind: PointKind, store: ClientSeries): ClientMetric {
    const existing = register.getSingleMetric(name) as ClientMetric | undefined;
    const help = `Pushed by clients (KIP-714 client telemetry), ${kind}`;
    const metric = existing ?? (kind === 'counter' ? new Counter({ name, help, labelNames: [] }) : new Gauge({ name, help, labelNames: [] }));
    // Like onScrape, but the label names are set before the reset: clients label their points
    // with attributes of their own, so a metric's labels are the union of what was pushed
    // (prom-client keeps them in labelNames and, sorted, in sortedLabelNames).
    Object.assign(metric, {
      collect: function (this: ClientMetric) {
        const family = store.family(name);
        const labelNames = new Set<string>();
        for (const series of family.series) for (const label of Object.keys(series.labels)) labelNames.add(label);
        Object.assign(this, { labelNames: [...labelNames], sortedLabelNames: [...labelNames].sort() });
        this.reset();
        for (const series of family.series) this.inc(series.labels, series.value);
      },
    });
    return metric;
  }
}

export const telemetryProbeProviders = [
  TelemetryProbe,
  makeGaugeProvider({ name: 'blink_telemetry_clients', help: 'Clients whose pushed metrics (KIP-714) are on /prometheus' }),
  makeGaugeProvider({ name: 'blink_telemetry_series', help: 'Series of pushed client metrics, all clients' }),
  makeCounterProvider({ name: 'blink_telemetry_dropped_points_total', help: 'Pushed metric points not kept (beyond the client or series bound, or of a conflicting type)', labelNames: ['reason'] }),
  makeCounterProvider({ name: 'blink_telemetry_pushes_total', help: 'PushTelemetry requests, accepted or refused', labelNames: ['result'] }),
  makeGaugeProvider({ name: 'blink_telemetry_subscriptions', help: 'CLIENT_METRICS resources (client telemetry subscriptions)' }),
];
