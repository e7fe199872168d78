/**
 * The cold-tier factory storage builds every partition with (storage/cold-tier.ts): it opens
 * each new partition's PartitionWal (memory mode: files appear only when memory pressure
 * offloads; durable mode: the topic metadata is saved by TopicCatalog and the directory and
 * first segment are created with the partition), recovers them after a restart, and keeps
 * the open ones for the WalStore's fsync, checkpoint and shutdown work. It follows topic
 * changes on TopicEvents: saved configs, and a deleted topic's directories removed before a
 * topic of the same name may write there.
 */
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ConcurrencyLimit } from '../common/concurrency-limit.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { ColdTierFactory, type OpenedColdTiers, type ColdTierState } from '../storage/cold-tier.js';
import type { ProducerStateTable } from '../storage/producer-state.js';
import { ProducerIdAllocator } from '../storage/producer-ids.js';
import { TopicEvents, type TopicListener } from '../storage/topic-events.js';
import { rollAfterMs } from '../storage/topic-config.js';
import { describeTopic, type Topic } from '../storage/topic-registry.js';
import { DiskReadLimiter } from './disk-read-limiter.js';
import { PartitionWal, type PartitionWalHooks, type WalDependencies, type WalPolicy } from './partition-wal.js';
import { TopicCatalog } from './topic-catalog.js';
import { WalFileSystem } from './wal-file-system.js';
import { WalHealth } from './wal-health.js';

export const LOG_START_CHECKPOINT_FILE = 'log-start-offset';
/** Partitions recovered at the same time (libuv runs 4 file-system threads). */
const RECOVERY_PARALLELISM = 4;

export function partitionDirectoryName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

interface OpenPartition {
  readonly wal: PartitionWal;
  savedLogStart: number;
}

