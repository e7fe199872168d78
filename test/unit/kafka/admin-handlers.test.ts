/**
 * The admin handlers of one node as the transport sees them: the version ranges they
 * register, ApiVersions' features per version and its v3 software-name rule, DescribeCluster
 * endpoint types, DescribeQuorum's refusal of anything but the metadata partition, and that
 * every answer encodes in every version served (a field a version lacks must not break it).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterMetadataLog } from '../../../src/cluster-admin/cluster-metadata-log.js';
import { FeatureUpdatesService } from '../../../src/cluster-admin/feature-updates.service.js';
import { LogDirsService } from '../../../src/cluster-admin/log-dirs.service.js';
import { PartitionPlacementService } from '../../../src/cluster-admin/partition-placement.service.js';
import { ProducerStatesService } from '../../../src/cluster-admin/producer-states.service.js';
import { QuorumService } from '../../../src/cluster-admin/quorum.service.js';
import { ClusterIdentity } from '../../../src/cluster/cluster-identity.js';
import { ListenerStatus } from '../../../src/cluster/listener-status.js';
import { FinalizedFeatures, GROUP_VERSION } from '../../../src/cluster/features.js';
import { ApiVersionsHandler } from '../../../src/kafka/handlers/18-api-versions.handler.js';
import { AlterReplicaLogDirsHandler } from '../../../src/kafka/handlers/34-alter-replica-log-dirs.handler.js';
import { DescribeLogDirsHandler } from '../../../src/kafka/handlers/35-describe-log-dirs.handler.js';
import { ElectLeadersHandler } from '../../../src/kafka/handlers/43-elect-leaders.handler.js';
import { AlterPartitionReassignmentsHandler } from '../../../src/kafka/handlers/45-alter-partition-reassignments.handler.js';
import { ListPartitionReassignmentsHandler } from '../../../src/kafka/handlers/46-list-partition-reassignments.handler.js';
import { DescribeQuorumHandler } from '../../../src/kafka/handlers/55-describe-quorum.handler.js';
import { UpdateFeaturesHandler } from '../../../src/kafka/handlers/57-update-features.handler.js';
import { DescribeClusterHandler } from '../../../src/kafka/handlers/60-describe-cluster.handler.js';
import { DescribeProducersHandler } from '../../../src/kafka/handlers/61-describe-producers.handler.js';
import { UnregisterBrokerHandler } from '../../../src/kafka/handlers/64-unregister-broker.handler.js';
import { DescribeTopicPartitionsHandler } from '../../../src/kafka/handlers/75-describe-topic-partitions.handler.js';
import { ApiRegistry } from '../../../src/kafka/transport/api-registry.js';
import type { KafkaApiRegistration } from '../../../src/kafka/transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../../../src/kafka/transport/kafka-request.js';
import { TopicEvents } from '../../../src/storage/topic-events.js';
import type { WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { KafkaReader } from '../../../src/wire/reader.js';
import { KafkaWriter } from '../../../src/wire/writer.js';
import { FakeClock } from '../../support/fake-clock.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { domain } from '../topics/support.js';
import { OPEN_AUTHORIZER as OPEN } from './authorizer-support.js';
import { recordingConnection } from '../../support/connection-context.js';

/** Where @nestjs/microservices keeps a @MessagePattern's extras (PATTERN_EXTRAS_METADATA). */
const PATTERN_EXTRAS_METADATA = 'microservices:pattern_extras';

function registration(method: object): KafkaApiRegistration {
  return (Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method) as { kafka: KafkaApiRegistration }).kafka;
}

function request<Body>(apiVersion: number, body: Body): KafkaRequest<Body> {
  return { header: { apiKey: 0, apiVersion, correlationId: 1, clientId: 'test' }, body, localPort: 9092, clientHost: '127.0.0.1', receivedAtMs: 0, connection: recordingConnection() };
}

