/**
 * Client telemetry (KIP-714) end to end, on a durable broker:
 * - Kafka's kafka-client-metrics (3.9) creates, describes and lists a CLIENT_METRICS
 *   subscription, and refuses a bad one with Kafka's error;
 * - two producers nobody here wrote push the metrics it asks for: confluent-kafka 2.x
 *   (librdkafka 2.16) and the Java client 4.x (enable.metrics.push is on by default); their
 *   metrics appear on /prometheus as blink_client_… series labelled with their client id and
 *   client instance id (the Java client's own clientInstanceId()), and on the JSON overview;
 * - the subscription is changed while they run (another metric prefix, through the Java
 *   Admin's incrementalAlterConfigs): both pick up the new subscription and push the newly
 *   asked-for metrics;
 * - after a restart on the same data directory the subscription is still there.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { rest, scrape, series, type Sample } from './admin-support.js';
import { closeJavaDrivers, javaDriver, runJavaOp } from './clients/java.js';
import { runJsonOp } from './clients/json-driver.js';
import { pythonDriverCommand } from './clients/python.js';
import { uniqueTopic, waitFor } from './harness.js';
import { restartableBroker } from './storage-support.js';
import { kafkaToolOk, runKafkaTool } from './support/kafka-tools.js';

const TEST_TIMEOUT_MS = 150_000;
const TOOL_TIMEOUT_MS = 60_000;
/** How long the producers run: long enough for a few pushes before and after the subscription changes. */
const PRODUCE_MS = 25_000;
const SERIES_WAIT_MS = 15_000;
const SUBSCRIPTION = 'blink-e2e-producers';
const RECORD_PREFIX = 'org.apache.kafka.producer.record.queue.';
const NODE_PREFIX = 'org.apache.kafka.producer.node.';
const CLIENTS = { python: 'telemetry-python', java: 'telemetry-java' } as const;

const durable = restartableBroker('e2e-telemetry', { STORAGE_MODE: 'durable', AUTO_CREATE_TOPICS: 'false' });
after(closeJavaDrivers);

function clientMetrics(args: readonly string[]): Promise<string> {
  return kafkaToolOk('3.9', 'kafka-client-metrics', ['--bootstrap-server', durable.broker.bootstrap, ...args], { timeoutMs: TOOL_TIMEOUT_MS });
}

/** The blink_client_ samples whose name starts with `prefix`, per client id. */
async function pushedSeries(prefix: string): Promise<Map<string, Sample[]>> {
  const byClient = new Map<string, Sample[]>();
  for (const sample of (await scrape(durable.broker)).samples) {
    if (!sample.name.startsWith(prefix)) continue;
    const list = byClient.get(sample.labels.client_id ?? '') ?? [];
    list.push(sample);
    byClient.set(sample.labels.client_id ?? '', list);
  }
  return byClient;
}

/** Waits until both clients have series starting with `prefix`. */
function bothPushed(prefix: string): Promise<Map<string, Sample[]>> {
  return waitFor(`series ${prefix}* from both clients`, SERIES_WAIT_MS, async () => {
    const found = await pushedSeries(prefix);
    return found.has(CLIENTS.python) && found.has(CLIENTS.java) ? found : undefined;
  }, 250);
}