@Injectable()
export class PartitionWals extends ColdTierFactory implements TopicListener {
  private readonly log = new Logger('Wal');
  private readonly open = new Map<string, OpenPartition>();
  /** Directory name → removal of a deleted topic's partition still in progress. */
  private readonly vacating = new Map<string, Promise<void>>();
  private readonly recoveries = new ConcurrencyLimit(RECOVERY_PARALLELISM);
  private readonly deps: WalDependencies;
  private cutAtRecovery = 0;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
    private readonly catalog: TopicCatalog,
    private readonly health: WalHealth,
    private readonly producerIds: ProducerIdAllocator,
    limiter: DiskReadLimiter,
    clock: Clock,
    events: TopicEvents,
  ) {
    super();
    this.deps = { fs, limiter, log: this.log, clock };
    events.subscribe(this);
  }

  get durable(): boolean {
    return this.config.storageMode === 'durable';
  }

  /** Directory names of the open partitions. */
  get directoryNames(): ReadonlySet<string> {
    return new Set(this.open.keys());
  }

  /** Partitions whose last segment recovery had to cut (torn or corrupt tail). */
  get partitionsCutAtRecovery(): number {
    return this.cutAtRecovery;
  }

  /**
   * Durable mode: the topic metadata is saved first and the new partitions take no write
   * before it is on disk, so no acknowledged batch can belong to a topic recovery would not
   * know (its directory would be removed as an orphan).
   */
  openPartitions(topic: Topic, firstNewPartition: number, producers: readonly ProducerStateTable[]): OpenedColdTiers {
    const saved = this.durable ? this.catalog.save(describeTopic(topic, firstNewPartition + producers.length)) : Promise.resolve();
    const tiers = producers.map((table, i) => this.openPartition(topic, firstNewPartition + i, table, saved));
    if (!this.durable) return { tiers, persisted: undefined };
    const created = tiers.map((wal) => wal.createFirstSegment(0));
    return { tiers, persisted: Promise.all([saved, ...created]).then(() => undefined) };
  }

  recoverPartitions(topic: Topic, producers: readonly ProducerStateTable[]): Promise<ColdTierState[]> {
    return Promise.all(producers.map((table, p) => this.recoveries.run(() => this.recoverPartition(topic, p, table))));
  }

  configsChanged(topic: Topic): Promise<void> | void {
    return this.durable ? this.catalog.save(describeTopic(topic)) : undefined;
  }

  topicDeleted(topic: Topic): Promise<void> | void {
    for (let p = 0; p < topic.partitions.length; p++) {
      const name = partitionDirectoryName(topic.name, p);
      const entry = this.open.get(name);
      if (entry === undefined) continue;
      this.open.delete(name);
      const removed = entry.wal.deleteFiles();
      this.vacating.set(name, removed);
      void removed.then(() => {
        if (this.vacating.get(name) === removed) this.vacating.delete(name);
      });
    }
    return this.durable ? this.catalog.remove(topic.name) : undefined;
  }

  /** fsync every partition WAL that took writes since its last sync (fsync: interval). */
  async syncAll(): Promise<void> {
    await Promise.all([...this.open.values()].filter(({ wal }) => wal.hasUnsyncedWrites).map(({ wal }) => wal.syncNow()));
  }

  /** Durable mode: saves each partition's log start that moved since it was last saved. */
  async saveLogStarts(): Promise<void> {
    for (const [name, entry] of this.open) {
      const logStart = entry.wal.logStartOffset;
      if (logStart === entry.savedLogStart || entry.wal.failed !== null) continue;
      try {
        await this.fs.writeAtomically(join(this.config.recordStoragePath, name, LOG_START_CHECKPOINT_FILE), Buffer.from(String(logStart)), this.config.fsyncPolicy !== 'never');
        entry.savedLogStart = logStart;
      } catch (error) {
        this.health.reportFailure(error as Error, null);
      }
    }
  }

  /** Clean shutdown: every partition WAL seals its last segment and closes its files (they stay). */
  async shutdownAll(): Promise<void> {
    await Promise.all([...this.open.values()].map(({ wal }) => wal.shutdown()));
  }

  private openPartition(topic: Topic, partition: number, producers: ProducerStateTable, metadataSaved: Promise<void>): PartitionWal {
    const name = partitionDirectoryName(topic.name, partition);
    const vacated = this.vacating.get(name) ?? Promise.resolve();
    let attempts = 0;
    // The first attempt shares the topic's one metadata write; a retry (after a failure) writes it again.
    const prepare = async (): Promise<void> => {
      await vacated;
      if (attempts++ === 0) await metadataSaved;
      else if (this.durable) await this.catalog.save(describeTopic(topic));
    };
    const wal = new PartitionWal(join(this.config.recordStoragePath, name), this.policyFor(topic), this.hooksFor(producers), this.deps, prepare);
    this.open.set(name, { wal, savedLogStart: 0 });
    return wal;
  }

  private async recoverPartition(topic: Topic, partition: number, producers: ProducerStateTable): Promise<ColdTierState> {
    const name = partitionDirectoryName(topic.name, partition);
    const directory = join(this.config.recordStoragePath, name);
    const recovered = await PartitionWal.recover(directory, this.policyFor(topic), this.hooksFor(producers), this.deps, producers);
    const checkpoint = await this.readLogStart(directory);
    const highWatermark = Math.max(recovered.highWatermark, recovered.wal.segmentCount === 0 ? (checkpoint ?? 0) : 0);
    const logStartOffset = Math.min(Math.max(checkpoint ?? 0, recovered.firstOffset), highWatermark);
    recovered.wal.logStartOffset = logStartOffset;
    producers.aborted.dropBelow(logStartOffset);
    for (const { producerId } of producers.snapshot()) this.producerIds.reserveThrough(producerId);
    this.open.set(name, { wal: recovered.wal, savedLogStart: logStartOffset });
    if (recovered.cut !== null) {
      this.cutAtRecovery++;
      this.log.warn(`${directory}: cut ${recovered.cut.bytes} bytes from the last segment ${recovered.cut.reason}; log end is now ${highWatermark}`);
    }
    if (recovered.wal.segmentCount === 0) await recovered.wal.createFirstSegment(highWatermark);
    return { cold: recovered.wal, logStartOffset, highWatermark };
  }

  private policyFor(topic: Topic): WalPolicy {
    const durable = this.durable;
    return {
      segmentBytes: () => Number(topic.configs.get('segment.bytes')),
      segmentMs: () => rollAfterMs(topic.configs),
      syncEachWrite: durable && this.config.fsyncPolicy === 'always',
      syncStructure: durable && this.config.fsyncPolicy !== 'never',
      keepLastSegment: durable,
    };
  }

  private hooksFor(producers: ProducerStateTable): PartitionWalHooks {
    return {
      producerSnapshot: () => (this.durable ? Buffer.from(JSON.stringify(producers.snapshot())) : null),
      abortedTransactions: (fromOffset, toOffset) => (this.durable ? producers.aborted.between(fromOffset, toOffset) : null),
      failed: (error, wal) => this.health.reportFailure(error, wal),
    };
  }

  private async readLogStart(directory: string): Promise<number | null> {
    const bytes = await this.fs.readWhole(join(directory, LOG_START_CHECKPOINT_FILE));
    const value = bytes === null ? NaN : Number(bytes.toString('utf8').trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  }
}
