import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { WalModule } from '../wal/wal.module.js';
import { TransactionCompleter } from './transaction-completer.js';
import { TransactionCoordinator } from './transaction-coordinator.js';
import { TransactionJournal } from './transaction-journal.js';
import { TransactionRecovery } from './transaction-recovery.js';
import { TransactionStore } from './transaction-store.js';
import { TransactionSweeper } from './transaction-sweeper.js';
import { TransactionalOffsets } from './transactional-offsets.js';
import { TxnProbe, txnMetricProviders } from './txn.probe.js';

/** Transactions (KIP-98): the coordinator, its journal, the markers it writes, its timers and its recovery. */
@Module({
  imports: [StorageModule, GroupsModule, WalModule],
  providers: [
    TransactionCoordinator,
    TransactionalOffsets,
    TransactionStore,
    TransactionCompleter,
    TransactionJournal,
    TransactionRecovery,
    TransactionSweeper,
    TxnProbe,
    ...txnMetricProviders,
  ],
  exports: [TransactionCoordinator, TransactionalOffsets, TransactionCompleter, TransactionRecovery, TxnProbe],
})
export class TxnModule {}
