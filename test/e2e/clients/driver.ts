/**
 * The one shape every real-client driver has, so scenarios (client-suite.ts, ring.test.ts)
 * are written once. A driver is bound to one bootstrap address; each method is one real
 * client session with its own timeout.
 */

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export type Header = [key: string, value: Buffer];

export interface TestMessage {
  key: Buffer | null;
  value: Buffer;
  headers: Header[];
  partition: number;
}

/** What the broker acknowledged for one produced message. */
export interface Ack {
  partition: number;
  offset: number;
}

export interface ConsumedMessage {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[];
  /** The record's timestamp in milliseconds (-1: none), from drivers that report it (franz-go). */
  timestampMs?: number;
}

/** Read offsets [start, end) of one partition. */
export interface PartitionRange {
  partition: number;
  start: number;
  end: number;
}

export interface ProduceOptions {
  compression?: Codec;
  idempotent?: boolean;
}

export interface ClusterView {
  /** 'host:port' of every broker in the Metadata response. */
  brokers: string[];
  /** topic name → partition count */
  topics: Map<string, number>;
}

/** Earliest and latest (log end) offset per partition, indexed by partition number. */
export interface OffsetsView {
  earliest: number[];
  latest: number[];
}

/** A consumer group as the client's admin API lists it. */
export interface GroupListing {
  groupId: string;
  protocolType: string;
  /** "classic" or "consumer" (KIP-848) where the client reports it (Java Admin). */
  type?: string;
}

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** The member's decoded consumer-protocol assignment: topic → sorted partitions. */
  assignment: Record<string, number[]>;
}

/** A consumer group as the client's admin API describes it (DescribeGroups). */
export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  /** "classic" or "consumer" (KIP-848) where the client reports it (Java Admin). */
  type?: string;
  members: GroupMemberDescription[];
}

export interface ClientDriver {
  readonly name: string;
  /** Codecs this client can produce with (as installed here). */
  readonly codecs: readonly Codec[];
  readonly idempotence: boolean;
  /** 'text': keys and values must be newline-free UTF-8 without ':' (kcat reads lines). */
  readonly payloads: 'binary' | 'text';
  /** false: all messages of one produce call must carry the same headers (kcat -H). */
  readonly perMessageHeaders: boolean;
  metadata(): Promise<ClusterView>;
  /** Absent when the client has no admin API (kcat): topics are then auto-created. */
  createTopic?(topic: string, partitions: number): Promise<void>;
  deleteTopic?(topic: string): Promise<void>;
  /** Acks are returned in the order of `messages`. */
  produce(topic: string, messages: readonly TestMessage[], options?: ProduceOptions): Promise<Ack[]>;
  /** Absent when the client can only consume through a consumer group (kafkajs). */
  consume?(topic: string, ranges: readonly PartitionRange[]): Promise<ConsumedMessage[]>;
  listOffsets(topic: string, partitions: number): Promise<OffsetsView>;

  // Consumer-group administration; absent where the client has no such API (kcat has none).
  listGroups?(): Promise<GroupListing[]>;
  describeGroup?(groupId: string): Promise<GroupDescription>;
  /** Deletes the groups; resolves with the Kafka error code per group (0 = deleted). */
  deleteGroups?(groupIds: readonly string[]): Promise<Map<string, number>>;
  /** The group's committed offset per partition 0..partitions-1 (-1 where none is committed). */
  committedOffsets?(groupId: string, topic: string, partitions: number): Promise<number[]>;
  /** Commits offsets[p] for partition p without joining the group (a simple commit, generation -1). */
  commitOffsets?(groupId: string, topic: string, offsets: readonly number[]): Promise<void>;
}

/**
 * Client-side size limits used by every driver, so one 1 MiB message fits: producers may
 * send messages up to this size and consumers fetch up to this much per partition. The
 * broker under test is started with MESSAGE_MAX_BYTES=2MB.
 */
export const CLIENT_MAX_MESSAGE_BYTES = 2_000_000;
export const CLIENT_MAX_FETCH_BYTES = 4 * 1024 * 1024;

/**
 * Offsets acknowledged for `messages` when the client reports one base offset per
 * partition and request: message i gets base + (its index among the messages of the same
 * partition in that request). kafkajs and @platformatic/kafka report acks this way.
 */
export function acksFromBaseOffsets(
  messages: readonly TestMessage[],
  baseOffsets: ReadonlyMap<number, number>,
): Ack[] {
  const seen = new Map<number, number>();
  return messages.map((message) => {
    const base = baseOffsets.get(message.partition);
    if (base === undefined) throw new Error(`no acknowledgement for partition ${message.partition}`);
    const index = seen.get(message.partition) ?? 0;
    seen.set(message.partition, index + 1);
    return { partition: message.partition, offset: base + index };
  });
}
