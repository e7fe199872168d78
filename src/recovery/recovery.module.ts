import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { WalModule } from '../wal/wal.module.js';
import { StorageRecovery } from './storage-recovery.js';

/** The storage step of the boot: the WAL's topics and partitions, then the groups' committed offsets. */
@Module({
  imports: [WalModule, GroupsModule, QuotasModule, TelemetryModule],
  providers: [StorageRecovery],
  exports: [StorageRecovery],
})
export class RecoveryModule {}
