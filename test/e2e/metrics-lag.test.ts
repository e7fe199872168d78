/**
 * Per-partition and per-group series of /prometheus against what real clients did and what
 * Kafka's own tool says. kcat produces to three partitions, a kafkajs consumer group reads
 * everything and commits, kcat produces more: then each partition's blink_group_lag,
 * blink_group_committed_offset and blink_partition_log_end_offset must equal LAG,
 * CURRENT-OFFSET and LOG-END-OFFSET of `kafka-consumer-groups --describe` (Kafka 3.9 tool)
 * for the same group, lag in seconds must be the age of the first unconsumed record, and
 * the produced/fetched counters must count those records. A second test checks the
 * cardinality bound: with METRICS_MAX_ENTITIES=2 the topics and groups beyond the first two
 * are summed into "__other__" series and counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import kafkajs from './clients/kafkajs-lib.js';
import { expectStatus, rest, scrape, series, type Exposition } from './admin-support.js';
import { startBroker, uniqueTopic, type BrokerHandle } from './harness.js';
import { consumeWithGroup, kcatProduceTo } from './observe-support.js';
import { kafkaToolOk, tableRows } from './support/kafka-tools.js';

const { Kafka, logLevel } = kafkajs;

const TEST_TIMEOUT_MS = 90_000;
const TOOL_TIMEOUT_MS = 60_000;
const MAX_ENTITIES = 2;
const OTHER = '__other__';

let brokerHandle: BrokerHandle | undefined;

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

before(async () => {
  brokerHandle = await startBroker({ env: { METRICS_MAX_ENTITIES: String(MAX_ENTITIES) } });
});

after(async () => {
  if (brokerHandle === undefined) return;
  const crashed = brokerHandle.exited();
  await brokerHandle.stop();
  if (crashed) console.error(`--- broker stderr (exited during the tests) ---\n${brokerHandle.stderr().slice(-8000)}`);
});

/** The value of the one sample of `name` with exactly these labels (fails when there is none). */
function valueOf(exposition: Exposition, name: string, labels: Record<string, string>): number {
  const found = series(exposition, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length);
  assert.equal(found.length, 1, `${name}${JSON.stringify(labels)}: one sample, got ${JSON.stringify(found)}`);
  return found[0].value;
}

/** kafka-consumer-groups --describe's rows of `group`. */
function toolRows(output: string, group: string): Array<Record<string, string>> {
  return tableRows(output, 'GROUP').filter((row) => row.GROUP === group);
}

