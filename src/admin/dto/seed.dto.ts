/**
 * Requests and answers of the routes the seed README documents (`/produce`, `/fetch`,
 * `/purge`, `/version`, `/dump`, `/allocated`). Form fields and query parameters arrive as
 * strings; `@DecimalNumber()` turns the numeric ones into numbers before validation.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { OptionalNotNull } from './field-rules.js';
import { DecimalNumber } from './decimal-number.js';
import { EncodingDto, OptionalBody } from './common.dto.js';
import { PartitionAnswerDto, ReadRecordsQueryDto } from './records.dto.js';

const SAFE_INT_MAX = Number.MAX_SAFE_INTEGER;

export class ProduceFormDto extends EncodingDto {
  @ApiProperty({ example: 'test', description: 'Topic; created if it does not exist and auto_create_topics is on' })
  @IsString()
  @IsNotEmpty()
  topic!: string;

  @ApiPropertyOptional({ example: 0, description: 'Partition; default: by key hash, or round-robin without a key' })
  @OptionalNotNull()
  @DecimalNumber()
  @IsInt()
  @Min(0)
  partition?: number;

  @ApiPropertyOptional({ example: 'user-42', description: 'Record key' })
  @OptionalNotNull()
  @IsString()
  key?: string;

  @ApiProperty({ example: 'hello-world', description: 'Record value (UTF-8, or base64 with encoding=base64)' })
  @IsString()
  value!: string;

  @ApiPropertyOptional({ example: 1_760_000_000_000, description: 'CreateTime in milliseconds since the epoch; default: now' })
  @OptionalNotNull()
  @DecimalNumber()
  @IsInt()
  @Min(0)
  @Max(SAFE_INT_MAX)
  timestamp?: number;
}

/** The seed's `GET /fetch`: a topic (and partition) plus the record-reading options of /api/v1. */
export class FetchQueryDto extends ReadRecordsQueryDto {
  @ApiProperty({ example: 'test' })
  @IsString()
  @IsNotEmpty()
  topic!: string;

  @ApiPropertyOptional({ example: 0, default: 0 })
  @OptionalNotNull()
  @DecimalNumber()
  @IsInt()
  @Min(0)
  partition?: number;
}

@OptionalBody()
export class PurgeDto {
  @ApiPropertyOptional({ example: 'test', description: 'Delete records of this topic (DeleteRecords); without it, run the retention sweep now' })
  @OptionalNotNull()
  @IsString()
  @IsNotEmpty()
  topic?: string;

  @ApiPropertyOptional({ example: 0, description: 'Only this partition of `topic`; default: all of them' })
  @OptionalNotNull()
  @DecimalNumber()
  @IsInt()
  @Min(0)
  partition?: number;

  @ApiPropertyOptional({ example: 10, description: 'Delete records below this offset; default: all (the high watermark)' })
  @OptionalNotNull()
  @DecimalNumber()
  @IsInt()
  @Min(0)
  @Max(SAFE_INT_MAX)
  beforeOffset?: number;
}

export class PurgedPartitionDto extends PartitionAnswerDto {
  @ApiProperty({ example: 10, description: 'Log start offset after the purge' })
  logStartOffset!: number;
}

export class PurgeAnswerDto {
  @ApiProperty({ enum: ['retention-sweep', 'delete-records'], example: 'retention-sweep' })
  action!: 'retention-sweep' | 'delete-records';

  @ApiProperty({ example: 42, description: 'Records removed' })
  purgedRecords!: number;

  @ApiProperty({ type: [PurgedPartitionDto], description: 'Partitions whose log start offset moved' })
  partitions!: PurgedPartitionDto[];
}

export class VersionDto {
  @ApiProperty({ example: 'blink' })
  name!: string;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ example: 'v24.11.0', description: 'Node.js version running the broker' })
  node!: string;

  @ApiProperty({ example: 'linux-x64' })
  platform!: string;

  @ApiProperty({ example: '2025-01-01T00:00:00.000Z' })
  startedAt!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Effective settings under their settings.yaml names, secrets redacted',
    example: { max_memory: '1GB', retention: '5m', broker_ports: [9092, 9094], rest_port: 30004, admin_token: '[redacted]' },
  })
  settings!: Record<string, unknown>;
}
