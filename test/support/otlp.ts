/**
 * OTLP MetricsData payloads for telemetry tests, built with OpenTelemetry's own generated
 * encoder (the same protobuf root the broker decodes with), from plain objects in the
 * protobuf JSON shape: {resourceMetrics: [{scopeMetrics: [{metrics: [...]}]}]}.
 */
import { createRequire } from 'node:module';

interface MetricsDataCodec {
  fromObject(object: unknown): unknown;
  encode(message: unknown): { finish(): Uint8Array };
}

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: { proto: { metrics: { v1: { MetricsData: MetricsDataCodec } } } };
};
const MetricsData = root.opentelemetry.proto.metrics.v1.MetricsData;

export type OtlpMetric = Record<string, unknown>;

/** The encoded MetricsData holding `metrics` in one resource and scope. */
export function metricsPayload(metrics: readonly OtlpMetric[]): Buffer {
  return Buffer.from(MetricsData.encode(MetricsData.fromObject({ resourceMetrics: [{ scopeMetrics: [{ metrics }] }] })).finish());
}

export const attribute = (key: string, value: string | number): Record<string, unknown> => ({
  key,
  value: typeof value === 'string' ? { stringValue: value } : { intValue: value },
});

export const gauge = (name: string, value: number, attributes: unknown[] = []): OtlpMetric => ({ name, gauge: { dataPoints: [{ asDouble: value, attributes }] } });

/** A monotonic sum; temporality 1 = delta, 2 = cumulative. */
export const counter = (name: string, value: number, temporality: 1 | 2 = 2, attributes: unknown[] = []): OtlpMetric => ({
  name,
  sum: { isMonotonic: true, aggregationTemporality: temporality, dataPoints: [{ asInt: value, attributes }] },
});
