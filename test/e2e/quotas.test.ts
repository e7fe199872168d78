/**
 * Client quotas end to end, on a durable broker measuring rates over 11 windows of 200 ms
 * (Kafka's 11 samples, five times faster than its 1 s windows, so a run of seconds shows
 * the steady state):
 * - the Java Admin client (kafka-clients 4.x) sets and reads quotas for every entity level,
 *   with filters, validate_only and Kafka's errors for bad keys and values;
 * - Kafka's kafka-configs (3.9) alters and describes client and user quotas;
 * - a Java producer flat out against producer_byte_rate is held to the quota (its achieved
 *   rate after the first window within a tolerance of it) and its responses carry
 *   throttle_time_ms (the client's produce-throttle-time-max); a consumer likewise against
 *   consumer_byte_rate (fetch-throttle-time-max); /prometheus shows the rates and throttles;
 * - after a restart on the same data directory, the quotas are all back.
 */
import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';

import { scrape, series } from './admin-support.js';
import { closeJavaDrivers, javaDriver, runJavaOp } from './clients/java.js';
import { uniqueTopic } from './harness.js';
import { RawConnection, rawRequest } from './raw-kafka.js';
import { restartableBroker } from './storage-support.js';
import { kafkaToolOk, runKafkaTool } from './support/kafka-tools.js';

const TEST_TIMEOUT_MS = 120_000;
const TOOL_TIMEOUT_MS = 60_000;
const RUN_MS = 10_000;
/** Seconds of a run left out of its rate: the first windows, where a client may burst (a rate is measured over at least 2 s). */
const WARMUP_SECONDS = 3;
const PRODUCE_QUOTA = 256 * 1024;
const FETCH_QUOTA = 128 * 1024;
/** Achieved rate / quota: record overhead, window edges and a loaded machine leave room either way. */
const RATE_TOLERANCE = { min: 0.5, max: 1.3 };
const VALUE_BYTES = 1024;

const BROKER_ENV = { STORAGE_MODE: 'durable', FSYNC: 'interval', QUOTA_WINDOW_NUM: '11', QUOTA_WINDOW_SIZE: '200ms', AUTO_CREATE_TOPICS: 'false' };
/** The consumer fetches at most this much per partition (a fetch over its quota's window allowance would be answered empty). */
const CONSUMER_FETCH_BYTES = 32 * 1024;

type Entity = Record<string, string | null>;
interface QuotaEntry {
  entity: Entity;
  values: Record<string, number>;
}

const durable = restartableBroker('e2e-quotas', BROKER_ENV);
after(closeJavaDrivers);

function alter(alterations: Array<{ entity: Entity; ops: Array<{ key: string; value: number | null }> }>, validateOnly = false) {
  return runJavaOp<{ results: Array<{ entity: Entity; error: string | null }> }>('4', durable.broker.bootstrap, 'alter_client_quotas', { alterations, validate_only: validateOnly });
}

/** Entries in a fixed order (by entity, its parts sorted), whatever order they come in. */
function ordered(entries: QuotaEntry[]): QuotaEntry[] {
  const key = (entry: QuotaEntry) => JSON.stringify(Object.entries(entry.entity).sort());
  return [...entries].sort((a, b) => key(a).localeCompare(key(b)));
}

async function describeQuotas(components: Array<Record<string, unknown>> = [], strict = false): Promise<QuotaEntry[]> {
  const { entries } = await runJavaOp<{ entries: QuotaEntry[] }>('4', durable.broker.bootstrap, 'describe_client_quotas', { components, strict });
  return ordered(entries);
}

/** Bytes per second over the run after the warm-up, as a share of `quota`. */
function steadyShare(bytesPerSecond: readonly number[], quota: number): number {
  const steady = bytesPerSecond.slice(WARMUP_SECONDS);
  return steady.reduce((sum, bytes) => sum + bytes, 0) / steady.length / quota;
}

/**
 * Runs a Java client flat out for RUN_MS (op produce_for or consume_for) against a byte-rate
 * quota: its rate after the warm-up is within RATE_TOLERANCE of `quota`, and it saw
 * throttle_time_ms in its responses.
 */
