/**
 * @platformatic/kafka driver, in process, for the 2.x devDependency (default) or another
 * copy of the module passed in (the 1.x alias, see platformatic-1.ts).
 *
 * Its streaming consumer (consume()) always joins a group, but Consumer.fetch() sends
 * plain Fetch requests for explicit partitions and offsets without touching the group
 * coordinator; consume() below uses that. The consumer must "track" the topic so that its
 * metadata cache knows the topic id (fetch requests carry topic ids from Fetch v13).
 */
import { randomUUID } from 'node:crypto';

import * as platformatic2 from '@platformatic/kafka';

import { withTimeout } from '../harness.js';
import {
  acksFromBaseOffsets,
  CLIENT_MAX_FETCH_BYTES,
  type Ack,
  type ClientDriver,
  type ClusterView,
  type ConsumedMessage,
  type GroupDescription,
  type GroupListing,
  type Header,
  type OffsetsView,
  type PartitionRange,
  type ProduceOptions,
  type TestMessage,
} from './driver.js';

const OPERATION_TIMEOUT_MS = 45_000;
const REQUEST_TIMEOUT_MS = 15_000;
const FETCH_MAX_WAIT_MS = 500;
/** metadata(): listings tried when a listed topic was deleted before it was described. */
const METADATA_ATTEMPTS = 3;

/** The parts of the module the driver uses (typed as 2.x's). */
export type PlatformaticModule = Pick<typeof platformatic2, 'Admin' | 'Consumer' | 'ProduceAcks' | 'Producer'>;
type Consumer = platformatic2.Consumer;

export interface PlatformaticFlavour {
  /** The driver's name, also in client ids. */
  name: string;
  kafka: PlatformaticModule;
  /** Let the producer's Metadata request create missing topics (default: false). */
  autocreateTopics?: boolean;
  /** How a secured listener is reached: its `tls` and `sasl` client options, as a user passes them. */
  security?: Pick<platformatic2.BaseOptions, 'tls' | 'sasl'>;
}

export const PLATFORMATIC_2: PlatformaticFlavour = { name: 'platformatic', kafka: platformatic2 };

function baseOptions(bootstrap: string, flavour: PlatformaticFlavour, role: string) {
  return {
    ...flavour.security,
    clientId: `e2e-${flavour.name}-${role}`,
    bootstrapBrokers: [bootstrap],
    timeout: REQUEST_TIMEOUT_MS,
    connectTimeout: 5_000,
    retries: 2,
    retryDelay: 200,
  };
}

/**
 * A group state under Kafka's name ("CompletingRebalance"): 1.x reports its own upper-case
 * enum ("COMPLETING_REBALANCE"), 2.x the broker's string.
 */
function kafkaGroupState(state: string): string {
  if (!/^[A-Z_]+$/.test(state)) return state;
  return state.split('_').map((word) => word.charAt(0) + word.slice(1).toLowerCase()).join('');
}

async function withClient<C extends { close(): Promise<void> }, T>(
  clientInstance: C,
  label: string,
  work: (client: C) => Promise<T>,
): Promise<T> {
  try {
    return await withTimeout(work(clientInstance), OPERATION_TIMEOUT_MS, `platformatic ${label}`);
  } finally {
    await withTimeout(clientInstance.close(), OPERATION_TIMEOUT_MS, `platformatic close (${label})`);
  }
}

function toPlatformatic(topic: string, message: TestMessage) {
  return {
    topic,
    partition: message.partition,
    key: message.key ?? undefined,
    value: message.value,
    headers: new Map(message.headers.map(([key, value]): [Buffer, Buffer] => [Buffer.from(key, 'utf8'), value])),
  };
}

