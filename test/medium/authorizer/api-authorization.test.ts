/**
 * Every Kafka API under the authorizer, one table row per check (medium: the whole AppModule
 * on a temporary directory, each handler as the container builds it). The caller is
 * User:alice with no ACL beyond the row's `base`: the API must answer the row's
 * authorization error; once the row's `grant` is added the same request must get past it.
 * Then what the table cannot say: Metadata leaving out topics alice may not Describe,
 * auto-creation needing Create, ListGroups filtering, deny winning, super users, and the
 * "authorized operations" fields computed from alice's ACLs.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Logger, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { register } from 'prom-client';
import { AppModule } from '../../../src/app.module.js';
import { type AclBinding, AclOperation as Op, PatternType, PermissionType, ResourceType as R } from '../../../src/authorizer/acl.js';
import { AclStore } from '../../../src/authorizer/acl-store.js';
import type { KafkaPrincipal } from '../../../src/common/kafka-principal.js';
import { loadSettings } from '../../../src/config/settings.js';
import { GroupCoordinator } from '../../../src/groups/group-coordinator.js';
import { KAFKA_HANDLERS } from '../../../src/kafka/handlers/index.js';
import { StorageRecovery } from '../../../src/recovery/storage-recovery.js';
import { TopicRegistry } from '../../../src/storage/topic-registry.js';
import { ErrorCode as E } from '../../../src/wire/error-codes.js';
import { ZERO_UUID } from '../../../src/wire/reader.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { recordingConnection } from '../../support/connection-context.js';
import { withTempDir } from '../../support/wal-fixtures.js';
import { request } from '../../unit/kafka/support.js';

Logger.overrideLogger(false);

const ALICE: KafkaPrincipal = { principalType: 'User', name: 'alice' };

function allow(resourceType: number, resourceName: string, operation: number, principal = 'User:alice'): AclBinding {
  return { resourceType, resourceName, patternType: PatternType.LITERAL, principal, host: '*', operation, permissionType: PermissionType.ALLOW };
}
const topic = (operation: number, name = 'orders') => allow(R.TOPIC, name, operation);
const group = (operation: number, name = 'g') => allow(R.GROUP, name, operation);
const cluster = (operation: number) => allow(R.CLUSTER, 'kafka-cluster', operation);
const txn = (operation: number) => allow(R.TRANSACTIONAL_ID, 'tx', operation);

/** A handler class of KAFKA_HANDLERS by its name. */
function h(name: string): Type<unknown> {
  const found = KAFKA_HANDLERS.find((handler) => handler.name === name);
  assert.ok(found, `handler ${name}`);
  return found as Type<unknown>;
}

interface Row {
  readonly name: string;
  readonly handler: Type<unknown>;
  readonly method: string;
  readonly version: number;
  readonly body: () => unknown;
  readonly base?: readonly AclBinding[];
  readonly grant: readonly AclBinding[];
  readonly errorOf: (response: any) => number;
  readonly denied: number;
}

const ANY_ACL_FILTER = { resourceTypeFilter: R.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: PermissionType.ANY };
const NOTHING_ACL_FILTER = { ...ANY_ACL_FILTER, resourceNameFilter: 'no-such-resource' };
const fetchPartition = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 };
const produceBody = (transactionalId: string | null) => ({
  transactionalId,
  acks: -1,
  timeoutMs: 1000,
  topicData: [{ name: 'orders', partitionData: [{ index: 0, records: buildBatch(values(1)) }] }],
});