describe('per-partition and per-group metrics', () => {
  test('lag, committed offsets and log end equal kafka-consumer-groups --describe; lag seconds and traffic counters follow the records', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('lag');
    const group = `group-${topic}`;
    expectStatus(await rest(broker(), 'POST', '/api/v1/topics', { json: { name: topic, partitions: 3 } }), 201, 'create the topic');
    const first = [6, 4, 2];
    for (const [partition, count] of first.entries()) await kcatProduceTo(broker(), topic, partition, Array.from({ length: count }, (_, i) => `k${i}:first-${partition}-${i}`));
    await consumeWithGroup(broker(), group, topic, 12);
    const producedAtMs = Date.now();
    const second = [3, 1, 0];
    for (const [partition, count] of second.entries()) {
      if (count > 0) await kcatProduceTo(broker(), topic, partition, Array.from({ length: count }, (_, i) => `k${i}:second-${partition}-${i}`));
    }
    const exposition = await scrape(broker());
    const scrapedAtMs = Date.now();
    const rows = toolRows(await kafkaToolOk('3.9', 'kafka-consumer-groups', ['--bootstrap-server', broker().bootstrap, '--describe', '--group', group], { timeoutMs: TOOL_TIMEOUT_MS }), group);
    assert.equal(rows.length, 3, `the tool lists three partitions: ${JSON.stringify(rows)}`);

    for (const row of rows) {
      const partition = row.PARTITION;
      const labels = { group, topic, partition };
      assert.equal(valueOf(exposition, 'blink_group_lag', labels), Number(row.LAG), `partition ${partition}: LAG`);
      assert.equal(valueOf(exposition, 'blink_group_committed_offset', labels), Number(row['CURRENT-OFFSET']), `partition ${partition}: CURRENT-OFFSET`);
      assert.equal(valueOf(exposition, 'blink_partition_log_end_offset', { topic, partition }), Number(row['LOG-END-OFFSET']), `partition ${partition}: LOG-END-OFFSET`);
      assert.equal(Number(row.LAG), second[Number(partition)], `the tool's lag is what was produced after the commit (partition ${partition})`);
      const lagSeconds = valueOf(exposition, 'blink_group_lag_seconds', labels);
      if (second[Number(partition)] === 0) {
        assert.equal(lagSeconds, 0, `partition ${partition} is caught up`);
      } else {
        // kcat stamps CreateTime when it produces: between the second produce and the scrape.
        assert.ok(lagSeconds >= 0 && lagSeconds <= (scrapedAtMs - producedAtMs) / 1000 + 1, `partition ${partition}: lag ${lagSeconds} s is the age of the first unconsumed record`);
      }
      assert.equal(valueOf(exposition, 'blink_partition_log_start_offset', { topic, partition }), 0);
      assert.equal(valueOf(exposition, 'blink_partition_produced_records_total', { topic, partition }), first[Number(partition)] + second[Number(partition)], `partition ${partition}: records produced`);
      assert.ok(valueOf(exposition, 'blink_partition_produced_bytes_total', { topic, partition }) > 0);
      assert.ok(valueOf(exposition, 'blink_partition_memory_bytes', { topic, partition }) > 0);
      assert.equal(valueOf(exposition, 'blink_partition_wal_bytes', { topic, partition }), 0, 'nothing offloaded');
      assert.ok(valueOf(exposition, 'blink_partition_fetched_records_total', { topic, partition }) >= first[Number(partition)], `partition ${partition}: the consumer's records were fetched`);
    }
    assert.equal(valueOf(exposition, 'blink_group_state', { group, type: 'classic', state: 'Empty' }), 1, 'the consumer left: the group is Empty');
    assert.equal(valueOf(exposition, 'blink_group_members', { group, type: 'classic' }), 0);
  });

  test(`topics and groups beyond METRICS_MAX_ENTITIES=${MAX_ENTITIES} are summed into "${OTHER}" and counted`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const topics = [uniqueTopic('many-a'), uniqueTopic('many-b'), uniqueTopic('many-c')];
    for (const [i, topic] of topics.entries()) {
      const produced = await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { partition: 0, records: Array.from({ length: i + 1 }, (_, n) => ({ value: `v${n}` })) } });
      expectStatus(produced, 201, `produce to ${topic}`);
    }
    const admin = new Kafka({ clientId: 'e2e-metrics', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      for (const topic of topics) await admin.setOffsets({ groupId: `group-${topic}`, topic, partitions: [{ partition: 0, offset: '0' }] });
    } finally {
      await admin.disconnect();
    }
    const exposition = await scrape(broker());

    const allTopics = (await rest(broker(), 'GET', '/api/v1/topics')).json as Array<{ name: string }>;
    const ownTopics = new Set(series(exposition, 'blink_partition_log_end_offset').map((s) => s.labels.topic));
    assert.equal(ownTopics.size, MAX_ENTITIES, `series for ${MAX_ENTITIES} topics: ${[...ownTopics].join(', ')}`);
    assert.ok(!ownTopics.has(OTHER), 'offsets are never summed');
    const others = allTopics.map((t) => t.name).filter((name) => !ownTopics.has(name));
    assert.equal(valueOf(exposition, 'blink_metrics_aggregated_topics', {}), others.length);
    let otherMemory = 0;
    for (const name of others) {
      const detail = (await rest(broker(), 'GET', `/api/v1/topics/${name}`)).json as { partitions: Array<{ memory: { bytes: number } }> };
      otherMemory += detail.partitions.reduce((sum, p) => sum + p.memory.bytes, 0);
    }
    assert.equal(valueOf(exposition, 'blink_partition_memory_bytes', { topic: OTHER, partition: '' }), otherMemory, 'memory bytes of the other topics, summed');
    assert.ok(series(exposition, 'blink_partition_produced_records_total').every((s) => ownTopics.has(s.labels.topic) || s.labels.topic === OTHER), 'no series for a topic beyond the bound');

    const allGroups = (await rest(broker(), 'GET', '/api/v1/groups')).json as Array<{ groupId: string; totalLag: number | null }>;
    const ownGroups = new Set(series(exposition, 'blink_group_members').map((s) => s.labels.group).filter((g) => g !== OTHER));
    assert.equal(ownGroups.size, MAX_ENTITIES, `series for ${MAX_ENTITIES} groups: ${[...ownGroups].join(', ')}`);
    const otherGroups = allGroups.filter((g) => !ownGroups.has(g.groupId));
    assert.ok(otherGroups.length >= 1, 'some groups are beyond the bound');
    assert.equal(valueOf(exposition, 'blink_metrics_aggregated_groups', {}), otherGroups.length);
    assert.equal(valueOf(exposition, 'blink_group_lag', { group: OTHER, topic: '', partition: '' }), otherGroups.reduce((sum, g) => sum + (g.totalLag ?? 0), 0), 'their lag, summed');
    assert.equal(valueOf(exposition, 'blink_group_state', { group: OTHER, type: '', state: 'Empty' }), otherGroups.length, 'the other groups counted by state');
    for (const s of series(exposition, 'blink_group_lag').filter((sample) => ownGroups.has(sample.labels.group))) {
      assert.ok(ownTopics.has(s.labels.topic) || s.labels.topic === OTHER, `a group's lag on a topic beyond the bound is summed into topic "${OTHER}" (${JSON.stringify(s.labels)})`);
    }
  });
});