/** Fetches [start, end) of each range with Fetch requests, no group involved. */
async function fetchRanges(consumer: Consumer, topic: string, ranges: readonly PartitionRange[]): Promise<ConsumedMessage[]> {
  consumer.topics.track(topic);
  const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
  const topicMetadata = metadata.topics.get(topic);
  if (topicMetadata === undefined) throw new Error(`platformatic: no metadata for ${topic}`);
  const positions = new Map(ranges.map((r) => [r.partition, r.start]));
  const consumed: ConsumedMessage[] = [];
  const deadline = Date.now() + OPERATION_TIMEOUT_MS * 0.8;
  for (;;) {
    const pending = ranges.filter((r) => positions.get(r.partition)! < r.end);
    if (pending.length === 0) return consumed;
    if (Date.now() > deadline) {
      throw new Error(`platformatic fetch: positions ${JSON.stringify([...positions])} short of ${JSON.stringify(ranges)}`);
    }
    const leaderOf = (r: PartitionRange): number => topicMetadata.partitions[r.partition]!.leader;
    const leader = leaderOf(pending[0]!);
    const request = pending.filter((r) => leaderOf(r) === leader);
    const response = await consumer.fetch({
      node: leader,
      maxWaitTime: FETCH_MAX_WAIT_MS,
      minBytes: 1,
      maxBytes: CLIENT_MAX_FETCH_BYTES,
      topics: [
        {
          topicId: topicMetadata.id,
          partitions: request.map((r) => ({
            partition: r.partition,
            currentLeaderEpoch: -1,
            fetchOffset: BigInt(positions.get(r.partition)!),
            lastFetchedEpoch: -1,
            partitionMaxBytes: CLIENT_MAX_FETCH_BYTES,
          })),
        },
      ],
    });
    for (const topicResponse of response.responses) {
      for (const partition of topicResponse.partitions) {
        if (partition.errorCode !== 0) throw new Error(`platformatic fetch: ${topic}[${partition.partitionIndex}] error ${partition.errorCode}`);
        for (const batch of partition.records ?? []) {
          for (const record of batch.records) {
            const offset = Number(batch.firstOffset) + record.offsetDelta;
            // A fetch may return the whole batch that contains the requested offset.
            if (offset < positions.get(partition.partitionIndex)!) continue;
            consumed.push({
              partition: partition.partitionIndex,
              offset,
              key: record.key,
              value: record.value,
              headers: record.headers.map(([key, value]): Header => [key?.toString('utf8') ?? '', value ?? Buffer.alloc(0)]),
            });
            positions.set(partition.partitionIndex, offset + 1);
          }
        }
      }
    }
  }
}

/**
 * The Kafka error code per group in a failed DeleteGroups: platformatic wraps the
 * response (results: [{groupId, errorCode}]) in nested MultipleErrors/ResponseErrors.
 */
