import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ConfigsService } from './configs.service.js';
import { TopicsService } from './topics.service.js';
import { WriteFence } from './write-fence.js';

/** Topic administration and configs, shared by the Kafka and REST faces. */
@Module({
  imports: [StorageModule, RetentionModule, ClusterModule],
  providers: [TopicsService, ConfigsService, WriteFence],
  exports: [TopicsService, ConfigsService, WriteFence],
})
export class TopicsModule {}
