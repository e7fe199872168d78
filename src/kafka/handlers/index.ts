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
import { ApiVersionsHandler } from './18-api-versions.handler.js';
import { CreateTopicsHandler } from './19-create-topics.handler.js';
import { DeleteTopicsHandler } from './20-delete-topics.handler.js';
import { DeleteRecordsHandler } from './21-delete-records.handler.js';
import { InitProducerIdHandler } from './22-init-producer-id.handler.js';
import { OffsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.handler.js';
import { DescribeConfigsHandler } from './32-describe-configs.handler.js';
import { AlterConfigsHandler } from './33-alter-configs.handler.js';
import { AlterReplicaLogDirsHandler } from './34-alter-replica-log-dirs.handler.js';
import { DescribeLogDirsHandler } from './35-describe-log-dirs.handler.js';
import { CreatePartitionsHandler } from './37-create-partitions.handler.js';
import { DeleteGroupsHandler } from './42-delete-groups.handler.js';
import { ElectLeadersHandler } from './43-elect-leaders.handler.js';
import { IncrementalAlterConfigsHandler } from './44-incremental-alter-configs.handler.js';
import { AlterPartitionReassignmentsHandler } from './45-alter-partition-reassignments.handler.js';
import { ListPartitionReassignmentsHandler } from './46-list-partition-reassignments.handler.js';
import { OffsetDeleteHandler } from './47-offset-delete.handler.js';
import { DescribeQuorumHandler } from './55-describe-quorum.handler.js';
import { UpdateFeaturesHandler } from './57-update-features.handler.js';
import { DescribeClusterHandler } from './60-describe-cluster.handler.js';
import { DescribeProducersHandler } from './61-describe-producers.handler.js';
import { UnregisterBrokerHandler } from './64-unregister-broker.handler.js';
import { ConsumerGroupHeartbeatHandler } from './68-consumer-group-heartbeat.handler.js';
import { ConsumerGroupDescribeHandler } from './69-consumer-group-describe.handler.js';
import { DescribeTopicPartitionsHandler } from './75-describe-topic-partitions.handler.js';

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
  ApiVersionsHandler,
  CreateTopicsHandler,
  DeleteTopicsHandler,
  DeleteRecordsHandler,
  InitProducerIdHandler,
  OffsetForLeaderEpochHandler,
  DescribeConfigsHandler,
  AlterConfigsHandler,
  AlterReplicaLogDirsHandler,
  DescribeLogDirsHandler,
  CreatePartitionsHandler,
  DeleteGroupsHandler,
  ElectLeadersHandler,
  IncrementalAlterConfigsHandler,
  AlterPartitionReassignmentsHandler,
  ListPartitionReassignmentsHandler,
  OffsetDeleteHandler,
  DescribeQuorumHandler,
  UpdateFeaturesHandler,
  DescribeClusterHandler,
  DescribeProducersHandler,
  UnregisterBrokerHandler,
  ConsumerGroupHeartbeatHandler,
  ConsumerGroupDescribeHandler,
  DescribeTopicPartitionsHandler,
];
