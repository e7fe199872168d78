/**
 * Owns every partition's WAL and connects it to the storage layer: each new partition gets
 * its PartitionWal as cold tier (memory mode: files appear only when memory pressure
 * offloads; durable mode: the directory and first segment are created with the partition,
 * and topic metadata is saved by TopicCatalog). Runs the fsync timer (fsync: interval) and
 * the log-start checkpoint timer, restores everything at boot (`recover`) and seals every
 * segment on a clean shutdown.
 *
 * On disk, under `record_storage_path`:
 *   `<topic>-<partition>/`                  segments (segment.ts) and, in durable mode,
 *   `<topic>-<partition>/log-start-offset`  the log start offset (decimal), saved at most
 *                                           every CHECKPOINT_INTERVAL_MS when it moved and at
 *                                           shutdown (a crash may bring back up to that much
 *                                           of already-deleted data, never lose any);
 *   `__topics/<topic>.json`                 topic metadata (topic-catalog.ts).
 * A deleted topic's directories are removed before a topic of the same name may write there.
 */
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { ProducerIdAllocator } from '../storage/producer-ids.js';
import { TopicRegistry, type Topic, type TopicLifecycleListener } from '../storage/topic-registry.js';
import { DiskReadLimiter } from './disk-read-limiter.js';
import { PartitionWal, type PartitionWalHooks, type WalDependencies, type WalPolicy } from './partition-wal.js';
import { TOPICS_DIRECTORY, TopicCatalog } from './topic-catalog.js';
import { OFFSETS_DIRECTORY, WalFileSystem } from './wal-file-system.js';
import { WalHealth } from './wal-health.js';

export const CHECKPOINT_INTERVAL_MS = 1_000;
export const LOG_START_CHECKPOINT_FILE = 'log-start-offset';
/** Partitions recovered at the same time (libuv runs 4 file-system threads). */
const RECOVERY_PARALLELISM = 4;

interface AttachedPartition {
  readonly wal: PartitionWal;
  readonly log: PartitionLog;
  savedLogStart: number;
}

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

export function partitionDirectoryName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

