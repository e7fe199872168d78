/**
 * The metadata quorum of a single node, as Kafka 3.9's KRaft leader describes it
 * (KafkaRaftClient.handleDescribeQuorumRequest): one voter, this node, the leader, caught up
 * with itself; no observers. The log it leads is `__cluster_metadata-0`; its end offset is
 * the ClusterMetadataLog's (the high watermark: every change is committed at once). Asked
 * for any other topic or partition, or for more than that one, every partition named is
 * UNKNOWN_TOPIC_OR_PARTITION.
 * The voter has no directory id (kraft.version 0: a static quorum). The leader epoch is 1:
 * the one election the single voter ever wins.
 *
 * UnregisterBroker: this node is the only registered broker. Unregistering it is accepted,
 * as Kafka accepts it and the running broker registers again at once; any other id is
 * BROKER_ID_NOT_REGISTERED.
 */
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ClusterIdentity } from '../cluster/cluster-identity.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { ClusterMetadataLog } from './cluster-metadata-log.js';

export const METADATA_TOPIC = '__cluster_metadata';
export const METADATA_PARTITION = 0;
export const QUORUM_LEADER_EPOCH = 1;
export const NO_DIRECTORY_ID = '00000000-0000-0000-0000-000000000000';

export interface QuorumReplica {
  readonly replicaId: number;
  readonly directoryId: string;
  readonly logEndOffset: number;
  /** The leader's clock when the replica last fetched; the leader itself: now. */
  readonly lastFetchTimestamp: number;
  readonly lastCaughtUpTimestamp: number;
}

export interface QuorumState {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly voters: readonly QuorumReplica[];
  readonly observers: readonly QuorumReplica[];
}

@Injectable()
export class QuorumService {
  constructor(
    private readonly cluster: ClusterIdentity,
    private readonly metadata: ClusterMetadataLog,
    private readonly clock: Clock,
  ) {}

  /** True when a request names exactly the metadata log's one partition (anything else is refused whole). */
  isMetadataPartition(topics: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>): boolean {
    const [only] = topics;
    return topics.length === 1 && only!.topic === METADATA_TOPIC && only!.partitions.length === 1 && only!.partitions[0] === METADATA_PARTITION;
  }

  describe(): QuorumState {
    const endOffset = this.metadata.lastOffset + 1;
    const now = this.clock.nowMs();
    const self: QuorumReplica = {
      replicaId: this.cluster.nodeId,
      directoryId: NO_DIRECTORY_ID,
      logEndOffset: endOffset,
      lastFetchTimestamp: now,
      lastCaughtUpTimestamp: now,
    };
    return { leaderId: this.cluster.nodeId, leaderEpoch: QUORUM_LEADER_EPOCH, highWatermark: endOffset, voters: [self], observers: [] };
  }

  unregisterBroker(brokerId: number): { errorCode: ErrorCodeValue; errorMessage: string | null } {
    if (brokerId === this.cluster.nodeId) return { errorCode: ErrorCode.NONE, errorMessage: null };
    return { errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, errorMessage: `Broker ID ${brokerId} is not registered: this single node is broker ${this.cluster.nodeId}` };
  }
}
