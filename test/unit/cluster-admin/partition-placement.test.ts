/**
 * Replica placement on one node (PartitionPlacementService) against a memory-only topic
 * registry: DescribeTopicPartitions pages and cursors as Kafka 3.9 cuts them, elections
 * that are never needed, reassignments that can only name this node; and Kafka's
 * replica-list rule (cluster/replica-assignment.ts) with its messages.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionPlacementService, type TopicPartitionsPage } from '../../../src/cluster-admin/partition-placement.service.js';
import { ClusterIdentity } from '../../../src/cluster/cluster-identity.js';
import { ListenerStatus } from '../../../src/cluster/listener-status.js';
import { replicaAssignmentProblem } from '../../../src/cluster/replica-assignment.js';
import { isRefusal } from '../../../src/topics/refusal.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { domain } from '../topics/support.js';

function placement(topics: Record<string, number>): PartitionPlacementService {
  const { registry, config } = domain();
  for (const [name, partitions] of Object.entries(topics)) registry.create(name, partitions);
  return new PartitionPlacementService(registry, new ClusterIdentity(config, new ListenerStatus()));
}

/** A page as topic → partition indexes (errors as `!code`), and the next cursor. */
function summary(page: ReturnType<PartitionPlacementService['describeTopicPartitions']>): { topics: Record<string, string>; next: string | null } {
  assert.ok(!isRefusal(page), JSON.stringify(page));
  const { topics, nextCursor } = page as TopicPartitionsPage;
  return {
    topics: Object.fromEntries(topics.map((t) => [t.name, t.errorCode === 0 ? t.partitions.map((p) => p.partition).join(',') : `!${t.errorCode}`])),
    next: nextCursor === null ? null : `${nextCursor.topic}:${nextCursor.partition}`,
  };
}

describe('DescribeTopicPartitions on one node', () => {
  const service = placement({ beta: 3, alpha: 2, gamma: 1 });

  it('describes every topic, sorted by name, this node the leader, only replica and ISR', () => {
    const page = service.describeTopicPartitions([], null, 2000) as TopicPartitionsPage;
    assert.deepEqual(page.topics.map((t) => t.name), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(page.topics[1]!.partitions, [0, 1, 2].map((partition) => ({ partition, leaderId: 1, leaderEpoch: 0, replicas: [1], isr: [1] })));
    assert.equal(page.nextCursor, null);
  });

  it('cuts pages at the partition limit: the cursor names the next partition, or the next topic at 0', () => {
    assert.deepEqual(summary(service.describeTopicPartitions(['alpha', 'beta'], null, 2)), { topics: { alpha: '0,1' }, next: 'beta:0' });
    assert.deepEqual(summary(service.describeTopicPartitions(['alpha', 'beta'], null, 3)), { topics: { alpha: '0,1', beta: '0' }, next: 'beta:1' });
    assert.deepEqual(summary(service.describeTopicPartitions(['alpha', 'beta'], { topic: 'beta', partition: 1 }, 1)), { topics: { beta: '1' }, next: 'beta:2' });
    assert.deepEqual(summary(service.describeTopicPartitions(['alpha', 'beta'], { topic: 'beta', partition: 1 }, 5)), { topics: { beta: '1,2' }, next: null });
  });

  it('clamps the limit to 1..2000 and asks each named topic once', () => {
    assert.deepEqual(summary(service.describeTopicPartitions(['alpha'], null, 0)), { topics: { alpha: '0' }, next: 'alpha:1' });
    assert.deepEqual(summary(service.describeTopicPartitions(['gamma', 'gamma', 'alpha'], null, 99_999)), { topics: { alpha: '0,1', gamma: '0' }, next: null });
  });

  it('answers unknown and illegal names per topic, at no cost to the limit (until it is reached)', () => {
    assert.deepEqual(summary(service.describeTopicPartitions(['nope', 'alpha', 'bad name'], null, 2)), { topics: { alpha: '0,1' }, next: 'bad name:0' });
    const page = service.describeTopicPartitions(['nope', 'alpha', 'bad name'], null, 3) as TopicPartitionsPage;
    assert.deepEqual(summary(page), { topics: { alpha: '0,1', 'bad name': `!${ErrorCode.INVALID_TOPIC_EXCEPTION}`, nope: `!${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}` }, next: null });
    assert.equal(page.topics.find((t) => t.name === 'nope')!.topicId, null);
  });

  it('a cursor past the partitions gives the topic with none; a cursor outside the request or negative is INVALID_REQUEST', () => {
    assert.deepEqual(summary(service.describeTopicPartitions(['alpha', 'gamma'], { topic: 'alpha', partition: 5 }, 10)), { topics: { alpha: '', gamma: '0' }, next: null });
    const outside = service.describeTopicPartitions(['alpha'], { topic: 'beta', partition: 0 }, 10);
    assert.ok(isRefusal(outside) && outside.errorCode === ErrorCode.INVALID_REQUEST && /must be included in the topics list/.test(outside.errorMessage));
    const negative = service.describeTopicPartitions([], { topic: 'alpha', partition: -1 }, 10);
    assert.ok(isRefusal(negative) && negative.errorCode === ErrorCode.INVALID_REQUEST);
  });

  it('every topic from a cursor: topics sorting before the cursor topic are left out', () => {
    assert.deepEqual(summary(service.describeTopicPartitions([], { topic: 'beta', partition: 2 }, 10)), { topics: { beta: '2', gamma: '0' }, next: null });
  });
});

describe('ElectLeaders and reassignments on one node', () => {
  const service = placement({ alpha: 2 });

  it('elections are never needed; unknown partitions and topics are named', () => {
    assert.deepEqual(service.electLeaders(0, [{ topic: 'alpha', partitions: [1, 4] }, { topic: 'nope', partitions: [0] }]), [
      { topic: 'alpha', partitions: [
        { partition: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
        { partition: 4, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such partition as alpha-4' },
      ] },
      { topic: 'nope', partitions: [{ partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such topic as nope' }] },
    ]);
    assert.deepEqual(service.electLeaders(1, null), [{ topic: 'alpha', partitions: [] }], 'all partitions: those already led are left out');
    const unknownType = service.electLeaders(2, []);
    assert.ok(isRefusal(unknownType) && unknownType.errorCode === ErrorCode.INVALID_REQUEST && unknownType.errorMessage === 'Unknown election type 2');
  });

  it('reassigning to this node is a no-op; others, empty lists and cancels are refused', () => {
    assert.equal(service.reassign('alpha', 0, [1]).errorCode, ErrorCode.NONE);
    assert.deepEqual(service.reassign('alpha', 0, [2, 1]), { partition: 0, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes broker 2, but no such broker is registered.' });
    assert.equal(service.reassign('alpha', 1, null).errorCode, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    assert.deepEqual(service.reassign('alpha', 9, [1]), { partition: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Unable to find partition alpha:9.' });
    assert.deepEqual(service.reassign('nope', 0, null), { partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Unable to find a topic named nope.' });
  });
});

describe("Kafka's replica-list rule on one node", () => {
  it('accepts [this node] only, naming the first problem in broker order', () => {
    assert.equal(replicaAssignmentProblem([1], 1), null);
    assert.equal(replicaAssignmentProblem([], 1), 'The manual partition assignment includes an empty replica list.');
    assert.equal(replicaAssignmentProblem([1, 1], 1), 'The manual partition assignment includes the broker 1 more than once.');
    assert.equal(replicaAssignmentProblem([3, -1, 1], 1), 'The manual partition assignment includes broker -1, but no such broker is registered.');
  });
});
