/**
 * The REST admin API against the broker process (no admin token, no plugins; the plugin
 * routes and the token are in admin-rest-token.test.ts): the seed README's curl examples
 * run verbatim, every route of the seed and of /api/v1, bad inputs, and the OpenAPI
 * document checked against the routes the running app serves. What REST writes is read back with kcat and kafkajs, and what Kafka
 * clients write is read back through REST, so both faces are shown to share one log.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';

import kafkajs from './clients/kafkajs-lib.js';
import type { Admin, Consumer, Kafka as KafkaClient } from 'kafkajs';

import { curlAsWritten, expectError, expectStatus, kcatConsume, kcatProduce, rest, scrape, series, total } from './admin-support.js';
import { startBroker, uniqueTopic, waitFor, withTimeout, type BrokerHandle } from './harness.js';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

const TEST_TIMEOUT_MS = 60_000;
const CLIENT_TIMEOUT_MS = 30_000;
const ONE_MIB = 1024 * 1024;

let brokerHandle: BrokerHandle | undefined;
let kafka: KafkaClient;
let admin: Admin;

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

before(async () => {
  brokerHandle = await startBroker();
  kafka = new Kafka({ clientId: 'e2e-admin-rest', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = kafka.admin();
  await withTimeout(admin.connect(), CLIENT_TIMEOUT_MS, 'kafkajs admin connect');
});

after(async () => {
  await admin?.disconnect().catch(() => undefined);
  if (brokerHandle === undefined) return;
  const crashed = brokerHandle.exited();
  await brokerHandle.stop();
  if (crashed) console.error(`--- broker stderr (exited during the tests) ---\n${brokerHandle.stderr().slice(-8000)}`);
});

describe("the seed README's curl examples, run as written", () => {
  test('produce, fetch, overview, version, dump, allocated, purge and metrics answer JSON (Prometheus text) with real data', { timeout: TEST_TIMEOUT_MS }, async () => {
    const produced = JSON.parse(await curlAsWritten(broker(), 'curl -X POST "http://localhost:30004/produce" -d "topic=test&partition=0&value=hello-world"'));
    assert.deepEqual(produced, { topic: 'test', partition: 0, baseOffset: 0, recordCount: 1, logAppendTimeMs: -1 });

    const fetched = JSON.parse(await curlAsWritten(broker(), 'curl "http://localhost:30004/fetch?topic=test&partition=0&offset=0"'));
    assert.equal(fetched.highWatermark, 1);
    assert.deepEqual(fetched.records.map((r: { offset: number; key: unknown; value: unknown }) => [r.offset, r.key, r.value]), [[0, null, 'hello-world']]);

    const second = JSON.parse(await curlAsWritten(broker(), 'curl -X POST http://localhost:30004/produce -d "topic=test&value=data"'));
    assert.deepEqual([second.partition, second.baseOffset], [0, 1], 'the one-partition topic takes it at offset 1');
    // Unquoted: the shell runs `curl http://localhost:P/fetch?topic=test` in the background.
    const both = JSON.parse(await curlAsWritten(broker(), 'curl http://localhost:30004/fetch?topic=test&offset=0'));
    assert.deepEqual(both.records.map((r: { value: string }) => r.value), ['hello-world', 'data'], 'partition and offset default to 0 and the log start');

    const overview = JSON.parse(await curlAsWritten(broker(), 'curl http://localhost:30004/        # Metrics overview'));
    assert.deepEqual(overview.topics.find((t: { name: string }) => t.name === 'test')?.partitions.map((p: { highWatermark: number }) => p.highWatermark), [2]);
    assert.equal(overview.counters.producedRecords, 2);

    const version = JSON.parse(await curlAsWritten(broker(), 'curl http://localhost:30004/version # Build and config info'));
    assert.equal(version.name, 'blink');
    assert.match(version.version, /^\d+\.\d+\.\d+/);
    assert.equal(version.settings.rest_port, broker().restPort);
    assert.equal(version.settings.admin_token, null);

    const dump = JSON.parse(await curlAsWritten(broker(), 'curl http://localhost:30004/dump    # Storage state dump'));
    const partition = dump.topics.find((t: { name: string }) => t.name === 'test').partitions[0];
    assert.deepEqual([partition.logStartOffset, partition.highWatermark, partition.memory.batches, partition.wal.batches], [0, 2, 2, 0]);

    const allocated = JSON.parse(await curlAsWritten(broker(), 'curl http://localhost:30004/allocated # Memory usage'));
    assert.ok(allocated.memoryTier.storedBytes > 0 && allocated.process.rssBytes > 0, JSON.stringify(allocated));
    assert.equal(allocated.memoryTier.storedBytes, dump.totals.memory.bytes);

    const purged = JSON.parse(await curlAsWritten(broker(), 'curl http://localhost:30004/purge'));
    assert.deepEqual(purged, { action: 'retention-sweep', purgedRecords: 0, partitions: [] }, 'nothing is older than retention yet');

    const metrics = await curlAsWritten(broker(), 'curl http://localhost:30004/prometheus');
    assert.match(metrics, /^blink_produced_records_total 2$/m);

    const consumed = await kcatConsume(broker(), 'test');
    assert.deepEqual(consumed.map((m) => [m.offset, m.payload]), [[0, 'hello-world'], [1, 'data']], 'kcat reads what REST produced');
  });

  test('every metric the seed README lists is exported under that name, and Kafka requests are counted per API', { timeout: TEST_TIMEOUT_MS }, async () => {
    await kcatProduce(broker(), uniqueTopic('metrics'), ['k:v']);
    const exposition = await scrape(broker());
    const seedMetrics: Array<[string, string]> = [
      ['blink_produce_count', 'counter'],
      ['blink_fetch_count', 'counter'],
      ['blink_produce_duration', 'histogram'],
      ['blink_fetch_duration', 'histogram'],
      ['blink_in_memory_queue_size_bytes', 'gauge'],
      ['blink_total_queue_size_bytes', 'gauge'],
      ['blink_current_disk_space_bytes', 'gauge'],
      ['blink_ram_batch_count', 'gauge'],
      ['blink_offloaded_batch_count', 'gauge'],
      ['blink_current_allocated', 'gauge'],
      ['blink_offload_operations_total', 'counter'],
      ['blink_purged_records', 'counter'],
    ];
    for (const [name, type] of seedMetrics) assert.equal(exposition.types.get(name), type, `${name} is exported as a ${type}`);
    assert.ok(total(exposition, 'blink_produce_count') >= 1);
    const byApi = new Map(series(exposition, 'blink_requests_total').map((s) => [s.labels.api, s.value]));
    for (const api of ['ApiVersions', 'Metadata', 'Produce']) assert.ok((byApi.get(api) ?? 0) >= 1, `blink_requests_total{api="${api}"}: ${[...byApi]}`);
    const restRequests = series(exposition, 'blink_http_requests_total').find((s) => s.labels.route === '/produce' && s.labels.method === 'POST' && s.labels.status === '200');
    assert.ok(restRequests !== undefined && restRequests.value >= 2, 'REST requests are counted by route and status');
  });
});

describe('records through /api/v1 and the seed routes', () => {
  test('keys, headers, timestamps and binary values round-trip between REST and kcat', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('records');
    const produced = await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, {
      json: {
        partition: 0,
        records: [
          { key: 'user-1', value: 'first', headers: [{ key: 'trace', value: 't-1' }, { key: 'trace', value: 't-2' }], timestamp: 1_700_000_000_000 },
          { key: null, value: null },
        ],
      },
    });
    expectStatus(produced, 201, 'produce JSON records');
    assert.deepEqual(produced.json, { topic, partition: 0, baseOffset: 0, recordCount: 2, logAppendTimeMs: -1 });

    const binary = await rest(broker(), 'POST', '/produce', { json: { topic, partition: 0, key: 'AAE=', value: 'AP8Q', encoding: 'base64' } });
    expectStatus(binary, 200, 'produce a binary value');

    const read = await rest(broker(), 'GET', `/api/v1/topics/${topic}/partitions/0/records?offset=0&limit=10`);
    expectStatus(read, 200, 'read records');
    assert.deepEqual(read.json.records.map((r: Record<string, unknown>) => [r.offset, r.key, r.value, r.encoding]), [
      [0, 'user-1', 'first', 'utf8'],
      [1, null, null, 'utf8'],
      [2, 'AAE=', 'AP8Q', 'base64'],
    ], 'bytes that are not UTF-8 come back in base64');
    assert.deepEqual(read.json.records[0].headers, [{ key: 'trace', value: 't-1' }, { key: 'trace', value: 't-2' }]);
    assert.deepEqual([read.json.records[0].timestamp, read.json.records[0].timestampType], [1_700_000_000_000, 'CreateTime']);

    const limited = await rest(broker(), 'GET', `/fetch?topic=${topic}&offset=1&limit=1&encoding=base64`);
    assert.deepEqual([limited.json.records.length, limited.json.records[0].offset, limited.json.nextOffset], [1, 1, 2]);

    const consumed = await kcatConsume(broker(), topic);
    assert.deepEqual(consumed.map((m) => m.offset), [0, 1, 2]);
    assert.deepEqual(consumed.slice(0, 2).map((m) => [m.key, m.payload]), [['user-1', 'first'], [null, null]], 'kcat reads the REST records');
    assert.deepEqual(consumed[0].headers, ['trace', 't-1', 'trace', 't-2'], 'kcat sees both headers');
    assert.equal(consumed[0].ts, 1_700_000_000_000);

    await kcatProduce(broker(), topic, ['from-kcat:kafka-value'], ['-H', 'origin=kcat']);
    const viaRest = await rest(broker(), 'GET', `/api/v1/topics/${topic}/partitions/0/records?offset=3`);
    assert.deepEqual(viaRest.json.records.map((r: Record<string, unknown>) => [r.offset, r.key, r.value, r.headers]), [[3, 'from-kcat', 'kafka-value', [{ key: 'origin', value: 'kcat' }]]]);
  });

  test('records without a partition go where the Java client would send their key', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('keyed');
    expectStatus(await rest(broker(), 'POST', '/api/v1/topics', { json: { name: topic, partitions: 3 } }), 201, 'create');
    // murmur2("foobar") = -790332482 (Kafka's UtilsTest): (-790332482 & 0x7fffffff) % 3 = 0.
    const keyed = await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { records: [{ key: 'foobar', value: 'v' }] } });
    assert.equal(keyed.json.partition, (-790332482 & 0x7fffffff) % 3);
    const spread = [];
    for (let i = 0; i < 3; i++) spread.push((await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { records: [{ value: `v${i}` }] } })).json.partition);
    assert.deepEqual([...spread].sort(), [0, 1, 2], 'records without key go round-robin');
  });

  test('DeleteRecords through REST moves the log start: kcat then starts there; POST /purge with a topic empties it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('delete-records');
    await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { partition: 0, records: ['a', 'b', 'c', 'd'].map((value) => ({ value })) } });
    const deleted = await rest(broker(), 'DELETE', `/api/v1/topics/${topic}/partitions/0/records?beforeOffset=2`);
    expectStatus(deleted, 200, 'delete records');
    assert.deepEqual(deleted.json, { topic, partition: 0, logStartOffset: 2, purgedRecords: 2 });
    assert.deepEqual((await kcatConsume(broker(), topic)).map((m) => m.payload), ['c', 'd']);
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(offsets.map((o) => [o.low, o.high]), [['2', '4']], 'ListOffsets agrees');
    expectError(await rest(broker(), 'DELETE', `/api/v1/topics/${topic}/partitions/0/records?beforeOffset=9`), 400, /beyond the high watermark 4/, 'past the end');
    expectError(await rest(broker(), 'GET', `/fetch?topic=${topic}&offset=0`), 400, /offset 0 is out of range/, 'below the log start');

    const purge = await rest(broker(), 'POST', '/purge', { json: { topic } });
    expectStatus(purge, 200, 'purge a topic');
    assert.deepEqual(purge.json, { action: 'delete-records', purgedRecords: 2, partitions: [{ topic, partition: 0, logStartOffset: 4 }] });
    expectError(await rest(broker(), 'GET', `/purge?topic=${topic}`), 400, /property topic should not exist/, 'the GET alias only sweeps');
  });
});

describe('topics through /api/v1', () => {
  test('create with partitions and configs, describe, grow, delete: kafkajs sees each change', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('topic-crud');
    const created = await rest(broker(), 'POST', '/api/v1/topics', { json: { name: topic, partitions: 2, configs: { 'retention.ms': '60000' } } });
    expectStatus(created, 201, 'create');
    assert.deepEqual(created.json.partitions.map((p: { partition: number }) => p.partition), [0, 1]);
    assert.deepEqual(created.json.configs.find((c: { name: string }) => c.name === 'retention.ms'), { name: 'retention.ms', value: '60000', source: 'topic' });
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] });
    assert.equal(configs.resources[0].configEntries[0].configValue, '60000', 'DescribeConfigs reads the REST-created config');

    expectError(await rest(broker(), 'POST', '/api/v1/topics', { json: { name: topic } }), 409, /already exists/, 'create twice');
    expectError(await rest(broker(), 'POST', '/api/v1/topics', { json: { name: 'bad topic!' } }), 400, /name must be 1-249 characters/, 'illegal name');
    expectError(await rest(broker(), 'POST', '/api/v1/topics', { json: { name: uniqueTopic('cfg'), configs: { 'no.such.config': '1' } } }), 400, /unknown topic config 'no.such.config'/, 'unknown config');

    const grown = await rest(broker(), 'POST', `/api/v1/topics/${topic}/partitions`, { json: { count: 4 } });
    expectStatus(grown, 200, 'grow');
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(metadata.topics[0].partitions.length, 4, 'Metadata lists the new partitions');
    expectError(await rest(broker(), 'POST', `/api/v1/topics/${topic}/partitions`, { json: { count: 3 } }), 400, /must be larger/, 'shrink');

    const listed = await rest(broker(), 'GET', '/api/v1/topics');
    assert.deepEqual(listed.json.find((t: { name: string }) => t.name === topic)?.partitionCount, 4);

    const deleted = await rest(broker(), 'DELETE', `/api/v1/topics/${topic}`);
    assert.deepEqual(deleted.json, { name: topic, deleted: true });
    assert.equal((await admin.listTopics()).includes(topic), false, 'kafkajs no longer lists it');
    expectError(await rest(broker(), 'GET', `/api/v1/topics/${topic}`), 404, new RegExp(`topic '${topic}' does not exist`), 'describe deleted');
    expectError(await rest(broker(), 'DELETE', `/api/v1/topics/${topic}`), 404, /does not exist/, 'delete twice');

    const longest = `${uniqueTopic('long')}-`.padEnd(249, 'x');
    expectStatus(await rest(broker(), 'POST', `/api/v1/topics/${longest}/records`, { json: { records: [{ value: 'v' }] } }), 201, 'a 249-character topic in the path');
    assert.equal((await rest(broker(), 'GET', `/api/v1/topics/${longest}`)).json.name, longest);
  });
});

describe('consumer groups through /api/v1', () => {
  test('lag of committed offsets, reset to earliest/latest/timestamp on an Empty group, 409 while a member is in, delete', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('groups');
    const groupId = uniqueTopic('group');
    const timestamps = [1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000];
    await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { partition: 0, records: timestamps.map((timestamp, i) => ({ value: `v${i}`, timestamp })) } });
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] });

    const listed = await rest(broker(), 'GET', '/api/v1/groups');
    const summary = listed.json.find((g: { groupId: string }) => g.groupId === groupId);
    assert.deepEqual([summary?.state, summary?.members, summary?.totalLag], ['Empty', 0, 3]);
    const described = await rest(broker(), 'GET', `/api/v1/groups/${groupId}`);
    assert.deepEqual(described.json.offsets, [{ topic, partition: 0, committedOffset: 2, highWatermark: 5, lag: 3, metadata: '' }]);

    const reset = async (body: object) => {
      const answer = await rest(broker(), 'POST', `/api/v1/groups/${groupId}/offsets/reset`, { json: body });
      expectStatus(answer, 200, `reset ${JSON.stringify(body)}`);
      const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return { answered: answer.json.offsets.map((o: { offset: number }) => o.offset)[0], committed: Number(fetched.partitions[0].offset) };
    };
    assert.deepEqual(await reset({ to: 'earliest' }), { answered: 0, committed: 0 });
    assert.deepEqual(await reset({ to: 'latest' }), { answered: 5, committed: 5 });
    assert.deepEqual(await reset({ to: 'timestamp', timestamp: 2_500_000, topics: [topic] }), { answered: 2, committed: 2 });
    assert.deepEqual(await reset({ to: 'timestamp', timestamp: 9_000_000 }), { answered: 5, committed: 5 }, 'past the last record: the high watermark');
    expectError(await rest(broker(), 'POST', `/api/v1/groups/${groupId}/offsets/reset`, { json: { to: 'timestamp' } }), 400, /timestamp must be a whole number/, 'timestamp missing');
    expectError(await rest(broker(), 'POST', `/api/v1/groups/${groupId}/offsets/reset`, { json: { to: 'yesterday' } }), 400, /to must be one of earliest, latest, timestamp/, 'bad target');
    expectError(await rest(broker(), 'POST', `/api/v1/groups/nobody-${groupId}/offsets/reset`, { json: { to: 'earliest' } }), 404, /does not exist/, 'unknown group');

    await reset({ to: 'earliest' });
    const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100, retry: { retries: 2 } });
    const seen: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic });
      await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      const stable = await waitFor('the group Stable with its member', 20_000, async () => {
        const answer = await rest(broker(), 'GET', `/api/v1/groups/${groupId}`);
        return answer.json.state === 'Stable' && answer.json.members.length === 1 && seen.length === 5 && answer.json.totalLag === 0 ? answer.json : undefined;
      });
      assert.deepEqual(stable.members[0].assignment, [{ topic, partitions: [0] }], 'the member and its assignment');
      assert.equal(stable.protocolType, 'consumer');
      expectError(await rest(broker(), 'POST', `/api/v1/groups/${groupId}/offsets/reset`, { json: { to: 'earliest' } }), 409, /is Stable with 1 member/, 'reset while active');
      expectError(await rest(broker(), 'DELETE', `/api/v1/groups/${groupId}`), 409, /stop its consumers first/, 'delete while active');
    } finally {
      await consumer.disconnect();
    }
    await waitFor('the group Empty again', 10_000, async () => ((await rest(broker(), 'GET', `/api/v1/groups/${groupId}`)).json.state === 'Empty' ? true : undefined));
    const deleted = await rest(broker(), 'DELETE', `/api/v1/groups/${groupId}`);
    assert.deepEqual(deleted.json, { groupId, deleted: true });
    expectError(await rest(broker(), 'GET', `/api/v1/groups/${groupId}`), 404, /does not exist/, 'describe deleted');
    assert.equal((await admin.listGroups()).groups.some((g) => g.groupId === groupId), false, 'kafkajs no longer lists it');
  });
});

describe('broker and health', () => {
  test('broker identity, listeners, config (redacted) and uptime; readiness details', { timeout: TEST_TIMEOUT_MS }, async () => {
    const described = await rest(broker(), 'GET', '/api/v1/broker');
    assert.equal(described.json.nodeId, 1);
    assert.equal(described.json.adminTokenRequired, false);
    assert.ok(described.json.uptimeMs > 0);
    assert.deepEqual(described.json.listeners.map((l: { protocol: string; port: number; bound: boolean }) => [l.protocol, l.port, l.bound]), [['kafka', broker().kafkaPort, true], ['rest', broker().restPort, true]]);
    assert.deepEqual(described.json.features.map((f: { name: string; minLevel: number; maxLevel: number; finalizedLevel: number }) => `${f.name} ${f.minLevel}-${f.maxLevel} @${f.finalizedLevel}`), [
      'metadata.version 21-21 @21',
      'kraft.version 0-0 @0',
      'group.version 0-1 @1',
      'transaction.version 0-0 @0',
    ]);
    const configuration = await rest(broker(), 'GET', '/api/v1/broker/config');
    assert.deepEqual([configuration.json.settings.max_memory, configuration.json.settings.rest_port], ['1GB', broker().restPort]);
    assert.equal(configuration.json.topicDefaults['cleanup.policy'], 'delete');

    const ready = await rest(broker(), 'GET', '/health/ready');
    expectStatus(ready, 200, 'ready');
    assert.deepEqual(Object.keys(ready.json.details).sort(), ['kafkaListeners', 'plugins', 'shutdown', 'storage', 'uplink']);
    assert.deepEqual(ready.json.details.plugins, { status: 'up', plugins: [] });
    assert.deepEqual(ready.json.details.uplink, { status: 'up', state: 'off', remoteReachable: false, lagRecords: 0, stuckPartitions: 0, cutover: 'none' }, 'the uplink is off: reported, never a reason to be unready');
    const uplink = await rest(broker(), 'GET', '/api/v1/uplink');
    expectStatus(uplink, 200, 'uplink status');
    assert.deepEqual([uplink.json.enabled, uplink.json.state, uplink.json.partitions], [false, 'off', 0]);
    expectError(await rest(broker(), 'POST', '/api/v1/uplink/cutover', { json: {} }), 409, /the uplink is off: set uplink_bootstrap_servers/, 'cut-over without an uplink');
    expectError(await rest(broker(), 'POST', '/api/v1/uplink/cutover', { json: { waitMs: -1 } }), 400, /waitMs must not be less than 0/, 'a negative wait');
    expectStatus(await rest(broker(), 'GET', '/health/live'), 200, 'live');
  });
});

describe('bad inputs get a JSON error saying what was wrong', () => {
  test('unknown topic 404, bad partition 400, invalid fields 400, oversized bodies 413, malformed JSON 400, unknown route 404', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('bad-inputs');
    await rest(broker(), 'POST', '/api/v1/topics', { json: { name: topic, partitions: 2, configs: { 'max.message.bytes': '1024' } } });
    expectError(await rest(broker(), 'GET', '/fetch?topic=no-such-topic'), 404, /topic 'no-such-topic' does not exist/, 'fetch unknown topic');
    expectError(await rest(broker(), 'GET', '/api/v1/topics/no-such-topic/partitions/0/records'), 404, /does not exist/, 'records of unknown topic');
    expectError(await rest(broker(), 'GET', `/fetch?topic=${topic}&partition=2`), 400, /has 2 partition\(s\), numbered 0\.\.1: partition 2 does not exist/, 'partition out of range');
    expectError(await rest(broker(), 'POST', '/produce', { form: { topic, partition: '5', value: 'x' } }), 400, /partition 5 does not exist/, 'produce to a missing partition');
    expectError(await rest(broker(), 'GET', `/api/v1/topics/${topic}/partitions/x/records`), 400, /partition must be a whole number/, 'partition not a number');
    expectError(await rest(broker(), 'GET', `/fetch?topic=${topic}&partition=-1`), 400, /partition must not be less than 0/, 'negative partition');
    expectError(await rest(broker(), 'POST', '/produce', { form: { topic, value: 'x', color: 'blue' } }), 400, /property color should not exist/, 'unknown form field');
    expectError(await rest(broker(), 'POST', '/produce', { form: { value: 'x' } }), 400, /topic/, 'missing topic');
    expectError(await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { records: [] } }), 400, /records must contain at least 1 elements/, 'no records');
    expectError(await rest(broker(), 'POST', '/produce', { json: { topic, value: '%%%', encoding: 'base64' } }), 400, /not valid base64/, 'bad base64');
    expectError(await rest(broker(), 'POST', '/produce', { raw: '{"topic": ', headers: { 'content-type': 'application/json' } }), 400, /JSON/, 'malformed JSON');
    expectError(await rest(broker(), 'POST', '/produce', { raw: `topic=${topic}&value=x`, headers: { 'content-type': 'text/plain' } }), 415, /application\/json or application\/x-www-form-urlencoded/, 'plain text body');
    expectError(await rest(broker(), 'POST', '/produce', { raw: 'x'.repeat(3 * ONE_MIB), headers: { 'content-type': 'application/json' } }), 413, /exceeds the 2097152-byte limit/, 'body over the REST limit');
    expectError(await rest(broker(), 'POST', '/produce', { form: { topic, partition: '0', value: 'v'.repeat(2_000) } }), 413, /exceeds max\.message\.bytes 1024/, 'batch over max.message.bytes');
    expectError(await rest(broker(), 'POST', '/produce', { form: { topic: 'bad topic!', value: 'x' } }), 400, /illegal/, 'illegal topic name');
    expectError(await rest(broker(), 'GET', '/no/such/route'), 404, /Cannot GET \/no\/such\/route/, 'unknown route');
    const described = await rest(broker(), 'GET', `/api/v1/topics/${topic}`);
    assert.deepEqual(described.json.partitions.map((p: { highWatermark: number }) => p.highWatermark), [0, 0], 'none of the refused produces stored anything');
  });

  test('bodies beyond the shape bounds are 400 before validation while liveness answers; numbers are decimal only', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('shape');
    await rest(broker(), 'POST', '/api/v1/topics', { json: { name: topic, partitions: 1 } });
    const records = `/api/v1/topics/${topic}/records`;
    // V8 parses deep JSON iteratively; class-transformer would recurse over it and overflow (a 500).
    const deep = '{"records":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    expectError(await rest(broker(), 'POST', records, { raw: deep, headers: { 'content-type': 'application/json' } }), 400, /deeper than 8 levels/, 'deeply nested JSON');
    const flood = rest(broker(), 'POST', records, { raw: `{"records":[${new Array(140_000).fill('{}').join(',')}]}`, headers: { 'content-type': 'application/json' } });
    const started = Date.now();
    expectStatus(await rest(broker(), 'GET', '/health/live'), 200, 'liveness during the flood');
    expectError(await flood, 400, /has 140000 elements, more than 1000/, '140,000 empty records');
    assert.ok(Date.now() - started < 2_000, `the flood was refused in ${Date.now() - started} ms`);
    for (const bad of ['0x10', '%20', '', '1e3']) {
      expectError(await rest(broker(), 'GET', `/api/v1/topics/${topic}/partitions/0/records?offset=${bad}`), 400, /offset must be an integer/, `offset=${bad}`);
    }
    expectStatus(await rest(broker(), 'GET', `/api/v1/topics/${topic}/partitions/0/records?offset=0`), 200, 'a decimal offset');
    const described = await rest(broker(), 'GET', `/api/v1/topics/${topic}`);
    assert.deepEqual(described.json.partitions.map((p: { highWatermark: number }) => p.highWatermark), [0], 'nothing refused was stored');
  });

  test('a request its client aborts mid-body is not logged as a broker error', { timeout: TEST_TIMEOUT_MS }, async () => {
    const port = Number(new URL(broker().restUrl).port);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /api/v1/topics HTTP/1.1\r\nHost: blink\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":');
        socket.once('data', () => reject(new Error('the broker answered a request whose body never arrived')));
        // No signal tells that an answer will not come: the broker gets 300 ms to (wrongly) send one.
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 300);
      });
      socket.once('error', reject);
    });
    expectStatus(await rest(broker(), 'GET', '/health/live'), 200, 'the broker after the abort');
    assert.doesNotMatch(broker().stdout() + broker().stderr(), /aborted/, 'no log line about the aborted request at warn level or above');
  });

  test('a cross-site form post is refused (CSRF) and no CORS headers are sent', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('csrf');
    const forged = await rest(broker(), 'POST', '/produce', { form: { topic, value: 'forged' }, headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    expectError(forged, 403, /[Cc]ross-origin/, 'cross-site POST');
    const refererOnly = await rest(broker(), 'POST', '/produce', { form: { topic, value: 'forged' }, headers: { referer: 'http://evil.example/page' } });
    expectError(refererOnly, 403, /Referer evil\.example is not this host/, 'cross-site Referer without Origin');
    expectError(await rest(broker(), 'GET', `/api/v1/topics/${topic}`), 404, /does not exist/, 'the forged produces created nothing');
    const preflight = await rest(broker(), 'OPTIONS', '/produce', { headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });
});

describe('OpenAPI', () => {
  test('every route the app serves is in /docs-json with its method, a response schema and examples; Swagger UI answers at /docs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const routes = (await rest(broker(), 'GET', '/api/v1/broker/routes')).json as Array<{ method: string; url: string }>;
    const document = (await rest(broker(), 'GET', '/docs-json')).json;
    const served = routes.filter((r) => !/^\/docs(?:[-/].*)?$/.test(r.url));
    assert.ok(served.length >= 30, `routes listed: ${served.length}`);
    const missing = served.filter((r) => document.paths[r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[r.method.toLowerCase()] === undefined);
    assert.deepEqual(missing, [], 'routes missing from the OpenAPI document');
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.equal(documented.length, served.length, 'and the document lists no route the app does not serve');

    const schemas = document.components.schemas as Record<string, { properties?: Record<string, Record<string, unknown>> }>;
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const label = `${method.toUpperCase()} ${path}`;
        const success = Object.entries(operation.responses as Record<string, any>).filter(([status]) => status.startsWith('2'));
        assert.ok(success.length > 0 && success.every(([, r]) => r.content !== undefined), `${label}: a 2xx response with a body schema`);
        if (operation.requestBody !== undefined) {
          const content = Object.values(operation.requestBody.content as Record<string, any>);
          assert.ok(content.every((c) => c.schema !== undefined && c.examples !== undefined), `${label}: request body schema and examples`);
        }
      }
    }
    for (const [name, schema] of Object.entries(schemas)) {
      for (const [property, definition] of Object.entries(schema.properties ?? {})) {
        const isReference = definition.$ref !== undefined || definition.allOf !== undefined || (definition.type === 'array' && (definition.items as { $ref?: string })?.$ref !== undefined);
        assert.ok(isReference || definition.example !== undefined, `${name}.${property} has an example`);
      }
    }
    const ui = await rest(broker(), 'GET', '/docs');
    expectStatus(ui, 200, 'Swagger UI');
    assert.match(ui.text, /swagger-ui/i);
  });
});
