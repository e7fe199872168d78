import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNotEmpty, IsString, Max, Min, ValidateIf } from 'class-validator';
import { OptionalNotNull } from './field-rules.js';
import { GROUP_STATES, type GroupState } from '../../groups/consumer-group.js';
import { DecimalNumber } from './decimal-number.js';

export const RESET_TARGETS = ['earliest', 'latest', 'timestamp'] as const;
export type ResetTarget = (typeof RESET_TARGETS)[number];

export class GroupParams {
  @ApiProperty({ example: 'billing', description: 'Consumer group id' })
  @IsString()
  @IsNotEmpty()
  groupId!: string;
}

export class ResetOffsetsDto {
  @ApiProperty({ enum: RESET_TARGETS, example: 'earliest', description: 'Where to move the committed offsets' })
  @IsIn(RESET_TARGETS, { message: `to must be one of ${RESET_TARGETS.join(', ')}` })
  to!: ResetTarget;

  @ApiPropertyOptional({ example: 1_760_000_000_000, description: 'With to=timestamp: the first offset whose record timestamp is at or after this (ms); the high watermark where there is none' })
  @ValidateIf((dto: ResetOffsetsDto) => dto.to === 'timestamp' || dto.timestamp !== undefined)
  @DecimalNumber()
  @IsInt({ message: 'timestamp must be a whole number of milliseconds (required with to=timestamp)' })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  timestamp?: number;

  @ApiPropertyOptional({ type: [String], example: ['orders'], description: 'Topics to reset (every partition of each); default: every topic the group has committed offsets for' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(1_000)
  @IsString({ each: true })
  topics?: string[];
}

export class GroupSummaryDto {
  @ApiProperty({ example: 'billing' })
  groupId!: string;

  @ApiProperty({ enum: GROUP_STATES, example: 'Stable' })
  state!: GroupState;

  @ApiProperty({ example: 'consumer', description: 'Empty for a group that only stores offsets' })
  protocolType!: string;

  @ApiProperty({ example: 2 })
  members!: number;

  @ApiProperty({ example: 15, nullable: true, type: Number, description: 'Sum of the lag of its committed partitions; null when it has none' })
  totalLag!: number | null;
}

export class AssignedTopicDto {
  @ApiProperty({ example: 'orders' })
  topic!: string;

  @ApiProperty({ type: [Number], example: [0, 1] })
  partitions!: number[];
}

export class GroupMemberDto {
  @ApiProperty({ example: 'consumer-1-4f0e9a53' })
  memberId!: string;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Static membership id' })
  groupInstanceId!: string | null;

  @ApiProperty({ example: 'consumer-1' })
  clientId!: string;

  @ApiProperty({ example: '/127.0.0.1' })
  clientHost!: string;

  @ApiProperty({ type: [AssignedTopicDto], description: 'Partitions assigned to the member (consumer protocol, while Stable)' })
  assignment!: AssignedTopicDto[];
}

export class GroupOffsetDto {
  @ApiProperty({ example: 'orders' })
  topic!: string;

  @ApiProperty({ example: 0 })
  partition!: number;

  @ApiProperty({ example: 95 })
  committedOffset!: number;

  @ApiProperty({ example: 100, nullable: true, type: Number, description: 'null when the partition no longer exists' })
  highWatermark!: number | null;

  @ApiProperty({ example: 5, nullable: true, type: Number, description: 'highWatermark - committedOffset (at least 0); null when the partition no longer exists' })
  lag!: number | null;

  @ApiProperty({ example: '' })
  metadata!: string;
}

export class GroupDetailDto {
  @ApiProperty({ example: 'billing' })
  groupId!: string;

  @ApiProperty({ enum: GROUP_STATES, example: 'Stable' })
  state!: GroupState;

  @ApiProperty({ example: 'consumer' })
  protocolType!: string;

  @ApiProperty({ example: 'range', description: 'The chosen assignor while Stable, else empty' })
  protocol!: string;

  @ApiProperty({ example: 3 })
  generationId!: number;

  @ApiProperty({ type: [GroupMemberDto] })
  members!: GroupMemberDto[];

  @ApiProperty({ type: [GroupOffsetDto] })
  offsets!: GroupOffsetDto[];

  @ApiProperty({ example: 5, nullable: true, type: Number })
  totalLag!: number | null;
}

export class ResetOffsetDto {
  @ApiProperty({ example: 'orders' })
  topic!: string;

  @ApiProperty({ example: 0 })
  partition!: number;

  @ApiProperty({ example: 95, nullable: true, type: Number, description: 'Committed offset before the reset; null when there was none' })
  previousOffset!: number | null;

  @ApiProperty({ example: 0 })
  offset!: number;
}

export class ResetOffsetsAnswerDto {
  @ApiProperty({ example: 'billing' })
  groupId!: string;

  @ApiProperty({ enum: RESET_TARGETS, example: 'earliest' })
  to!: ResetTarget;

  @ApiProperty({ type: [ResetOffsetDto] })
  offsets!: ResetOffsetDto[];
}

export class DeletedGroupDto {
  @ApiProperty({ example: 'billing' })
  groupId!: string;

  @ApiProperty({ example: true })
  deleted!: boolean;
}