function deleteGroupsErrorCodes(error: unknown): Map<string, number> | undefined {
  const seen = new Set<unknown>();
  const visit = (node: unknown): Map<string, number> | undefined => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return undefined;
    seen.add(node);
    const results = (node as { response?: { results?: unknown } }).response?.results;
    if (Array.isArray(results)) {
      return new Map(results.map((r: { groupId: string; errorCode: number }) => [r.groupId, r.errorCode]));
    }
    for (const child of (node as { errors?: unknown[] }).errors ?? []) {
      const found = visit(child);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(error);
}

export function platformaticDriver(bootstrap: string, flavour: PlatformaticFlavour = PLATFORMATIC_2): ClientDriver {
  const { Admin, Consumer, ProduceAcks, Producer } = flavour.kafka;
  const admin = () => new Admin(baseOptions(bootstrap, flavour, 'admin'));
  const consumer = () =>
    new Consumer({
      ...baseOptions(bootstrap, flavour, 'consumer'),
      // Required by the constructor; fetch() never joins or commits to this group.
      groupId: `e2e-unused-${randomUUID()}`,
    });
  return {
    name: flavour.name,
    codecs: ['gzip', 'snappy', 'lz4', 'zstd'],
    idempotence: true,
    payloads: 'binary',
    perMessageHeaders: true,

    async metadata(): Promise<ClusterView> {
      return withClient(admin(), 'metadata', async (client) => {
        // Listing and describing are two requests: a topic deleted in between (by a test running
        // side by side) fails the second with "Unknown topic". List again then, as a later
        // listing would leave it out (the Java driver's metadata does the same).
        for (let attempt = 1; ; attempt++) {
          const names = await client.listTopics();
          try {
            const metadata = await client.metadata({ topics: names, forceUpdate: true });
            return {
              brokers: [...metadata.brokers.values()].map((b) => `${b.host}:${b.port}`),
              topics: new Map(names.map((name) => [name, metadata.topics.get(name)?.partitionsCount ?? -1])),
            };
          } catch (error) {
            const now = new Set(await client.listTopics());
            if (attempt >= METADATA_ATTEMPTS || names.every((name) => now.has(name))) throw error;
          }
        }
      });
    },

    async createTopic(topic: string, partitions: number): Promise<void> {
      const created = await withClient(admin(), `create topic ${topic}`, (client) =>
        client.createTopics({ topics: [topic], partitions, replicas: 1 }),
      );
      if (created.length !== 1 || created[0]!.name !== topic || created[0]!.partitions !== partitions) {
        throw new Error(`platformatic createTopics: unexpected answer ${JSON.stringify(created)}`);
      }
    },

    async deleteTopic(topic: string): Promise<void> {
      await withClient(admin(), `delete topic ${topic}`, (client) => client.deleteTopics({ topics: [topic] }));
    },

    async produce(topic: string, messages: readonly TestMessage[], options: ProduceOptions = {}): Promise<Ack[]> {
      const producer = new Producer({
        ...baseOptions(bootstrap, flavour, 'producer'),
        idempotent: options.idempotent ?? false,
        // Without idempotence a retried batch could be written twice: the test must see that.
        ...(options.idempotent ? {} : { retries: 0 }),
        autocreateTopics: flavour.autocreateTopics ?? false,
      });
      return withClient(producer, `send to ${topic}`, async (client) => {
        const result = await client.send({
          messages: messages.map((m) => toPlatformatic(topic, m)),
          acks: ProduceAcks.ALL,
          compression: options.compression ?? 'none',
        });
        const baseOffsets = new Map<number, number>();
        for (const entry of result.offsets ?? []) baseOffsets.set(entry.partition, Number(entry.offset));
        return acksFromBaseOffsets(messages, baseOffsets);
      });
    },

    async consume(topic: string, ranges: readonly PartitionRange[]): Promise<ConsumedMessage[]> {
      return withClient(consumer(), `fetch from ${topic}`, (client) => fetchRanges(client, topic, ranges));
    },

    async listOffsets(topic: string, partitions: number): Promise<OffsetsView> {
      return withClient(admin(), `listOffsets ${topic}`, async (client) => {
        const ask = async (timestamp: bigint): Promise<number[]> => {
          const answer = await client.listOffsets({
            topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, p) => ({ partitionIndex: p, timestamp })) }],
          });
          const offsets: number[] = [];
          for (const entry of answer.find((t) => t.name === topic)?.partitions ?? []) offsets[entry.partitionIndex] = Number(entry.offset);
          if (offsets.filter((o) => o !== undefined).length !== partitions) {
            throw new Error(`platformatic listOffsets(${timestamp}): incomplete answer ${JSON.stringify(answer, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
          }
          return offsets;
        };
        return { earliest: await ask(-2n), latest: await ask(-1n) };
      });
    },

    async listGroups(): Promise<GroupListing[]> {
      const groups = await withClient(admin(), 'listGroups', (client) => client.listGroups());
      return [...groups.values()].map((g) => ({ groupId: g.id, protocolType: g.protocolType }));
    },

    async describeGroup(groupId: string): Promise<GroupDescription> {
      const groups = await withClient(admin(), `describeGroups ${groupId}`, (client) => client.describeGroups({ groups: [groupId] }));
      const group = groups.get(groupId);
      if (group === undefined || groups.size !== 1) throw new Error(`platformatic describeGroups(${groupId}): groups ${[...groups.keys()]}`);
      return {
        groupId: group.id,
        state: kafkaGroupState(group.state),
        protocolType: group.protocolType,
        protocol: group.protocol,
        members: [...group.members.values()].map((m) => {
          const assignment: Record<string, number[]> = {};
          for (const [topic, a] of m.assignments ?? new Map()) assignment[topic] = [...a.partitions].sort((x, y) => x - y);
          return { memberId: m.id, clientId: m.clientId, clientHost: m.clientHost, assignment };
        }),
      };
    },

    async deleteGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
      try {
        await withClient(admin(), `deleteGroups ${groupIds.join(',')}`, (client) => client.deleteGroups({ groups: [...groupIds] }));
        return new Map(groupIds.map((g) => [g, 0]));
      } catch (error) {
        const codes = deleteGroupsErrorCodes(error);
        if (codes === undefined) throw error;
        return codes;
      }
    },

    async committedOffsets(groupId: string, topic: string, partitions: number): Promise<number[]> {
      const answer = await withClient(admin(), `listConsumerGroupOffsets ${groupId}`, (client) =>
        client.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, p) => p) }] }] }),
      );
      const offsets = new Array<number>(partitions).fill(-1);
      for (const group of answer) {
        if (group.groupId !== groupId) continue;
        for (const t of group.topics) {
          if (t.name !== topic) continue;
          for (const p of t.partitions) offsets[p.partitionIndex] = Number(p.committedOffset);
        }
      }
      return offsets;
    },
  };
}
