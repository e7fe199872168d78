/**
 * The pieces of the embedded consumer protocol the broker reads: the topics of a
 * ConsumerProtocolSubscription (tools/codegen/kafka-protocol/messages/ConsumerProtocolSubscription.json),
 * the metadata members of a group of protocol type "consumer" send in JoinGroup. Every version
 * (0-3) starts with `int16 version, [string] topics`; later versions only append fields, so a
 * newer version is read with the same prefix, as Kafka's own ConsumerProtocol does. The
 * admin API also reads members' assignments (`assignedPartitions`).
 */
import { KafkaReader, readInt32Element, readStringElement, type ElementReader } from '../wire/reader.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The subscribed topics, or null when the bytes are not a subscription. */
export function subscribedTopics(metadata: Buffer): string[] | null {
  try {
    const reader = new KafkaReader(metadata);
    if (reader.readInt16() < 0) return null;
    const topics = reader.readNullableArray(false, 0, readStringElement);
    return topics ?? [];
  } catch {
    return null;
  }
}

export interface AssignedPartitions {
  readonly topic: string;
  readonly partitions: number[];
}

const readAssignedTopic: ElementReader<AssignedPartitions> = (r) => ({
  topic: r.readNonNullString(false),
  partitions: r.readArray(false, 0, readInt32Element),
});

/**
 * The partitions of a ConsumerProtocolAssignment (the bytes a "consumer" group leader hands
 * each member in SyncGroup): every version (0-3) starts with `int16 version,
 * [topic: string, partitions: [int32]]`. Null when the bytes are not an assignment (another
 * protocol type, or none yet); the admin API shows members' assignments with it.
 */
export function assignedPartitions(assignment: Buffer): AssignedPartitions[] | null {
  if (assignment.length === 0) return null;
  try {
    const reader = new KafkaReader(assignment);
    if (reader.readInt16() < 0) return null;
    return reader.readArray(false, 0, readAssignedTopic);
  } catch {
    return null;
  }
}
