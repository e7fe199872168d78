/**
 * The storage step of the boot, started once the application is initialised and awaited by
 * main.ts before the Kafka listeners bind (so no client sees a half-recovered log), while
 * /health/ready reports it (`state`):
 * - memory mode: the data directory is cleared (the WAL only ever held overflow);
 * - durable mode: topics and partitions are recovered (WalStore.recover), then committed
 *   consumer-group offsets (OffsetCommitJournal), the node's finalized feature levels and
 *   metadata offset (ClusterMetadataLog), the client quotas (ClientQuotas) and client metrics
 *   subscriptions (ClientMetrics), then the transaction coordinator
 *   (TransactionRecovery: ongoing transactions resumed, prepared ones completed, open
 *   transactions no coordinator state claims aborted); the time it took and what was cut
 *   are logged.
 * A recovery that fails stops the boot: serving with part of the log missing would hand
 * out offsets that already exist on disk.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ClusterMetadataLog } from '../cluster-admin/cluster-metadata-log.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { OffsetCommitJournal } from '../groups/offset-commit-journal.js';
import { TransactionRecovery } from '../txn/transaction-recovery.js';
import { ClientQuotas } from '../quotas/client-quotas.service.js';
import { ClientMetrics } from '../telemetry/client-metrics.service.js';
import { WalStore } from '../wal/wal-store.js';

export type RecoveryState = 'pending' | 'recovering' | 'done' | 'failed';

@Injectable()
export class StorageRecovery implements OnApplicationBootstrap {
  private readonly log = new Logger('StorageRecovery');
  private current: RecoveryState = 'pending';
  private finished: Promise<void> | null = null;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly store: WalStore,
    private readonly offsets: OffsetCommitJournal,
    private readonly clusterMetadata: ClusterMetadataLog,
    private readonly transactions: TransactionRecovery,
    private readonly quotas: ClientQuotas,
    private readonly telemetry: ClientMetrics,
  ) {}

  get state(): RecoveryState {
    return this.current;
  }

  onApplicationBootstrap(): void {
    void this.completed().catch(() => undefined);
  }

  /** Starts the recovery on first call; resolves when it is done, rejects if it failed. */
  completed(): Promise<void> {
    this.finished ??= this.run();
    return this.finished;
  }

  private async run(): Promise<void> {
    this.current = 'recovering';
    const startedAt = performance.now();
    try {
      if (this.config.storageMode === 'memory') {
        const removed = await this.store.clearForMemoryMode();
        if (removed > 0) this.log.log(`memory mode: cleared ${removed} entries left in ${this.config.recordStoragePath}`);
      } else {
        const report = await this.store.recover();
        const committedOffsets = await this.offsets.recover();
        await this.clusterMetadata.recover();
        const quotaEntities = await this.quotas.recover();
        const subscriptions = await this.telemetry.recover();
        const txns = await this.transactions.recover();
        const ms = Math.round(performance.now() - startedAt);
        this.log.log(
          `durable mode: recovered ${report.topics} topics, ${report.partitions} partitions, ${report.bytes} bytes, ${committedOffsets} committed offsets, ` +
            `${quotaEntities} client quota entities, ${subscriptions} client metrics subscriptions, ` +
            `${txns.transactionalIds} transactional ids (${txns.resumed} ongoing transactions resumed, ${txns.completed} completed, ${txns.orphansAborted} left open in partitions aborted) in ${ms} ms` +
            (report.truncatedPartitions > 0 ? ` (${report.truncatedPartitions} partitions had a torn or corrupt tail cut)` : ''),
        );
      }
      this.current = 'done';
    } catch (error) {
      this.current = 'failed';
      this.log.error(`storage recovery failed: ${(error as Error).message}`);
      throw error;
    }
  }
}
