import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { Clock, SystemClock } from './clock.js';
import { GroupCoordinator } from './group-coordinator.js';
import { GroupsProbe, groupsMetricProviders } from './groups.probe.js';
import { MemoryOffsetStore, OFFSET_STORE } from './offset-store.js';
import { OffsetManager } from './offset-manager.js';

/** Consumer groups: the coordinator, committed offsets and their retention. */
@Module({
  imports: [StorageModule],
  providers: [
    GroupCoordinator,
    OffsetManager,
    GroupsProbe,
    ...groupsMetricProviders,
    { provide: Clock, useClass: SystemClock },
    { provide: OFFSET_STORE, useClass: MemoryOffsetStore },
  ],
  exports: [GroupCoordinator, OffsetManager, OFFSET_STORE],
})
export class GroupsModule {}
