/**
 * A ClientDriver over the JSON op protocol of the Python and Java drivers
 * (driver_common.py, java/blink/driver/Ops.java): each ClientDriver method is one op, with
 * the same field names, bytes as base64. `call` sends one op and resolves with its result.
 */
import {
  CLIENT_MAX_FETCH_BYTES,
  CLIENT_MAX_MESSAGE_BYTES,
  type Ack,
  type ClientDriver,
  type ClusterView,
  type Codec,
  type ConsumedMessage,
  type GroupDescription,
  type GroupListing,
  type Header,
  type OffsetsView,
  type PartitionRange,
  type ProduceOptions,
  type TestMessage,
} from './driver.js';

export type OpCall = <T>(op: string, args: Record<string, unknown>) => Promise<T>;

type WireHeader = [string, string | null];
export interface WireMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: WireHeader[];
}

interface WireGroupDescription {
  group_id: string;
  error?: string | null;
  state: string;
  protocol_type: string;
  protocol: string;
  members: Array<{ member_id: string; client_id: string; client_host: string; assignment: Record<string, number[]> }>;
}

export const b64 = (data: Buffer | null): string | null => (data === null ? null : data.toString('base64'));
export const unb64 = (text: string | null): Buffer | null => (text === null ? null : Buffer.from(text, 'base64'));

export function fromWire(message: WireMessage): ConsumedMessage {
  return {
    partition: message.partition,
    offset: message.offset,
    key: unb64(message.key),
    value: unb64(message.value),
    headers: message.headers.map(([key, value]): Header => [key, unb64(value) ?? Buffer.alloc(0)]),
  };
}

function toWire(messages: readonly TestMessage[]) {
  return messages.map((m) => ({
    key: b64(m.key),
    value: b64(m.value),
    headers: m.headers.map(([key, value]) => [key, b64(value)]),
    partition: m.partition,
  }));
}

export interface JsonDriverFeatures {
  name: string;
  codecs: readonly Codec[];
  idempotence: boolean;
}

/** Every ClientDriver method, each mapped onto its op. */
export function jsonDriver(features: JsonDriverFeatures, call: OpCall): Required<ClientDriver> {
  const { name } = features;
  return {
    name,
    codecs: features.codecs,
    idempotence: features.idempotence,
    payloads: 'binary',
    perMessageHeaders: true,

    async metadata(): Promise<ClusterView> {
      const view = await call<{ brokers: string[]; topics: Record<string, number> }>('metadata', {});
      return { brokers: view.brokers, topics: new Map(Object.entries(view.topics)) };
    },
    async createTopic(topic: string, partitions: number): Promise<void> {
      await call('create_topic', { topic, partitions });
    },
    async deleteTopic(topic: string): Promise<void> {
      await call('delete_topic', { topic });
    },
    async produce(topic: string, messages: readonly TestMessage[], options: ProduceOptions = {}): Promise<Ack[]> {
      const result = await call<{ acks: Ack[] }>('produce', {
        topic,
        messages: toWire(messages),
        compression: options.compression === 'none' ? null : (options.compression ?? null),
        idempotent: options.idempotent ?? false,
        max_message_bytes: CLIENT_MAX_MESSAGE_BYTES,
      });
      return result.acks;
    },
    async consume(topic: string, ranges: readonly PartitionRange[]): Promise<ConsumedMessage[]> {
      const result = await call<{ messages: WireMessage[] }>('consume', { topic, ranges, max_fetch_bytes: CLIENT_MAX_FETCH_BYTES });
      return result.messages.map(fromWire);
    },
    async listOffsets(topic: string, partitions: number): Promise<OffsetsView> {
      return call<OffsetsView>('list_offsets', { topic, partitions });
    },
    async listGroups(): Promise<GroupListing[]> {
      const result = await call<{ groups: Array<{ group_id: string; protocol_type: string }> }>('list_groups', {});
      return result.groups.map((g) => ({ groupId: g.group_id, protocolType: g.protocol_type }));
    },
    async describeGroup(groupId: string): Promise<GroupDescription> {
      const group = await call<WireGroupDescription>('describe_group', { group: groupId });
      if (group.error !== undefined && group.error !== null) throw new Error(`${name} describe ${groupId}: ${group.error}`);
      return {
        groupId: group.group_id,
        state: group.state,
        protocolType: group.protocol_type,
        protocol: group.protocol,
        members: group.members.map((m) => ({ memberId: m.member_id, clientId: m.client_id, clientHost: m.client_host, assignment: m.assignment })),
      };
    },
    async deleteGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
      const result = await call<{ results: Record<string, number> }>('delete_groups', { groups: groupIds });
      return new Map(Object.entries(result.results));
    },
    async committedOffsets(groupId: string, topic: string, partitions: number): Promise<number[]> {
      return (await call<{ offsets: number[] }>('committed_offsets', { group: groupId, topic, partitions })).offsets;
    },
    async commitOffsets(groupId: string, topic: string, offsets: readonly number[]): Promise<void> {
      await call('commit_offsets', { group: groupId, topic, offsets });
    },
  };
}
