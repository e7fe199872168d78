/**
 * The storage routes of the seed: `/dump` (topics, partitions, offsets and what each tier
 * holds), `/allocated` (memory of the tiers and the process against the limits) and
 * `/purge` (the retention sweep now, or DeleteRecords with the TopicsService's rules, as
 * the Kafka API applies them).
 */
import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../../config/settings.js';
import { RetentionService } from '../../retention/retention.service.js';
import { MemoryAccountant } from '../../storage/memory-accountant.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { StorageRecovery } from '../../recovery/storage-recovery.js';
import { DELETE_UP_TO_HIGH_WATERMARK, TopicsService } from '../../topics/topics.service.js';
import { WalStore } from '../../wal/wal-store.js';
import type { PurgeAnswerDto, PurgeDto, PurgedPartitionDto } from '../dto/seed.dto.js';
import type { AllocatedDto, DumpDto, MemoryTierDto, WalUsageDto } from '../dto/storage.dto.js';
import { ADMIN_BODY_LIMIT_BYTES } from '../http/limits.js';
import { orThrow } from '../http/refusals.js';
import { requireStorageReady } from './storage-ready.js';
import { partitionState } from './partition-state.js';
import { RuntimeInfo } from './runtime-info.js';

@Injectable()
export class StorageReport {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly topics: TopicsService,
    private readonly accountant: MemoryAccountant,
    private readonly wal: WalStore,
    private readonly retention: RetentionService,
    private readonly recovery: StorageRecovery,
    private readonly runtime: RuntimeInfo,
  ) {}

  dump(): DumpDto {
    const stats = this.wal.stats();
    return {
      storageMode: this.config.storageMode,
      totals: {
        memory: { bytes: this.accountant.storedBytes, batches: this.accountant.storedBatches },
        wal: { bytes: stats.diskBytes, batches: stats.batchesOnDisk },
        offloadedBatches: stats.offloadedBatches,
        totalStoredBytes: stats.totalStoredBytes,
      },
      topics: this.topics.all()
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((topic) => ({ name: topic.name, id: topic.id, partitions: topic.partitions.map(partitionState) })),
    };
  }

  memoryTier(): MemoryTierDto {
    const limits = this.accountant.memoryLimits;
    const maxMemoryBytes = this.config.maxMemoryBytes;
    return {
      storedBytes: this.accountant.storedBytes,
      storedBatches: this.accountant.storedBatches,
      maxMemoryBytes,
      highWaterBytes: Number.isFinite(limits.highWaterBytes) ? limits.highWaterBytes : maxMemoryBytes,
      lowWaterBytes: Number.isFinite(limits.lowWaterBytes) ? limits.lowWaterBytes : maxMemoryBytes,
      usedRatio: this.accountant.storedBytes / maxMemoryBytes,
    };
  }

  walTier(): WalUsageDto {
    const { diskBytes, batchesOnDisk, offloadedBatches } = this.wal.stats();
    return { diskBytes, batchesOnDisk, offloadedBatches };
  }

  allocated(): AllocatedDto {
    const usage = this.runtime.memoryUsage();
    return {
      memoryTier: this.memoryTier(),
      walTier: this.walTier(),
      totalStoredBytes: this.wal.stats().totalStoredBytes,
      process: {
        rssBytes: usage.rss,
        heapUsedBytes: usage.heapUsed,
        heapTotalBytes: usage.heapTotal,
        externalBytes: usage.external,
        arrayBuffersBytes: usage.arrayBuffers,
        allocatedBytes: usage.heapUsed + usage.external,
      },
      limits: {
        maxMemoryBytes: this.config.maxMemoryBytes,
        messageMaxBytes: this.config.messageMaxBytes,
        pluginMaxMemoryBytes: this.config.pluginMaxMemoryBytes,
        restBodyLimitBytes: ADMIN_BODY_LIMIT_BYTES,
      },
    };
  }

  /** `/purge`: DeleteRecords on `topic` (one partition or all) when named, else the retention sweep. */
  async purge(request: PurgeDto): Promise<PurgeAnswerDto> {
    requireStorageReady(this.recovery.state);
    if (request.topic === undefined) {
      if (request.partition !== undefined || request.beforeOffset !== undefined) throw new BadRequestException('partition and beforeOffset need a topic');
      return this.sweep();
    }
    const topic = orThrow(this.topics.find(request.topic));
    const logs = request.partition === undefined ? topic.partitions : [orThrow(this.topics.partitionOf(topic, request.partition))];
    const results = logs.map((log) => ({ log, ...orThrow(this.topics.deleteRecords(log, request.beforeOffset ?? DELETE_UP_TO_HIGH_WATERMARK)) }));
    return {
      action: 'delete-records',
      purgedRecords: results.reduce((sum, r) => sum + r.purgedRecords, 0),
      partitions: results.filter((r) => r.purgedRecords > 0).map(({ log, lowWatermark }) => ({ topic: log.topic, partition: log.partition, logStartOffset: lowWatermark })),
    };
  }

  private async sweep(): Promise<PurgeAnswerDto> {
    const starts = new Map<PartitionLog, number>();
    for (const topic of this.topics.all()) for (const log of topic.partitions) starts.set(log, log.logStartOffset);
    const purgedRecords = await this.retention.sweep(this.runtime.nowMs());
    const partitions: PurgedPartitionDto[] = [];
    for (const [log, start] of starts) {
      if (log.logStartOffset !== start) partitions.push({ topic: log.topic, partition: log.partition, logStartOffset: log.logStartOffset });
    }
    return { action: 'retention-sweep', purgedRecords, partitions };
  }
}
