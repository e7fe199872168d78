/**
 * The WAL as a whole: runs the fsync timer (fsync: interval) and the log-start checkpoint
 * timer on the Clock, restores every topic at boot (`recover`) or clears what an earlier
 * memory-mode run left, reports what the WAL holds, and seals every segment on a clean
 * shutdown. Each partition's WAL is built with the partition (partition-wals.ts).
 *
 * On disk, under `record_storage_path`:
 *   `<topic>-<partition>/`                  segments (segment.ts) and, in durable mode,
 *   `<topic>-<partition>/log-start-offset`  the log start offset (decimal), saved at most
 *                                           every CHECKPOINT_INTERVAL_MS when it moved and at
 *                                           shutdown (a crash may bring back up to that much
 *                                           of what DeleteRecords or purge_on_fetch removed,
 *                                           never lose any; retention deletes files first);
 *   `__topics/<topic>.json`                 topic metadata (topic-catalog.ts);
 *   `__consumer_offsets/commits.log`        committed offsets (groups/offset-commit-journal.ts);
 *   `__cluster_metadata/metadata.json`      feature levels, metadata offset
 *                                           (cluster-admin/cluster-metadata-log.ts).
 *   `__transaction_state/`                  the transaction coordinator's journal (txn/).
 *   `__configs/`                            client quotas and client metrics subscriptions
 *                                           (wal/dynamic-config-file.ts).
 *   `__uplink/`                             the uplink's state (uplink/uplink-journal.ts).
 */
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, everyUnlessRunning, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { PartitionWals } from './partition-wals.js';
import { TOPICS_DIRECTORY, TopicCatalog } from './topic-catalog.js';
import { ACLS_DIRECTORY, CLUSTER_METADATA_DIRECTORY, DYNAMIC_CONFIGS_DIRECTORY, OFFSETS_DIRECTORY, SECURITY_DIRECTORY, TRANSACTIONS_DIRECTORY, UPLINK_DIRECTORY, WalFileSystem } from './wal-file-system.js';

export const CHECKPOINT_INTERVAL_MS = 1_000;
/** The data directory's folders that hold no partition (topic metadata, committed offsets, transactions, the node's metadata, dynamic configs, the uplink, security). */
const BLINK_DIRECTORIES: ReadonlySet<string> = new Set([TOPICS_DIRECTORY, OFFSETS_DIRECTORY, TRANSACTIONS_DIRECTORY, CLUSTER_METADATA_DIRECTORY, DYNAMIC_CONFIGS_DIRECTORY, UPLINK_DIRECTORY, SECURITY_DIRECTORY]);

/** What the WAL holds right now, for metrics. */
export interface WalStats {
  readonly diskBytes: number;
  readonly batchesOnDisk: number;
  /** Batches on disk that have no copy in memory. */
  readonly offloadedBatches: number;
  /** Record-batch bytes stored across both tiers, each batch counted once. */
  readonly totalStoredBytes: number;
}

export interface RecoveryReport {
  readonly topics: number;
  readonly partitions: number;
  readonly bytes: number;
  readonly truncatedPartitions: number;
}

@Injectable()
export class WalStore implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('Wal');
  private readonly timers: Timer[] = [];

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
    private readonly topics: TopicRegistry,
    private readonly catalog: TopicCatalog,
    private readonly wals: PartitionWals,
    private readonly clock: Clock,
  ) {}

  get durable(): boolean {
    return this.config.storageMode === 'durable';
  }

  onModuleInit(): void {
    if (!this.durable) return;
    if (this.config.fsyncPolicy === 'interval') this.timers.push(everyUnlessRunning(this.clock, this.config.fsyncIntervalMs, () => this.wals.syncAll()));
    this.timers.push(everyUnlessRunning(this.clock, CHECKPOINT_INTERVAL_MS, () => this.wals.saveLogStarts()));
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) timer.cancel();
    await this.wals.shutdownAll();
    if (this.durable) await this.wals.saveLogStarts();
  }

  stats(): WalStats {
    let diskBytes = 0;
    let batchesOnDisk = 0;
    let offloadedBatches = 0;
    let memoryOnlyBytes = 0;
    for (const topic of this.topics.all()) {
      for (const log of topic.partitions) {
        let walBatches = 0;
        for (const segment of log.cold?.segments() ?? []) {
          diskBytes += segment.sizeBytes;
          walBatches += segment.batchCount;
        }
        batchesOnDisk += walBatches;
        if (this.durable) {
          offloadedBatches += Math.max(0, walBatches - log.batchCount);
        } else {
          offloadedBatches += walBatches;
          memoryOnlyBytes += log.storedBytes;
        }
      }
    }
    return { diskBytes, batchesOnDisk, offloadedBatches, totalStoredBytes: diskBytes + memoryOnlyBytes };
  }

  /** Memory mode at boot: remove what an earlier run left (only names this layout uses; the ACLs stay). */
  async clearForMemoryMode(): Promise<number> {
    const root = this.config.recordStoragePath;
    await this.fs.makeDirectory(root);
    let removed = 0;
    for (const name of await this.fs.list(root)) {
      if (name === SECURITY_DIRECTORY || name === ACLS_DIRECTORY) continue;
      const ours = BLINK_DIRECTORIES.has(name) || /^[a-zA-Z0-9._-]+-\d+$/.test(name) || name === '.blink-write-probe';
      if (!ours) {
        this.log.warn(`${join(root, name)} is not Blink's: left in place`);
        continue;
      }
      await this.fs.deleteTree(join(root, name));
      removed++;
    }
    return removed;
  }

  /** Durable mode at boot: topics from their metadata, partitions from their segments (see partition-wal.ts). */
  async recover(): Promise<RecoveryReport> {
    await this.fs.makeDirectory(this.config.recordStoragePath);
    const described = await this.catalog.loadAll();
    const restored = await Promise.all(described.map((description) => this.topics.restore(description)));
    await this.removeOrphans(this.wals.directoryNames);
    let partitions = 0;
    let bytes = 0;
    for (const topic of restored) {
      partitions += topic.partitions.length;
      for (const log of topic.partitions) for (const segment of log.cold?.segments() ?? []) bytes += segment.sizeBytes;
    }
    return { topics: described.length, partitions, bytes, truncatedPartitions: this.wals.partitionsCutAtRecovery };
  }

  private async removeOrphans(known: ReadonlySet<string>): Promise<void> {
    const root = this.config.recordStoragePath;
    for (const name of await this.fs.list(root)) {
      if (BLINK_DIRECTORIES.has(name) || known.has(name) || !(await this.fs.isDirectory(join(root, name)))) continue;
      if (!/^[a-zA-Z0-9._-]+-\d+$/.test(name)) continue;
      this.log.warn(`${join(root, name)} belongs to no topic (deleted before a crash?): removing it`);
      await this.fs.deleteTree(join(root, name));
    }
  }
}
