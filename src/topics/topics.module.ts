import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ConfigsService } from './configs.service.js';
import { TopicsService } from './topics.service.js';

/** Topic administration and configs, shared by the Kafka and REST faces. */
@Module({
  imports: [StorageModule, RetentionModule, ClusterModule],
  providers: [TopicsService, ConfigsService],
  exports: [TopicsService, ConfigsService],
})
export class TopicsModule {}
