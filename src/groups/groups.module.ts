import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { WalModule } from '../wal/wal.module.js';
import { GroupCoordinator } from './group-coordinator.js';
import { GroupSeriesProbe, groupSeriesMetricProviders } from './group-series.probe.js';
import { GroupsProbe, groupsMetricProviders } from './groups.probe.js';
import { MemoryOffsetStore, OFFSET_STORE } from './offset-store.js';
import { OffsetCommitJournal } from './offset-commit-journal.js';
import { OffsetManager } from './offset-manager.js';

/** Consumer groups: the coordinator, committed offsets and their retention. */
@Module({
  imports: [StorageModule, WalModule],
  providers: [
    GroupCoordinator,
    OffsetManager,
    GroupsProbe,
    ...groupsMetricProviders,
    GroupSeriesProbe,
    ...groupSeriesMetricProviders,
    OffsetCommitJournal,
    { provide: OFFSET_STORE, useClass: MemoryOffsetStore },
  ],
  exports: [GroupCoordinator, OffsetManager, OFFSET_STORE, OffsetCommitJournal],
})
export class GroupsModule {}
