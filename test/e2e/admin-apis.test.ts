/**
 * The cluster-level admin APIs of a single node through Kafka's own Java Admin client
 * (4.x and 3.9, the Java driver's ClusterOps/PartitionOps): describeLogDirs with the real
 * size of each partition, describeTopics over DescribeTopicPartitions (paginated),
 * electLeaders, alter/listPartitionReassignments, describeFeatures/updateFeatures,
 * describeMetadataQuorum, describeProducers, describeCluster, unregisterBroker; and, with
 * hand-built frames, the ApiVersions v3 software-name rule and DescribeCluster endpoint
 * types. Finalized feature levels survive a restart in durable mode.
 *
 * Sizes are checked against the bytes the broker returns for the partition (a raw Fetch:
 * the producer's batches as stored), so they are exact, not approximate.
 * Needs tools/test-deps/jvm.sh (the Java driver).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { closeJavaDrivers, javaDriver, type JavaClientVersion } from './clients/java.js';
import { javaAdmin } from './clients/java-admin.js';
import { TEST_TIMEOUT_MS, useBroker } from './client-suite.js';
import { freePorts, startBroker, uniqueTopic } from './harness.js';
import { makeMessages } from './records.js';
import { apiVersionsRequest, parseApiVersionsV0, RawConnection, rawRequest, storedBatchHeaders } from './raw-kafka.js';

const broker = useBroker({ AUTO_CREATE_TOPICS: 'false' });
after(closeJavaDrivers);

const INVALID_REQUEST = 42;
const UNSUPPORTED_ENDPOINT_TYPE = 115;
const MISMATCHED_ENDPOINT_TYPE = 114;
/** Every AclOperation a topic has, as the Java client names them. */
const ALL_TOPIC_OPERATIONS = ['ALTER', 'ALTER_CONFIGS', 'CREATE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'WRITE'];

/** The bytes the broker holds for each partition of `topic`, from the batches a raw Fetch returns. */
async function storedBytes(topic: string, partitions: number): Promise<number[]> {
  const sizes: number[] = [];
  for (let p = 0; p < partitions; p++) sizes.push((await storedBatchHeaders(broker().kafkaPort, topic, p)).reduce((sum, batch) => sum + batch.sizeBytes, 0));
  return sizes;
}

/** Produces `perPartition[p]` messages of 200-byte values to partition p with the Java producer (idempotent). */
async function fill(version: JavaClientVersion, topic: string, perPartition: readonly number[]): Promise<void> {
  const driver = javaDriver(version, broker().bootstrap);
  const messages = perPartition.flatMap((count, partition) =>
    makeMessages(driver, { tag: `${topic}-${partition}`, count, partitions: 1 }).map((m) => ({ ...m, value: Buffer.alloc(200, partition + 1), partition })),
  );
  await driver.produce(topic, messages, { idempotent: true });
}

async function requestCount(api: string): Promise<number> {
  const text = await (await fetch(`${broker().restUrl}/prometheus`)).text();
  const match = new RegExp(`^blink_requests_total\\{api="${api}"\\} (\\d+)$`, 'm').exec(text);
  return match === null ? 0 : Number(match[1]);
}

for (const version of ['4', '3.9'] as const) {
  describe(`Java ${version} Admin: the admin APIs of one node`, () => {
    const admin = () => javaAdmin(version, broker().bootstrap);
    const newTopic = async (label: string, partitions: number): Promise<string> => {
      const topic = uniqueTopic(`admin-${version}-${label}`);
      await javaDriver(version, broker().bootstrap).createTopic(topic, partitions);
      return topic;
    };

    test(`java-${version} describeLogDirs: one directory, each partition's size the bytes stored for it`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('logdirs', 3);
      await fill(version, topic, [20, 0, 7]);
      const expected = await storedBytes(topic, 3);
      assert.ok(expected[0]! >= 20 * 200 && expected[2]! >= 7 * 200 && expected[1] === 0, `stored bytes ${expected}`);

      const brokers = await admin().describeLogDirs();
      assert.deepEqual(Object.keys(brokers), ['1'], 'one broker, id 1');
      const dirs = brokers['1']!;
      assert.deepEqual(Object.keys(dirs), [broker().storagePath], 'one log dir: record_storage_path');
      const dir = dirs[broker().storagePath]!;
      assert.equal(dir.error, null);
      assert.ok(dir.total_bytes! > 0 && dir.usable_bytes! > 0 && dir.usable_bytes! <= dir.total_bytes!, `volume ${dir.total_bytes} / ${dir.usable_bytes}`);
      for (let p = 0; p < 3; p++) assert.deepEqual(dir.partitions[`${topic}-${p}`], { size: expected[p], offset_lag: 0, is_future: false }, `${topic}-${p}`);
    });

    test(`java-${version} describeTopics goes through DescribeTopicPartitions, a page of 2 partitions at a time`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const [five, one] = [await newTopic('dtp-five', 5), await newTopic('dtp-one', 1)];
      const before = await requestCount('DescribeTopicPartitions');
      const missing = uniqueTopic('admin-missing');
      const described = await admin().describeTopics([five, one, missing], { includeAuthorizedOperations: true, partitionLimit: 2 });
      assert.ok((await requestCount('DescribeTopicPartitions')) - before >= 3, '6 partitions at 2 per answer take 3 requests at least');

      assert.match(described.errors[missing] ?? '', /^UnknownTopicOrPartitionException/);
      assert.deepEqual(Object.keys(described.topics).sort(), [five, one].sort());
      const topic = described.topics[five]!;
      assert.equal(topic.internal, false);
      assert.match(topic.id, /^[A-Za-z0-9_-]{22}$/, 'a topic id');
      assert.deepEqual(topic.authorized_operations, ALL_TOPIC_OPERATIONS, 'no authorizer: every topic operation');
      assert.deepEqual(topic.partitions, [0, 1, 2, 3, 4].map((partition) => ({ partition, leader: 1, replicas: [1], isr: [1], elr: [], last_known_elr: [] })));
      assert.equal(described.topics[one]!.partitions.length, 1);
    });

    test(`java-${version} describeProducers: the idempotent producer's id, epoch, last sequence and timestamp`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('producers', 2);
      const startedAt = Date.now();
      await fill(version, topic, [12, 0]);
      const [producer, ...others] = await admin().describeProducers(topic, 0);
      assert.deepEqual(others, [], 'one producer');
      assert.ok(producer!.producer_id >= 0 && producer!.producer_epoch === 0, JSON.stringify(producer));
      assert.equal(producer!.last_sequence, 11, '12 records: sequences 0..11');
      assert.ok(producer!.last_timestamp >= startedAt && producer!.last_timestamp <= Date.now(), `last timestamp ${producer!.last_timestamp}`);
      assert.equal(producer!.coordinator_epoch, null, 'no transaction: no coordinator epoch');
      assert.equal(producer!.current_txn_start_offset, null, 'no open transaction');
      assert.deepEqual(await admin().describeProducers(topic, 1), [], 'nothing produced to partition 1');
    });

    test(`java-${version} electLeaders and partition reassignments: this node already leads and holds every replica`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = await newTopic('placement', 2);
      const elected = await admin().electLeaders([[topic, 0], [topic, 1], [topic, 7]]);
      assert.match(elected[`${topic}-0`] ?? '', /^ElectionNotNeededException/);
      assert.match(elected[`${topic}-1`] ?? '', /^ElectionNotNeededException/);
      assert.match(elected[`${topic}-7`] ?? '', /^UnknownTopicOrPartitionException/);
      assert.equal(Object.values(await admin().electLeaders(null)).filter((outcome) => outcome === null).length, 0, 'all partitions: none needed an election');

      const moved = await admin().alterPartitionReassignments([
        { topic, partition: 0, replicas: [1] },
        { topic, partition: 1, replicas: [1, 2] },
        { topic, partition: 7, replicas: [1] },
      ]);
      assert.equal(moved[`${topic}-0`], null, 'to this node: accepted, nothing moves');
      assert.match(moved[`${topic}-1`] ?? '', /^InvalidReplicaAssignmentException: .*broker 2, but no such broker is registered/);
      assert.match(moved[`${topic}-7`] ?? '', /^UnknownTopicOrPartitionException/);
      const cancelled = await admin().alterPartitionReassignments([{ topic, partition: 0, replicas: null }]);
      assert.match(cancelled[`${topic}-0`] ?? '', /^NoReassignmentInProgressException/);
      assert.deepEqual(await admin().listPartitionReassignments(), {}, 'none in progress');
    });

    test(`java-${version} describeMetadataQuorum: one voter, this node, leading; the high watermark moves with metadata`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const first = await admin().describeMetadataQuorum();
      assert.equal(first.leader_id, 1);
      assert.ok(first.leader_epoch >= 1);
      assert.deepEqual(first.observers, []);
      assert.equal(first.voters.length, 1);
      const [voter] = first.voters;
      assert.equal(voter!.replica_id, 1);
      assert.equal(voter!.log_end_offset, first.high_watermark, 'caught up with itself');
      assert.ok(voter!.last_caught_up_timestamp! > Date.now() - 60_000, 'caught up just now');
      assert.deepEqual(first.nodes, { 1: [`PLAINTEXT://${broker().bootstrap}`] });
      await newTopic('quorum', 1);
      const second = await admin().describeMetadataQuorum();
      assert.ok(second.high_watermark > first.high_watermark, `a topic creation is a metadata change: ${first.high_watermark} -> ${second.high_watermark}`);
    });

    test(`java-${version} describeCluster and unregisterBroker`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const cluster = await admin().describeCluster(true);
      assert.equal(cluster.controller, 1);
      assert.deepEqual(cluster.nodes, [`1@${broker().bootstrap}`]);
      assert.deepEqual(cluster.authorized_operations, ['ALTER', 'ALTER_CONFIGS', 'CLUSTER_ACTION', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE']);
      assert.match((await admin().unregisterBroker(2)) ?? '', /^BrokerIdNotRegisteredException/);
      assert.equal(await admin().unregisterBroker(1), null, 'this node: accepted (it stays registered)');
      assert.deepEqual((await admin().describeCluster()).nodes, [`1@${broker().bootstrap}`]);
    });
  });
}

