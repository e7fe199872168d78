import { ApiProperty } from '@nestjs/swagger';

export class TierUsageDto {
  @ApiProperty({ example: 1_048_576, description: 'Record-batch bytes' })
  bytes!: number;

  @ApiProperty({ example: 12, description: 'Record batches' })
  batches!: number;
}

export class WalSegmentDto {
  @ApiProperty({ example: 0 })
  baseOffset!: number;

  @ApiProperty({ example: 120, description: 'Offset after the last batch of the segment' })
  nextOffset!: number;

  @ApiProperty({ example: 65_536 })
  sizeBytes!: number;

  @ApiProperty({ example: 8 })
  batchCount!: number;
}

export class WalTierDto extends TierUsageDto {
  @ApiProperty({ type: [WalSegmentDto], description: 'Segment files, oldest first' })
  segments!: WalSegmentDto[];
}

export class PartitionStateDto {
  @ApiProperty({ example: 0 })
  partition!: number;

  @ApiProperty({ example: 0, description: 'First offset still stored' })
  logStartOffset!: number;

  @ApiProperty({ example: 0, description: 'First offset held in memory (the high watermark when memory holds nothing)' })
  memoryStartOffset!: number;

  @ApiProperty({ example: 120, description: 'Offset after the last readable record' })
  highWatermark!: number;

  @ApiProperty({ example: 120, description: 'Next offset to assign (above the high watermark while durable writes are in flight)' })
  logEndOffset!: number;

  @ApiProperty({ example: 120, description: 'highWatermark - logStartOffset (offsets, including any gaps left by plugins)' })
  records!: number;

  @ApiProperty({ type: TierUsageDto, description: 'Memory tier' })
  memory!: TierUsageDto;

  @ApiProperty({ type: WalTierDto, description: 'Write-ahead log tier (in memory mode: only what memory pressure offloaded)' })
  wal!: WalTierDto;
}

export class TopicStateDto {
  @ApiProperty({ example: 'test' })
  name!: string;

  @ApiProperty({ example: '6c1e0f1a-1f59-4f0e-9a53-0c7b1a3f7d21' })
  id!: string;

  @ApiProperty({ type: [PartitionStateDto] })
  partitions!: PartitionStateDto[];
}

export class StorageTotalsDto {
  @ApiProperty({ type: TierUsageDto })
  memory!: TierUsageDto;

  @ApiProperty({ type: TierUsageDto })
  wal!: TierUsageDto;

  @ApiProperty({ example: 12, description: 'Batches held only by the WAL' })
  offloadedBatches!: number;

  @ApiProperty({ example: 2_097_152, description: 'Record-batch bytes stored across both tiers, each batch counted once' })
  totalStoredBytes!: number;
}

export class DumpDto {
  @ApiProperty({ enum: ['memory', 'durable'], example: 'memory' })
  storageMode!: 'memory' | 'durable';

  @ApiProperty({ type: StorageTotalsDto })
  totals!: StorageTotalsDto;

  @ApiProperty({ type: [TopicStateDto] })
  topics!: TopicStateDto[];
}

export class MemoryTierDto {
  @ApiProperty({ example: 1_048_576, description: 'Record-batch bytes in memory' })
  storedBytes!: number;

  @ApiProperty({ example: 12 })
  storedBatches!: number;

  @ApiProperty({ example: 1_073_741_824, description: 'max_memory' })
  maxMemoryBytes!: number;

  @ApiProperty({ example: 858_993_459, description: 'Offload to the WAL starts above this (80% of max_memory)' })
  highWaterBytes!: number;

  @ApiProperty({ example: 644_245_094, description: 'Offload stops below this (60% of max_memory)' })
  lowWaterBytes!: number;

  @ApiProperty({ example: 0.001, description: 'storedBytes / maxMemoryBytes' })
  usedRatio!: number;
}

export class WalUsageDto {
  @ApiProperty({ example: 4_194_304, description: 'Bytes of segment files' })
  diskBytes!: number;

  @ApiProperty({ example: 40 })
  batchesOnDisk!: number;

  @ApiProperty({ example: 28, description: 'Batches on disk without a copy in memory' })
  offloadedBatches!: number;
}

export class ProcessMemoryDto {
  @ApiProperty({ example: 120_000_000, description: 'Resident set size' })
  rssBytes!: number;

  @ApiProperty({ example: 40_000_000 })
  heapUsedBytes!: number;

  @ApiProperty({ example: 60_000_000 })
  heapTotalBytes!: number;

  @ApiProperty({ example: 2_000_000, description: 'Memory of Buffers and other objects outside the V8 heap' })
  externalBytes!: number;

  @ApiProperty({ example: 1_500_000 })
  arrayBuffersBytes!: number;

  @ApiProperty({ example: 42_000_000, description: 'heapUsed + external (the blink_current_allocated metric)' })
  allocatedBytes!: number;
}

export class LimitsDto {
  @ApiProperty({ example: 1_073_741_824 })
  maxMemoryBytes!: number;

  @ApiProperty({ example: 1_048_588 })
  messageMaxBytes!: number;

  @ApiProperty({ example: 67_108_864, description: 'Per plugin' })
  pluginMaxMemoryBytes!: number;

  @ApiProperty({ example: 2_097_152 })
  restBodyLimitBytes!: number;
}

export class AllocatedDto {
  @ApiProperty({ type: MemoryTierDto })
  memoryTier!: MemoryTierDto;

  @ApiProperty({ type: WalUsageDto })
  walTier!: WalUsageDto;

  @ApiProperty({ example: 5_242_880, description: 'Record-batch bytes stored across both tiers, each batch counted once' })
  totalStoredBytes!: number;

  @ApiProperty({ type: ProcessMemoryDto })
  process!: ProcessMemoryDto;

  @ApiProperty({ type: LimitsDto })
  limits!: LimitsDto;
}