@Injectable()
export class WalStore implements TopicLifecycleListener, OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('Wal');
  private readonly attached = new Map<string, AttachedPartition>();
  /** Directory name → removal of a deleted topic's partition still in progress. */
  private readonly vacating = new Map<string, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly deps: WalDependencies;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
    private readonly topics: TopicRegistry,
    private readonly catalog: TopicCatalog,
    private readonly health: WalHealth,
    limiter: DiskReadLimiter,
    private readonly producerIds: ProducerIdAllocator,
  ) {
    this.deps = { fs, limiter, log: this.log, clock: () => Date.now() };
  }

  get durable(): boolean {
    return this.config.storageMode === 'durable';
  }

  onModuleInit(): void {
    this.topics.setLifecycleListener(this);
    if (this.durable) {
      if (this.config.fsyncPolicy === 'interval') this.every(this.config.fsyncIntervalMs, () => this.syncAll());
      this.every(CHECKPOINT_INTERVAL_MS, () => this.saveLogStarts());
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.attached.values()].map(({ wal }) => wal.shutdown()));
    if (this.durable) await this.saveLogStarts();
  }

  /**
   * Durable mode: the topic metadata is saved first and the new partitions take no write
   * before it is on disk, so no acknowledged batch can belong to a topic recovery would not
   * know (its directory would be removed as an orphan).
   */
  partitionsAdded(topic: Topic, firstNewPartition: number): Promise<void> | void {
    const saved = this.durable ? this.catalog.save(this.topics.describe(topic)) : Promise.resolve();
    const created: Array<Promise<void>> = [];
    for (let p = firstNewPartition; p < topic.partitions.length; p++) {
      const wal = this.open(topic, topic.partitions[p], saved);
      if (this.durable) created.push(wal.createFirstSegment(0));
    }
    if (!this.durable) return;
    return Promise.all([saved, ...created]).then(() => undefined);
  }

  configsChanged(topic: Topic): Promise<void> | void {
    return this.durable ? this.catalog.save(this.topics.describe(topic)) : undefined;
  }

  topicDeleted(topic: Topic): Promise<void> | void {
    for (let p = 0; p < topic.partitions.length; p++) {
      const name = partitionDirectoryName(topic.name, p);
      const entry = this.attached.get(name);
      if (entry === undefined) continue;
      this.attached.delete(name);
      const removed = entry.wal.destroy();
      this.vacating.set(name, removed);
      void removed.then(() => {
        if (this.vacating.get(name) === removed) this.vacating.delete(name);
      });
    }
    return this.durable ? this.catalog.remove(topic.name) : undefined;
  }

  stats(): WalStats {
    let diskBytes = 0;
    let batchesOnDisk = 0;
    let offloadedBatches = 0;
    let memoryOnlyBytes = 0;
    for (const { wal, log } of this.attached.values()) {
      diskBytes += wal.sizeBytes;
      const walBatches = wal.batchCount;
      batchesOnDisk += walBatches;
      if (this.durable) {
        offloadedBatches += Math.max(0, walBatches - log.batchCount);
      } else {
        offloadedBatches += walBatches;
        memoryOnlyBytes += log.storedBytes;
      }
    }
    return { diskBytes, batchesOnDisk, offloadedBatches, totalStoredBytes: diskBytes + memoryOnlyBytes };
  }

  /** Memory mode at boot: remove what an earlier run left (only names this layout uses). */
  async clearForMemoryMode(): Promise<number> {
    const root = this.config.recordStoragePath;
    await this.fs.makeDirectory(root);
    let removed = 0;
    for (const name of await this.fs.list(root)) {
      const ours = name === TOPICS_DIRECTORY || name === OFFSETS_DIRECTORY || /^[a-zA-Z0-9._-]+-\d+$/.test(name) || name === '.blink-write-probe';
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
    const root = this.config.recordStoragePath;
    await this.fs.makeDirectory(root);
    const described = await this.catalog.loadAll();
    const pending: Array<{ topic: Topic; partition: number }> = [];
    for (const description of described) {
      const topic = this.topics.restore(description);
      for (let p = 0; p < topic.partitions.length; p++) pending.push({ topic, partition: p });
    }
    let bytes = 0;
    let truncatedPartitions = 0;
    const next = async (): Promise<void> => {
      for (let item = pending.shift(); item !== undefined; item = pending.shift()) {
        const outcome = await this.recoverPartition(item.topic, item.partition);
        bytes += outcome.bytes;
        if (outcome.truncated) truncatedPartitions++;
      }
    };
    const partitions = pending.length;
    await Promise.all(Array.from({ length: RECOVERY_PARALLELISM }, next));
    await this.removeOrphans(new Set(this.attached.keys()));
    return { topics: described.length, partitions, bytes, truncatedPartitions };
  }

  /** fsync every partition WAL that took writes since its last sync (fsync: interval). */
  async syncAll(): Promise<void> {
    await Promise.all([...this.attached.values()].filter(({ wal }) => wal.hasUnsyncedWrites).map(({ wal }) => wal.syncNow()));
  }

  private async recoverPartition(topic: Topic, partition: number): Promise<{ bytes: number; truncated: boolean }> {
    const log = topic.partitions[partition];
    const directory = join(this.config.recordStoragePath, partitionDirectoryName(topic.name, partition));
    const recovered = await PartitionWal.recover(directory, this.policyFor(topic), this.hooksFor(log), this.deps);
    const checkpoint = await this.readLogStart(directory);
    const highWatermark = Math.max(recovered.highWatermark, recovered.wal.segmentCount === 0 ? (checkpoint ?? 0) : 0);
    const logStartOffset = Math.min(Math.max(checkpoint ?? 0, recovered.firstOffset), highWatermark);
    log.attachColdTier(recovered.wal, true, { logStartOffset, highWatermark });
    log.producers.restore([...recovered.producers].map(([producerId, entry]) => ({ producerId, epoch: entry.epoch, recent: entry.batches })));
    for (const producerId of recovered.producers.keys()) this.producerIds.reserveThrough(producerId);
    this.attached.set(partitionDirectoryName(topic.name, partition), { wal: recovered.wal, log, savedLogStart: logStartOffset });
    if (recovered.cut !== null) {
      this.log.warn(`${directory}: cut ${recovered.cut.bytes} bytes from the last segment ${recovered.cut.reason}; log end is now ${highWatermark}`);
    }
    if (recovered.wal.segmentCount === 0) await recovered.wal.createFirstSegment(highWatermark);
    return { bytes: recovered.wal.sizeBytes, truncated: recovered.cut !== null };
  }

  private open(topic: Topic, log: PartitionLog, metadataSaved: Promise<void>): PartitionWal {
    const name = partitionDirectoryName(topic.name, log.partition);
    const vacated = this.vacating.get(name) ?? Promise.resolve();
    let attempts = 0;
    // The first attempt shares the topic's one metadata write; a retry (after a failure) writes it again.
    const prepare = async (): Promise<void> => {
      await vacated;
      if (attempts++ === 0) await metadataSaved;
      else if (this.durable) await this.catalog.save(this.topics.describe(topic));
    };
    const wal = new PartitionWal(join(this.config.recordStoragePath, name), this.policyFor(topic), this.hooksFor(log), this.deps, prepare);
    log.attachColdTier(wal, this.durable);
    this.attached.set(name, { wal, log, savedLogStart: 0 });
    return wal;
  }

  private policyFor(topic: Topic): WalPolicy {
    const durable = this.durable;
    return {
      segmentBytes: () => Number(topic.configs.get('segment.bytes')),
      segmentMs: () => Number(topic.configs.get('segment.ms')),
      syncEachWrite: durable && this.config.fsyncPolicy === 'always',
      syncStructure: durable && this.config.fsyncPolicy !== 'never',
      keepLastSegment: durable,
    };
  }

  private hooksFor(log: PartitionLog): PartitionWalHooks {
    return {
      producerSnapshot: () => (this.durable ? Buffer.from(JSON.stringify(log.producers.snapshot())) : null),
      failed: (error, wal) => this.health.reportFailure(error, wal),
    };
  }

  private async readLogStart(directory: string): Promise<number | null> {
    const bytes = await this.fs.readWhole(join(directory, LOG_START_CHECKPOINT_FILE));
    const value = bytes === null ? NaN : Number(bytes.toString('utf8').trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  }

  private async saveLogStarts(): Promise<void> {
    for (const [name, entry] of this.attached) {
      const logStart = entry.log.logStartOffset;
      if (logStart === entry.savedLogStart || entry.wal.failed !== null) continue;
      try {
        await this.fs.writeAtomically(join(this.config.recordStoragePath, name, LOG_START_CHECKPOINT_FILE), Buffer.from(String(logStart)), this.config.fsyncPolicy !== 'never');
        entry.savedLogStart = logStart;
      } catch (error) {
        this.health.reportFailure(error as Error, null);
      }
    }
  }

  private async removeOrphans(known: ReadonlySet<string>): Promise<void> {
    const root = this.config.recordStoragePath;
    for (const name of await this.fs.list(root)) {
      if (name === TOPICS_DIRECTORY || name === OFFSETS_DIRECTORY || known.has(name) || !(await this.fs.isDirectory(join(root, name)))) continue;
      if (!/^[a-zA-Z0-9._-]+-\d+$/.test(name)) continue;
      this.log.warn(`${join(root, name)} belongs to no topic (deleted before a crash?): removing it`);
      await this.fs.deleteTree(join(root, name));
    }
  }

  private every(intervalMs: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      task().finally(() => {
        running = false;
      });
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}
