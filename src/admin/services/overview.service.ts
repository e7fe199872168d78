/**
 * The overview a plain `GET /` answers and the dashboard polls (`/api/v1/overview`): the
 * broker, request and record counters (the page turns two readings into rates), the memory
 * tier against max_memory, the WAL tier, transactions (open, committed, aborted, timed out),
 * topics with their partitions' offsets (the last stable offset too), consumer groups with
 * lag, plugin status, the clients that push telemetry (KIP-714), and the uplink to a Kafka
 * cluster. Topics and groups are capped so the answer stays small
 * on a broker with very many of them.
 */
import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../../config/settings.js';
import { MetricsReader } from './metrics-reader.js';
import { TopicRegistry } from '../../storage/topic-registry.js';
import { StorageRecovery } from '../../recovery/storage-recovery.js';
import { TxnProbe } from '../../txn/txn.probe.js';
import type { OverviewDto } from '../dto/overview.dto.js';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { GroupAdmin } from './group-admin.service.js';
import { walBytes } from './partition-state.js';
import { PluginAdmin } from './plugin-admin.service.js';
import { RuntimeInfo } from './runtime-info.js';
import { StorageReport } from './storage-report.service.js';
import { ClientMetrics } from '../../telemetry/client-metrics.service.js';
import { UplinkService } from '../../uplink/uplink.service.js';

export const OVERVIEW_TOPICS_MAX = 200;
export const OVERVIEW_GROUPS_MAX = 200;
export const OVERVIEW_TELEMETRY_CLIENTS_MAX = 20;

const COUNTERS = [
  'blink_produce_count',
  'blink_fetch_count',
  'blink_produced_records_total',
  'blink_produced_bytes_total',
  'blink_fetched_records_total',
  'blink_fetched_bytes_total',
  'blink_purged_records',
  'blink_offload_operations_total',
  'blink_connections',
] as const;

const RECOVERY_LABELS = { pending: 'recovering', recovering: 'recovering', done: 'ready', failed: 'failed' } as const;

@Injectable()
export class Overview {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly topics: TopicRegistry,
    private readonly storage: StorageReport,
    private readonly groups: GroupAdmin,
    private readonly plugins: PluginAdmin,
    private readonly metrics: MetricsReader,
    private readonly runtime: RuntimeInfo,
    private readonly cluster: ClusterIdentity,
    private readonly recovery: StorageRecovery,
    private readonly transactions: TxnProbe,
    private readonly telemetry: ClientMetrics,
    private readonly uplinkService: UplinkService,
  ) {}

  async snapshot(): Promise<OverviewDto> {
    const counters = await this.metrics.totals(COUNTERS);
    const memory = this.storage.memoryTier();
    const usage = this.runtime.memoryUsage();
    const topics = [...this.topics.all()].sort((a, b) => a.name.localeCompare(b.name));
    return {
      sampledAtMs: this.runtime.nowMs(),
      broker: {
        version: this.runtime.identity.version,
        nodeId: this.cluster.nodeId,
        uptimeMs: this.runtime.uptimeMs(),
        storageMode: this.config.storageMode,
        storage: RECOVERY_LABELS[this.recovery.state],
      },
      counters: {
        produceRequests: counters.blink_produce_count,
        fetchRequests: counters.blink_fetch_count,
        producedRecords: counters.blink_produced_records_total,
        producedBytes: counters.blink_produced_bytes_total,
        fetchedRecords: counters.blink_fetched_records_total,
        fetchedBytes: counters.blink_fetched_bytes_total,
        purgedRecords: counters.blink_purged_records,
        offloadOperations: counters.blink_offload_operations_total,
        connections: counters.blink_connections,
      },
      memory: {
        storedBytes: memory.storedBytes,
        storedBatches: memory.storedBatches,
        maxMemoryBytes: memory.maxMemoryBytes,
        highWaterBytes: memory.highWaterBytes,
        usedRatio: memory.usedRatio,
        rssBytes: usage.rss,
        allocatedBytes: usage.heapUsed + usage.external,
      },
      wal: this.storage.walTier(),
      transactions: this.transactions.counts,
      topics: topics.slice(0, OVERVIEW_TOPICS_MAX).map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((log) => ({
          partition: log.partition,
          logStartOffset: log.logStartOffset,
          highWatermark: log.highWatermark,
          lastStableOffset: log.lastStableOffset,
          memoryBytes: log.storedBytes,
          walBytes: walBytes(log),
        })),
      })),
      topicsOmitted: Math.max(0, topics.length - OVERVIEW_TOPICS_MAX),
      groups: this.groups.list().slice(0, OVERVIEW_GROUPS_MAX),
      plugins: this.plugins.list().map((p) => ({
        name: p.name,
        status: p.status,
        calls: p.counters.calls,
        refusedRecords: p.counters.rejected + p.counters.dropped,
        errors: p.counters.errors,
        lastError: p.lastError,
      })),
      telemetry: {
        subscriptions: this.telemetry.names().length,
        clients: this.telemetry.series.clientCount,
        series: this.telemetry.series.seriesCount,
        recentClients: this.telemetry.pushingClients(OVERVIEW_TELEMETRY_CLIENTS_MAX),
      },
      uplink: this.uplink(),
    };
  }

  private uplink(): OverviewDto['uplink'] {
    const status = this.uplinkService.status();
    return {
      enabled: status.enabled,
      state: status.state,
      remoteReachable: status.remoteReachable,
      lagRecords: status.lagRecords,
      lagSeconds: status.lagSeconds,
      partitions: status.partitions,
      stuckPartitions: status.stuck.length,
      pendingGroups: status.groups.pending.length,
      cutover: status.cutover.state,
    };
  }
}
