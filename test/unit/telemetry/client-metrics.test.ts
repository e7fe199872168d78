/**
 * Unit tests of client telemetry (ClientMetrics, fake clock, in-memory config file): the
 * CLIENT_METRICS configs and Kafka's checks of them, which subscriptions a client matches
 * (every selector, whole-value regexes), the subscription a client gets (merged prefixes, the
 * shortest interval, "*"), the timing rules and error codes of KIP-714 pushes, a subscription
 * change picked up with a new subscription id, compressed payloads, expiry of a client that
 * stops pushing, and the subscriptions saved in durable mode.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { ClientMetrics, type PushRequest, type TelemetryClient } from '../../../src/telemetry/client-metrics.service.js';
import { uuidText } from '../../../src/telemetry/client-instance.js';
import type { DynamicConfigFiles } from '../../../src/wal/dynamic-config-file.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { FakeClock } from '../../support/fake-clock.js';
import { gauge, metricsPayload } from '../../support/otlp.js';

const ZERO = '00000000-0000-0000-0000-000000000000';
const SET = 0;
const DELETE = 1;
const APPEND = 2;

class MemoryFiles {
  readonly saved = new Map<string, unknown[]>();
  async save(name: string, entries: readonly unknown[]): Promise<void> {
    this.saved.set(name, JSON.parse(JSON.stringify(entries)) as unknown[]);
  }
  async load(name: string): Promise<unknown[]> {
    return this.saved.get(name) ?? [];
  }
}

function telemetryWith(env: Record<string, string> = {}, files = new MemoryFiles()) {
  const config = loadSettings({ argv: [], env, cwd: '/nonexistent-dir-for-tests' });
  const clock = new FakeClock();
  return { telemetry: new ClientMetrics(config, clock, files as unknown as DynamicConfigFiles), clock, files };
}

const javaProducer: TelemetryClient = { clientId: 'orders-producer', softwareName: 'apache-kafka-java', softwareVersion: '4.1.0', sourceAddress: '10.0.0.7', sourcePort: 51234 };

async function subscribe(telemetry: ClientMetrics, name: string, configs: Record<string, string>): Promise<void> {
  const problem = await telemetry.increment(name, Object.entries(configs).map(([key, value]) => ({ name: key, operation: SET, value })), false);
  assert.equal(problem, null, JSON.stringify(problem));
}

function push(instanceId: string, subscriptionId: number, extra: Partial<PushRequest> = {}): PushRequest {
  return { instanceId, subscriptionId, terminating: false, compressionType: 0, metrics: metricsPayload([gauge('org.apache.kafka.producer.record.queue.time.avg', 3)]), ...extra };
}

describe('CLIENT_METRICS configs', () => {
  it('sets, appends to, describes and deletes a subscription; one without configs is gone', async () => {
    const { telemetry } = telemetryWith();
    await subscribe(telemetry, 'orders', { metrics: 'org.apache.kafka.producer.', 'interval.ms': '1000' });
    assert.equal(await telemetry.increment('orders', [{ name: 'metrics', operation: APPEND, value: 'org.apache.kafka.consumer.' }], false), null);
    assert.deepEqual(Object.fromEntries(telemetry.configsOf('orders') as Map<string, string>), { metrics: 'org.apache.kafka.producer.,org.apache.kafka.consumer.', 'interval.ms': '1000' });
    assert.deepEqual(telemetry.names(), ['orders']);
    await telemetry.increment('orders', [{ name: 'metrics', operation: DELETE, value: null }, { name: 'interval.ms', operation: DELETE, value: null }], false);
    assert.deepEqual(telemetry.names(), []);
    assert.deepEqual([...(telemetry.configsOf('orders') as Map<string, string>)], [], 'an unknown resource describes as no configs');
  });

  it('refuses what Kafka refuses, and changes nothing with validate_only', async () => {
    const { telemetry } = telemetryWith();
    const problem = async (name: string, configs: Record<string, string>) =>
      (await telemetry.increment(name, Object.entries(configs).map(([key, value]) => ({ name: key, operation: SET, value })), false))?.errorCode;
    assert.equal(await problem('', { metrics: 'a' }), ErrorCode.INVALID_REQUEST);
    assert.equal(await problem('s', { colour: 'blue' }), ErrorCode.INVALID_REQUEST);
    assert.equal(await problem('s', { 'interval.ms': '99' }), ErrorCode.INVALID_REQUEST);
    assert.equal(await problem('s', { 'interval.ms': '3600001' }), ErrorCode.INVALID_REQUEST);
    assert.equal(await problem('s', { 'interval.ms': 'soon' }), ErrorCode.INVALID_CONFIG);
    assert.equal(await problem('s', { match: 'client_id' }), ErrorCode.INVALID_CONFIG);
    assert.equal(await problem('s', { match: 'colour=blue' }), ErrorCode.INVALID_CONFIG);
    assert.equal(await problem('s', { match: 'client_id=(' }), ErrorCode.INVALID_CONFIG);
    assert.equal(await telemetry.increment('s', [{ name: 'metrics', operation: SET, value: 'a' }], true), null);
    assert.deepEqual(telemetry.names(), []);
  });
});

describe('KIP-714 subscriptions and pushes', () => {
  it('gives a new client an instance id and the subscription it matches, merged', async () => {
    const { telemetry } = telemetryWith();
    await subscribe(telemetry, 'java', { metrics: 'org.apache.kafka.producer.', 'interval.ms': '2000', match: 'client_software_name=apache-kafka-java,client_id=orders-.*' });
    await subscribe(telemetry, 'all-from-10', { metrics: 'org.apache.kafka.consumer.', 'interval.ms': '5000', match: 'client_source_address=10\\..*' });
    await subscribe(telemetry, 'other', { metrics: '*', match: 'client_id=billing' });
    const answer = telemetry.getSubscriptions(ZERO, javaProducer);
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.notEqual(answer.instanceId, ZERO);
    assert.deepEqual(answer.requestedMetrics, ['org.apache.kafka.consumer.', 'org.apache.kafka.producer.']);
    assert.equal(answer.pushIntervalMs, 2000);
    const billing = telemetry.getSubscriptions(ZERO, { ...javaProducer, clientId: 'billing' });
    assert.deepEqual(billing.requestedMetrics, ['*'], 'a matching "*" subscription asks for everything');
    const stranger = telemetry.getSubscriptions(ZERO, { ...javaProducer, clientId: 'x', sourceAddress: '192.168.0.1' });
    assert.deepEqual([stranger.requestedMetrics, stranger.pushIntervalMs], [[], 300_000], 'no match: nothing to push, the default interval');
  });

  it('matches a selector on the whole value only', async () => {
    const { telemetry } = telemetryWith();
    await subscribe(telemetry, 's', { metrics: 'm', match: 'client_software_version=4\\.1' });
    assert.deepEqual(telemetry.getSubscriptions(ZERO, javaProducer).requestedMetrics, [], '4.1 does not match all of 4.1.0');
    await subscribe(telemetry, 's', { match: 'client_source_port=512\\d\\d' });
    assert.deepEqual(telemetry.getSubscriptions(ZERO, javaProducer).requestedMetrics, ['m']);
  });

  it('accepts the first push after a GetTelemetrySubscriptions, then throttles pushes and requests that come too early', async () => {
    const { telemetry, clock } = telemetryWith();
    await subscribe(telemetry, 's', { metrics: '*', 'interval.ms': '1000' });
    const { instanceId, subscriptionId } = telemetry.getSubscriptions(ZERO, javaProducer);
    assert.equal((await telemetry.push(push(instanceId, subscriptionId), javaProducer)).errorCode, ErrorCode.NONE);
    assert.equal((await telemetry.push(push(instanceId, subscriptionId), javaProducer)).errorCode, ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    assert.equal(telemetry.getSubscriptions(instanceId, javaProducer).errorCode, ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    clock.advance(1000);
    assert.equal((await telemetry.push(push(instanceId, subscriptionId), javaProducer)).errorCode, ErrorCode.NONE);
    assert.deepEqual(telemetry.series.valuesOf(uuidText(instanceId), 'org.apache.kafka.producer.record.queue.time.avg', 'gauge'), [3]);
  });

  it('answers UNKNOWN_SUBSCRIPTION_ID once the subscriptions change, and hands out the new id at once', async () => {
    const { telemetry } = telemetryWith();
    await subscribe(telemetry, 's', { metrics: 'org.apache.kafka.producer.', 'interval.ms': '60000' });
    const first = telemetry.getSubscriptions(ZERO, javaProducer);
    await subscribe(telemetry, 's', { metrics: 'org.apache.kafka.' });
    assert.equal((await telemetry.push(push(first.instanceId, first.subscriptionId), javaProducer)).errorCode, ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    const second = telemetry.getSubscriptions(first.instanceId, javaProducer);
    assert.equal(second.errorCode, ErrorCode.NONE, 'not throttled: the subscription changed');
    assert.notEqual(second.subscriptionId, first.subscriptionId);
    assert.deepEqual(second.requestedMetrics, ['org.apache.kafka.']);
  });

  it('refuses pushes as Kafka does: reserved id, unknown compression, too large, undecodable, after terminating', async () => {
    const { telemetry } = telemetryWith({ TELEMETRY_MAX_BYTES: '1KB' });
    await subscribe(telemetry, 's', { metrics: '*', 'interval.ms': '100' });
    const fresh = () => telemetry.getSubscriptions(ZERO, javaProducer);
    const codeOf = async (request: PushRequest) => (await telemetry.push(request, javaProducer)).errorCode;
    assert.equal(await codeOf(push(ZERO, 1)), ErrorCode.INVALID_REQUEST);
    let client = fresh();
    assert.equal(await codeOf(push(client.instanceId, client.subscriptionId, { compressionType: 9 })), ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    client = fresh();
    assert.equal(await codeOf(push(client.instanceId, client.subscriptionId, { metrics: Buffer.alloc(2048) })), ErrorCode.TELEMETRY_TOO_LARGE);
    client = fresh();
    assert.equal(await codeOf(push(client.instanceId, client.subscriptionId, { metrics: Buffer.from('not protobuf at all') })), ErrorCode.INVALID_RECORD);
    client = fresh();
    assert.equal(await codeOf(push(client.instanceId, client.subscriptionId, { compressionType: 1, metrics: Buffer.from('not gzip') })), ErrorCode.INVALID_RECORD);
    client = fresh();
    assert.equal(await codeOf(push(client.instanceId, client.subscriptionId, { terminating: true })), ErrorCode.NONE);
    assert.equal(await codeOf(push(client.instanceId, client.subscriptionId, { terminating: true })), ErrorCode.INVALID_REQUEST, 'nothing after a terminating push');
    assert.deepEqual(telemetry.pushCounts, { accepted: 1, refused: 6 });
  });

  it('reads a gzip-compressed payload', async () => {
    const { telemetry } = telemetryWith();
    await subscribe(telemetry, 's', { metrics: '*' });
    const { instanceId, subscriptionId } = telemetry.getSubscriptions(ZERO, javaProducer);
    const metrics = gzipSync(metricsPayload([gauge('org.apache.kafka.consumer.poll.idle.ratio.avg', 0.25)]));
    assert.equal((await telemetry.push(push(instanceId, subscriptionId, { compressionType: 1, metrics }), javaProducer)).errorCode, ErrorCode.NONE);
    assert.deepEqual(telemetry.pushingClients(5).map((c) => [c.clientId, c.keyMetrics]), [['orders-producer', { 'poll idle ratio': 0.25 }]]);
  });

  it('drops a client and its series after max(60 s, 3 push intervals) without a request', async () => {
    const { telemetry, clock } = telemetryWith();
    await subscribe(telemetry, 's', { metrics: '*', 'interval.ms': '30000' });
    const { instanceId, subscriptionId } = telemetry.getSubscriptions(ZERO, javaProducer);
    await telemetry.push(push(instanceId, subscriptionId), javaProducer);
    telemetry.onModuleInit();
    clock.advance(89_000);
    assert.equal(telemetry.series.clientCount, 1);
    clock.advance(11_000);
    assert.equal(telemetry.series.clientCount, 0);
    assert.deepEqual(telemetry.pushingClients(5), []);
    telemetry.onApplicationShutdown();
  });

  it('saves the subscriptions in durable mode and reads them back', async () => {
    const first = telemetryWith({ STORAGE_MODE: 'durable' });
    await subscribe(first.telemetry, 'orders', { metrics: 'org.apache.kafka.', match: 'client_id=orders-.*' });
    const second = telemetryWith({ STORAGE_MODE: 'durable' }, first.files);
    assert.equal(await second.telemetry.recover(), 1);
    assert.deepEqual(second.telemetry.getSubscriptions(ZERO, javaProducer).requestedMetrics, ['org.apache.kafka.']);
  });
});
