import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { WalModule } from '../wal/wal.module.js';
import { GroupCoordinator } from './group-coordinator.js';
import { GroupDirectory } from './group-directory.js';
import { GroupSeriesProbe, groupSeriesMetricProviders } from './group-series.probe.js';
import { GroupTable } from './group-table.js';
import { GroupsProbe, groupsMetricProviders } from './groups.probe.js';
import { ModernGroupCoordinator } from './modern-coordinator.js';
import { MemoryOffsetStore, OFFSET_STORE } from './offset-store.js';
import { OffsetCommitJournal } from './offset-commit-journal.js';
import { OffsetManager } from './offset-manager.js';

/**
 * Consumer groups: the classic coordinator and the consumer-protocol (KIP-848) one over one
 * table of group ids, committed offsets and their retention.
 */
@Module({
  imports: [StorageModule, WalModule, ClusterModule],
  providers: [
    GroupTable,
    GroupCoordinator,
    ModernGroupCoordinator,
    GroupDirectory,
    OffsetManager,
    GroupsProbe,
    ...groupsMetricProviders,
    GroupSeriesProbe,
    ...groupSeriesMetricProviders,
    OffsetCommitJournal,
    { provide: OFFSET_STORE, useClass: MemoryOffsetStore },
  ],
  exports: [GroupCoordinator, ModernGroupCoordinator, GroupDirectory, OffsetManager, OFFSET_STORE, OffsetCommitJournal],
})
export class GroupsModule {}