describe('Java Admin: feature levels', () => {
  test('java-4 describeFeatures and updateFeatures: group.version goes down and up; unsupported levels are refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    const admin = javaAdmin('4', broker().bootstrap);
    const initial = await admin.describeFeatures();
    assert.deepEqual(initial.supported, {
      'group.version': [0, 1],
      'kraft.version': [0, 0],
      'metadata.version': [21, 21],
      'transaction.version': [0, 0],
    });
    assert.deepEqual(initial.finalized, { 'group.version': [1, 1], 'metadata.version': [21, 21] });

    assert.deepEqual(await admin.updateFeatures({ 'group.version': 0 }, 'SAFE_DOWNGRADE', true), { 'group.version': null }, 'validate only');
    assert.deepEqual((await admin.describeFeatures()).finalized['group.version'], [1, 1], 'validate only changed nothing');

    assert.deepEqual(await admin.updateFeatures({ 'group.version': 0 }, 'SAFE_DOWNGRADE'), { 'group.version': null });
    const down = await admin.describeFeatures();
    assert.equal(down.finalized['group.version'], undefined, 'level 0: no longer finalized');
    assert.ok(down.epoch! > initial.epoch!, `the epoch moves: ${initial.epoch} -> ${down.epoch}`);

    const refused = await admin.updateFeatures({ 'group.version': 1, 'transaction.version': 2, 'metadata.version': 22 });
    assert.equal(refused['group.version'], null, 'the valid update is applied beside the refused ones');
    assert.match(refused['transaction.version'] ?? '', /^InvalidUpdateVersionException: .*does not support this feature/);
    assert.match(refused['metadata.version'] ?? '', /^InvalidUpdateVersionException: .*only supports versions 21-21/);
    assert.deepEqual((await admin.describeFeatures()).finalized, initial.finalized);
  });

  test('java-3.9 describeFeatures reads the same table (ApiVersions v4: features with a minimum of 0 included)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const features = await javaAdmin('3.9', broker().bootstrap).describeFeatures();
    assert.deepEqual(Object.keys(features.supported).sort(), ['group.version', 'kraft.version', 'metadata.version', 'transaction.version']);
    assert.deepEqual(features.finalized['metadata.version'], [21, 21]);
  });

  test('durable mode: finalized levels survive a restart', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [kafkaPort, restPort] = (await freePorts(2)) as [number, number];
    const reuse = { storagePath: await mkdtemp(join(tmpdir(), 'blink-features-')), kafkaPort, restPort };
    const env = { STORAGE_MODE: 'durable' };
    let running = await startBroker({ env, reuse });
    try {
      const admin = javaAdmin('4', running.bootstrap);
      assert.deepEqual(await admin.updateFeatures({ 'group.version': 0 }, 'SAFE_DOWNGRADE'), { 'group.version': null });
      const before = await admin.describeFeatures();
      assert.equal(await running.stop(), 0);
      running = await startBroker({ env, reuse });
      const after = await admin.describeFeatures();
      assert.deepEqual(after.finalized, { 'metadata.version': [21, 21] }, 'group.version stays at 0');
      assert.ok(after.epoch! >= before.epoch!, `epoch ${before.epoch} -> ${after.epoch}`);
    } finally {
      await running.stop();
      await rm(reuse.storagePath, { recursive: true, force: true });
    }
  });
});

