import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { MAX_PARTITIONS_PER_TOPIC } from '../../storage/topic-registry.js';
import { PartitionStateDto } from './storage.dto.js';
import { DecimalNumber } from './decimal-number.js';
import { IsStringMap, OptionalNotNull } from './field-rules.js';

const SAFE_INT_MAX = Number.MAX_SAFE_INTEGER;
/** More config names than a topic has (about 40): a bound, not a limit anyone meets. */
const CONFIG_NAMES_MAX = 1000;

export class TopicParams {
  @ApiProperty({ example: 'orders', description: 'Topic name' })
  @IsString()
  @IsNotEmpty()
  topic!: string;
}

export class PartitionParams extends TopicParams {
  @ApiProperty({ example: 0, description: 'Partition index' })
  @DecimalNumber()
  @IsInt({ message: 'partition must be a whole number' })
  @Min(0)
  partition!: number;
}

export class CreateTopicDto {
  @ApiProperty({ example: 'orders', description: "1-249 characters of [a-zA-Z0-9._-], not '.' or '..'" })
  @IsString()
  @Matches(/^[a-zA-Z0-9._-]{1,249}$/, { message: 'name must be 1-249 characters of [a-zA-Z0-9._-]' })
  name!: string;

  @ApiPropertyOptional({ example: 3, description: `1..${MAX_PARTITIONS_PER_TOPIC}; default: kafka_cfg_num_partitions` })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_PARTITIONS_PER_TOPIC)
  partitions?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'retention.ms': '60000', 'message.timestamp.type': 'LogAppendTime' },
    description: 'Topic configs (the names DescribeConfigs lists); values as strings',
  })
  @OptionalNotNull()
  @IsStringMap()
  configs?: Record<string, string>;
}

export class AlterTopicConfigsDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1' },
    description: 'Configs to set on the topic (IncrementalAlterConfigs SET); values as strings',
  })
  @OptionalNotNull()
  @IsStringMap()
  set?: Record<string, string>;

  @ApiPropertyOptional({ example: ['retention.ms'], description: 'Configs to return to their default (IncrementalAlterConfigs DELETE)' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(CONFIG_NAMES_MAX)
  @IsString({ each: true })
  delete?: string[];
}

export class AddPartitionsDto {
  @ApiProperty({ example: 6, description: `The new total number of partitions (more than now, at most ${MAX_PARTITIONS_PER_TOPIC})` })
  @IsInt()
  @Min(1)
  @Max(MAX_PARTITIONS_PER_TOPIC)
  count!: number;
}

export class DeleteRecordsQueryDto {
  @ApiProperty({ example: 10, description: 'Records below this offset are deleted (the log start offset moves there); at most the high watermark' })
  @DecimalNumber()
  @IsInt()
  @Min(0)
  @Max(SAFE_INT_MAX)
  beforeOffset!: number;
}

export class TopicSummaryDto {
  @ApiProperty({ example: 'orders' })
  name!: string;

  @ApiProperty({ example: '6c1e0f1a-1f59-4f0e-9a53-0c7b1a3f7d21' })
  id!: string;

  @ApiProperty({ example: 3 })
  partitionCount!: number;

  @ApiProperty({ example: 1200, description: 'Sum over partitions of highWatermark - logStartOffset' })
  records!: number;

  @ApiProperty({ example: 65_536, description: 'Record-batch bytes in memory' })
  memoryBytes!: number;

  @ApiProperty({ example: 0, description: 'Bytes of WAL segment files' })
  walBytes!: number;
}

export class TopicConfigDto {
  @ApiProperty({ example: 'retention.ms' })
  name!: string;

  @ApiProperty({ example: '300000' })
  value!: string;

  @ApiProperty({ enum: ['topic', 'default'], example: 'default', description: 'Set on the topic, or the broker default' })
  source!: 'topic' | 'default';
}

export class TopicDetailDto {
  @ApiProperty({ example: 'orders' })
  name!: string;

  @ApiProperty({ example: '6c1e0f1a-1f59-4f0e-9a53-0c7b1a3f7d21' })
  id!: string;

  @ApiProperty({ type: [PartitionStateDto] })
  partitions!: PartitionStateDto[];

  @ApiProperty({ type: [TopicConfigDto] })
  configs!: TopicConfigDto[];
}

export class DeletedTopicDto {
  @ApiProperty({ example: 'orders' })
  name!: string;

  @ApiProperty({ example: true })
  deleted!: boolean;
}

export class DeletedRecordsDto {
  @ApiProperty({ example: 'orders' })
  topic!: string;

  @ApiProperty({ example: 0 })
  partition!: number;

  @ApiProperty({ example: 10, description: 'Log start offset after the deletion' })
  logStartOffset!: number;

  @ApiProperty({ example: 10, description: 'Records that became unreadable' })
  purgedRecords!: number;
}