const ROWS: readonly Row[] = [
  { name: 'Produce: Write on the topic', handler: h('ProduceHandler'), method: 'produce', version: 9, body: () => produceBody(null), grant: [topic(Op.WRITE)], errorOf: (r) => r.responses[0].partitionResponses[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'Produce: Write on the transactional id', handler: h('ProduceHandler'), method: 'produce', version: 9, body: () => produceBody('tx'), base: [topic(Op.WRITE)], grant: [allow(R.TRANSACTIONAL_ID, 'tx', Op.WRITE)], errorOf: (r) => r.responses[0].partitionResponses[0].errorCode, denied: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED },
  { name: 'Fetch: Read on the topic', handler: h('FetchHandler'), method: 'fetch', version: 12, body: () => ({ replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: 'orders', topicId: ZERO_UUID, partitions: [fetchPartition] }], forgottenTopicsData: [], rackId: '' }), grant: [topic(Op.READ)], errorOf: (r) => r.responses[0].partitions[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'ListOffsets: Describe on the topic', handler: h('ListOffsetsHandler'), method: 'listOffsets', version: 7, body: () => ({ replicaId: -1, isolationLevel: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] }), grant: [topic(Op.DESCRIBE)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'Metadata: Describe on the topic (Read implies it)', handler: h('MetadataHandler'), method: 'metadata', version: 12, body: () => ({ topics: [{ name: 'orders', topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }), grant: [topic(Op.READ)], errorOf: (r) => r.topics[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'OffsetCommit: Read on the group', handler: h('OffsetCommitHandler'), method: 'offsetCommit', version: 8, body: () => offsetCommitBody(), grant: [group(Op.READ)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'OffsetCommit: Read on the topic', handler: h('OffsetCommitHandler'), method: 'offsetCommit', version: 8, body: () => offsetCommitBody(), base: [group(Op.READ)], grant: [topic(Op.READ)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'OffsetFetch: Describe on the group', handler: h('OffsetFetchHandler'), method: 'offsetFetch', version: 7, body: () => ({ groupId: 'g', topics: [{ name: 'orders', partitionIndexes: [0] }], requireStable: false }), grant: [group(Op.DESCRIBE)], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'OffsetFetch: Describe on the topic', handler: h('OffsetFetchHandler'), method: 'offsetFetch', version: 7, body: () => ({ groupId: 'g', topics: [{ name: 'orders', partitionIndexes: [0] }], requireStable: false }), base: [group(Op.DESCRIBE)], grant: [topic(Op.DESCRIBE)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'FindCoordinator: Describe on the group', handler: h('FindCoordinatorHandler'), method: 'findCoordinator', version: 3, body: () => ({ key: 'g', keyType: 0, coordinatorKeys: [] }), grant: [group(Op.DESCRIBE)], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'FindCoordinator: Describe on the transactional id', handler: h('FindCoordinatorHandler'), method: 'findCoordinator', version: 4, body: () => ({ key: '', keyType: 1, coordinatorKeys: ['tx'] }), grant: [allow(R.TRANSACTIONAL_ID, 'tx', Op.DESCRIBE)], errorOf: (r) => r.coordinators[0].errorCode, denied: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED },
  { name: 'JoinGroup: Read on the group', handler: h('JoinGroupHandler'), method: 'joinGroup', version: 5, body: () => ({ groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null }), grant: [group(Op.READ)], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'Heartbeat: Read on the group', handler: h('HeartbeatHandler'), method: 'heartbeat', version: 3, body: () => ({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }), grant: [group(Op.READ)], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'LeaveGroup: Read on the group', handler: h('LeaveGroupHandler'), method: 'leaveGroup', version: 3, body: () => ({ groupId: 'g', memberId: '', members: [{ memberId: 'm', groupInstanceId: null, reason: null }] }), grant: [group(Op.READ)], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'SyncGroup: Read on the group', handler: h('SyncGroupHandler'), method: 'syncGroup', version: 3, body: () => ({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }), grant: [group(Op.READ)], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'DescribeGroups: Describe on the group', handler: h('DescribeGroupsHandler'), method: 'describeGroups', version: 4, body: () => ({ groups: ['g'], includeAuthorizedOperations: false }), grant: [group(Op.DESCRIBE)], errorOf: (r) => r.groups[0].errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'CreateTopics: Create on the topic', handler: h('CreateTopicsHandler'), method: 'createTopics', version: 5, body: () => ({ topics: [{ name: 'fresh', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: true }), grant: [topic(Op.CREATE, 'fresh')], errorOf: (r) => r.topics[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'CreateTopics: Create on the cluster', handler: h('CreateTopicsHandler'), method: 'createTopics', version: 5, body: () => ({ topics: [{ name: 'fresh', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: true }), grant: [cluster(Op.CREATE)], errorOf: (r) => r.topics[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'DeleteTopics: Delete on the topic', handler: h('DeleteTopicsHandler'), method: 'deleteTopics', version: 5, body: () => ({ topicNames: ['doomed'], timeoutMs: 1000, topics: [] }), grant: [topic(Op.DELETE, 'doomed')], errorOf: (r) => r.responses[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'DeleteRecords: Delete on the topic', handler: h('DeleteRecordsHandler'), method: 'deleteRecords', version: 2, body: () => ({ topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: 0 }] }], timeoutMs: 1000 }), grant: [topic(Op.DELETE)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'InitProducerId: IdempotentWrite on the cluster', handler: h('InitProducerIdHandler'), method: 'initProducerId', version: 4, body: () => ({ transactionalId: null, transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 }), grant: [cluster(Op.IDEMPOTENT_WRITE)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'InitProducerId: Write on some topic (KIP-679)', handler: h('InitProducerIdHandler'), method: 'initProducerId', version: 4, body: () => ({ transactionalId: null, transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 }), grant: [topic(Op.WRITE)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'OffsetForLeaderEpoch: Describe on the topic', handler: h('OffsetForLeaderEpochHandler'), method: 'offsetForLeaderEpoch', version: 4, body: () => ({ replicaId: -1, topics: [{ topic: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] }), grant: [topic(Op.DESCRIBE)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'DescribeAcls: Describe on the cluster', handler: h('DescribeAclsHandler'), method: 'describeAcls', version: 1, body: () => ANY_ACL_FILTER, grant: [cluster(Op.DESCRIBE)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'CreateAcls: Alter on the cluster', handler: h('CreateAclsHandler'), method: 'createAcls', version: 1, body: () => ({ creations: [{ resourceType: R.TOPIC, resourceName: 'x', resourcePatternType: PatternType.LITERAL, principal: 'User:bob', host: '*', operation: Op.READ, permissionType: PermissionType.ALLOW }] }), grant: [cluster(Op.ALTER)], errorOf: (r) => r.results[0].errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'DeleteAcls: Alter on the cluster', handler: h('DeleteAclsHandler'), method: 'deleteAcls', version: 1, body: () => ({ filters: [NOTHING_ACL_FILTER] }), grant: [cluster(Op.ALTER)], errorOf: (r) => r.filterResults[0].errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'DescribeConfigs: DescribeConfigs on the topic (AlterConfigs implies it)', handler: h('DescribeConfigsHandler'), method: 'describeConfigs', version: 4, body: () => ({ resources: [{ resourceType: 2, resourceName: 'orders', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }), grant: [topic(Op.ALTER_CONFIGS)], errorOf: (r) => r.results[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'DescribeConfigs: DescribeConfigs on the cluster for the broker', handler: h('DescribeConfigsHandler'), method: 'describeConfigs', version: 4, body: () => ({ resources: [{ resourceType: 4, resourceName: '1', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }), grant: [cluster(Op.DESCRIBE_CONFIGS)], errorOf: (r) => r.results[0].errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'AlterConfigs: AlterConfigs on the topic', handler: h('AlterConfigsHandler'), method: 'alterConfigs', version: 1, body: () => ({ resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '60000' }] }], validateOnly: true }), grant: [topic(Op.ALTER_CONFIGS)], errorOf: (r) => r.responses[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'IncrementalAlterConfigs: AlterConfigs on the topic', handler: h('IncrementalAlterConfigsHandler'), method: 'incrementalAlterConfigs', version: 1, body: () => ({ resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: 0, value: '60000' }] }], validateOnly: true }), grant: [topic(Op.ALTER_CONFIGS)], errorOf: (r) => r.responses[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'AlterReplicaLogDirs: Alter on the cluster', handler: h('AlterReplicaLogDirsHandler'), method: 'alterReplicaLogDirs', version: 1, body: () => ({ dirs: [{ path: '/elsewhere', topics: [{ name: 'orders', partitions: [0] }] }] }), grant: [cluster(Op.ALTER)], errorOf: (r) => r.results[0].partitions[0].errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'DescribeLogDirs: Describe on the cluster', handler: h('DescribeLogDirsHandler'), method: 'describeLogDirs', version: 4, body: () => ({ topics: null }), grant: [cluster(Op.DESCRIBE)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'CreatePartitions: Alter on the topic', handler: h('CreatePartitionsHandler'), method: 'createPartitions', version: 1, body: () => ({ topics: [{ name: 'orders', count: 2, assignments: null }], timeoutMs: 1000, validateOnly: true }), grant: [topic(Op.ALTER)], errorOf: (r) => r.results[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'DeleteGroups: Delete on the group', handler: h('DeleteGroupsHandler'), method: 'deleteGroups', version: 2, body: () => ({ groupsNames: ['g'] }), grant: [group(Op.DELETE)], errorOf: (r) => r.results[0].errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'ElectLeaders: Alter on the cluster', handler: h('ElectLeadersHandler'), method: 'electLeaders', version: 2, body: () => ({ electionType: 0, topicPartitions: [{ topic: 'orders', partitions: [0] }], timeoutMs: 1000 }), grant: [cluster(Op.ALTER)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'AlterPartitionReassignments: Alter on the cluster', handler: h('AlterPartitionReassignmentsHandler'), method: 'alterPartitionReassignments', version: 0, body: () => ({ timeoutMs: 1000, topics: [] }), grant: [cluster(Op.ALTER)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'ListPartitionReassignments: Describe on the cluster', handler: h('ListPartitionReassignmentsHandler'), method: 'listPartitionReassignments', version: 0, body: () => ({ timeoutMs: 1000, topics: null }), grant: [cluster(Op.DESCRIBE)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'OffsetDelete: Delete on the group', handler: h('OffsetDeleteHandler'), method: 'offsetDelete', version: 0, body: () => ({ groupId: 'g', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }] }), grant: [group(Op.DELETE)], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'OffsetDelete: Read on the topic', handler: h('OffsetDeleteHandler'), method: 'offsetDelete', version: 0, body: () => ({ groupId: 'g', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }] }), base: [group(Op.DELETE)], grant: [topic(Op.READ)], errorOf: (r) => r.topics[0]?.partitions[0].errorCode ?? r.errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'DescribeQuorum: Describe on the cluster', handler: h('DescribeQuorumHandler'), method: 'describeQuorum', version: 1, body: () => ({ topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }), grant: [cluster(Op.DESCRIBE)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'UpdateFeatures: Alter on the cluster', handler: h('UpdateFeaturesHandler'), method: 'updateFeatures', version: 1, body: () => ({ timeoutMs: 1000, featureUpdates: [], validateOnly: true }), grant: [cluster(Op.ALTER)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'DescribeProducers: Read on the topic', handler: h('DescribeProducersHandler'), method: 'describeProducers', version: 0, body: () => ({ topics: [{ name: 'orders', partitionIndexes: [0] }] }), grant: [topic(Op.READ)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'UnregisterBroker: Alter on the cluster', handler: h('UnregisterBrokerHandler'), method: 'unregisterBroker', version: 0, body: () => ({ brokerId: 5 }), grant: [cluster(Op.ALTER)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'ConsumerGroupHeartbeat: Read on the group', handler: h('ConsumerGroupHeartbeatHandler'), method: 'consumerGroupHeartbeat', version: 0, body: () => heartbeatBody(), grant: [group(Op.READ, 'g2')], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'ConsumerGroupHeartbeat: Describe on the subscribed topics', handler: h('ConsumerGroupHeartbeatHandler'), method: 'consumerGroupHeartbeat', version: 0, body: () => heartbeatBody(), base: [group(Op.READ, 'g2')], grant: [topic(Op.DESCRIBE)], errorOf: (r) => r.errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'ConsumerGroupDescribe: Describe on the group', handler: h('ConsumerGroupDescribeHandler'), method: 'consumerGroupDescribe', version: 0, body: () => ({ groupIds: ['g'], includeAuthorizedOperations: false }), grant: [group(Op.DESCRIBE)], errorOf: (r) => r.groups[0].errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'DescribeTopicPartitions: Describe on the topic', handler: h('DescribeTopicPartitionsHandler'), method: 'describeTopicPartitions', version: 0, body: () => ({ topics: [{ name: 'orders' }], responsePartitionLimit: 100, cursor: null }), grant: [topic(Op.DESCRIBE)], errorOf: (r) => r.topics[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'AddPartitionsToTxn: Write on the transactional id', handler: h('AddPartitionsToTxnHandler'), method: 'addPartitionsToTxn', version: 3, body: () => addPartitionsBody(), grant: [txn(Op.WRITE)], errorOf: (r) => r.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, denied: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED },
  { name: 'AddPartitionsToTxn: Write on the topic', handler: h('AddPartitionsToTxnHandler'), method: 'addPartitionsToTxn', version: 3, body: () => addPartitionsBody(), base: [txn(Op.WRITE)], grant: [topic(Op.WRITE)], errorOf: (r) => r.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'AddOffsetsToTxn: Write on the transactional id', handler: h('AddOffsetsToTxnHandler'), method: 'addOffsetsToTxn', version: 3, body: () => ({ transactionalId: 'tx', producerId: 1, producerEpoch: 0, groupId: 'g' }), grant: [txn(Op.WRITE)], errorOf: (r) => r.errorCode, denied: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED },
  { name: 'AddOffsetsToTxn: Read on the group', handler: h('AddOffsetsToTxnHandler'), method: 'addOffsetsToTxn', version: 3, body: () => ({ transactionalId: 'tx', producerId: 1, producerEpoch: 0, groupId: 'g' }), base: [txn(Op.WRITE)], grant: [group(Op.READ)], errorOf: (r) => r.errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'EndTxn: Write on the transactional id', handler: h('EndTxnHandler'), method: 'endTxn', version: 3, body: () => ({ transactionalId: 'tx', producerId: 1, producerEpoch: 0, committed: true }), grant: [txn(Op.WRITE)], errorOf: (r) => r.errorCode, denied: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED },
  { name: 'WriteTxnMarkers: ClusterAction on the cluster', handler: h('WriteTxnMarkersHandler'), method: 'writeTxnMarkers', version: 1, body: () => ({ markers: [{ producerId: 1, producerEpoch: 0, transactionResult: true, topics: [{ name: 'orders', partitionIndexes: [0] }], coordinatorEpoch: 0 }] }), grant: [cluster(Op.CLUSTER_ACTION)], errorOf: (r) => r.markers[0].topics[0].partitions[0].errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'TxnOffsetCommit: Write on the transactional id', handler: h('TxnOffsetCommitHandler'), method: 'txnOffsetCommit', version: 3, body: () => txnCommitBody(), grant: [txn(Op.WRITE)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED },
  { name: 'TxnOffsetCommit: Read on the group', handler: h('TxnOffsetCommitHandler'), method: 'txnOffsetCommit', version: 3, body: () => txnCommitBody(), base: [txn(Op.WRITE)], grant: [group(Op.READ)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.GROUP_AUTHORIZATION_FAILED },
  { name: 'TxnOffsetCommit: Read on the topic', handler: h('TxnOffsetCommitHandler'), method: 'txnOffsetCommit', version: 3, body: () => txnCommitBody(), base: [txn(Op.WRITE), group(Op.READ)], grant: [topic(Op.READ)], errorOf: (r) => r.topics[0].partitions[0].errorCode, denied: E.TOPIC_AUTHORIZATION_FAILED },
  { name: 'DescribeClientQuotas: DescribeConfigs on the cluster', handler: h('DescribeClientQuotasHandler'), method: 'describeClientQuotas', version: 1, body: () => ({ components: [], strict: false }), grant: [cluster(Op.DESCRIBE_CONFIGS)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'AlterClientQuotas: AlterConfigs on the cluster', handler: h('AlterClientQuotasHandler'), method: 'alterClientQuotas', version: 1, body: () => ({ entries: [{ entity: [{ entityType: 'user', entityName: 'x' }], ops: [{ key: 'producer_byte_rate', value: 1000, remove: false }] }], validateOnly: true }), grant: [cluster(Op.ALTER_CONFIGS)], errorOf: (r) => r.entries[0].errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
  { name: 'DescribeTransactions: Describe on the transactional id', handler: h('DescribeTransactionsHandler'), method: 'describeTransactions', version: 0, body: () => ({ transactionalIds: ['tx'] }), grant: [txn(Op.DESCRIBE)], errorOf: (r) => r.transactionStates[0].errorCode, denied: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED },
  { name: 'ListClientMetricsResources: DescribeConfigs on the cluster', handler: h('ListClientMetricsResourcesHandler'), method: 'listClientMetricsResources', version: 0, body: () => ({}), grant: [cluster(Op.DESCRIBE_CONFIGS)], errorOf: (r) => r.errorCode, denied: E.CLUSTER_AUTHORIZATION_FAILED },
];

function addPartitionsBody() {
  return { v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: 1, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'orders', partitions: [0] }], transactions: [] };
}

function txnCommitBody() {
  const partition = { partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: '' };
  return { transactionalId: 'tx', groupId: 'g', producerId: 1, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'orders', partitions: [partition] }] };
}
function offsetCommitBody() {
  const partition = { partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' };
  return { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 'orders', partitions: [partition] }] };
}

function heartbeatBody() {
  return { groupId: 'g2', memberId: 'member-1', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['orders'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [] };
}

describe('Kafka APIs under the authorizer (User:alice, no ACL but the row\'s)', () => {
  let app: TestingModule;
  let dir: string;
  let release: () => void;
  const store = () => app.get(AclStore);
  const call = (row: Pick<Row, 'handler' | 'method' | 'version'>, body: unknown, principal = ALICE): Promise<any> =>
    (app.get(row.handler) as Record<string, (request: unknown) => Promise<unknown>>)[row.method]!({ ...request(row.version, body), connection: recordingConnection(principal) });
  const clearAcls = () => store().remove([{ resourceType: R.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permissionType: PermissionType.ANY }]);

  before(async () => {
    const ready = new Promise<void>((resolve) => {
      void withTempDir(async (path) => {
        dir = path;
        resolve();
        await new Promise<void>((done) => (release = done));
      });
    });
    await ready;
    const env = { RECORD_STORAGE_PATH: dir, LOG_LEVEL: 'error', MAX_MEMORY: '64MB', AUTHORIZER_ENABLED: 'true', SUPER_USERS: 'User:root' };
    register.clear();
    app = await Test.createTestingModule({ imports: [AppModule.forRoot(loadSettings({ argv: [], env, cwd: dir }))] }).compile();
    await app.init();
    await app.get(StorageRecovery).completed();
    app.get(TopicRegistry).create('orders', 1);
    app.get(TopicRegistry).create('doomed', 1);
    app.get(TopicRegistry).create('secret', 1);
    app.get(TopicRegistry).create('hidden', 1);
    assert.ok(app.get(GroupCoordinator));
  });

  after(async () => {
    await app.close();
    register.clear();
    release();
  });

  for (const row of ROWS) {
    it(row.name, async () => {
      await clearAcls();
      await store().add(row.base ?? []);
      assert.equal(row.errorOf(await call(row, row.body())), row.denied, 'refused without the grant');
      await store().add(row.grant);
      assert.notEqual(row.errorOf(await call(row, row.body())), row.denied, 'let through with the grant');
    });
  }

  const metadata = { handler: h('MetadataHandler'), method: 'metadata', version: 12 };
  it('Metadata for every topic lists only the topics alice may Describe', async () => {
    await clearAcls();
    await store().add([topic(Op.WRITE), { ...topic(Op.DESCRIBE, 'sec'), patternType: PatternType.PREFIXED }]);
    const answer = await call(metadata, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual(answer.topics.map((t: { name: string }) => t.name).sort(), ['orders', 'secret'], 'hidden is left out');
  });

  it('Metadata auto-creation needs Create on the topic or the cluster', async () => {
    await clearAcls();
    await store().add([topic(Op.DESCRIBE, 'auto-1')]);
    const ask = { topics: [{ name: 'auto-1', topicId: ZERO_UUID }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false };
    assert.equal((await call(metadata, ask)).topics[0].errorCode, E.TOPIC_AUTHORIZATION_FAILED);
    assert.equal(app.get(TopicRegistry).get('auto-1'), undefined, 'nothing created');
    await store().add([topic(Op.CREATE, 'auto-1')]);
    assert.equal((await call(metadata, ask)).topics[0].errorCode, E.NONE);
    assert.ok(app.get(TopicRegistry).get('auto-1'), 'created once allowed');
  });

  it('ListGroups lists only the groups alice may Describe, every group with Describe on the cluster', async () => {
    await clearAcls();
    const coordinator = app.get(GroupCoordinator);
    for (const groupId of ['team-a', 'team-b']) {
      await coordinator.join({ groupId, memberId: '', groupInstanceId: null, requireKnownMemberId: false, supportsSkippingAssignment: false, reason: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
    }
    const list = { handler: h('ListGroupsHandler'), method: 'listGroups', version: 4 };
    const names = async () => ((await call(list, { statesFilter: [], typesFilter: [] })).groups as { groupId: string }[]).map((g) => g.groupId).filter((g) => g.startsWith('team-')).sort();
    assert.deepEqual(await names(), []);
    await store().add([group(Op.READ, 'team-a')]);
    assert.deepEqual(await names(), ['team-a']);
    await store().add([cluster(Op.DESCRIBE)]);
    assert.deepEqual(await names(), ['team-a', 'team-b']);
  });

  it('the authorized operations of Metadata, DescribeTopicPartitions, DescribeGroups and DescribeCluster follow alice\'s ACLs', async () => {
    await clearAcls();
    await store().add([topic(Op.READ), topic(Op.ALTER_CONFIGS), group(Op.DELETE), cluster(Op.IDEMPOTENT_WRITE)]);
    const bits = (...operations: number[]) => operations.reduce((field, operation) => field | (1 << operation), 0);
    const topicOperations = bits(Op.READ, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS);
    const asked = { topics: [{ name: 'orders', topicId: ZERO_UUID }, { name: 'hidden', topicId: ZERO_UUID }], allowAutoTopicCreation: false };
    const described = await call(metadata, { ...asked, includeTopicAuthorizedOperations: true });
    assert.deepEqual(described.topics.map((t: { topicAuthorizedOperations?: number }) => t.topicAuthorizedOperations), [topicOperations, undefined], 'a refused topic keeps INT32_MIN');
    assert.equal((await call(metadata, { ...asked, includeTopicAuthorizedOperations: false })).topics[0].topicAuthorizedOperations, undefined, 'not asked');
    const v10 = await call({ ...metadata, version: 10 }, { ...asked, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: true });
    assert.equal(v10.clusterAuthorizedOperations, bits(Op.IDEMPOTENT_WRITE));
    const partitions = await call({ handler: h('DescribeTopicPartitionsHandler'), method: 'describeTopicPartitions', version: 0 }, { topics: [{ name: 'orders' }], responsePartitionLimit: 100, cursor: null });
    assert.equal(partitions.topics[0].topicAuthorizedOperations, topicOperations);
    const groups = await call({ handler: h('DescribeGroupsHandler'), method: 'describeGroups', version: 5 }, { groups: ['g'], includeAuthorizedOperations: true });
    assert.equal(groups.groups[0].authorizedOperations, bits(Op.DESCRIBE, Op.DELETE), 'Delete implies Describe');
    const clusterAnswer = await call({ handler: h('DescribeClusterHandler'), method: 'describeCluster', version: 1 }, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    assert.equal(clusterAnswer.clusterAuthorizedOperations, bits(Op.IDEMPOTENT_WRITE));
    const root: KafkaPrincipal = { principalType: 'User', name: 'root' };
    const rootView = await call(metadata, { ...asked, includeTopicAuthorizedOperations: true }, root);
    assert.equal(rootView.topics[1].topicAuthorizedOperations, 3576, 'a super user may do every topic operation (Kafka\'s value: READ..ALTER_CONFIGS)');
  });

  it('a deny wins over an allow; a super user needs no ACL', async () => {
    await clearAcls();
    const produce = ROWS[0]!;
    await store().add([topic(Op.WRITE), { ...topic(Op.ALL), resourceName: 'ord', patternType: PatternType.PREFIXED, permissionType: PermissionType.DENY }]);
    assert.equal(produce.errorOf(await call(produce, produce.body())), E.TOPIC_AUTHORIZATION_FAILED);
    const root: KafkaPrincipal = { principalType: 'User', name: 'root' };
    assert.equal(produce.errorOf(await call(produce, produce.body(), root)), E.NONE);
  });
});
