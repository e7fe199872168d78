import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module.js';
import { TxnModule } from '../txn/txn.module.js';
import { WalModule } from '../wal/wal.module.js';
import { StorageRecovery } from './storage-recovery.js';

/** The storage step of the boot: the WAL's topics and partitions, the groups' committed offsets, then the transactions. */
@Module({
  imports: [WalModule, GroupsModule, TxnModule],
  providers: [StorageRecovery],
  exports: [StorageRecovery],
})
export class RecoveryModule {}