describe('Hand-built frames', () => {
  test('ApiVersions v3 with a client software name Kafka refuses: INVALID_REQUEST, and the connection stays usable', { timeout: TEST_TIMEOUT_MS }, async () => {
    const connection = await RawConnection.open(broker().kafkaPort);
    try {
      connection.write(apiVersionsRequest(3, 11, 'raw', { name: 'bad name!', version: '1.0' }));
      const frame = await connection.readFrame();
      assert.equal(frame.readInt32BE(0), 11);
      assert.equal(frame.readInt16BE(4), INVALID_REQUEST);
      assert.equal(frame[6], 1, 'an empty API list (compact array of 0)');
      connection.write(apiVersionsRequest(0, 12));
      const retry = parseApiVersionsV0(await connection.readFrame());
      assert.equal(retry.errorCode, 0);
      assert.ok(retry.apiKeys.some((k) => k.apiKey === 75), 'DescribeTopicPartitions is advertised');
    } finally {
      connection.close();
    }
  });

  test('DescribeCluster v1: controllers are MISMATCHED_ENDPOINT_TYPE, an unknown endpoint type UNSUPPORTED_ENDPOINT_TYPE', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const [endpointType, errorCode, message] of [
      [2, MISMATCHED_ENDPOINT_TYPE, 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'],
      [7, UNSUPPORTED_ENDPOINT_TYPE, 'Unsupported endpoint type 7'],
    ] as const) {
      const connection = await RawConnection.open(broker().kafkaPort);
      try {
        // Body: include_cluster_authorized_operations false, endpoint_type, no tags.
        connection.write(rawRequest(60, 1, 21, true, Buffer.from([0, endpointType, 0])));
        const frame = await connection.readFrame();
        // Header v1: correlation id, tags; body: throttle_time_ms, error_code, error_message (compact string).
        assert.equal(frame.readInt32BE(0), 21);
        assert.equal(frame.readInt16BE(9), errorCode, `endpoint type ${endpointType}`);
        assert.equal(frame.subarray(12, 12 + frame[11]! - 1).toString('utf8'), message);
      } finally {
        connection.close();
      }
    }
  });
});
