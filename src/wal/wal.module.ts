import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module.js';
import { WalProbe, walMetricProviders } from '../metrics/wal.probe.js';
import { StorageModule } from '../storage/storage.module.js';
import { DiskReadLimiter } from './disk-read-limiter.js';
import { OffsetCommitJournal } from './offset-commit-journal.js';
import { Offloader } from './offloader.js';
import { StorageRecovery } from './storage-recovery.js';
import { TopicCatalog } from './topic-catalog.js';
import { WalFileSystem } from './wal-file-system.js';
import { WalHealth } from './wal-health.js';
import { WalStore } from './wal-store.js';

/** The write-ahead log: segment files per partition, offload, durable appends, recovery. */
@Module({
  imports: [StorageModule, GroupsModule],
  providers: [
    WalFileSystem,
    DiskReadLimiter,
    WalHealth,
    TopicCatalog,
    WalStore,
    OffsetCommitJournal,
    Offloader,
    StorageRecovery,
    WalProbe,
    ...walMetricProviders,
  ],
  exports: [WalStore, WalHealth, Offloader, StorageRecovery],
})
export class WalModule {}
