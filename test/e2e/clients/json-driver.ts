/**
 * A ClientDriver backed by a child process per operation that speaks the drivers' JSON
 * protocol: one JSON command on stdin, one JSON result on stdout, exit code 0; byte fields
 * as base64. The Python drivers (driver_common.py) and the Go drivers
 * (go/internal/driver) implement it with the same op names. The Java driver speaks the same
 * ops to one long-lived JVM (java.ts) and reuses the mapping through driverOverCalls.
 */
import { describeRun, run } from '../harness.js';
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

const OPERATION_TIMEOUT_MS = 45_000;
/** Extra time for the child beyond its own watchdog, so its own report is what we see. */
const KILL_MARGIN_MS = 10_000;

/** How to start a driver process, and the options it gets with every command. */
export interface DriverProcess {
  /** Names the driver in error messages. */
  label: string;
  command: string;
  args: readonly string[];
  options?: Readonly<Record<string, unknown>>;
}

/** Ops a driver may lack; every driver has metadata, produce and list_offsets. */
export type OptionalOp =
  | 'create_topic'
  | 'delete_topic'
  | 'consume'
  | 'list_groups'
  | 'describe_group'
  | 'delete_groups'
  | 'committed_offsets'
  | 'commit_offsets';

/** What a driver can do: its name, codecs, idempotence and optional ops. */
export interface DriverFeatures {
  name: string;
  /** Names the driver in error messages. */
  label: string;
  codecs: readonly Codec[];
  idempotence: boolean;
  ops: readonly OptionalOp[];
}

export interface JsonDriverSpec extends Omit<DriverFeatures, 'label'> {
  process: DriverProcess;
}

/** Sends one op with its fields and resolves with the driver's JSON result. */
export type OpCall = <T>(op: string, args: Record<string, unknown>) => Promise<T>;

type WireHeader = [string, string | null];
interface WireMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: WireHeader[];
  /** Milliseconds; only drivers that report it (franz-go). */
  timestamp?: number;
}

interface WireGroupDescription {
  group_id: string;
  error?: string | null;
  state: string;
  protocol_type: string;
  protocol: string;
  /** Kafka's Java Admin: the group type ("classic" or "consumer"). */
  type?: string;
  members: Array<{ member_id: string; client_id: string; client_host: string; assignment: Record<string, number[]> }>;
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
    ...(message.timestamp !== undefined && { timestampMs: message.timestamp }),
  };
}

function toWire(message: TestMessage) {
  return {
    key: b64(message.key),
    value: b64(message.value),
    headers: message.headers.map(([key, value]) => [key, b64(value)]),
    partition: message.partition,
  };
}

function fromWireGroup(label: string, group: WireGroupDescription): GroupDescription {
  // Some clients raise on a group error code, others report it as text.
  if (group.error !== undefined && group.error !== null) throw new Error(`${label} describe ${group.group_id}: ${group.error}`);
  return {
    groupId: group.group_id,
    state: group.state,
    protocolType: group.protocol_type,
    protocol: group.protocol,
    ...(group.type === undefined ? {} : { type: group.type }),
    members: group.members.map((m) => ({ memberId: m.member_id, clientId: m.client_id, clientHost: m.client_host, assignment: m.assignment })),
  };
}

/** Runs one op in a fresh driver process and parses its JSON result. */
export async function runJsonOp<T>(
  driver: DriverProcess,
  bootstrap: string,
  op: string,
  args: Record<string, unknown>,
  timeoutMs = OPERATION_TIMEOUT_MS,
): Promise<T> {
  const command = { ...driver.options, op, bootstrap, timeout_ms: timeoutMs, ...args };
  const result = await run(driver.command, driver.args, { input: `${JSON.stringify(command)}\n`, timeoutMs: timeoutMs + KILL_MARGIN_MS });
  if (result.code !== 0) throw new Error(describeRun(`${driver.label} ${op}`, result));
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(describeRun(`${driver.label} ${op}: stdout is not JSON`, result));
  }
}

