import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { WalModule } from '../wal/wal.module.js';
import { ClusterMetadataLog } from './cluster-metadata-log.js';
import { FeatureUpdatesService } from './feature-updates.service.js';
import { LogDirsService } from './log-dirs.service.js';
import { PartitionPlacementService } from './partition-placement.service.js';
import { ProducerStatesService } from './producer-states.service.js';
import { QuorumService } from './quorum.service.js';

/**
 * What a single node answers to the cluster-level admin APIs: log directories and partition
 * sizes, replica placement, elections and reassignments, the metadata quorum, feature
 * levels (saved in durable mode with the metadata offset), idempotent-producer state.
 */
@Module({
  imports: [StorageModule, TopicsModule, ClusterModule, WalModule],
  providers: [ClusterMetadataLog, FeatureUpdatesService, LogDirsService, PartitionPlacementService, ProducerStatesService, QuorumService],
  exports: [ClusterMetadataLog, FeatureUpdatesService, LogDirsService, PartitionPlacementService, ProducerStatesService, QuorumService],
})
export class ClusterAdminModule {}
