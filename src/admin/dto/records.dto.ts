import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from './field-rules.js';
import { DecimalNumber } from './decimal-number.js';
import { EncodingDto } from './common.dto.js';

/** Records one REST produce request may carry (they go into one record batch). */
export const PRODUCE_RECORDS_MAX = 1_000;
/** Headers one record of a REST produce request may carry. */
export const RECORD_HEADERS_MAX = 1_000;
/** Records one REST fetch may return. */
export const FETCH_LIMIT_MAX = 1_000;
export const FETCH_LIMIT_DEFAULT = 100;
/** Kafka offsets and timestamps are int64; JSON numbers are exact up to 2^53. */
const SAFE_INT_MAX = Number.MAX_SAFE_INTEGER;

/**
 * The produce body's records and headers, as the OpenAPI description shows them; the body is
 * validated by hand (produce-body.ts: class-validator took up to a second on the event loop
 * for the largest body), RecordHeaderDto also describes the headers of fetched records.
 */
export class RecordHeaderDto {
  @ApiProperty({ example: 'trace-id', minLength: 1, description: 'Header name (UTF-8)' })
  key!: string;

  @ApiProperty({ type: String, nullable: true, example: 'abc123', description: 'Header value in the request/record encoding; null for a header without value' })
  value!: string | null;
}

export class NewRecordDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'user-42', description: 'Record key; absent or null for none' })
  key?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '{"amount":12}', description: 'Record value; absent or null for a tombstone' })
  value?: string | null;

  @ApiPropertyOptional({ type: [RecordHeaderDto], maxItems: RECORD_HEADERS_MAX, description: 'Record headers, in order (a name may repeat)' })
  headers?: RecordHeaderDto[];

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: SAFE_INT_MAX, example: 1_760_000_000_000, description: 'CreateTime in milliseconds since the epoch; default: now' })
  timestamp?: number;
}

export class ProduceRecordsDto extends EncodingDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, example: 0, description: 'Target partition; default: by key hash (murmur2, as the Java client) or round-robin for records without a key' })
  partition?: number;

  @ApiProperty({ type: [NewRecordDto], minItems: 1, maxItems: PRODUCE_RECORDS_MAX, description: `1..${PRODUCE_RECORDS_MAX} records, stored as one record batch` })
  records!: NewRecordDto[];
}

export class ReadRecordsQueryDto extends EncodingDto {
  @ApiPropertyOptional({ example: 0, description: 'First offset to return; default: the log start offset (or where `timestamp` points)' })
  @OptionalNotNull()
  @DecimalNumber()
  @IsInt()
  @Min(0)
  @Max(SAFE_INT_MAX)
  offset?: number;

  @ApiPropertyOptional({ example: 1_760_000_000_000, description: 'Instead of `offset`: start at the first record whose timestamp is at or after this (ms since the epoch), as ListOffsets by time; at the high watermark when there is none' })
  @OptionalNotNull()
  @DecimalNumber()
  @IsInt()
  @Min(0)
  @Max(SAFE_INT_MAX)
  timestamp?: number;

  @ApiPropertyOptional({ example: FETCH_LIMIT_DEFAULT, default: FETCH_LIMIT_DEFAULT, description: `Most records to return (1..${FETCH_LIMIT_MAX})` })
  @OptionalNotNull()
  @DecimalNumber()
  @IsInt()
  @Min(1)
  @Max(FETCH_LIMIT_MAX)
  limit?: number;
}

export class RecordDto {
  @ApiProperty({ example: 0 })
  offset!: number;

  @ApiProperty({ example: 1_760_000_000_000, description: 'Milliseconds since the epoch' })
  timestamp!: number;

  @ApiProperty({ enum: ['CreateTime', 'LogAppendTime'], example: 'CreateTime' })
  timestampType!: 'CreateTime' | 'LogAppendTime';

  @ApiProperty({ type: String, nullable: true, example: 'user-42' })
  key!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'hello-world' })
  value!: string | null;

  @ApiProperty({ type: [RecordHeaderDto] })
  headers!: RecordHeaderDto[];

  @ApiProperty({ enum: ['utf8', 'base64'], example: 'utf8', description: 'Encoding of this record\'s key, value and header values' })
  encoding!: 'utf8' | 'base64';
}

/** The partition an answer is about: the first fields of the record routes' answers and of /purge's partitions. */
export class PartitionAnswerDto {
  @ApiProperty({ example: 'test' })
  topic!: string;

  @ApiProperty({ example: 0 })
  partition!: number;
}

export class RecordsAnswerDto extends PartitionAnswerDto {
  @ApiProperty({ example: 0, description: 'First offset still stored' })
  logStartOffset!: number;

  @ApiProperty({ example: 1, description: 'Offset after the last readable record' })
  highWatermark!: number;

  @ApiProperty({ example: 1, description: 'Offset to ask for next' })
  nextOffset!: number;

  @ApiProperty({ type: [RecordDto] })
  records!: RecordDto[];
}

export class ProducedDto extends PartitionAnswerDto {
  @ApiProperty({ example: 0, description: 'Offset of the first record; -1 when plugins dropped every record (plugin_reject_mode drop-record)' })
  baseOffset!: number;

  @ApiProperty({ example: 1, description: 'Records in the request' })
  recordCount!: number;

  @ApiProperty({ example: -1, description: 'Broker time stamped on the batch when the topic uses LogAppendTime, else -1' })
  logAppendTimeMs!: number;
}