/** The group-administration methods `spec` has ops for. */
function groupMethods(spec: DriverFeatures, call: OpCall): Partial<ClientDriver> {
  const has = (op: OptionalOp): boolean => spec.ops.includes(op);
  const label = spec.label;
  return {
    ...(has('list_groups') && {
      async listGroups(): Promise<GroupListing[]> {
        const result = await call<{ groups: Array<{ group_id: string; protocol_type: string; type?: string | null; error?: string | null }> }>('list_groups', {});
        const failed = result.groups.filter((g) => g.error !== undefined && g.error !== null);
        if (failed.length > 0) throw new Error(`${label} list_groups: errors ${JSON.stringify(failed)}`);
        return result.groups.map((g) => ({ groupId: g.group_id, protocolType: g.protocol_type, ...(typeof g.type === 'string' ? { type: g.type } : {}) }));
      },
    }),
    ...(has('describe_group') && {
      async describeGroup(groupId: string): Promise<GroupDescription> {
        return fromWireGroup(label, await call<WireGroupDescription>('describe_group', { group: groupId }));
      },
    }),
    ...(has('delete_groups') && {
      async deleteGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
        const result = await call<{ results: Record<string, number> }>('delete_groups', { groups: groupIds });
        return new Map(Object.entries(result.results));
      },
    }),
    ...(has('committed_offsets') && {
      async committedOffsets(groupId: string, topic: string, partitions: number): Promise<number[]> {
        return (await call<{ offsets: number[] }>('committed_offsets', { group: groupId, topic, partitions })).offsets;
      },
    }),
    ...(has('commit_offsets') && {
      async commitOffsets(groupId: string, topic: string, offsets: readonly number[]): Promise<void> {
        await call('commit_offsets', { group: groupId, topic, offsets });
      },
    }),
  };
}

export function jsonDriver(spec: JsonDriverSpec, bootstrap: string): ClientDriver {
  const call: OpCall = <T>(op: string, args: Record<string, unknown>): Promise<T> => runJsonOp<T>(spec.process, bootstrap, op, args);
  return driverOverCalls({ ...spec, label: spec.process.label }, call);
}

/** The ClientDriver whose every method is one op sent through `call`. */
export function driverOverCalls(spec: DriverFeatures, call: OpCall): ClientDriver {
  const has = (op: OptionalOp): boolean => spec.ops.includes(op);
  return {
    name: spec.name,
    codecs: spec.codecs,
    idempotence: spec.idempotence,
    payloads: 'binary',
    perMessageHeaders: true,

    async metadata(): Promise<ClusterView> {
      const view = await call<{ brokers: string[]; topics: Record<string, number> }>('metadata', {});
      return { brokers: view.brokers, topics: new Map(Object.entries(view.topics)) };
    },

    ...(has('create_topic') && {
      async createTopic(topic: string, partitions: number): Promise<void> {
        await call('create_topic', { topic, partitions });
      },
    }),

    ...(has('delete_topic') && {
      async deleteTopic(topic: string): Promise<void> {
        await call('delete_topic', { topic });
      },
    }),

    async produce(topic: string, messages: readonly TestMessage[], options: ProduceOptions = {}): Promise<Ack[]> {
      const result = await call<{ acks: Ack[] }>('produce', {
        topic,
        messages: messages.map(toWire),
        compression: options.compression === 'none' ? null : (options.compression ?? null),
        idempotent: options.idempotent ?? false,
        max_message_bytes: CLIENT_MAX_MESSAGE_BYTES,
      });
      return result.acks;
    },

    ...(has('consume') && {
      async consume(topic: string, ranges: readonly PartitionRange[]): Promise<ConsumedMessage[]> {
        const result = await call<{ messages: WireMessage[] }>('consume', { topic, ranges, max_fetch_bytes: CLIENT_MAX_FETCH_BYTES });
        return result.messages.map(fromWire);
      },
    }),

    async listOffsets(topic: string, partitions: number): Promise<OffsetsView> {
      return call<OffsetsView>('list_offsets', { topic, partitions });
    },

    ...groupMethods(spec, call),
  };
}