/** Calls `answer(version)` for every version of the registration, encodes it and decodes it back whole. */
async function encodesInEveryVersion(method: object, answer: (version: number) => Promise<unknown>): Promise<Map<number, unknown>> {
  const reg = registration(method);
  const codec = reg.codec as KafkaApiRegistration['codec'] & { decodeResponse(r: KafkaReader, v: number): unknown };
  const decoded = new Map<number, unknown>();
  for (let version = reg.minVersion; version <= reg.maxVersion; version++) {
    const writer = new KafkaWriter();
    codec.encodeResponse(writer, version, await answer(version));
    const reader = new KafkaReader(writer.toBuffer());
    decoded.set(version, codec.decodeResponse(reader, version));
    assert.equal(reader.remaining(), 0, `${codec.name} v${version} round-trips`);
  }
  return decoded;
}

/** One node with topic alpha (2 partitions, an idempotent batch in partition 0), its services and handlers' dependencies. */
function node() {
  const { registry, topics, config, producer } = domain({ RECORD_STORAGE_PATH: '/var/blink' });
  const cluster = new ClusterIdentity(config, new ListenerStatus());
  const features = new FinalizedFeatures();
  const metadata = new ClusterMetadataLog(config, {} as WalFileSystem, features, new TopicEvents());
  const fs = { space: async () => ({ capacityBytes: 10_000, freeBytes: 2_000 }) } as unknown as WalFileSystem;
  registry.create('alpha', 2);
  registry.get('alpha')!.partitions[0]!.append({ baseOffset: 0, lastOffset: 2, buffer: buildBatch(values(3)), appendTimeMs: 0 });
  return {
    producer,
    registry,
    features,
    cluster,
    logDirs: new LogDirsService(config, registry, topics, fs),
    placement: new PartitionPlacementService(registry, cluster),
    quorum: new QuorumService(cluster, metadata, new FakeClock()),
    featureUpdates: new FeatureUpdatesService(features, metadata, cluster),
    producerStates: new ProducerStatesService(topics),
  };
}

describe('admin handler registrations', () => {
  it("serve every stable version of Kafka 3.9's specs", () => {
    const methods = [
      ApiVersionsHandler.prototype.apiVersions,
      AlterReplicaLogDirsHandler.prototype.alterReplicaLogDirs,
      DescribeLogDirsHandler.prototype.describeLogDirs,
      ElectLeadersHandler.prototype.electLeaders,
      AlterPartitionReassignmentsHandler.prototype.alterPartitionReassignments,
      ListPartitionReassignmentsHandler.prototype.listPartitionReassignments,
      DescribeQuorumHandler.prototype.describeQuorum,
      UpdateFeaturesHandler.prototype.updateFeatures,
      DescribeClusterHandler.prototype.describeCluster,
      DescribeProducersHandler.prototype.describeProducers,
      UnregisterBrokerHandler.prototype.unregisterBroker,
      DescribeTopicPartitionsHandler.prototype.describeTopicPartitions,
    ];
    assert.deepEqual(
      methods.map((m) => registration(m)).map((r) => `${r.codec.apiKey} ${r.minVersion}-${r.maxVersion}`),
      methods.map((m) => registration(m).codec).map((codec) => `${codec.apiKey} ${codec.minVersion}-${codec.maxVersion}`),
    );
  });
});

