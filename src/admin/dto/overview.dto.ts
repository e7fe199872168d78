import { ApiProperty } from '@nestjs/swagger';
import { GroupSummaryDto } from './groups.dto.js';

export class OverviewBrokerDto {
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ example: 1 }) nodeId!: number;
  @ApiProperty({ example: 3_600_000 }) uptimeMs!: number;
  @ApiProperty({ enum: ['memory', 'durable'], example: 'memory' }) storageMode!: 'memory' | 'durable';
  @ApiProperty({ example: 'ready', enum: ['ready', 'recovering', 'failed'], description: 'Storage recovery state' }) storage!: string;
}

export class OverviewCountersDto {
  @ApiProperty({ example: 1200, description: 'Kafka Produce requests (blink_produce_count)' }) produceRequests!: number;
  @ApiProperty({ example: 3400, description: 'Kafka Fetch requests (blink_fetch_count)' }) fetchRequests!: number;
  @ApiProperty({ example: 50_000, description: 'Records appended (blink_produced_records_total)' }) producedRecords!: number;
  @ApiProperty({ example: 5_000_000, description: 'Record-batch bytes appended (blink_produced_bytes_total)' }) producedBytes!: number;
  @ApiProperty({ example: 48_000, description: 'Records returned by consumers\' fetches (blink_fetched_records_total)' }) fetchedRecords!: number;
  @ApiProperty({ example: 4_800_000, description: 'Record-batch bytes returned by consumers\' fetches (blink_fetched_bytes_total)' }) fetchedBytes!: number;
  @ApiProperty({ example: 10_000, description: 'Records removed by retention, purges and DeleteRecords (blink_purged_records)' }) purgedRecords!: number;
  @ApiProperty({ example: 3, description: 'Offloads to the WAL (blink_offload_operations_total)' }) offloadOperations!: number;
  @ApiProperty({ example: 4, description: 'Open Kafka connections (blink_connections)' }) connections!: number;
}

export class OverviewMemoryDto {
  @ApiProperty({ example: 1_048_576 }) storedBytes!: number;
  @ApiProperty({ example: 12 }) storedBatches!: number;
  @ApiProperty({ example: 1_073_741_824 }) maxMemoryBytes!: number;
  @ApiProperty({ example: 858_993_459 }) highWaterBytes!: number;
  @ApiProperty({ example: 0.001 }) usedRatio!: number;
  @ApiProperty({ example: 120_000_000 }) rssBytes!: number;
  @ApiProperty({ example: 42_000_000 }) allocatedBytes!: number;
}

export class OverviewWalDto {
  @ApiProperty({ example: 4_194_304 }) diskBytes!: number;
  @ApiProperty({ example: 40 }) batchesOnDisk!: number;
  @ApiProperty({ example: 28 }) offloadedBatches!: number;
}

export class OverviewPartitionDto {
  @ApiProperty({ example: 0 }) partition!: number;
  @ApiProperty({ example: 0 }) logStartOffset!: number;
  @ApiProperty({ example: 120 }) highWatermark!: number;
  @ApiProperty({ example: 118, description: 'Where read_committed consumers stop: the first offset of the oldest open transaction, else the high watermark (lag = highWatermark - lastStableOffset)' })
  lastStableOffset!: number;
  @ApiProperty({ example: 65_536 }) memoryBytes!: number;
  @ApiProperty({ example: 0 }) walBytes!: number;
}

export class OverviewTransactionsDto {
  @ApiProperty({ example: 2, description: 'Transactions begun and not yet ended (blink_transactions_open)' }) open!: number;
  @ApiProperty({ example: 940, description: 'Transactions committed (blink_transactions_committed_total)' }) committed!: number;
  @ApiProperty({ example: 12, description: 'Transactions aborted, timeouts included (blink_transactions_aborted_total)' }) aborted!: number;
  @ApiProperty({ example: 1, description: 'Transactions the broker aborted at their timeout (blink_transactions_timed_out_total)' }) timedOut!: number;
}

export class OverviewTopicDto {
  @ApiProperty({ example: 'orders' }) name!: string;
  @ApiProperty({ type: [OverviewPartitionDto] }) partitions!: OverviewPartitionDto[];
}

export class OverviewPluginDto {
  @ApiProperty({ example: 'content-filter' }) name!: string;
  @ApiProperty({ example: 'running' }) status!: string;
  @ApiProperty({ example: 120 }) calls!: number;
  @ApiProperty({ example: 2 }) refusedRecords!: number;
  @ApiProperty({ example: 0 }) errors!: number;
  @ApiProperty({ type: String, nullable: true, example: null }) lastError!: string | null;
}

