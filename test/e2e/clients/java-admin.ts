/**
 * The Java Admin client's cluster and partition operations, through the Java driver
 * (java.ts; ops in java/blink/driver/ClusterOps.java and PartitionOps.java): describeCluster,
 * describeLogDirs, describeFeatures / updateFeatures, describeMetadataQuorum,
 * unregisterBroker, describeTopics, electLeaders, alter / listPartitionReassignments,
 * describeProducers. A failure the broker answered for one item comes back as
 * "ExceptionClass: message" in place of that item's result.
 */
import { runJavaOp, type JavaClientVersion } from './java.js';

/** null: the item succeeded; else "ExceptionClass: message". */
export type Outcome = string | null;

export interface ClusterDescription {
  cluster_id: string;
  controller: number | null;
  /** "id@host:port" */
  nodes: string[];
  authorized_operations: string[] | null;
}

export interface LogDir {
  error: string | null;
  total_bytes: number | null;
  usable_bytes: number | null;
  /** "topic-partition" → replica */
  partitions: Record<string, { size: number; offset_lag: number; is_future: boolean }>;
}

export interface Features {
  /** name → [min, max] */
  supported: Record<string, [number, number]>;
  finalized: Record<string, [number, number]>;
  epoch: number | null;
}

export type UpgradeType = 'UPGRADE' | 'SAFE_DOWNGRADE' | 'UNSAFE_DOWNGRADE';

export interface QuorumReplica {
  replica_id: number;
  log_end_offset: number;
  last_fetch_timestamp: number | null;
  last_caught_up_timestamp: number | null;
}

export interface Quorum {
  leader_id: number;
  leader_epoch: number;
  high_watermark: number;
  voters: QuorumReplica[];
  observers: QuorumReplica[];
  /** node id → ["NAME://host:port"] */
  nodes: Record<string, string[]>;
}

export interface PartitionInfo {
  partition: number;
  leader: number | null;
  replicas: number[];
  isr: number[];
  elr: number[];
  last_known_elr: number[];
}

export interface TopicInfo {
  id: string;
  internal: boolean;
  partitions: PartitionInfo[];
  authorized_operations: string[] | null;
}

export interface ProducerInfo {
  producer_id: number;
  producer_epoch: number;
  last_sequence: number;
  last_timestamp: number;
  coordinator_epoch: number | null;
  current_txn_start_offset: number | null;
}

export interface Reassignment {
  topic: string;
  partition: number;
  replicas: number[] | null;
}

export interface JavaAdmin {
  describeCluster(includeAuthorizedOperations?: boolean): Promise<ClusterDescription>;
  /** broker id → log dir path → description */
  describeLogDirs(): Promise<Record<string, Record<string, LogDir>>>;
  describeFeatures(): Promise<Features>;
  updateFeatures(updates: Record<string, number>, upgradeType?: UpgradeType, validateOnly?: boolean): Promise<Record<string, Outcome>>;
  describeMetadataQuorum(): Promise<Quorum>;
  unregisterBroker(brokerId: number): Promise<Outcome>;
  describeTopics(topics: readonly string[], options?: { includeAuthorizedOperations?: boolean; partitionLimit?: number }): Promise<{ topics: Record<string, TopicInfo>; errors: Record<string, string> }>;
  /** partitions: [topic, partition] pairs, or null for every partition; "topic-partition" → outcome */
  electLeaders(partitions: ReadonlyArray<readonly [string, number]> | null, election?: 'PREFERRED' | 'UNCLEAN'): Promise<Record<string, Outcome>>;
  alterPartitionReassignments(reassignments: readonly Reassignment[]): Promise<Record<string, Outcome>>;
  listPartitionReassignments(): Promise<Record<string, unknown>>;
  describeProducers(topic: string, partition: number): Promise<ProducerInfo[]>;
}

export function javaAdmin(version: JavaClientVersion, bootstrap: string): JavaAdmin {
  const call = <T>(op: string, args: Record<string, unknown> = {}): Promise<T> => runJavaOp<T>(version, bootstrap, op, args);
  return {
    describeCluster: (includeAuthorizedOperations = false) => call('describe_cluster', { include_authorized_operations: includeAuthorizedOperations }),
    describeLogDirs: async () => (await call<{ brokers: Record<string, Record<string, LogDir>> }>('describe_log_dirs')).brokers,
    describeFeatures: () => call('describe_features'),
    updateFeatures: async (updates, upgradeType = 'UPGRADE', validateOnly = false) =>
      (await call<{ results: Record<string, Outcome> }>('update_features', { updates, upgrade_type: upgradeType, validate_only: validateOnly })).results,
    describeMetadataQuorum: () => call('describe_metadata_quorum'),
    unregisterBroker: async (brokerId) => (await call<{ error: Outcome }>('unregister_broker', { broker_id: brokerId })).error,
    describeTopics: (topics, options = {}) =>
      call('describe_topics', { topics, include_authorized_operations: options.includeAuthorizedOperations ?? false, partition_limit: options.partitionLimit ?? 2000 }),
    electLeaders: async (partitions, election = 'PREFERRED') => (await call<{ results: Record<string, Outcome> }>('elect_leaders', { partitions, election })).results,
    alterPartitionReassignments: async (reassignments) => (await call<{ results: Record<string, Outcome> }>('alter_partition_reassignments', { reassignments })).results,
    listPartitionReassignments: async () => (await call<{ reassignments: Record<string, unknown> }>('list_partition_reassignments')).reassignments,
    describeProducers: async (topic, partition) => (await call<{ producers: ProducerInfo[] }>('describe_producers', { topic, partition })).producers,
  };
}
