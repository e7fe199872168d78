/**
 * What the uplink reports (REST GET /api/v1/uplink, the cut-over answer, the dashboard
 * overview, readiness details): plain values, built by the service from its mirrors.
 */
import type { GroupSyncSummary } from './group-offset-sync.js';
import type { MirrorSnapshot } from './partition-mirror.js';

export type UplinkState = 'off' | 'starting' | 'connecting' | 'mirroring' | 'caught-up' | 'remote-unreachable';
export type CutoverState = 'none' | 'draining' | 'ready';

export interface CutoverStatus {
  readonly state: CutoverState;
  /** When produce was closed (ms since the epoch), or null. */
  readonly sinceMs: number | null;
  /** What is still in the way of "ready to switch" (empty when ready or no cut-over). */
  readonly waitingFor: readonly string[];
}

export interface UplinkStatus {
  readonly enabled: boolean;
  readonly state: UplinkState;
  readonly bootstrapServers: readonly string[];
  readonly remoteClusterId: string | null;
  readonly remoteReachable: boolean;
  readonly lastRemoteError: string | null;
  readonly topics: number;
  readonly partitions: number;
  readonly lagRecords: number;
  readonly lagSeconds: number;
  readonly mirroredRecords: number;
  /** Partitions stopped until the remote changes (refused batch, diverged log). */
  readonly stuck: readonly MirrorSnapshot[];
  /** Every mirrored partition, at most PARTITIONS_REPORTED_MAX. */
  readonly partitionDetails: readonly MirrorSnapshot[];
  readonly groups: GroupSyncSummary;
  readonly cutover: CutoverStatus;
}

export const PARTITIONS_REPORTED_MAX = 1_000;
