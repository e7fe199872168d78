/**
 * kafkajs 2.2.4 driver, in process.
 *
 * kafkajs has no group-less consumer (every Consumer joins a group), so this driver has no
 * consume(); the tests read kafkajs-produced data with another client.
 * kafkajs ships only a gzip codec and lets applications register the others
 * (CompressionCodecs, as the kafkajs-snappy/-lz4/-zstd packages do). Node 24's zlib has
 * zstd, so zstd is registered here from node:zlib; snappy and lz4 would need packages that
 * are not installed.
 */
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';

import kafkajs from './kafkajs-lib.js';
import type { Admin, IHeaders, Kafka as KafkaClient, Message } from 'kafkajs';

import { withTimeout } from '../harness.js';
import {
  acksFromBaseOffsets,
  type Ack,
  type ClientDriver,
  type ClusterView,
  type Codec,
  type GroupDescription,
  type GroupListing,
  type OffsetsView,
  type ProduceOptions,
  type TestMessage,
} from './driver.js';

const { Kafka, CompressionTypes, CompressionCodecs, logLevel, AssignerProtocol } = kafkajs;

const OPERATION_TIMEOUT_MS = 45_000;
const REQUEST_TIMEOUT_MS = 15_000;

CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    return zstdCompressSync(encoder.buffer);
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return zstdDecompressSync(buffer);
  },
});

const COMPRESSION: Record<Codec, number> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

function client(bootstrap: string): KafkaClient {
  return new Kafka({
    clientId: 'e2e-kafkajs',
    brokers: [bootstrap],
    connectionTimeout: 5_000,
    requestTimeout: REQUEST_TIMEOUT_MS,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  });
}

/** kafkajs takes headers as an object: order is insertion order (keys must not look like integers). */
function toKafkajs(message: TestMessage): Message {
  const headers: IHeaders = {};
  for (const [key, value] of message.headers) {
    if (key in headers) throw new Error(`kafkajs driver: duplicate header key ${key}`);
    headers[key] = value;
  }
  return { key: message.key, value: message.value, headers, partition: message.partition };
}

async function withAdmin<T>(bootstrap: string, label: string, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = client(bootstrap).admin();
  await withTimeout(admin.connect(), OPERATION_TIMEOUT_MS, `kafkajs admin connect (${label})`);
  try {
    return await withTimeout(work(admin), OPERATION_TIMEOUT_MS, `kafkajs ${label}`);
  } finally {
    await withTimeout(admin.disconnect(), OPERATION_TIMEOUT_MS, `kafkajs admin disconnect (${label})`);
  }
}