describe('ApiVersions', () => {
  const software = { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '3.9.2' };

  it('v3 lists the features whose minimum is above 0; v4 lists every one; both the finalized levels and epoch', async () => {
    const { features } = node();
    const handler = new ApiVersionsHandler(new ApiRegistry(), features);
    const v3 = await handler.apiVersions(request(3, software));
    assert.deepEqual(v3.supportedFeatures, [{ name: 'metadata.version', minVersion: 21, maxVersion: 21 }]);
    const v4 = await handler.apiVersions(request(4, software));
    assert.deepEqual(v4.supportedFeatures?.map((f) => `${f.name} ${f.minVersion}-${f.maxVersion}`), ['metadata.version 21-21', 'kraft.version 0-0', 'group.version 0-1', 'transaction.version 0-0']);
    assert.deepEqual(v4.finalizedFeatures, [
      { name: 'metadata.version', minVersionLevel: 21, maxVersionLevel: 21 },
      { name: GROUP_VERSION, minVersionLevel: 1, maxVersionLevel: 1 },
    ]);
    assert.equal(v4.finalizedFeaturesEpoch, 0);
    features.apply(new Map([[GROUP_VERSION, 0]]), 7);
    const after = await handler.apiVersions(request(4, software));
    assert.deepEqual([after.finalizedFeatures?.map((f) => f.name), after.finalizedFeaturesEpoch], [['metadata.version'], 7]);
    await encodesInEveryVersion(ApiVersionsHandler.prototype.apiVersions, (version) => handler.apiVersions(request(version, software)));
  });

  it("v3+: a client software name or version outside Kafka's pattern is INVALID_REQUEST with no API list", async () => {
    const handler = new ApiVersionsHandler(new ApiRegistry(), new FinalizedFeatures());
    for (const [name, version] of [['bad name', '1'], ['', '1'], ['a-', '1'], ['a', '1.'], ['a', '1_2']]) {
      const answer = await handler.apiVersions(request(3, { clientSoftwareName: name, clientSoftwareVersion: version }));
      assert.deepEqual([answer.errorCode, answer.apiKeys], [ErrorCode.INVALID_REQUEST, []], `${name} ${version}`);
    }
    for (const [name, version] of [['librdkafka', '2.16.0'], ['a', '1'], ['A1.b-c', '1-SNAPSHOT']]) {
      assert.equal((await handler.apiVersions(request(4, { clientSoftwareName: name, clientSoftwareVersion: version }))).errorCode, ErrorCode.NONE, `${name} ${version}`);
    }
    assert.equal((await handler.apiVersions(request(2, { clientSoftwareName: '', clientSoftwareVersion: '' }))).errorCode, ErrorCode.NONE, 'v0-2 carry no name');
  });
});

