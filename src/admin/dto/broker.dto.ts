import { ApiProperty } from '@nestjs/swagger';

export class ListenerDto {
  @ApiProperty({ enum: ['kafka', 'rest'], example: 'kafka' })
  protocol!: 'kafka' | 'rest';

  @ApiProperty({ example: '0.0.0.0', description: 'Bind address' })
  host!: string;

  @ApiProperty({ example: 9092 })
  port!: number;

  @ApiProperty({ example: 'localhost', description: 'Host name Metadata gives Kafka clients (REST: the bind address)' })
  advertisedHost!: string;

  @ApiProperty({ example: true, description: 'Accepting connections now' })
  bound!: boolean;
}

export class FeatureDto {
  @ApiProperty({ example: 'group.version' })
  name!: string;

  @ApiProperty({ example: 0, description: 'Lowest level this broker supports' })
  minLevel!: number;

  @ApiProperty({ example: 1, description: 'Highest level this broker supports' })
  maxLevel!: number;

  @ApiProperty({ example: 1, description: 'Finalized level (0: not finalized); kafka-features upgrade and downgrade change it' })
  finalizedLevel!: number;
}

export class BrokerDto {
  @ApiProperty({ example: 1 })
  nodeId!: number;

  @ApiProperty({ example: 'BlinkSingleNodeCluster' })
  clusterId!: string;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ example: '2025-01-01T00:00:00.000Z' })
  startedAt!: string;

  @ApiProperty({ example: 3_600_000 })
  uptimeMs!: number;

  @ApiProperty({ enum: ['memory', 'durable'], example: 'memory' })
  storageMode!: 'memory' | 'durable';

  @ApiProperty({ example: true })
  consumerGroupsEnabled!: boolean;

  @ApiProperty({ example: false, description: 'Whether the REST API asks for a bearer token (admin_token)' })
  adminTokenRequired!: boolean;

  @ApiProperty({ type: [ListenerDto] })
  listeners!: ListenerDto[];

  @ApiProperty({ type: [FeatureDto], description: 'Kafka feature flags (KIP-584), as ApiVersions and kafka-features describe report them' })
  features!: FeatureDto[];
}

export class BrokerConfigDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Effective settings under their settings.yaml names, secrets redacted',
    example: { max_memory: '1GB', retention: '5m', rest_port: 30004, admin_token: null },
  })
  settings!: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Configs a new topic gets unless it sets its own',
    example: { 'retention.ms': '300000', 'max.message.bytes': '1048588' },
  })
  topicDefaults!: Record<string, string>;
}

export class RouteDto {
  @ApiProperty({ example: 'GET' })
  method!: string;

  @ApiProperty({ example: '/api/v1/topics/:topic', description: 'Fastify path pattern' })
  url!: string;
}
