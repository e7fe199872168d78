/**
 * Unit tests of the OTLP → Prometheus mapping (otlp-metrics.ts, client-series.ts), with
 * payloads built by OpenTelemetry's own encoder: names under blink_client_ (Kafka's
 * org.apache.kafka. prefix dropped, counters in _total), client labels plus the point's
 * attributes, cumulative values replaced and deltas added, histograms as _count and _sum,
 * the client and series bounds (dropped points counted), a conflicting type refused,
 * forgetting a client, and an undecodable payload refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientSeries, prometheusName } from '../../../src/telemetry/client-series.js';
import { decodeMetrics, OtlpDecodeError } from '../../../src/telemetry/otlp-metrics.js';
import { attribute, counter, gauge, metricsPayload } from '../../support/otlp.js';

const producer = { instanceId: 'AAAAAAAAAAAAAAAAAAAAAQ', clientId: 'orders-producer' };
const consumer = { instanceId: 'AAAAAAAAAAAAAAAAAAAAAg', clientId: 'orders-consumer' };

function familyValues(series: ClientSeries, name: string): Array<[Record<string, string>, number]> {
  return series.family(name).series.map((s) => [{ ...s.labels }, s.value]);
}

describe('OTLP metrics to Prometheus series', () => {
  it('names, labels and values a gauge and a counter as Prometheus would have them', () => {
    const points = decodeMetrics(
      metricsPayload([
        gauge('org.apache.kafka.producer.node.request.latency.avg', 12.5, [attribute('node.id', 1)]),
        counter('org.apache.kafka.producer.connection.creation.total', 3),
      ]),
    );
    const series = new ClientSeries(10, 100);
    assert.equal(series.record(producer, points), 2);
    assert.deepEqual(familyValues(series, 'blink_client_producer_node_request_latency_avg'), [
      [{ client_id: 'orders-producer', client_instance_id: producer.instanceId, node_id: '1' }, 12.5],
    ]);
    assert.deepEqual(familyValues(series, 'blink_client_producer_connection_creation_total'), [[{ client_id: 'orders-producer', client_instance_id: producer.instanceId }, 3]]);
    assert.deepEqual(new Map(series.metrics()), new Map([
      ['blink_client_producer_node_request_latency_avg', 'gauge'],
      ['blink_client_producer_connection_creation_total', 'counter'],
    ]));
  });

  it('replaces cumulative values and adds delta ones', () => {
    const series = new ClientSeries(10, 100);
    series.record(producer, decodeMetrics(metricsPayload([counter('sent', 5, 2), counter('errors', 2, 1)])));
    series.record(producer, decodeMetrics(metricsPayload([counter('sent', 8, 2), counter('errors', 3, 1)])));
    assert.deepEqual(familyValues(series, 'blink_client_sent_total').map(([, v]) => v), [8]);
    assert.deepEqual(familyValues(series, 'blink_client_errors_total').map(([, v]) => v), [5]);
  });

  it('turns a histogram into _count and _sum counters', () => {
    const points = decodeMetrics(metricsPayload([{ name: 'rtt', histogram: { aggregationTemporality: 2, dataPoints: [{ count: 4, sum: 10.5, bucketCounts: [1, 3], explicitBounds: [5] }] } }]));
    assert.deepEqual(points.map((p) => [p.name, p.kind, p.value]), [['rtt.count', 'counter', 4], ['rtt.sum', 'counter', 10.5]]);
  });

  it('makes attribute names Prometheus-safe and keeps Blink\'s own labels', () => {
    const series = new ClientSeries(10, 100);
    series.record(producer, decodeMetrics(metricsPayload([gauge('g', 1, [attribute('client_id', 'spoof'), attribute('9lives', 'x'), attribute('__x', 'y')])])));
    assert.deepEqual(familyValues(series, 'blink_client_g')[0][0], { client_id: 'orders-producer', client_instance_id: producer.instanceId, attr_client_id: 'spoof', _9lives: 'x', _x: 'y' });
  });

  it('keeps at most maxClients clients and maxSeries series, and counts what it drops', () => {
    const series = new ClientSeries(1, 2);
    assert.equal(series.record(producer, decodeMetrics(metricsPayload([gauge('a', 1), gauge('b', 2), gauge('c', 3)]))), 2);
    assert.equal(series.record(consumer, decodeMetrics(metricsPayload([gauge('a', 1)]))), 0);
    assert.deepEqual(series.dropped, { clients: 1, series: 1, type: 0 });
    assert.equal(series.seriesCount, 2);
    assert.equal(series.record(producer, decodeMetrics(metricsPayload([gauge('a', 5)]))), 1, 'an existing series is still updated');
  });

  it('refuses a point whose name is known with another type', () => {
    const series = new ClientSeries(10, 100);
    series.record(producer, decodeMetrics(metricsPayload([counter('x_total', 1)])));
    series.record(consumer, decodeMetrics(metricsPayload([gauge('x.total', 1)])));
    assert.equal(prometheusName('x.total', 'gauge'), prometheusName('x_total', 'counter'));
    assert.equal(series.dropped.type, 1);
  });

  it('forgets a client\'s series, and the metrics only it had', () => {
    const series = new ClientSeries(10, 100);
    series.record(producer, decodeMetrics(metricsPayload([gauge('shared', 1), gauge('mine', 1)])));
    series.record(consumer, decodeMetrics(metricsPayload([gauge('shared', 2)])));
    series.forget(producer.instanceId);
    assert.deepEqual([...series.metrics().keys()], ['blink_client_shared']);
    assert.equal(series.seriesCount, 1);
    assert.equal(series.clientCount, 1);
  });

  it('refuses a payload that is not OTLP MetricsData', () => {
    assert.throws(() => decodeMetrics(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])), OtlpDecodeError);
  });
});