describe('client telemetry (KIP-714, durable broker)', () => {
  test('kafka-client-metrics (3.9): --alter, --describe and --list a subscription; a bad one is refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    await clientMetrics(['--alter', '--name', SUBSCRIPTION, '--metrics', RECORD_PREFIX, '--interval', '1000', '--match', 'client_id=telemetry-.*']);
    const described = await clientMetrics(['--describe', '--name', SUBSCRIPTION]);
    assert.match(described, new RegExp(`Client metrics configs for ${SUBSCRIPTION} are:`));
    assert.match(described, /interval\.ms=1000/);
    assert.match(described, /match=client_id=telemetry-\.\*/);
    assert.match(described, new RegExp(`metrics=${RECORD_PREFIX.replaceAll('.', '\\.')}`));
    assert.match(await clientMetrics(['--list']), new RegExp(`^${SUBSCRIPTION}$`, 'm'));

    const refused = await runKafkaTool('3.9', 'kafka-client-metrics', ['--bootstrap-server', durable.broker.bootstrap, '--alter', '--name', 'bad', '--interval', '50'], { timeoutMs: TOOL_TIMEOUT_MS });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /interval must be between 100 and 3600000/);
  });

  test('confluent-kafka 2.x and the Java client 4.x push the subscribed metrics to /prometheus, and follow a subscription change', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('telemetry');
    await javaDriver('4', durable.broker.bootstrap).createTopic(topic, 1);
    const [python, script] = pythonDriverCommand('confluent-kafka-2');
    const producing = Promise.all([
      runJsonOp<{ sent: number }>({ label: 'confluent-kafka-2', command: python, args: [script], options: {} }, durable.broker.bootstrap, 'produce_for', {
        topic,
        client_id: CLIENTS.python,
        duration_ms: PRODUCE_MS,
      }, PRODUCE_MS + 30_000),
      runJavaOp<{ sent: number; client_instance_id: string }>('4', durable.broker.bootstrap, 'produce_slowly', { topic, client_id: CLIENTS.java, duration_ms: PRODUCE_MS }, PRODUCE_MS + 30_000),
    ]);
    try {
      const before = await bothPushed('blink_client_producer_record_queue_time');
      for (const samples of before.values()) assert.ok(samples.every((s) => s.labels.client_instance_id !== undefined && s.labels.client_instance_id.length === 22), JSON.stringify(samples[0]));
      assert.deepEqual([...(await pushedSeries('blink_client_producer_node_')).keys()], [], 'node metrics are not subscribed yet');

      await runJavaOp('4', durable.broker.bootstrap, 'incremental_alter_configs', { resource_type: 'client_metrics', name: SUBSCRIPTION, set: { metrics: NODE_PREFIX } });
      const after = await bothPushed('blink_client_producer_node_request_latency');
      assert.ok([...after.values()].flat().some((s) => s.labels.node_id !== undefined), 'per-node attributes become labels');
    } finally {
      const [pythonRun, javaRun] = await producing;
      assert.ok(pythonRun.sent > 0 && javaRun.sent > 0);
      const javaSeries = (await pushedSeries('blink_client_')).get(CLIENTS.java) ?? [];
      assert.ok(javaSeries.some((s) => s.labels.client_instance_id === javaRun.client_instance_id), `the Java client's own instance id (${javaRun.client_instance_id}) labels its series`);
    }
    const metrics = await scrape(durable.broker);
    assert.ok((series(metrics, 'blink_telemetry_pushes_total').find((s) => s.labels.result === 'accepted')?.value ?? 0) >= 4);
    assert.ok((series(metrics, 'blink_telemetry_clients')[0]?.value ?? 0) >= 2);

    const overview = await rest<{ telemetry: { subscriptions: number; recentClients: Array<{ clientId: string; softwareName: string; series: number }> } }>(durable.broker, 'GET', '/api/v1/overview');
    assert.equal(overview.json.telemetry.subscriptions, 1);
    const listed = new Map(overview.json.telemetry.recentClients.map((c) => [c.clientId, c]));
    assert.equal(listed.get(CLIENTS.java)?.softwareName, 'apache-kafka-java');
    assert.equal(listed.get(CLIENTS.python)?.softwareName, 'confluent-kafka-python');
    assert.ok((listed.get(CLIENTS.python)?.series ?? 0) > 0);
  });

  test('the subscription is back after a restart on the same data directory', { timeout: TEST_TIMEOUT_MS }, async () => {
    await durable.broker.stop();
    await closeJavaDrivers();
    await durable.start();
    assert.match(await clientMetrics(['--describe', '--name', SUBSCRIPTION]), new RegExp(`metrics=${NODE_PREFIX.replaceAll('.', '\\.')}`));
  });
});
