import { Module } from '@nestjs/common';
import { WalProbe, walMetricProviders } from './wal.probe.js';
import { StorageModule } from '../storage/storage.module.js';
import { DiskReadLimiter } from './disk-read-limiter.js';
import { Offloader } from './offloader.js';
import { TopicCatalog } from './topic-catalog.js';
import { WalFileSystem } from './wal-file-system.js';
import { WalHealth } from './wal-health.js';
import { WalStore } from './wal-store.js';

/** The write-ahead log: segment files per partition, offload, durable appends, recovery. */
@Module({
  imports: [StorageModule],
  providers: [
    WalFileSystem,
    DiskReadLimiter,
    WalHealth,
    TopicCatalog,
    WalStore,
    Offloader,
    WalProbe,
    ...walMetricProviders,
  ],
  exports: [WalStore, WalHealth, Offloader, WalFileSystem],
})
export class WalModule {}
