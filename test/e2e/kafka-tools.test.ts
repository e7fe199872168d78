/**
 * Apache Kafka's own command-line tools (4.x and 3.9.x, run from the kafka-4 / kafka-3.9
 * jars: support/kafka-tools.ts) against Blink: kafka-topics, kafka-configs,
 * kafka-consumer-groups, kafka-get-offsets, kafka-delete-records, kafka-log-dirs,
 * kafka-features, kafka-metadata-quorum, kafka-transactions describe-producers and the
 * producer and consumer perf tests. Every outcome is checked twice: in the tool's own
 * output and through an independent client (the Java driver, kafka-clients 4.x, or the
 * bytes a raw Fetch returns).
 *
 * The tools' answers also come back through kafka-get-offsets --time -2 and kafka-configs
 * --describe; here the Java client reads them back instead, to keep the JVM starts few.
 * kafka-acls runs in acls.test.ts (it needs a broker with the authorizer on); the transaction
 * commands run in the transaction tests, kafka-client-metrics in client-telemetry.test.ts,
 * kafka-configs for quotas in quotas.test.ts.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { closeJavaDrivers, javaDriver, type JavaClientDriver } from './clients/java.js';
import { javaAdmin } from './clients/java-admin.js';
import { useBroker } from './client-suite.js';
import { uniqueTopic, waitFor } from './harness.js';
import { storedBatchHeaders } from './raw-kafka.js';
import { makeMessages } from './records.js';
import { kafkaToolOk, tableRows, type KafkaTool } from './support/kafka-tools.js';
import type { KafkaVersion } from './support/kafka-jvm.js';

const TOOL_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 120_000;

const broker = useBroker({ AUTO_CREATE_TOPICS: 'false' });
after(closeJavaDrivers);

const java = (): JavaClientDriver => javaDriver('4', broker().bootstrap);

/** "topic:partition:offset" lines of kafka-get-offsets, as offsets per partition. */
function offsetLines(output: string, topic: string): number[] {
  const offsets: number[] = [];
  for (const line of output.trim().split('\n')) {
    const match = new RegExp(`^${topic}:(\\d+):(-?\\d+)$`).exec(line.trim());
    assert.ok(match, `a topic:partition:offset line: ${line}`);
    offsets[Number(match[1])] = Number(match[2]);
  }
  return offsets;
}

/** Messages per partition, produced through the Java client (idempotent: one producer id). */
async function fill(topic: string, perPartition: readonly number[], idempotent = false): Promise<void> {
  const messages = perPartition.flatMap((count, partition) =>
    makeMessages(java(), { tag: `${topic}-${partition}`, count, partitions: 1 }).map((m) => ({ ...m, partition })),
  );
  await java().produce(topic, messages, { idempotent });
}

