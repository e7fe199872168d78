/**
 * Kafka's rule for a replica list a client names (AlterPartitionReassignments; CreateTopics
 * and CreatePartitions assignments follow the same rule in Kafka's controller,
 * ReplicationControlManager.validateManualPartitionAssignment): not empty, every broker
 * registered, none twice. On a single node the only registered broker is this one, so the
 * only valid list is [nodeId]. Brokers are checked in ascending order, as Kafka does, so
 * the message names the same broker Kafka's would.
 */

/** Kafka's INVALID_REPLICA_ASSIGNMENT message for `replicas`, or null when they are valid. */
export function replicaAssignmentProblem(replicas: readonly number[], nodeId: number): string | null {
  if (replicas.length === 0) return 'The manual partition assignment includes an empty replica list.';
  const sorted = [...replicas].sort((a, b) => a - b);
  for (const [i, brokerId] of sorted.entries()) {
    if (brokerId !== nodeId) return `The manual partition assignment includes broker ${brokerId}, but no such broker is registered.`;
    if (i > 0 && sorted[i - 1] === brokerId) return `The manual partition assignment includes the broker ${brokerId} more than once.`;
  }
  return null;
}
