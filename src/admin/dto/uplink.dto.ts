import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from './field-rules.js';
import { OptionalBody } from './common.dto.js';

/** The longest a cut-over request waits for the uplink to drain before it answers. */
export const CUTOVER_WAIT_MAX_MS = 600_000;
export const CUTOVER_WAIT_DEFAULT_MS = 30_000;

@OptionalBody()
export class CutoverRequestDto {
  @ApiPropertyOptional({ example: 30_000, description: `How long to wait for "ready to switch" before answering (ms, default ${CUTOVER_WAIT_DEFAULT_MS}, at most ${CUTOVER_WAIT_MAX_MS}); the cut-over goes on either way` })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt({ message: 'waitMs must be a whole number of milliseconds' })
  @Min(0)
  @Max(CUTOVER_WAIT_MAX_MS)
  waitMs?: number;
}

export class UplinkPartitionDto {
  @ApiProperty({ example: 'orders' }) topic!: string;
  @ApiProperty({ example: 0 }) partition!: number;
  @ApiProperty({ example: 'orders', description: 'The topic on the remote cluster (uplink_topic_prefix + name)' }) remoteTopic!: string;
  @ApiProperty({ enum: ['reconciling', 'mirroring', 'caught-up', 'retrying', 'blocked', 'diverged'], example: 'caught-up' }) status!: string;
  @ApiProperty({ example: 120, description: 'Every Blink offset below this is on the remote (or was deleted before it was copied)' }) blinkNext!: number;
  @ApiProperty({ example: 118, description: 'The remote offset the next mirrored record gets' }) remoteNext!: number;
  @ApiProperty({ example: 120 }) highWatermark!: number;
  @ApiProperty({ example: 0 }) lagRecords!: number;
  @ApiProperty({ type: String, nullable: true, example: null }) lastError!: string | null;
}

export class UplinkGroupsDto {
  @ApiProperty({ example: 3, description: 'Groups with committed offsets on mirrored partitions' }) groups!: number;
  @ApiProperty({ example: 2 }) synced!: number;
  @ApiProperty({ type: [String], example: ['billing'], description: 'Groups whose translated offsets are not on the remote yet' }) pending!: string[];
  @ApiProperty({ type: [String], example: [], description: 'Groups with members on the remote cluster: their offsets are no longer copied' }) activeOnRemote!: string[];
  @ApiProperty({ type: String, nullable: true, example: null }) lastError!: string | null;
}

export class CutoverStatusDto {
  @ApiProperty({ enum: ['none', 'draining', 'ready'], example: 'ready', description: 'ready: produce is closed, every record and group offset is on the remote: switch bootstrap.servers' })
  state!: 'none' | 'draining' | 'ready';

  @ApiProperty({ type: Number, nullable: true, example: 1_760_000_000_000 }) sinceMs!: number | null;
  @ApiProperty({ type: [String], example: [], description: 'What is still in the way of "ready"' }) waitingFor!: string[];
}

export class UplinkStatusDto {
  @ApiProperty({ example: true, description: 'uplink_bootstrap_servers is set' }) enabled!: boolean;
  @ApiProperty({ enum: ['off', 'starting', 'connecting', 'mirroring', 'caught-up', 'remote-unreachable'], example: 'caught-up' }) state!: string;
  @ApiProperty({ type: [String], example: ['kafka-1:9092'] }) bootstrapServers!: string[];
  @ApiProperty({ type: String, nullable: true, example: 'MkU3OEVBNTcwNTJENDM2Qk' }) remoteClusterId!: string | null;
  @ApiProperty({ example: true }) remoteReachable!: boolean;
  @ApiProperty({ type: String, nullable: true, example: null }) lastRemoteError!: string | null;
  @ApiProperty({ example: 2 }) topics!: number;
  @ApiProperty({ example: 6 }) partitions!: number;
  @ApiProperty({ example: 0, description: 'Offsets on mirrored topics not on the remote yet' }) lagRecords!: number;
  @ApiProperty({ example: 0, description: 'Age of the oldest record not yet mirrored (s)' }) lagSeconds!: number;
  @ApiProperty({ example: 50_000, description: 'Records mirrored since the broker started' }) mirroredRecords!: number;
  @ApiProperty({ type: [UplinkPartitionDto], description: 'Partitions stopped until the remote changes (a refused batch, a diverged remote log)' }) stuck!: UplinkPartitionDto[];
  @ApiProperty({ type: [UplinkPartitionDto], description: 'Every mirrored partition (at most 1000)' }) partitionDetails!: UplinkPartitionDto[];
  @ApiProperty({ type: UplinkGroupsDto }) groups!: UplinkGroupsDto;
  @ApiProperty({ type: CutoverStatusDto }) cutover!: CutoverStatusDto;
}
