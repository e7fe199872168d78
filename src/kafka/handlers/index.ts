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
import { CreatePartitionsHandler } from './37-create-partitions.handler.js';
import { DeleteGroupsHandler } from './42-delete-groups.handler.js';
import { IncrementalAlterConfigsHandler } from './44-incremental-alter-configs.handler.js';
import { OffsetDeleteHandler } from './47-offset-delete.handler.js';
import { DescribeClusterHandler } from './60-describe-cluster.handler.js';
import { ConsumerGroupHeartbeatHandler } from './68-consumer-group-heartbeat.handler.js';
import { ConsumerGroupDescribeHandler } from './69-consumer-group-describe.handler.js';

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
  CreatePartitionsHandler,
  DeleteGroupsHandler,
  IncrementalAlterConfigsHandler,
  OffsetDeleteHandler,
  DescribeClusterHandler,
  ConsumerGroupHeartbeatHandler,
  ConsumerGroupDescribeHandler,
];
