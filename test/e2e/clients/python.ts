/**
 * Drivers for the two Python clients, each run as a child process per operation
 * (kafka_python_client.py, confluent_client.py; JSON protocol in driver_common.py).
 */
import { join } from 'node:path';

import { CLIENTS_DIR, describeRun, run } from '../harness.js';
import {
  CLIENT_MAX_FETCH_BYTES,
  CLIENT_MAX_MESSAGE_BYTES,
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

/**
 * Debian's interpreter, where apt installs python3-kafka and python3-confluent-kafka
 * (a pyenv or venv `python3` earlier on PATH would not see them).
 */
const PYTHON = '/usr/bin/python3';
const OPERATION_TIMEOUT_MS = 45_000;
/** Extra time for the child beyond its own watchdog, so its traceback is what we see. */
const KILL_MARGIN_MS = 10_000;

type WireHeader = [string, string];
interface WireMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: WireHeader[];
}

const b64 = (data: Buffer | null): string | null => (data === null ? null : data.toString('base64'));
const unb64 = (text: string | null): Buffer | null => (text === null ? null : Buffer.from(text, 'base64'));

function fromWire(message: WireMessage): ConsumedMessage {
  return {
    partition: message.partition,
    offset: message.offset,
    key: unb64(message.key),
    value: unb64(message.value),
    headers: message.headers.map(([key, value]): Header => [key, unb64(value) ?? Buffer.alloc(0)]),
  };
}

export type PythonClient = 'kafka-python' | 'confluent-kafka';

const SCRIPTS: Record<PythonClient, string> = {
  'kafka-python': 'kafka_python_client.py',
  'confluent-kafka': 'confluent_client.py',
};

/** The interpreter and script that run `client`'s driver (long-lived group members use it directly). */
export function pythonDriverCommand(client: PythonClient): [interpreter: string, script: string] {
  return [PYTHON, join(CLIENTS_DIR, SCRIPTS[client])];
}

export async function runPythonOp<T>(
  client: PythonClient,
  bootstrap: string,
  op: string,
  args: Record<string, unknown>,
  timeoutMs = OPERATION_TIMEOUT_MS,
): Promise<T> {
  const command = { op, bootstrap, timeout_ms: timeoutMs, ...args };
  const result = await run(PYTHON, [join(CLIENTS_DIR, SCRIPTS[client])], {
    input: JSON.stringify(command),
    timeoutMs: timeoutMs + KILL_MARGIN_MS,
  });
  if (result.code !== 0) throw new Error(describeRun(`${client} ${op}`, result));
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(describeRun(`${client} ${op}: stdout is not JSON`, result));
  }
}

export function pythonDriver(client: PythonClient, bootstrap: string): ClientDriver {
  const call = <T>(op: string, args: Record<string, unknown>): Promise<T> => runPythonOp<T>(client, bootstrap, op, args);
  return {
    name: client,
    codecs: ['gzip', 'snappy', 'lz4', 'zstd'],
    // kafka-python 2.0.2 implements no InitProducerId: no idempotent or transactional producer.
    idempotence: client === 'confluent-kafka',
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
      const wire = messages.map((m) => ({
        key: b64(m.key),
        value: b64(m.value),
        headers: m.headers.map(([key, value]) => [key, b64(value)]),
        partition: m.partition,
      }));
      const result = await call<{ acks: Ack[] }>('produce', {
        topic,
        messages: wire,
        compression: options.compression === 'none' ? null : (options.compression ?? null),
        idempotent: options.idempotent ?? false,
        max_message_bytes: CLIENT_MAX_MESSAGE_BYTES,
      });
      return result.acks;
    },

    async consume(topic: string, ranges: readonly PartitionRange[]): Promise<ConsumedMessage[]> {
      const result = await call<{ messages: WireMessage[] }>('consume', {
        topic,
        ranges,
        max_fetch_bytes: CLIENT_MAX_FETCH_BYTES,
      });
      return result.messages.map(fromWire);
    },

    async listOffsets(topic: string, partitions: number): Promise<OffsetsView> {
      return call<OffsetsView>('list_offsets', { topic, partitions });
    },

    async listGroups(): Promise<GroupListing[]> {
      const result = await call<{ groups: Array<{ group_id: string; protocol_type: string; error?: string | null }> }>('list_groups', {});
      const failed = result.groups.filter((g) => g.error !== undefined && g.error !== null);
      if (failed.length > 0) throw new Error(`${client} list_groups: errors ${JSON.stringify(failed)}`);
      return result.groups.map((g) => ({ groupId: g.group_id, protocolType: g.protocol_type }));
    },

    async describeGroup(groupId: string): Promise<GroupDescription> {
      const group = await call<WireGroupDescription>('describe_group', { group: groupId });
      // kafka-python raises on a non-zero error code; confluent-kafka reports it as text.
      if (group.error !== undefined && group.error !== null) throw new Error(`${client} describe ${groupId}: ${group.error}`);
      return {
        groupId: group.group_id,
        state: group.state,
        protocolType: group.protocol_type,
        protocol: group.protocol,
        members: group.members.map((m) => ({ memberId: m.member_id, clientId: m.client_id, clientHost: m.client_host, assignment: m.assignment })),
      };
    },

    // confluent-kafka 1.7.0's AdminClient has no delete_consumer_groups (and the driver
    // commits offsets without a group only through kafka-python).
    ...(client === 'kafka-python'
      ? {
          async deleteGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
            const result = await call<{ results: Record<string, number> }>('delete_groups', { groups: groupIds });
            return new Map(Object.entries(result.results));
          },
          async commitOffsets(groupId: string, topic: string, offsets: readonly number[]): Promise<void> {
            await call('commit_offsets', { group: groupId, topic, offsets });
          },
        }
      : {}),

    async committedOffsets(groupId: string, topic: string, partitions: number): Promise<number[]> {
      return (await call<{ offsets: number[] }>('committed_offsets', { group: groupId, topic, partitions })).offsets;
    },
  };
}

interface WireGroupDescription {
  group_id: string;
  error?: string | null;
  state: string;
  protocol_type: string;
  protocol: string;
  members: Array<{ member_id: string; client_id: string; client_host: string; assignment: Record<string, number[]> }>;
}
