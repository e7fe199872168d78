import { Module } from '@nestjs/common';
import { ClusterAdminModule } from '../cluster-admin/cluster-admin.module.js';
import { GroupsModule } from '../groups/groups.module.js';
import { WalModule } from '../wal/wal.module.js';
import { StorageRecovery } from './storage-recovery.js';

/** The storage step of the boot: the WAL's topics and partitions, the groups' committed offsets, the node's metadata. */
@Module({
  imports: [WalModule, GroupsModule, ClusterAdminModule],
  providers: [StorageRecovery],
  exports: [StorageRecovery],
})
export class RecoveryModule {}
