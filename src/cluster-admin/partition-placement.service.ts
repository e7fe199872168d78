/**
 * Where partitions live on a single node, as Kafka 3.9's KRaft broker and controller answer
 * for it: this node is every partition's only replica, its leader and its whole ISR, with
 * no eligible leader replicas (KIP-966) and nothing offline.
 * - DescribeTopicPartitions: topics by name (sorted, each once; none named = every topic),
 *   paginated by a partition limit (clamped to 1..2000, Kafka's
 *   max.request.partition.size.limit) and a cursor; a cursor whose topic is not asked for,
 *   or whose partition is negative, is INVALID_REQUEST for every topic.
 * - ElectLeaders: the preferred leader (and any live one) is already the leader:
 *   ELECTION_NOT_NEEDED; when every partition is asked for (null), those are left out.
 * - AlterPartitionReassignments: [this node] is a no-op, anything else is refused by Kafka's
 *   replica-list rule (cluster/replica-assignment.ts); cancelling is
 *   NO_REASSIGNMENT_IN_PROGRESS (so ListPartitionReassignments never has any to list).
 */
import { Injectable } from '@nestjs/common';
import { ClusterIdentity } from '../cluster/cluster-identity.js';
import { replicaAssignmentProblem } from '../cluster/replica-assignment.js';
import { LEADER_EPOCH } from '../storage/batch-appender.js';
import { topicNameProblem, TopicRegistry, type Topic } from '../storage/topic-registry.js';
import { refusal, type Refusal } from '../topics/refusal.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';

/** Kafka's max.request.partition.size.limit default: the most partitions one answer carries. */
export const RESPONSE_PARTITION_LIMIT_MAX = 2000;

export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

export interface PartitionPlacement {
  readonly partition: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicPlacement {
  readonly name: string;
  readonly errorCode: ErrorCodeValue;
  readonly topicId: string | null;
  readonly partitions: readonly PartitionPlacement[];
}

export interface PartitionCursor {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicPartitionsPage {
  readonly topics: readonly TopicPlacement[];
  readonly nextCursor: PartitionCursor | null;
}

export interface PartitionOutcome {
  readonly partition: number;
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string | null;
}

export interface TopicOutcomes {
  readonly topic: string;
  readonly partitions: readonly PartitionOutcome[];
}

@Injectable()
export class PartitionPlacementService {
  constructor(
    private readonly registry: TopicRegistry,
    private readonly cluster: ClusterIdentity,
  ) {}

  /** DescribeTopicPartitions: `names` empty = every topic. */
  describeTopicPartitions(names: readonly string[], cursor: PartitionCursor | null, partitionLimit: number): TopicPartitionsPage | Refusal {
    const everyTopic = names.length === 0;
    const problem = cursor === null ? null : this.cursorProblem(cursor, names, everyTopic);
    if (problem !== null) return refusal(ErrorCode.INVALID_REQUEST, problem);
    const ordered = [...new Set(everyTopic ? [...this.registry.all()].map((topic) => topic.name) : names)].sort(byCodePoint);
    const remainingNames = cursor === null ? ordered : ordered.filter((name) => byCodePoint(name, cursor.topic) >= 0);
    return this.page(remainingNames, cursor, Math.min(Math.max(partitionLimit, 1), RESPONSE_PARTITION_LIMIT_MAX));
  }

  /** ElectLeaders for `partitions` (null: every partition of every topic). */
  electLeaders(electionType: number, partitions: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }> | null): TopicOutcomes[] | Refusal {
    if (electionType !== ElectionType.PREFERRED && electionType !== ElectionType.UNCLEAN) {
      return refusal(ErrorCode.INVALID_REQUEST, `Unknown election type ${electionType}`);
    }
    if (partitions === null) {
      // Kafka lists every topic but leaves out the partitions whose leader is already the right one: all of them here.
      return [...this.registry.all()].map((topic) => ({ topic: topic.name, partitions: [] }));
    }
    return partitions.map(({ topic, partitions: indexes }) => ({
      topic,
      partitions: indexes.map((partition) => this.electionOutcome(topic, partition)),
    }));
  }

  /** AlterPartitionReassignments: `replicas` null cancels a reassignment. */
  reassign(topic: string, partition: number, replicas: readonly number[] | null): PartitionOutcome {
    const found = this.registry.get(topic);
    if (found === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${topic}.`);
    if (found.partitions[partition] === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${topic}:${partition}.`);
    if (replicas === null) return { partition, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: null };
    const problem = replicaAssignmentProblem(replicas, this.cluster.nodeId);
    if (problem !== null) return failed(partition, ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    return { partition, errorCode: ErrorCode.NONE, errorMessage: null };
  }

  private cursorProblem(cursor: PartitionCursor, names: readonly string[], everyTopic: boolean): string | null {
    if (cursor.partition < 0) return 'Cursor partition index must be non-negative.';
    if (!everyTopic && !names.includes(cursor.topic)) return `Cursor topic ${cursor.topic} must be included in the topics list.`;
    return null;
  }

  /** Topics in order from the cursor until `limit` partitions are described; unknown topics cost nothing. */
  private page(names: readonly string[], cursor: PartitionCursor | null, limit: number): TopicPartitionsPage {
    const topics: TopicPlacement[] = [];
    let remaining = limit;
    for (const name of names) {
      if (remaining === 0) return { topics, nextCursor: { topic: name, partition: 0 } };
      const topic = this.registry.get(name);
      if (topic === undefined) {
        topics.push(this.missingTopic(name));
        continue;
      }
      const first = cursor !== null && name === cursor.topic ? cursor.partition : 0;
      const partitions = this.placements(topic, first, remaining);
      topics.push({ name, errorCode: ErrorCode.NONE, topicId: topic.id, partitions });
      const next = first + partitions.length;
      if (next < topic.partitions.length) return { topics, nextCursor: { topic: name, partition: next } };
      remaining -= partitions.length;
    }
    return { topics, nextCursor: null };
  }

  private placements(topic: Topic, first: number, max: number): PartitionPlacement[] {
    const node = this.cluster.nodeId;
    const end = Math.min(topic.partitions.length, first + max);
    const placements: PartitionPlacement[] = [];
    for (let partition = first; partition < end; partition++) {
      placements.push({ partition, leaderId: node, leaderEpoch: LEADER_EPOCH, replicas: [node], isr: [node] });
    }
    return placements;
  }

  private missingTopic(name: string): TopicPlacement {
    const invalid = topicNameProblem(name) !== null;
    return {
      name,
      errorCode: invalid ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      topicId: null,
      partitions: [],
    };
  }

  private electionOutcome(topic: string, partition: number): PartitionOutcome {
    const found = this.registry.get(topic);
    if (found === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such topic as ${topic}`);
    if (found.partitions[partition] === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such partition as ${topic}-${partition}`);
    return failed(partition, ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for topic partition.');
  }
}

function failed(partition: number, errorCode: ErrorCodeValue, errorMessage: string): PartitionOutcome {
  return { partition, errorCode, errorMessage };
}

/** Java's String.compareTo for the names Kafka allows (ASCII): code-point order, not locale order. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
