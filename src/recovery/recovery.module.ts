import { Module } from '@nestjs/common';
import { ClusterAdminModule } from '../cluster-admin/cluster-admin.module.js';
import { GroupsModule } from '../groups/groups.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { TxnModule } from '../txn/txn.module.js';
import { WalModule } from '../wal/wal.module.js';
import { StorageRecovery } from './storage-recovery.js';

/** The storage step of the boot: the WAL's topics and partitions, the groups' committed offsets, the node's metadata, then the transactions. */
@Module({
  imports: [WalModule, GroupsModule, ClusterAdminModule, TxnModule, QuotasModule, TelemetryModule],
  providers: [StorageRecovery],
  exports: [StorageRecovery],
})
export class RecoveryModule {}