export function kafkajsDriver(bootstrap: string): ClientDriver {
  return {
    name: 'kafkajs',
    codecs: ['gzip', 'zstd'],
    idempotence: true,
    payloads: 'binary',
    perMessageHeaders: true,

    async metadata(): Promise<ClusterView> {
      return withAdmin(bootstrap, 'metadata', async (admin) => {
        const cluster = await admin.describeCluster();
        const { topics } = await admin.fetchTopicMetadata();
        return {
          brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`),
          topics: new Map(topics.map((t) => [t.name, t.partitions.length])),
        };
      });
    },

    async createTopic(topic: string, partitions: number): Promise<void> {
      const created = await withAdmin(bootstrap, `create topic ${topic}`, (admin) =>
        admin.createTopics({
          topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
          waitForLeaders: true,
          timeout: REQUEST_TIMEOUT_MS,
        }),
      );
      if (!created) throw new Error(`kafkajs createTopics: ${topic} was not created (it already existed)`);
    },

    async deleteTopic(topic: string): Promise<void> {
      await withAdmin(bootstrap, `delete topic ${topic}`, (admin) =>
        admin.deleteTopics({ topics: [topic], timeout: REQUEST_TIMEOUT_MS }),
      );
    },

    async produce(topic: string, messages: readonly TestMessage[], options: ProduceOptions = {}): Promise<Ack[]> {
      const idempotent = options.idempotent ?? false;
      const producer = client(bootstrap).producer({
        idempotent,
        allowAutoTopicCreation: false,
        // The idempotent producer requires retries and one request in flight; the plain one
        // gets no retries, so a batch written twice would show up in the test.
        ...(idempotent ? { maxInFlightRequests: 1, retry: { retries: 5 } } : { retry: { retries: 0 } }),
      });
      await withTimeout(producer.connect(), OPERATION_TIMEOUT_MS, 'kafkajs producer connect');
      try {
        const metadata = await withTimeout(
          producer.send({
            topic,
            messages: messages.map(toKafkajs),
            acks: -1,
            timeout: REQUEST_TIMEOUT_MS,
            compression: COMPRESSION[options.compression ?? 'none'],
          }),
          OPERATION_TIMEOUT_MS,
          `kafkajs send to ${topic}`,
        );
        const baseOffsets = new Map<number, number>();
        for (const record of metadata) {
          if (record.errorCode !== 0) throw new Error(`kafkajs send: partition ${record.partition} error ${record.errorCode}`);
          baseOffsets.set(record.partition, Number(record.baseOffset));
        }
        return acksFromBaseOffsets(messages, baseOffsets);
      } finally {
        await withTimeout(producer.disconnect(), OPERATION_TIMEOUT_MS, 'kafkajs producer disconnect');
      }
    },

    async listOffsets(topic: string, partitions: number): Promise<OffsetsView> {
      const offsets = await withAdmin(bootstrap, `fetchTopicOffsets ${topic}`, (admin) => admin.fetchTopicOffsets(topic));
      const view: OffsetsView = { earliest: [], latest: [] };
      for (const entry of offsets) {
        view.earliest[entry.partition] = Number(entry.low);
        view.latest[entry.partition] = Number(entry.high);
      }
      if (offsets.length !== partitions) throw new Error(`kafkajs fetchTopicOffsets: ${offsets.length} partitions, expected ${partitions}`);
      return view;
    },

    async listGroups(): Promise<GroupListing[]> {
      const { groups } = await withAdmin(bootstrap, 'listGroups', (admin) => admin.listGroups());
      return groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType }));
    },

    async describeGroup(groupId: string): Promise<GroupDescription> {
      const { groups } = await withAdmin(bootstrap, `describeGroups ${groupId}`, (admin) => admin.describeGroups([groupId]));
      if (groups.length !== 1) throw new Error(`kafkajs describeGroups(${groupId}): ${groups.length} groups`);
      const group = groups[0]!;
      // Present at run time (the decoded response), missing from kafkajs's typings.
      const errorCode = (group as { errorCode?: number }).errorCode ?? 0;
      if (errorCode !== 0) throw new Error(`kafkajs describeGroups(${groupId}): error code ${errorCode}`);
      return {
        groupId: group.groupId,
        state: group.state,
        protocolType: group.protocolType,
        protocol: group.protocol,
        members: group.members.map((m) => {
          const decoded = m.memberAssignment.length === 0 ? null : AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
          const assignment: Record<string, number[]> = {};
          for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) assignment[topic] = [...partitions].sort((a, b) => a - b);
          return { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment };
        }),
      };
    },

    async deleteGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
      try {
        const results = await withAdmin(bootstrap, `deleteGroups ${groupIds.join(',')}`, (admin) => admin.deleteGroups([...groupIds]));
        return new Map(results.map((r) => [r.groupId, r.errorCode ?? 0]));
      } catch (error) {
        // kafkajs throws KafkaJSDeleteGroupsError listing the groups that were refused.
        const refused = (error as { groups?: Array<{ groupId: string; errorCode: number }> }).groups;
        if (refused === undefined || refused.length === 0) throw error;
        const codes = new Map<string, number>(groupIds.map((g) => [g, 0]));
        for (const r of refused) codes.set(r.groupId, r.errorCode);
        return codes;
      }
    },

    async committedOffsets(groupId: string, topic: string, partitions: number): Promise<number[]> {
      const answer = await withAdmin(bootstrap, `fetchOffsets ${groupId}`, (admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
      const offsets = new Array<number>(partitions).fill(-1);
      for (const entry of answer.find((t) => t.topic === topic)?.partitions ?? []) offsets[entry.partition] = Number(entry.offset);
      return offsets;
    },
  };
}
