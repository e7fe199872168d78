/**
 * The metrics clients pushed, as Prometheus series (beyond Kafka, which hands them to a
 * plugin): one prefix, `blink_client_`, then the OTLP metric name with Kafka's standard
 * `org.apache.kafka.` dropped and every other character Prometheus does not allow made `_`
 * ("org.apache.kafka.producer.node.request.latency.avg" →
 * blink_client_producer_node_request_latency_avg); counters end in `_total`. Every series
 * is labelled client_id and client_instance_id, plus the point's own attributes (at most
 * LABELS_MAX, names made Prometheus-safe; one named like Blink's labels gets an `attr_`
 * prefix).
 *
 * Bounds: at most `maxClients` clients and `maxSeries` series in all; a point beyond either
 * is dropped and counted (by reason, also "type": a name first seen as a gauge then pushed
 * as a counter, or the reverse). A client's series go when it stops pushing: the owner
 * expires it (ClientMetrics: no push for max(60 s, 3 push intervals)) or it terminates.
 */
import type { MetricPoint, PointKind } from './otlp-metrics.js';

export const METRIC_PREFIX = 'blink_client_';
const KAFKA_PREFIX = 'org.apache.kafka.';
const LABELS_MAX = 16;
const OWN_LABELS: ReadonlySet<string> = new Set(['client_id', 'client_instance_id']);

export type DropReason = 'clients' | 'series' | 'type';

export interface PushingClient {
  readonly instanceId: string;
  readonly clientId: string;
}

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

interface ClientEntry {
  readonly client: PushingClient;
  /** Prometheus metric name → series key → series. */
  readonly series: Map<string, Map<string, Series>>;
  seriesCount: number;
}

/** One Prometheus metric: its kind and every series of every client. */
export interface MetricFamily {
  readonly name: string;
  readonly kind: PointKind;
  readonly series: ReadonlyArray<Series>;
}

export class ClientSeries {
  private readonly clients = new Map<string, ClientEntry>();
  private readonly kinds = new Map<string, PointKind>();
  private seriesTotal = 0;
  private readonly droppedCounts: Record<DropReason, number> = { clients: 0, series: 0, type: 0 };

  constructor(
    private readonly maxClients: number,
    private readonly maxSeries: number,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  get seriesCount(): number {
    return this.seriesTotal;
  }

  get dropped(): Readonly<Record<DropReason, number>> {
    return this.droppedCounts;
  }

  /** Stores a push's points for `client`; returns how many were kept. */
  record(client: PushingClient, points: readonly MetricPoint[]): number {
    let entry = this.clients.get(client.instanceId);
    if (entry === undefined) {
      if (this.clients.size >= this.maxClients) {
        this.droppedCounts.clients += points.length;
        return 0;
      }
      entry = { client, series: new Map(), seriesCount: 0 };
      this.clients.set(client.instanceId, entry);
    }
    let kept = 0;
    for (const point of points) if (this.keep(entry, point)) kept++;
    return kept;
  }

  /** Removes every series of the client (it stopped pushing, or terminated). */
  forget(instanceId: string): void {
    const entry = this.clients.get(instanceId);
    if (entry === undefined) return;
    this.seriesTotal -= entry.seriesCount;
    this.clients.delete(instanceId);
    this.dropUnusedKinds();
  }

  /** The Prometheus metrics that have series, with their kind. */
  metrics(): ReadonlyMap<string, PointKind> {
    return this.kinds;
  }

  /** Every series of one Prometheus metric, all clients, for the scrape. */
  family(name: string): MetricFamily {
    const series: Series[] = [];
    for (const entry of this.clients.values()) series.push(...(entry.series.get(name)?.values() ?? []));
    return { name, kind: this.kinds.get(name) ?? 'gauge', series };
  }

  /** The client's values of one OTLP metric (every series), for the dashboard. */
  valuesOf(instanceId: string, otlpName: string, kind: PointKind): number[] {
    const series = this.clients.get(instanceId)?.series.get(prometheusName(otlpName, kind));
    return series === undefined ? [] : [...series.values()].map((s) => s.value);
  }

  seriesOf(instanceId: string): number {
    return this.clients.get(instanceId)?.seriesCount ?? 0;
  }

  private keep(entry: ClientEntry, point: MetricPoint): boolean {
    const name = prometheusName(point.name, point.kind);
    const known = this.kinds.get(name);
    if (known !== undefined && known !== point.kind) {
      this.droppedCounts.type++;
      return false;
    }
    const labels = seriesLabels(entry.client, point.attributes);
    const key = JSON.stringify(labels);
    let byKey = entry.series.get(name);
    let series = byKey?.get(key);
    if (series === undefined) {
      if (this.seriesTotal >= this.maxSeries) {
        this.droppedCounts.series++;
        return false;
      }
      series = { labels, value: 0 };
      if (byKey === undefined) entry.series.set(name, (byKey = new Map()));
      byKey.set(key, series);
      entry.seriesCount++;
      this.seriesTotal++;
      this.kinds.set(name, point.kind);
    }
    series.value = point.delta ? series.value + point.value : point.value;
    return true;
  }

  private dropUnusedKinds(): void {
    const used = new Set<string>();
    for (const entry of this.clients.values()) for (const name of entry.series.keys()) used.add(name);
    for (const name of this.kinds.keys()) if (!used.has(name)) this.kinds.delete(name);
  }
}

/** The Prometheus name of an OTLP metric (see the file comment). */
export function prometheusName(otlpName: string, kind: PointKind): string {
  const bare = otlpName.startsWith(KAFKA_PREFIX) ? otlpName.slice(KAFKA_PREFIX.length) : otlpName;
  const name = METRIC_PREFIX + bare.replace(/[^a-zA-Z0-9_]/g, '_');
  return kind === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
}

function seriesLabels(client: PushingClient, attributes: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const labels: Record<string, string> = { client_id: client.clientId, client_instance_id: client.instanceId };
  for (const [key, value] of attributes.slice(0, LABELS_MAX)) {
    let label = key.replace(/[^a-zA-Z0-9_]/g, '_');
    if (/^[0-9]/.test(label) || label.startsWith('__')) label = `_${label.replace(/^_+/, '')}`;
    if (OWN_LABELS.has(label)) label = `attr_${label}`;
    labels[label] = value;
  }
  return labels;
}
