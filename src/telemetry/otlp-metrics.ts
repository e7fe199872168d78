/**
 * The metrics a client pushes (KIP-714: an OTLP `MetricsData` protobuf message), decoded
 * with OpenTelemetry's own generated protobuf code (the `opentelemetry.proto` root that
 * @opentelemetry/otlp-transformer ships, on protobufjs), and flattened into points.
 *
 * The library is loaded on the first push, not at boot (it costs tens of milliseconds to
 * load, and a broker no client pushes to never needs it).
 *
 * Flattening: a gauge, or a sum that is not monotonic, gives gauge points; a monotonic sum
 * gives counter points; a histogram, exponential histogram or summary gives two counter
 * points, `<name>.count` and `<name>.sum` (the buckets are left out). A point's attributes
 * become labels; the resource's attributes are not kept (Blink labels every point with the
 * client id and client instance id itself). Delta points (temporality 1) are marked, so the
 * exporter adds them up; cumulative ones replace the value.
 */
import { createRequire } from 'node:module';

export type PointKind = 'gauge' | 'counter';

export interface MetricPoint {
  readonly name: string;
  readonly kind: PointKind;
  readonly value: number;
  readonly attributes: ReadonlyArray<readonly [string, string]>;
  /** A delta to add to the previous value (OTLP AGGREGATION_TEMPORALITY_DELTA). */
  readonly delta: boolean;
}

/** The payload is not an OTLP MetricsData message. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

const TEMPORALITY_DELTA = 1;

type Long = number | { toNumber(): number };
interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Long | null;
  doubleValue?: number | null;
}
interface KeyValue {
  key?: string | null;
  value?: AnyValue | null;
}
interface NumberDataPoint {
  attributes?: KeyValue[];
  asDouble?: number | null;
  asInt?: Long | null;
}
interface CountedDataPoint {
  attributes?: KeyValue[];
  count?: Long | null;
  sum?: number | null;
}
interface Metric {
  name?: string | null;
  gauge?: { dataPoints?: NumberDataPoint[] } | null;
  sum?: { dataPoints?: NumberDataPoint[]; aggregationTemporality?: number | null; isMonotonic?: boolean | null } | null;
  histogram?: { dataPoints?: CountedDataPoint[]; aggregationTemporality?: number | null } | null;
  exponentialHistogram?: { dataPoints?: CountedDataPoint[]; aggregationTemporality?: number | null } | null;
  summary?: { dataPoints?: CountedDataPoint[] } | null;
}
interface MetricsData {
  resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Metric[] }> }>;
}
interface MetricsDataType {
  decode(bytes: Uint8Array): MetricsData;
}

let metricsDataType: MetricsDataType | undefined;

/** OpenTelemetry's generated MetricsData type, loaded once, on first use. */
export function otlpMetricsData(): MetricsDataType {
  if (metricsDataType === undefined) {
    const require = createRequire(import.meta.url);
    const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
      opentelemetry: { proto: { metrics: { v1: { MetricsData: MetricsDataType } } } };
    };
    metricsDataType = root.opentelemetry.proto.metrics.v1.MetricsData;
  }
  return metricsDataType;
}

/** The points of an OTLP MetricsData payload; OtlpDecodeError when it is not one. */
export function decodeMetrics(payload: Buffer): MetricPoint[] {
  let data: MetricsData;
  try {
    data = otlpMetricsData().decode(payload);
  } catch (error) {
    throw new OtlpDecodeError(`not an OTLP MetricsData message: ${(error as Error).message}`);
  }
  const points: MetricPoint[] = [];
  for (const resource of data.resourceMetrics ?? []) {
    for (const scope of resource.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) flatten(metric, points);
    }
  }
  return points;
}

function flatten(metric: Metric, into: MetricPoint[]): void {
  const name = metric.name ?? '';
  if (name === '') return;
  if (metric.gauge) for (const point of metric.gauge.dataPoints ?? []) into.push(numberPoint(name, 'gauge', point, false));
  if (metric.sum) {
    const kind: PointKind = metric.sum.isMonotonic ? 'counter' : 'gauge';
    const delta = metric.sum.aggregationTemporality === TEMPORALITY_DELTA;
    for (const point of metric.sum.dataPoints ?? []) into.push(numberPoint(name, kind, point, delta));
  }
  const counted = metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  if (counted) {
    const delta = 'aggregationTemporality' in counted && counted.aggregationTemporality === TEMPORALITY_DELTA;
    for (const point of counted.dataPoints ?? []) {
      const attributes = labelPairs(point.attributes);
      into.push({ name: `${name}.count`, kind: 'counter', value: toNumber(point.count), attributes, delta });
      into.push({ name: `${name}.sum`, kind: 'counter', value: point.sum ?? 0, attributes, delta });
    }
  }
}

function numberPoint(name: string, kind: PointKind, point: NumberDataPoint, delta: boolean): MetricPoint {
  const value = point.asDouble ?? toNumber(point.asInt);
  return { name, kind, value, attributes: labelPairs(point.attributes), delta };
}

function labelPairs(attributes: readonly KeyValue[] | undefined): Array<[string, string]> {
  return (attributes ?? []).filter((kv) => kv.key).map((kv) => [kv.key as string, anyValueText(kv.value)]);
}

function anyValueText(value: AnyValue | null | undefined): string {
  if (value == null) return '';
  if (value.stringValue != null) return value.stringValue;
  if (value.boolValue != null) return String(value.boolValue);
  if (value.intValue != null) return String(toNumber(value.intValue));
  if (value.doubleValue != null) return String(value.doubleValue);
  return '';
}

function toNumber(value: Long | null | undefined): number {
  if (value == null) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}
