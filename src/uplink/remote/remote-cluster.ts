/**
 * The remote Apache Kafka cluster as the uplink uses it, through @platformatic/kafka (a
 * maintained, pure-TypeScript client: its Admin client, connection pool, SASL/TLS and wire
 * codecs). Nothing here speaks the protocol by hand: the one addition is Produce v9 built
 * with the library's own `createAPI` and `Writer`, carrying a record batch the uplink
 * prepared (a stored batch copied as it is, or rebuilt with the same codec), because the
 * library's producer only builds batches from messages. Its response is parsed by the
 * library's Produce v9 parser.
 *
 * Versions: Produce v9, InitProducerId v4, Fetch v12 (Kafka 2.7+; Kafka 4 still serves
 * them). Every call either resolves or throws a classified RemoteError; metadata (leaders)
 * is cached and refreshed after any error that may mean it is stale.
 */
import type { Admin, Broker, ClusterMetadata, Connection, ConnectionPool } from '@platformatic/kafka';
import { ErrorCode } from '../../wire/error-codes.js';
import type { KafkaLibrary } from './kafka-library.js';
import { RemoteError } from './remote-errors.js';

/** Produce's timeout_ms: how long the leader may wait for its replicas (acks=-1). */
export const PRODUCE_TIMEOUT_MS = 25_000;
/** A per-request deadline above PRODUCE_TIMEOUT_MS, so a slow acknowledgement is not cut short. */
export const REQUEST_TIMEOUT_MS = 30_000;
export const CONNECT_TIMEOUT_MS = 5_000;
/** Idempotent producers need acks=all. */
const ACKS_ALL = -1;
const READ_UNCOMMITTED = 0;
const LATEST = -1n;
const EARLIEST = -2n;

export interface RemotePartitionOffsets {
  readonly earliest: number;
  readonly latest: number;
}

export interface ProducerIdentity {
  readonly producerId: number;
  readonly producerEpoch: number;
}

/** One batch of a remote partition, as the reconciliation needs it. */
export interface RemoteBatchInfo {
  readonly baseOffset: number;
  readonly recordCount: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

/** What the uplink needs to open a connection (settings resolved, files read). */
export interface RemoteClientOptions {
  readonly clientId: string;
  readonly bootstrapServers: readonly string[];
  readonly tls?: import('node:tls').ConnectionOptions;
  readonly sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string | (() => Promise<string>) };
}

interface ProduceV9Answer {
  responses: Array<{ partitionResponses: Array<{ errorCode: number; baseOffset: bigint; errorMessage: string | null }> }>;
}

export class RemoteCluster {
  private metadataCache: ClusterMetadata | null = null;
  private readonly produceRaw;

  private constructor(
    private readonly library: KafkaLibrary,
    private readonly admin: Admin,
    private readonly pool: ConnectionPool,
  ) {
    const { createAPI, Writer, produceV9 } = library;
    const request = (batch: Buffer, topic: string, partition: number) =>
      Writer.create()
        .appendString(null)
        .appendInt16(ACKS_ALL)
        .appendInt32(PRODUCE_TIMEOUT_MS)
        .appendArray([topic], (topicWriter, name: string) => {
          topicWriter.appendString(name).appendArray([partition], (partitionWriter, index: number) => {
            partitionWriter.appendInt32(index).appendUnsignedVarInt(batch.length + 1).append(batch);
          });
        })
        .appendTaggedFields();
    this.produceRaw = createAPI<[Buffer, string, number], ProduceV9Answer>(0, 9, request, produceV9.parseResponse as never);
  }

