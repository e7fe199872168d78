/** Every Kafka API handler, by API key: the controllers KafkaProtocolModule registers. */
import { ProduceHandler } from './00-produce.handler.js';
import { FetchHandler } from './01-fetch.handler.js';
import { ListOffsetsHandler } from './02-list-offsets.handler.js';
import { MetadataHandler } from './03-metadata.handler.js';
import { OffsetCommitHandler } from './08-offset-commit.handler.js';
import { OffsetFetchHandler } from './09-offset-fetch.handler.js';
import { FindCoordinatorHandler } from './10-find-coordinator.handler.js';
import { JoinGroupHandler } from './11-join-group.handler.js';
import { HeartbeatHandler } from './12-heartbeat.handler.js';
import { LeaveGroupHandler } from './13-leave-group.handler.js';
import { SyncGroupHandler } from './14-sync-group.handler.js';
import { DescribeGroupsHandler } from './15-describe-groups.handler.js';
import { ListGroupsHandler } from './16-list-groups.handler.js';
import { SaslHandshakeHandler } from './17-sasl-handshake.handler.js';
import { ApiVersionsHandler } from './18-api-versions.handler.js';
import { CreateTopicsHandler } from './19-create-topics.handler.js';
import { DeleteTopicsHandler } from './20-delete-topics.handler.js';
import { DeleteRecordsHandler } from './21-delete-records.handler.js';
import { InitProducerIdHandler } from './22-init-producer-id.handler.js';
import { OffsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.handler.js';
import { AddPartitionsToTxnHandler } from './24-add-partitions-to-txn.handler.js';
import { AddOffsetsToTxnHandler } from './25-add-offsets-to-txn.handler.js';
import { EndTxnHandler } from './26-end-txn.handler.js';
import { WriteTxnMarkersHandler } from './27-write-txn-markers.handler.js';
import { TxnOffsetCommitHandler } from './28-txn-offset-commit.handler.js';
import { DescribeAclsHandler } from './29-describe-acls.handler.js';
import { CreateAclsHandler } from './30-create-acls.handler.js';
import { DeleteAclsHandler } from './31-delete-acls.handler.js';
import { DescribeConfigsHandler } from './32-describe-configs.handler.js';
import { AlterConfigsHandler } from './33-alter-configs.handler.js';
import { AlterReplicaLogDirsHandler } from './34-alter-replica-log-dirs.handler.js';
import { DescribeLogDirsHandler } from './35-describe-log-dirs.handler.js';
import { CreatePartitionsHandler } from './37-create-partitions.handler.js';
import { DelegationTokensHandler } from './38-create-delegation-token.handler.js';
import { DeleteGroupsHandler } from './42-delete-groups.handler.js';
import { ElectLeadersHandler } from './43-elect-leaders.handler.js';
import { IncrementalAlterConfigsHandler } from './44-incremental-alter-configs.handler.js';
import { AlterPartitionReassignmentsHandler } from './45-alter-partition-reassignments.handler.js';
import { ListPartitionReassignmentsHandler } from './46-list-partition-reassignments.handler.js';
import { OffsetDeleteHandler } from './47-offset-delete.handler.js';
import { UserScramCredentialsHandler } from './50-describe-user-scram-credentials.handler.js';
import { DescribeQuorumHandler } from './55-describe-quorum.handler.js';
import { UpdateFeaturesHandler } from './57-update-features.handler.js';
import { DescribeClientQuotasHandler } from './48-describe-client-quotas.handler.js';
import { AlterClientQuotasHandler } from './49-alter-client-quotas.handler.js';
import { DescribeClusterHandler } from './60-describe-cluster.handler.js';
import { DescribeProducersHandler } from './61-describe-producers.handler.js';
import { UnregisterBrokerHandler } from './64-unregister-broker.handler.js';
import { DescribeTransactionsHandler } from './65-describe-transactions.handler.js';
import { ListTransactionsHandler } from './66-list-transactions.handler.js';
import { ConsumerGroupHeartbeatHandler } from './68-consumer-group-heartbeat.handler.js';
import { ConsumerGroupDescribeHandler } from './69-consumer-group-describe.handler.js';
import { DescribeTopicPartitionsHandler } from './75-describe-topic-partitions.handler.js';
import { GetTelemetrySubscriptionsHandler } from './71-get-telemetry-subscriptions.handler.js';
import { PushTelemetryHandler } from './72-push-telemetry.handler.js';
import { ListClientMetricsResourcesHandler } from './74-list-client-metrics-resources.handler.js';

export const KAFKA_HANDLERS = [
  ProduceHandler,
  FetchHandler,
  ListOffsetsHandler,
  MetadataHandler,
  OffsetCommitHandler,
  OffsetFetchHandler,
  FindCoordinatorHandler,
  JoinGroupHandler,
  HeartbeatHandler,
  LeaveGroupHandler,
  SyncGroupHandler,
  DescribeGroupsHandler,
  ListGroupsHandler,
  SaslHandshakeHandler,
  ApiVersionsHandler,
  CreateTopicsHandler,
  DeleteTopicsHandler,
  DeleteRecordsHandler,
  InitProducerIdHandler,
  OffsetForLeaderEpochHandler,
  AddPartitionsToTxnHandler,
  AddOffsetsToTxnHandler,
  EndTxnHandler,
  WriteTxnMarkersHandler,
  TxnOffsetCommitHandler,
  DescribeAclsHandler,
  CreateAclsHandler,
  DeleteAclsHandler,
  DescribeConfigsHandler,
  AlterConfigsHandler,
  AlterReplicaLogDirsHandler,
  DescribeLogDirsHandler,
  CreatePartitionsHandler,
  DelegationTokensHandler,
  DeleteGroupsHandler,
  ElectLeadersHandler,
  IncrementalAlterConfigsHandler,
  AlterPartitionReassignmentsHandler,
  ListPartitionReassignmentsHandler,
  OffsetDeleteHandler,
  UserScramCredentialsHandler,
  DescribeQuorumHandler,
  UpdateFeaturesHandler,
  DescribeClientQuotasHandler,
  AlterClientQuotasHandler,
  DescribeClusterHandler,
  DescribeProducersHandler,
  UnregisterBrokerHandler,
  DescribeTransactionsHandler,
  ListTransactionsHandler,
  ConsumerGroupHeartbeatHandler,
  ConsumerGroupDescribeHandler,
  DescribeTopicPartitionsHandler,
  GetTelemetrySubscriptionsHandler,
  PushTelemetryHandler,
  ListClientMetricsResourcesHandler,
];
