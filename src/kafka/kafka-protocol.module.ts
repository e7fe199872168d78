import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module.js';
import { KafkaProbe, kafkaMetricProviders } from './kafka.probe.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { FetchModule } from '../fetch/fetch.module.js';
import { ProduceModule } from '../produce/produce.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ApiVersionsController } from './handlers/api-versions.controller.js';
import { ConfigsController } from './handlers/configs.controller.js';
import { CoordinatorController } from './handlers/coordinator.controller.js';
import { FetchController } from './handlers/fetch.controller.js';
import { GroupAdminController } from './handlers/group-admin.controller.js';
import { GroupMembershipController } from './handlers/group-membership.controller.js';
import { MetadataController } from './handlers/metadata.controller.js';
import { OffsetsCommitController } from './handlers/offsets-commit.controller.js';
import { OffsetsController } from './handlers/offsets.controller.js';
import { ProduceController } from './handlers/produce.controller.js';
import { TopicsController } from './handlers/topics.controller.js';
import { ApiRegistry } from './transport/api-registry.js';
import { KafkaTransport } from './transport/kafka-transport.js';

/** The Kafka face: the custom transport and one controller per concern. */
@Module({
  imports: [StorageModule, GroupsModule, RetentionModule, ClusterModule, ProduceModule, FetchModule],
  controllers: [
    ApiVersionsController,
    MetadataController,
    ProduceController,
    FetchController,
    OffsetsController,
    TopicsController,
    ConfigsController,
    CoordinatorController,
    GroupMembershipController,
    GroupAdminController,
    OffsetsCommitController,
  ],
  providers: [KafkaTransport, ApiRegistry, KafkaProbe, ...kafkaMetricProviders],
  exports: [KafkaTransport, KafkaProbe],
})
export class KafkaProtocolModule {}