  static open(library: KafkaLibrary, options: RemoteClientOptions): RemoteCluster {
    const connection = {
      connectTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    };
    const admin = new library.Admin({
      clientId: options.clientId,
      bootstrapBrokers: [...options.bootstrapServers],
      retries: 1,
      retryDelay: 250,
      ...connection,
    });
    const pool = new library.ConnectionPool(options.clientId, connection);
    return new RemoteCluster(library, admin, pool);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pool.close(), this.admin.close()]);
  }

  /** The cluster id (Metadata), also a reachability check. */
  async clusterId(): Promise<string> {
    const metadata = await this.call('Metadata', () => this.admin.metadata({ topics: [], forceUpdate: true }));
    return metadata.id;
  }

  /** Partition counts of the topics that exist (absent names do not). */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const existing = new Set(await this.call('ListTopics', () => this.admin.listTopics({ includeInternals: false })));
    const wanted = topics.filter((topic) => existing.has(topic));
    if (wanted.length === 0) return counts;
    const metadata = await this.metadata(wanted, true);
    for (const topic of wanted) counts.set(topic, metadata.topics.get(topic)?.partitionsCount ?? 0);
    return counts;
  }

  /** Creates the topic; resolves false when it already existed. */
  async createTopic(topic: string, partitions: number, configs: ReadonlyMap<string, string>): Promise<boolean> {
    try {
      await this.call('CreateTopics', () =>
        this.admin.createTopics({ topics: [topic], partitions, replicas: -1, configs: [...configs].map(([name, value]) => ({ name, value })) }),
      );
      this.metadataCache = null;
      return true;
    } catch (error) {
      if (error instanceof RemoteError && error.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) return false;
      throw error;
    }
  }

  async addPartitions(topic: string, total: number): Promise<void> {
    await this.call('CreatePartitions', () => this.admin.createPartitions({ topics: [{ name: topic, count: total, assignments: [] }] }));
    this.metadataCache = null;
  }

  /** Earliest and latest offset of each partition. */
  async offsets(topic: string, partitions: readonly number[]): Promise<Map<number, RemotePartitionOffsets>> {
    const list = (timestamp: bigint) =>
      this.call('ListOffsets', () => this.admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }] }));
    const [earliest, latest] = await Promise.all([list(EARLIEST), list(LATEST)]);
    const answer = new Map<number, RemotePartitionOffsets>();
    const found = (listed: typeof earliest, partition: number) => Number(listed.flatMap((t) => t.partitions).find((p) => p.partitionIndex === partition)?.offset ?? -1n);
    for (const partition of partitions) answer.set(partition, { earliest: found(earliest, partition), latest: found(latest, partition) });
    return answer;
  }

  /** A new idempotent producer id (InitProducerId without a transactional id). */
  async initProducerId(): Promise<ProducerIdentity> {
    const metadata = await this.metadata([], false);
    const brokers = [...metadata.brokers.values()];
    const answer = await this.call('InitProducerId', async () => {
      const connection = await this.pool.getFirstAvailable(brokers);
      return this.library.initProducerIdV4.api.async(connection, null, REQUEST_TIMEOUT_MS, -1n, -1);
    });
    return { producerId: Number(answer.producerId), producerEpoch: answer.producerEpoch };
  }

  /**
   * Produces one prepared record batch to the partition's leader (acks=-1); resolves with
   * the base offset the remote assigned. A duplicate of one of the producer's last batches
   * resolves with the offset it was first written at (Kafka's idempotence).
   */
  async produce(topic: string, partition: number, batch: Buffer): Promise<number> {
    const connection = await this.leaderConnection(topic, partition);
    let answer: ProduceV9Answer;
    try {
      answer = await this.produceRaw.async(connection, batch, topic, partition);
    } catch (error) {
      answer = (error as { response?: ProduceV9Answer }).response ?? this.failed(error, 'Produce');
    }
    const result = answer.responses[0]?.partitionResponses[0];
    if (result === undefined) throw new RemoteError('Produce: the response names no partition', 'retriable', null);
    if (result.errorCode !== 0) {
      if (result.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) this.metadataCache = null;
      throw RemoteError.fromCode(result.errorCode, `Produce to ${topic}-${partition}: error ${result.errorCode}${result.errorMessage ? ` (${result.errorMessage})` : ''}`);
    }
    return Number(result.baseOffset);
  }

  /** Batch headers of the partition from `offset`, up to about `maxBytes` (Fetch, read_uncommitted). */
  async batchesFrom(topic: string, partition: number, offset: number, maxBytes: number): Promise<RemoteBatchInfo[]> {
    const connection = await this.leaderConnection(topic, partition);
    const request = [{ topicId: topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, partitionMaxBytes: maxBytes }] }];
    const answer = await this.call('Fetch', () => this.library.fetchV12.api.async(connection, 0, 1, maxBytes, READ_UNCOMMITTED, 0, -1, request as never, [], ''));
    const found = answer.responses[0]?.partitions[0];
    if (found === undefined) throw new RemoteError('Fetch: the response names no partition', 'retriable', null);
    if (found.errorCode !== 0) throw RemoteError.fromCode(found.errorCode, `Fetch from ${topic}-${partition}: error ${found.errorCode}`);
    return (found.records ?? []).map((batch) => ({
      baseOffset: Number(batch.firstOffset),
      recordCount: batch.records.length,
      producerId: Number(batch.producerId),
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.firstSequence,
    }));
  }

  /** Each group's state on the remote cluster ('Dead' for a group it does not know). */
  async groupStates(groups: readonly string[]): Promise<Map<string, string>> {
    const described = await this.call('DescribeGroups', () => this.admin.describeGroups({ groups: [...groups] }));
    return new Map(groups.map((group) => [group, described.get(group)?.state ?? 'Dead']));
  }

  /** The group's committed offsets for these topics' partitions ('topic:partition' → offset; -1 when none). */
  async committedOffsets(group: string, topics: ReadonlyMap<string, readonly number[]>): Promise<Map<string, number>> {
    const request = [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes: [...partitionIndexes] }));
    const listed = await this.call('OffsetFetch', () => this.admin.listConsumerGroupOffsets({ groups: [{ groupId: group, topics: request }] }));
    const answer = new Map<string, number>();
    for (const topic of listed[0]?.topics ?? []) {
      for (const partition of topic.partitions) answer.set(`${topic.name}:${partition.partitionIndex}`, Number(partition.committedOffset));
    }
    return answer;
  }

  /** A simple commit (no member, generation -1), as Kafka's AdminClient does: only an Empty or unknown group accepts it. */
  async commitOffsets(group: string, offsets: ReadonlyMap<string, ReadonlyMap<number, number>>): Promise<void> {
    const topics = [...offsets].map(([name, partitions]) => ({ name, partitionOffsets: [...partitions].map(([partition, offset]) => ({ partition, offset: BigInt(offset) })) }));
    await this.call('OffsetCommit', () => this.admin.alterConsumerGroupOffsets({ groupId: group, topics }));
  }

  private async metadata(topics: readonly string[], forceUpdate: boolean): Promise<ClusterMetadata> {
    const cached = this.metadataCache;
    if (!forceUpdate && cached !== null && topics.every((topic) => cached.topics.has(topic))) return cached;
    const metadata = await this.call('Metadata', () => this.admin.metadata({ topics: [...topics], forceUpdate: true }));
    this.metadataCache = metadata;
    return metadata;
  }

  private async leaderConnection(topic: string, partition: number): Promise<Connection> {
    const metadata = await this.metadata([topic], false);
    const leader = metadata.topics.get(topic)?.partitions[partition]?.leader;
    const broker: Broker | undefined = leader === undefined ? undefined : metadata.brokers.get(leader);
    if (broker === undefined) {
      this.metadataCache = null;
      throw new RemoteError(`no leader known for ${topic}-${partition}`, 'retriable', null);
    }
    return this.call('connect', () => this.pool.get(broker));
  }

  private async call<T>(doing: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      return this.failed(error, doing);
    }
  }

  private failed(error: unknown, doing: string): never {
    const classified = RemoteError.from(error, doing);
    if (classified.kind !== 'refused') this.metadataCache = null;
    throw classified;
  }
}
