/**
 * Log directories on a single node: there is one, `record_storage_path`, holding every
 * partition (DescribeLogDirs, AlterReplicaLogDirs).
 *
 * A partition's size is what its log holds, each batch counted once: its WAL segment files
 * (Kafka's Log.size, bytes below the log start included until their segment goes) plus the
 * batches only in memory (memory mode: not offloaded yet). In durable mode memory is a cache
 * of the log tail, so the segments hold everything. The stored batches are the producers'
 * bytes, so a partition's size is the sum of the batches produced to it, as in Kafka.
 * Offset lag is 0 (the log end is the high watermark once written) and there are no future
 * replicas. Moving a replica to the directory it is in succeeds and changes nothing; any
 * other path is LOG_DIR_NOT_FOUND.
 */
import { resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { TopicRegistry, type Topic } from '../storage/topic-registry.js';
import { isRefusal } from '../topics/refusal.js';
import { TopicsService } from '../topics/topics.service.js';
import { WalFileSystem } from '../wal/wal-file-system.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';

/** Topics and partitions a request names; null: every partition of every topic. */
export type PartitionSelection = ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }> | null;

export interface PartitionSize {
  readonly partition: number;
  readonly sizeBytes: number;
}

export interface LogDirDescription {
  /** Absolute path. */
  readonly path: string;
  /** The file system the directory is on; -1 when it cannot be read. */
  readonly totalBytes: number;
  readonly usableBytes: number;
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: readonly PartitionSize[] }>;
}

export interface ReplicaMove {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: ErrorCodeValue;
}

/**
 * Bytes of `log`: its segment files plus the memory batches past their end. Durable mode:
 * memory only caches what the segments hold. Memory mode: the memory batches still cached
 * below the segments' end (offloaded, not yet evicted) are few and at the head, so the walk
 * stops early; the rest of memory is `storedBytes`.
 */
export function partitionSizeBytes(log: PartitionLog): number {
  const segments = log.cold?.segments() ?? [];
  let segmentBytes = 0;
  for (const segment of segments) segmentBytes += segment.sizeBytes;
  if (log.isDurable) return segmentBytes;
  const cachedBytes = log.memoryBytesBetween(log.memoryStartOffset, segments.at(-1)?.nextOffset ?? 0);
  return segmentBytes + log.storedBytes - cachedBytes;
}

@Injectable()
export class LogDirsService {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly registry: TopicRegistry,
    private readonly topics: TopicsService,
    private readonly fs: WalFileSystem,
  ) {}

  get path(): string {
    return this.config.recordStoragePath;
  }

  /** The one directory, with the selected partitions that exist (unknown ones are left out, as Kafka does). */
  async describe(selection: PartitionSelection): Promise<LogDirDescription> {
    const space = await this.fs.space(this.path).catch(() => ({ capacityBytes: -1, freeBytes: -1 }));
    const topics = selection === null ? this.everyPartition() : this.selected(selection);
    return { path: this.path, totalBytes: space.capacityBytes, usableBytes: space.freeBytes, topics };
  }

  /** AlterReplicaLogDirs: where each named partition goes; this directory is the only one. */
  moveReplicas(path: string, partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }>): ReplicaMove[] {
    const here = resolve(path) === this.path;
    return partitions.map(({ topic, partition }) => {
      if (!here) return { topic, partition, errorCode: ErrorCode.LOG_DIR_NOT_FOUND };
      const log = this.topics.findPartition(topic, partition);
      return { topic, partition, errorCode: isRefusal(log) ? log.errorCode : ErrorCode.NONE };
    });
  }

  private everyPartition(): LogDirDescription['topics'] {
    return [...this.registry.all()].map((topic) => ({ name: topic.name, partitions: topic.partitions.map((log) => sizeOf(log)) }));
  }

  /** The named partitions that exist, each once, grouped by topic in the order first named (a topic with none is left out). */
  private selected(selection: NonNullable<PartitionSelection>): LogDirDescription['topics'] {
    const wanted = new Map<Topic, Set<number>>();
    for (const { topic: name, partitions } of selection) {
      const topic = this.registry.get(name);
      if (topic === undefined) continue;
      const indexes = wanted.get(topic) ?? new Set<number>();
      for (const partition of partitions) if (topic.partitions[partition] !== undefined) indexes.add(partition);
      wanted.set(topic, indexes);
    }
    return [...wanted]
      .filter(([, indexes]) => indexes.size > 0)
      .map(([topic, indexes]) => ({ name: topic.name, partitions: [...indexes].map((p) => sizeOf(topic.partitions[p]!)) }));
  }
}

function sizeOf(log: PartitionLog): PartitionSize {
  return { partition: log.partition, sizeBytes: partitionSizeBytes(log) };
}
