import { Global, Module } from '@nestjs/common';
import { ColdTierFactory } from '../storage/cold-tier.js';
import { StorageModule } from '../storage/storage.module.js';
import { WalProbe, walMetricProviders } from './wal.probe.js';
import { DiskReadLimiter } from './disk-read-limiter.js';
import { DynamicConfigFiles } from './dynamic-config-file.js';
import { Offloader } from './offloader.js';
import { PartitionWals } from './partition-wals.js';
import { TopicCatalog } from './topic-catalog.js';
import { WalFileSystem } from './wal-file-system.js';
import { WalHealth } from './wal-health.js';
import { WalStore } from './wal-store.js';

/**
 * The write-ahead log: segment files per partition, offload, durable appends, recovery.
 * Global so that storage's TopicRegistry receives the ColdTierFactory token it declares
 * without importing this module (storage sits below the WAL).
 */
@Global()
@Module({
  imports: [StorageModule],
  providers: [
    WalFileSystem,
    DynamicConfigFiles,
    DiskReadLimiter,
    WalHealth,
    TopicCatalog,
    PartitionWals,
    { provide: ColdTierFactory, useExisting: PartitionWals },
    WalStore,
    Offloader,
    WalProbe,
    ...walMetricProviders,
  ],
  exports: [ColdTierFactory, WalStore, WalHealth, Offloader, WalFileSystem, DynamicConfigFiles],
})
export class WalModule {}