describe('DescribeCluster endpoint types', () => {
  const handler = new DescribeClusterHandler(node().cluster, OPEN);
  const body = (endpointType: number, includeClusterAuthorizedOperations = false) => ({ includeClusterAuthorizedOperations, endpointType });

  it('v1: brokers are served, controllers MISMATCHED_ENDPOINT_TYPE, others UNSUPPORTED_ENDPOINT_TYPE; v0 has no type', async () => {
    assert.equal((await handler.describeCluster(request(1, body(1)))).errorCode, ErrorCode.NONE);
    assert.equal((await handler.describeCluster(request(1, body(2)))).errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    assert.deepEqual(await handler.describeCluster(request(1, body(7))), { errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Unsupported endpoint type 7', clusterId: '', brokers: [] });
    assert.equal((await handler.describeCluster(request(0, body(7)))).errorCode, ErrorCode.NONE);
  });

  it('reports every cluster operation when asked (no authorizer), as Kafka does', async () => {
    assert.equal((await handler.describeCluster(request(1, body(1, true)))).clusterAuthorizedOperations, 8096);
    assert.equal((await handler.describeCluster(request(1, body(1)))).clusterAuthorizedOperations, undefined, 'not asked: the INT32_MIN default');
    await encodesInEveryVersion(DescribeClusterHandler.prototype.describeCluster, (version) => handler.describeCluster(request(version, body(version === 0 ? 1 : 7))));
  });
});

describe('DescribeQuorum', () => {
  const { quorum, cluster } = node();
  const handler = new DescribeQuorumHandler(quorum, cluster, OPEN);
  const ask = (topics: Array<[string, number[]]>) => ({ topics: topics.map(([topicName, partitions]) => ({ topicName, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) })) });

  it('describes __cluster_metadata-0: one voter leading, the listener the client came in on', async () => {
    const answer = await handler.describeQuorum(request(2, ask([['__cluster_metadata', [0]]])));
    const partition = answer.topics![0]!.partitions![0]!;
    assert.deepEqual([partition.errorCode, partition.leaderId, partition.leaderEpoch, partition.highWatermark], [ErrorCode.NONE, 1, 1, 1]);
    assert.deepEqual(partition.currentVoters!.map((v) => [v.replicaId, v.logEndOffset]), [[1, 1]]);
    assert.deepEqual(answer.nodes, [{ nodeId: 1, listeners: [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 }] }]);
    await encodesInEveryVersion(DescribeQuorumHandler.prototype.describeQuorum, (version) => handler.describeQuorum(request(version, ask([['__cluster_metadata', [0]]]))));
  });

  it('answers anything else, even the metadata partition twice, with UNKNOWN_TOPIC_OR_PARTITION for each partition named', async () => {
    for (const topics of [[['alpha', [0]]], [['__cluster_metadata', [1]]], [['__cluster_metadata', [0, 0]]], [['__cluster_metadata', [0]], ['__cluster_metadata', [0]]]] as Array<Array<[string, number[]]>>) {
      const answer = await handler.describeQuorum(request(2, ask(topics)));
      const codes = answer.topics!.flatMap((t) => t.partitions!.map((p) => p.errorCode));
      assert.deepEqual(codes, topics.flatMap(([, partitions]) => partitions.map(() => ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)), JSON.stringify(topics));
    }
    await encodesInEveryVersion(DescribeQuorumHandler.prototype.describeQuorum, (version) => handler.describeQuorum(request(version, ask([['alpha', [0, 1]]]))));
  });
});

describe('the other admin answers encode in every version', () => {
  const n = node();

  it('DescribeLogDirs and AlterReplicaLogDirs', async () => {
    const describeHandler = new DescribeLogDirsHandler(n.logDirs, OPEN);
    const decoded = await encodesInEveryVersion(DescribeLogDirsHandler.prototype.describeLogDirs, (v) => describeHandler.describeLogDirs(request(v, { topics: null })));
    assert.deepEqual((decoded.get(4) as { results: Array<{ totalBytes: number; usableBytes: number }> }).results.map((r) => [r.totalBytes, r.usableBytes]), [[10_000, 2_000]]);
    assert.deepEqual((decoded.get(3) as { results: Array<{ totalBytes: number }> }).results.map((r) => r.totalBytes), [-1], 'v0-3 have no volume size');
    const alterHandler = new AlterReplicaLogDirsHandler(n.logDirs, OPEN);
    const moved = await alterHandler.alterReplicaLogDirs(request(2, { dirs: [{ path: '/var/blink', topics: [{ name: 'alpha', partitions: [0] }] }, { path: '/x', topics: [{ name: 'alpha', partitions: [1] }] }] }));
    assert.deepEqual(moved.results, [{ topicName: 'alpha', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE }, { partitionIndex: 1, errorCode: ErrorCode.LOG_DIR_NOT_FOUND }] }]);
    await encodesInEveryVersion(AlterReplicaLogDirsHandler.prototype.alterReplicaLogDirs, async () => moved);
  });

  it('DescribeTopicPartitions, with a cursor refused for every topic', async () => {
    const handler = new DescribeTopicPartitionsHandler(n.placement, OPEN);
    await encodesInEveryVersion(DescribeTopicPartitionsHandler.prototype.describeTopicPartitions, () =>
      handler.describeTopicPartitions(request(0, { topics: [], responsePartitionLimit: 1, cursor: null })),
    );
    const refused = await handler.describeTopicPartitions(request(0, { topics: [{ name: 'alpha' }, { name: 'nope' }], responsePartitionLimit: 1, cursor: { topicName: 'zeta', partitionIndex: 0 } }));
    assert.deepEqual(refused.topics!.map((t) => [t.name, t.errorCode, t.topicAuthorizedOperations]), [['alpha', 42, -2147483648], ['nope', 42, -2147483648]]);
  });

  it('ElectLeaders (an unknown election type refused at both levels), reassignments, UpdateFeatures, DescribeProducers, UnregisterBroker', async () => {
    const elect = new ElectLeadersHandler(n.placement, OPEN);
    await encodesInEveryVersion(ElectLeadersHandler.prototype.electLeaders, (v) => elect.electLeaders(request(v, { electionType: 0, topicPartitions: [{ topic: 'alpha', partitions: [0] }], timeoutMs: 1 })));
    const unknownType = await elect.electLeaders(request(1, { electionType: 9, topicPartitions: [{ topic: 'alpha', partitions: [0] }], timeoutMs: 1 }));
    assert.deepEqual([unknownType.errorCode, unknownType.replicaElectionResults![0]!.partitionResult![0]!.errorCode], [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    assert.equal((await elect.electLeaders(request(0, { electionType: 9, topicPartitions: null, timeoutMs: 1 }))).errorCode, ErrorCode.NONE, 'v0 has no election type: preferred');

    const reassign = new AlterPartitionReassignmentsHandler(n.placement, OPEN);
    await encodesInEveryVersion(AlterPartitionReassignmentsHandler.prototype.alterPartitionReassignments, () =>
      reassign.alterPartitionReassignments(request(0, { timeoutMs: 1, topics: [{ name: 'alpha', partitions: [{ partitionIndex: 0, replicas: [1, 2] }] }] })),
    );
    const list = new ListPartitionReassignmentsHandler(OPEN);
    assert.deepEqual((await list.listPartitionReassignments(request(0, { timeoutMs: 1, topics: null }))).topics, []);

    const features = new UpdateFeaturesHandler(n.featureUpdates, OPEN);
    await encodesInEveryVersion(UpdateFeaturesHandler.prototype.updateFeatures, (v) =>
      features.updateFeatures(request(v, { timeoutMs: 1, validateOnly: true, featureUpdates: [{ feature: GROUP_VERSION, maxVersionLevel: 1, allowDowngrade: false, upgradeType: 1 }] })),
    );

    const producers = new DescribeProducersHandler(n.producerStates, OPEN);
    await encodesInEveryVersion(DescribeProducersHandler.prototype.describeProducers, () =>
      producers.describeProducers(request(0, { topics: [{ name: 'alpha', partitionIndexes: [0, 5] }, { name: 'bad name', partitionIndexes: [0] }] })),
    );
    const unregister = new UnregisterBrokerHandler(n.quorum, OPEN);
    assert.equal((await unregister.unregisterBroker(request(0, { brokerId: 1 }))).errorCode, ErrorCode.NONE);
    assert.equal((await unregister.unregisterBroker(request(0, { brokerId: 3 }))).errorCode, ErrorCode.BROKER_ID_NOT_REGISTERED);
  });

  it('DescribeProducers reports what an idempotent producer appended', async () => {
    const { producer, producerStates } = node();
    const batch = buildBatch([{ value: Buffer.from('a'), timestampDelta: 4 }, { value: Buffer.from('b'), timestampDelta: 9 }], { producerId: 42, producerEpoch: 3, baseSequence: 0, baseTimestamp: 1_700_000_000_000 });
    const [outcome] = await producer.produce([{ topic: 'alpha', partition: 1, records: batch }], 0, 0);
    assert.equal(outcome!.errorCode, ErrorCode.NONE, JSON.stringify(outcome));
    const answer = await new DescribeProducersHandler(producerStates, OPEN).describeProducers(request(0, { topics: [{ name: 'alpha', partitionIndexes: [1] }] }));
    assert.deepEqual(answer.topics![0]!.partitions![0]!.activeProducers, [
      { producerId: 42, producerEpoch: 3, lastSequence: 1, lastTimestamp: 1_700_000_000_009, coordinatorEpoch: -1, currentTxnStartOffset: -1 },
    ]);
  });
});