export class OverviewTelemetryClientDto {
  @ApiProperty({ example: 'orders-producer' }) clientId!: string;
  @ApiProperty({ example: 'uK9vB3kTTWqgQ0a1b2c3dA', description: 'KIP-714 client instance id, as clients print it' }) clientInstanceId!: string;
  @ApiProperty({ example: 'apache-kafka-java' }) softwareName!: string;
  @ApiProperty({ example: '4.1.0' }) softwareVersion!: string;
  @ApiProperty({ example: '10.0.0.7:51234' }) sourceAddress!: string;
  @ApiProperty({ example: 1_760_000_000_000 }) lastPushMs!: number;
  @ApiProperty({ example: 5000 }) pushIntervalMs!: number;
  @ApiProperty({ example: 42, description: 'Series of this client on /prometheus' }) series!: number;
  @ApiProperty({ example: { 'request latency avg (ms)': 1.5 }, description: 'A few key metrics, when the client pushes them (largest over nodes)', type: 'object', additionalProperties: { type: 'number' } })
  keyMetrics!: Record<string, number>;
}

export class OverviewTelemetryDto {
  @ApiProperty({ example: 2, description: 'CLIENT_METRICS subscriptions' }) subscriptions!: number;
  @ApiProperty({ example: 3, description: 'Clients whose pushed metrics are on /prometheus' }) clients!: number;
  @ApiProperty({ example: 120 }) series!: number;
  @ApiProperty({ type: [OverviewTelemetryClientDto], description: 'The clients that pushed most recently, at most 20' }) recentClients!: OverviewTelemetryClientDto[];
}

export class OverviewUplinkDto {
  @ApiProperty({ example: false, description: 'uplink_bootstrap_servers is set (docs/UPLINK.md)' }) enabled!: boolean;
  @ApiProperty({ enum: ['off', 'starting', 'connecting', 'mirroring', 'caught-up', 'remote-unreachable'], example: 'off' }) state!: string;
  @ApiProperty({ example: false }) remoteReachable!: boolean;
  @ApiProperty({ example: 0, description: 'Offsets on mirrored topics not on the remote cluster yet' }) lagRecords!: number;
  @ApiProperty({ example: 0, description: 'Age of the oldest record not yet mirrored (s)' }) lagSeconds!: number;
  @ApiProperty({ example: 0 }) partitions!: number;
  @ApiProperty({ example: 0, description: 'Partitions stopped until the remote changes' }) stuckPartitions!: number;
  @ApiProperty({ example: 0, description: 'Groups whose offsets are not on the remote yet' }) pendingGroups!: number;
  @ApiProperty({ enum: ['none', 'draining', 'ready'], example: 'none' }) cutover!: string;
}

export class OverviewDto {
  @ApiProperty({ example: 1_760_000_000_000, description: 'When this snapshot was taken (ms); rates are computed from two snapshots' })
  sampledAtMs!: number;

  @ApiProperty({ type: OverviewBrokerDto }) broker!: OverviewBrokerDto;
  @ApiProperty({ type: OverviewCountersDto }) counters!: OverviewCountersDto;
  @ApiProperty({ type: OverviewMemoryDto }) memory!: OverviewMemoryDto;
  @ApiProperty({ type: OverviewWalDto }) wal!: OverviewWalDto;
  @ApiProperty({ type: OverviewTransactionsDto }) transactions!: OverviewTransactionsDto;

  @ApiProperty({ type: [OverviewTopicDto], description: 'Topics in name order, at most the first 200' })
  topics!: OverviewTopicDto[];

  @ApiProperty({ example: 0, description: 'Topics left out of `topics`' })
  topicsOmitted!: number;

  @ApiProperty({ type: [GroupSummaryDto], description: 'Consumer groups, at most the first 200' })
  groups!: GroupSummaryDto[];

  @ApiProperty({ type: [OverviewPluginDto] })
  plugins!: OverviewPluginDto[];

  @ApiProperty({ type: OverviewTelemetryDto, description: 'Client telemetry (KIP-714): the clients that push metrics' })
  telemetry!: OverviewTelemetryDto;
  @ApiProperty({ type: OverviewUplinkDto, description: 'The uplink to a Kafka cluster' })
  uplink!: OverviewUplinkDto;
}