async function heldToQuota(t: TestContext, op: 'produce_for' | 'consume_for', quotaKey: string, quota: number, fields: Record<string, unknown>): Promise<void> {
  const run = await runJavaOp<{ bytes_per_second: number[]; throttle_time_max_ms: number }>('4', durable.broker.bootstrap, op, { ...fields, duration_ms: RUN_MS }, RUN_MS + 30_000);
  const share = steadyShare(run.bytes_per_second, quota);
  const rates = `bytes per second ${run.bytes_per_second.join(', ')}`;
  t.diagnostic(`${op}: ${share.toFixed(2)} x ${quotaKey} after the warm-up, throttle_time_ms up to ${run.throttle_time_max_ms}; ${rates}`);
  assert.ok(share >= RATE_TOLERANCE.min && share <= RATE_TOLERANCE.max, `${op} achieved ${share.toFixed(2)} x ${quotaKey} (${rates})`);
  assert.ok(run.throttle_time_max_ms > 0, `${op} saw throttle_time_ms in its responses`);
}

function kafkaConfigs(args: readonly string[]): Promise<string> {
  return kafkaToolOk('3.9', 'kafka-configs', ['--bootstrap-server', durable.broker.bootstrap, ...args], { timeoutMs: TOOL_TIMEOUT_MS });
}