/** `Name: value` fields of a tool's report (kafka-metadata-quorum --status), by name. */
function reportFields(output: string): Map<string, string> {
  return new Map([...output.matchAll(/^(\w+):\s+(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
}

// Tests run two at a time per version and the versions side by side (each test has its own
// topic and group): a tool run is mostly one JVM starting up on one core.
describe('Kafka command-line tools against Blink', { concurrency: 2 }, () => {
  for (const version of ['4', '3.9'] as const satisfies readonly KafkaVersion[]) registerToolTests(version);
});

function registerToolTests(version: KafkaVersion): void {
  const tool = (name: KafkaTool, ...args: string[]): Promise<string> =>
    kafkaToolOk(version, name, ['--bootstrap-server', broker().bootstrap, ...args], { timeoutMs: TOOL_TIMEOUT_MS });
  const newTopic = async (label: string, partitions: number): Promise<string> => {
    const topic = uniqueTopic(`tools-${version}-${label}`);
    await java().createTopic(topic, partitions);
    return topic;
  };

  describe(`Kafka ${version} command-line tools against Blink`, { concurrency: 2 }, () => {
    test(`kafka-topics ${version}: create, list, describe, delete`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = uniqueTopic(`tools-${version}-topics`);
      assert.match(await tool('kafka-topics', '--create', '--topic', topic, '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=3600000'),
        new RegExp(`Created topic ${topic}\\.`));
      assert.equal((await java().metadata()).topics.get(topic), 3, 'the Java client sees 3 partitions');
      assert.ok((await tool('kafka-topics', '--list')).split('\n').includes(topic), 'listed');

      const described = await tool('kafka-topics', '--describe', '--topic', topic);
      assert.match(described, new RegExp(`Topic: ${topic}\\s+TopicId: \\S+\\s+PartitionCount: 3\\s+ReplicationFactor: 1\\s+Configs: .*retention\\.ms=3600000`));
      const partitions = [...described.matchAll(/\tTopic: \S+\tPartition: (\d+)\tLeader: (\d+)\tReplicas: (\d+)\tIsr: (\d+)/g)];
      assert.deepEqual(partitions.map((m) => Number(m[1])), [0, 1, 2], described);
      assert.ok(partitions.every((m) => m[2] === m[3] && m[3] === m[4]), `one replica, the leader, in sync:\n${described}`);

      await tool('kafka-topics', '--delete', '--topic', topic);
      await waitFor('topic gone from metadata', 10_000, async () => ((await java().metadata()).topics.has(topic) ? undefined : true));
    });

    test(`kafka-configs ${version}: describe, alter and delete a topic config`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('configs', 1);
      assert.deepEqual(await java().describeConfigs('topic', topic, true), new Map(), 'nothing set yet');

      assert.match(await tool('kafka-configs', '--entity-type', 'topics', '--entity-name', topic, '--alter', '--add-config', 'retention.ms=7200000,max.message.bytes=65536'),
        new RegExp(`Completed updating config for topic ${topic}`));
      const described = await tool('kafka-configs', '--entity-type', 'topics', '--entity-name', topic, '--describe');
      assert.match(described, /^\s*retention\.ms=7200000 /m);
      assert.match(described, /^\s*max\.message\.bytes=65536 /m);
      const seen = await java().describeConfigs('topic', topic, true);
      assert.deepEqual([seen.get('retention.ms'), seen.get('max.message.bytes')], ['7200000', '65536'], 'DescribeConfigs through the Java client');

      await tool('kafka-configs', '--entity-type', 'topics', '--entity-name', topic, '--alter', '--delete-config', 'retention.ms');
      assert.deepEqual(await java().describeConfigs('topic', topic, true), new Map([['max.message.bytes', '65536']]), 'retention.ms deleted, the other stays');
    });

    test(`kafka-consumer-groups ${version}: list, describe, reset offsets, delete`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('groups', 3);
      const group = `grp-${topic}`;
      await fill(topic, [10, 10, 10]);
      await java().commitOffsets(group, topic, [2, 4, 6]);
      // ListGroups filters: by state (v4) in both versions, by type (v5) in 4.x.
      const byState = tableRows(await tool('kafka-consumer-groups', '--list', '--state', 'Empty'), 'GROUP');
      assert.deepEqual(byState.filter((r) => r['GROUP'] === group).map((r) => r['STATE']), ['Empty'], 'listed as Empty');
      if (version === '4') {
        const byType = tableRows(await tool('kafka-consumer-groups', '--list', '--type', 'classic'), 'GROUP');
        assert.deepEqual(byType.filter((r) => r['GROUP'] === group).map((r) => r['TYPE']), ['Classic'], 'listed as a classic group');
        assert.deepEqual(tableRows(await tool('kafka-consumer-groups', '--list', '--type', 'consumer'), 'GROUP'), [], 'no KIP-848 consumer groups');
      }

      const rows = tableRows(await tool('kafka-consumer-groups', '--describe', '--group', group), 'GROUP');
      assert.deepEqual(rows.map((r) => [r['TOPIC'], r['PARTITION'], r['CURRENT-OFFSET'], r['LOG-END-OFFSET'], r['LAG']]).sort(),
        [[topic, '0', '2', '10', '8'], [topic, '1', '4', '10', '6'], [topic, '2', '6', '10', '4']]);

      await tool('kafka-consumer-groups', '--group', group, '--reset-offsets', '--to-earliest', '--topic', topic, '--execute');
      assert.deepEqual(await java().committedOffsets(group, topic, 3), [0, 0, 0], 'reset to earliest');
      await tool('kafka-consumer-groups', '--group', group, '--reset-offsets', '--to-offset', '7', '--topic', `${topic}:1`, '--execute');
      assert.deepEqual(await java().committedOffsets(group, topic, 3), [0, 7, 0], 'partition 1 reset to 7');

      assert.match(await tool('kafka-consumer-groups', '--delete', '--group', group), /Deletion of requested consumer groups .* was successful/);
      assert.ok(!(await java().listGroups()).some((g) => g.groupId === group), 'no longer listed');
      assert.deepEqual(await java().committedOffsets(group, topic, 3), [-1, -1, -1], 'its offsets are gone');
    });

    test(`kafka-get-offsets and kafka-delete-records ${version}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('records', 3);
      await fill(topic, [10, 0, 5]);
      assert.deepEqual(offsetLines(await tool('kafka-get-offsets', '--topic', topic), topic), [10, 0, 5], 'latest offsets');

      const plan = join(tmpdir(), `${topic}-delete.json`);
      await writeFile(plan, JSON.stringify({ version: 1, partitions: [{ topic, partition: 0, offset: 4 }, { topic, partition: 2, offset: -1 }] }));
      const deleted = await tool('kafka-delete-records', '--offset-json-file', plan).finally(() => rm(plan, { force: true }));
      assert.match(deleted, new RegExp(`partition: ${topic}-0\\s+low_watermark: 4`));
      assert.match(deleted, new RegExp(`partition: ${topic}-2\\s+low_watermark: 5`));
      assert.deepEqual(await java().listOffsets(topic, 3), { earliest: [4, 0, 5], latest: [10, 0, 5] });
      // ListOffsets v8/v9: every record is on this node, and nothing is in tiered storage.
      assert.deepEqual(offsetLines(await tool('kafka-get-offsets', '--topic', topic, '--time', '-4'), topic), [4, 0, 5], 'earliest-local: the log start offsets');
      assert.equal((await tool('kafka-get-offsets', '--topic', topic, '--time', '-5')).trim(), '', 'latest-tiered: no partition has a tiered offset');
    });

    test(`kafka-log-dirs ${version}: one log directory, each partition's size the bytes stored for it`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('logdirs', 2);
      await fill(topic, [8, 0]);
      const output = await tool('kafka-log-dirs', '--describe', '--topic-list', topic);
      const report = JSON.parse(output.split('\n').find((line) => line.startsWith('{')) ?? 'null') as {
        brokers: Array<{ broker: number; logDirs: Array<{ logDir: string; error: string | null; partitions: Array<{ partition: string; size: number; offsetLag: number; isFuture: boolean }> }> }>;
      };
      assert.deepEqual(report.brokers.map((b) => [b.broker, b.logDirs.map((d) => [d.logDir, d.error])]), [[1, [[broker().storagePath, null]]]], output);
      const stored = await Promise.all([0, 1].map(async (p) => (await storedBatchHeaders(broker().kafkaPort, topic, p)).reduce((sum, batch) => sum + batch.sizeBytes, 0)));
      assert.ok(stored[0]! > 0 && stored[1] === 0, `stored ${stored}`);
      const partitions = report.brokers[0]!.logDirs[0]!.partitions.filter((p) => p.partition.startsWith(`${topic}-`));
      assert.deepEqual(partitions.sort((a, b) => a.partition.localeCompare(b.partition)), stored.map((size, p) => ({ partition: `${topic}-${p}`, size, offsetLag: 0, isFuture: false })));
    });

    test(`kafka-features ${version}: describe, and an upgrade to the level already finalized`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const described = await tool('kafka-features', 'describe');
      const rows = [...described.matchAll(/Feature: (\S+)\s+SupportedMinVersion: (\S+)\s+SupportedMaxVersion: (\S+)\s+FinalizedVersionLevel: (\S+)\s+Epoch: (\d+)/g)];
      assert.deepEqual(rows.map((m) => m.slice(1, 5)), [
        ['group.version', '0', '1', '1'],
        ['kraft.version', '0', '0', '0'],
        ['metadata.version', '3.9-IV0', '3.9-IV0', '3.9-IV0'],
        ['transaction.version', '0', '0', '0'],
      ], described);
      const epoch = Number(rows[0]![5]);
      assert.match(await tool('kafka-features', 'upgrade', '--feature', 'group.version=1'), /group\.version was upgraded to 1\./);
      const after = await javaAdmin('4', broker().bootstrap).describeFeatures();
      assert.deepEqual(after.finalized['group.version'], [1, 1]);
      assert.ok(after.epoch! > epoch, `the update is a metadata change: epoch ${epoch} -> ${after.epoch}`);
    });

    test(`kafka-metadata-quorum ${version}: --status and --replication show one voter, this node, leading`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const status = reportFields(await tool('kafka-metadata-quorum', 'describe', '--status'));
      assert.equal(status.get('ClusterId'), (await javaAdmin('4', broker().bootstrap).describeCluster()).cluster_id);
      assert.deepEqual([status.get('LeaderId'), status.get('LeaderEpoch'), status.get('MaxFollowerLag'), status.get('MaxFollowerLagTimeMs')], ['1', '1', '0', '0']);
      assert.match(status.get('CurrentVoters') ?? '', new RegExp(`^\\[\\{"id": 1, .*"endpoints": \\["PLAINTEXT://${broker().bootstrap}"\\]\\}\\]$`));
      assert.equal(status.get('CurrentObservers'), '[]');
      const quorum = await javaAdmin('4', broker().bootstrap).describeMetadataQuorum();
      assert.ok(quorum.high_watermark >= Number(status.get('HighWatermark')), `${quorum.high_watermark} >= ${status.get('HighWatermark')}`);

      const [row, ...others] = tableRows(await tool('kafka-metadata-quorum', 'describe', '--replication'), 'NodeId');
      assert.deepEqual(others, []);
      assert.deepEqual([row!['NodeId'], row!['Lag'], row!['Status']], ['1', '0', 'Leader']);
    });

    test(`kafka-transactions ${version} describe-producers: the idempotent producer of a partition`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('producers', 1);
      await fill(topic, [6], true);
      const [row, ...others] = tableRows(await tool('kafka-transactions', 'describe-producers', '--topic', topic, '--partition', '0'), 'ProducerId');
      assert.deepEqual(others, []);
      const [producer] = await javaAdmin('4', broker().bootstrap).describeProducers(topic, 0);
      assert.deepEqual(
        [row!['ProducerId'], row!['ProducerEpoch'], row!['LatestCoordinatorEpoch'], row!['LastSequence'], row!['LastTimestamp'], row!['CurrentTransactionStartOffset']],
        [String(producer!.producer_id), '0', '-1', '5', String(producer!.last_timestamp), 'None'],
      );
    });

    test(`kafka-producer-perf-test and kafka-consumer-perf-test ${version}: 2,000 records`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('perf', 3);
      // 4.x renamed --producer-props and --messages (the old names still work, with a warning).
      const props = version === '4' ? '--command-property' : '--producer-props';
      const produced = await kafkaToolOk(version, 'kafka-producer-perf-test',
        ['--topic', topic, '--num-records', '2000', '--record-size', '100', '--throughput', '-1', props, `bootstrap.servers=${broker().bootstrap}`, 'acks=all'],
        { timeoutMs: TOOL_TIMEOUT_MS });
      assert.match(produced, /^2000 records sent, /m);
      const offsets = await java().listOffsets(topic, 3);
      assert.equal(offsets.latest.reduce((a, b) => a + b, 0), 2000, `2,000 records over the partitions: ${JSON.stringify(offsets)}`);

      const consumed = await tool('kafka-consumer-perf-test', '--topic', topic, version === '4' ? '--num-records' : '--messages', '2000', '--timeout', '30000');
      const [row] = tableRowsCsv(consumed);
      assert.equal(row?.['data.consumed.in.nMsg'], '2000', consumed);
    });
  });
}

/** kafka-consumer-perf-test's CSV: a header line and one line of values. */
function tableRowsCsv(output: string): Array<Record<string, string>> {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l.includes(','));
  const headerAt = lines.findIndex((l) => l.startsWith('start.time'));
  assert.ok(headerAt >= 0, `a CSV header in:\n${output}`);
  const headers = lines[headerAt]!.split(/,\s*/);
  return lines.slice(headerAt + 1).map((line) => Object.fromEntries(line.split(/,\s*/).map((cell, i) => [headers[i]!, cell])));
}