describe('client quotas (durable broker, 11 x 200 ms quota windows)', () => {
  test('request_percentage: a client over its request-time quota gets throttle_time_ms on any API (the Kafka face interceptor)', { timeout: TEST_TIMEOUT_MS }, async () => {
    // rawRequest's client id; 0.01 % of one thread is microseconds per window: a few Metadata requests exceed it.
    await kafkaConfigs(['--alter', '--entity-type', 'clients', '--entity-name', 'blink-e2e-raw', '--add-config', 'request_percentage=0.01']);
    const connection = await RawConnection.open(durable.broker.kafkaPort);
    try {
      let throttleMs = 0;
      let requests = 0;
      // Metadata v4 for every topic without auto-creation; its answer starts with throttle_time_ms after the correlation id.
      const body = Buffer.from([0xff, 0xff, 0xff, 0xff, 0]);
      while (throttleMs === 0 && requests < 500) {
        connection.write(rawRequest(3, 4, ++requests, false, body));
        throttleMs = (await connection.readFrame()).readInt32BE(4);
      }
      assert.ok(throttleMs > 0, `no Metadata answer carried throttle_time_ms in ${requests} requests`);
    } finally {
      connection.close();
      await kafkaConfigs(['--alter', '--entity-type', 'clients', '--entity-name', 'blink-e2e-raw', '--delete-config', 'request_percentage']);
    }
  });

  test('Java Admin: alterClientQuotas and describeClientQuotas at every entity level, with filters, validate_only and errors', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { results } = await alter([
      { entity: { user: 'alice' }, ops: [{ key: 'producer_byte_rate', value: 1024 }, { key: 'consumer_byte_rate', value: 2048 }] },
      { entity: { user: null }, ops: [{ key: 'request_percentage', value: 50 }] },
      { entity: { user: 'alice', 'client-id': 'app' }, ops: [{ key: 'producer_byte_rate', value: 4096 }] },
      { entity: { 'client-id': null }, ops: [{ key: 'consumer_byte_rate', value: 8192 }] },
      { entity: { 'client-id': 'bad' }, ops: [{ key: 'bogus_rate', value: 1 }] },
      { entity: { 'client-id': 'bad2' }, ops: [{ key: 'producer_byte_rate', value: 10.5 }] },
    ]);
    assert.deepEqual(results.slice(0, 4).map((r) => r.error), [null, null, null, null]);
    assert.match(results[4].error ?? '', /^InvalidRequestException: Invalid configuration key bogus_rate/);
    assert.match(results[5].error ?? '', /^InvalidRequestException: producer_byte_rate cannot be a fractional value/);

    const validated = await alter([{ entity: { user: 'carol' }, ops: [{ key: 'producer_byte_rate', value: 1 }] }], true);
    assert.deepEqual(validated.results.map((r) => r.error), [null]);

    assert.deepEqual(await describeQuotas(), ordered([
      { entity: { 'client-id': null }, values: { consumer_byte_rate: 8192 } },
      { entity: { user: null }, values: { request_percentage: 50 } },
      { entity: { user: 'alice' }, values: { producer_byte_rate: 1024, consumer_byte_rate: 2048 } },
      { entity: { user: 'alice', 'client-id': 'app' }, values: { producer_byte_rate: 4096 } },
    ]));
    const alices = await describeQuotas([{ entity_type: 'user', match: 'alice' }]);
    assert.equal(alices.length, 2, 'alice, and alice with client id app');
    assert.deepEqual(await describeQuotas([{ entity_type: 'user', match: 'alice' }], true), [{ entity: { user: 'alice' }, values: { producer_byte_rate: 1024, consumer_byte_rate: 2048 } }]);
    assert.deepEqual(await describeQuotas([{ entity_type: 'user', default: true }]), [{ entity: { user: null }, values: { request_percentage: 50 } }]);
    assert.deepEqual((await describeQuotas([{ entity_type: 'client-id' }])).map((e) => e.entity), [{ user: 'alice', 'client-id': 'app' }], 'a specified name, not the default');

    await alter([{ entity: { user: 'alice' }, ops: [{ key: 'consumer_byte_rate', value: null }] }]);
    assert.deepEqual(await describeQuotas([{ entity_type: 'user', match: 'alice' }], true), [{ entity: { user: 'alice' }, values: { producer_byte_rate: 1024 } }]);
  });

  test('kafka-configs (3.9): --alter and --describe of client and user quotas', { timeout: TEST_TIMEOUT_MS }, async () => {
    await kafkaConfigs(['--alter', '--entity-type', 'clients', '--entity-name', 'tool-client', '--add-config', 'producer_byte_rate=10240,consumer_byte_rate=20480']);
    await kafkaConfigs(['--alter', '--entity-type', 'users', '--entity-name', 'bob', '--entity-type', 'clients', '--entity-default', '--add-config', 'request_percentage=25']);
    await kafkaConfigs(['--alter', '--entity-type', 'clients', '--entity-name', 'tool-client', '--delete-config', 'consumer_byte_rate']);

    const client = await kafkaConfigs(['--describe', '--entity-type', 'clients', '--entity-name', 'tool-client']);
    assert.match(client, /Quota configs for client-id 'tool-client' are producer_byte_rate=10240\.0\s*$/m);
    const pair = await kafkaConfigs(['--describe', '--entity-type', 'users', '--entity-name', 'bob', '--entity-type', 'clients', '--entity-default']);
    assert.match(pair, /Quota configs for user-principal 'bob', the default client-id are request_percentage=25\.0/);

    const refused = await runKafkaTool('3.9', 'kafka-configs', ['--bootstrap-server', durable.broker.bootstrap, '--alter', '--entity-type', 'clients', '--entity-name', 'x', '--add-config', 'producer_byte_rate=0'], { timeoutMs: TOOL_TIMEOUT_MS });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /producer_byte_rate must be greater than 0/);

    assert.deepEqual(await describeQuotas([{ entity_type: 'client-id', match: 'tool-client' }]), [{ entity: { 'client-id': 'tool-client' }, values: { producer_byte_rate: 10240 } }]);
  });

  test('a producer over producer_byte_rate is held to it, and its responses carry throttle_time_ms', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const topic = uniqueTopic('quota-rate');
    await javaDriver('4', durable.broker.bootstrap).createTopic(topic, 1);
    await alter([{ entity: { 'client-id': 'rate-producer' }, ops: [{ key: 'producer_byte_rate', value: PRODUCE_QUOTA }] }]);
    await heldToQuota(t, 'produce_for', 'producer_byte_rate', PRODUCE_QUOTA, { topic, client_id: 'rate-producer', value_bytes: VALUE_BYTES });

    const metrics = await scrape(durable.broker);
    const labels = { type: 'produce', user: '', client_id: 'rate-producer' };
    const matching = (name: string) => series(metrics, name).find((s) => JSON.stringify(s.labels) === JSON.stringify(labels));
    assert.equal(matching('blink_quota_limit')?.value, PRODUCE_QUOTA);
    assert.ok((matching('blink_quota_throttle_seconds_total')?.value ?? 0) > 0);
    assert.ok((matching('blink_quota_throttled_responses_total')?.value ?? 0) > 0);
    assert.ok((matching('blink_quota_rate')?.value ?? 0) > 0);

    // The consumer reads what this producer wrote (about RUN_MS x PRODUCE_QUOTA bytes).
    await alter([{ entity: { 'client-id': 'rate-consumer' }, ops: [{ key: 'consumer_byte_rate', value: FETCH_QUOTA }] }]);
    await heldToQuota(t, 'consume_for', 'consumer_byte_rate', FETCH_QUOTA, { topic, client_id: 'rate-consumer', max_fetch_bytes: CONSUMER_FETCH_BYTES });
  });

  test('the quotas are back after a restart on the same data directory', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = await describeQuotas();
    assert.ok(before.length >= 6, JSON.stringify(before));
    await durable.broker.stop();
    await closeJavaDrivers();
    await durable.start();
    assert.deepEqual(await describeQuotas(), before);
    const client = await kafkaConfigs(['--describe', '--entity-type', 'clients', '--entity-name', 'rate-producer']);
    assert.match(client, new RegExp(`producer_byte_rate=${PRODUCE_QUOTA}\\.0`));
  });
});
