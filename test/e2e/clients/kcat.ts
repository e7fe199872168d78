/**
 * kcat 1.7.1 (librdkafka 2.0.2) driver: one `kcat` process per operation.
 *
 * kcat has no admin API (topics are auto-created by the broker on first produce), reads
 * messages as text lines ("key:value"), and applies its -H headers to every message of a
 * run. Producing runs once per partition (-p) so the delivery reports, which kcat prints
 * at -v -v in delivery order, map one-to-one onto the messages of that partition.
 * `config` adds librdkafka properties to every run, e.g. api.version.request=false and
 * broker.version.fallback=0.9.0 for the magic-0 message format (with a fallback of 0.10.0
 * or later librdkafka 2.0.2 sends ApiVersions anyway, and then speaks record batches).
 */
import { describeRun, run, type RunResult } from '../harness.js';
import {
  CLIENT_MAX_FETCH_BYTES,
  CLIENT_MAX_MESSAGE_BYTES,
  type Ack,
  type ClientDriver,
  type ClusterView,
  type ConsumedMessage,
  type Header,
  type OffsetsView,
  type PartitionRange,
  type ProduceOptions,
  type TestMessage,
} from './driver.js';

const KCAT = 'kcat';
const OPERATION_TIMEOUT_MS = 45_000;
const KEY_DELIMITER = ':';
const DELIVERY_REPORT = /Message delivered to partition (\d+) \(offset (-?\d+)\)/g;

/** kcat's JSON message line (-J). */
export interface KcatJsonMessage {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

interface KcatMetadata {
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{ topic: string; error?: string; partitions: unknown[] }>;
}

type KcatRun = (args: readonly string[], label: string, input?: string) => Promise<RunResult>;

export interface KcatOptions {
  /** librdkafka properties (-X) for every run. */
  config?: Readonly<Record<string, string>>;
}

function kcatRunner(options: KcatOptions): KcatRun {
  const configArgs = Object.entries(options.config ?? {}).flatMap(([key, value]) => ['-X', `${key}=${value}`]);
  return async (args, label, input) => {
    const result = await run(KCAT, [...args, ...configArgs], { input, timeoutMs: OPERATION_TIMEOUT_MS });
    if (result.code !== 0) throw new Error(describeRun(`kcat ${label}`, result));
    return result;
  };
}

function assertLineSafe(text: string, what: string): void {
  if (text.includes('\n') || text.includes(KEY_DELIMITER)) {
    throw new Error(`kcat driver: ${what} must not contain a newline or '${KEY_DELIMITER}': ${JSON.stringify(text)}`);
  }
}

function inputLine(message: TestMessage): string {
  const value = message.value.toString('utf8');
  assertLineSafe(value, 'value');
  if (message.key === null) return `${value}\n`;
  const key = message.key.toString('utf8');
  assertLineSafe(key, 'key');
  return `${key}${KEY_DELIMITER}${value}\n`;
}

function headerArgs(messages: readonly TestMessage[]): string[] {
  const first = JSON.stringify(messages[0]?.headers.map(([k, v]) => [k, v.toString('utf8')]) ?? []);
  for (const message of messages) {
    if (JSON.stringify(message.headers.map(([k, v]) => [k, v.toString('utf8')])) !== first) {
      throw new Error('kcat driver: -H applies to every message of a run; messages need identical headers');
    }
  }
  return (messages[0]?.headers ?? []).flatMap(([key, value]) => ['-H', `${key}=${value.toString('utf8')}`]);
}

async function producePartition(
  kcat: KcatRun,
  bootstrap: string,
  topic: string,
  partition: number,
  messages: readonly TestMessage[],
  options: ProduceOptions,
): Promise<Ack[]> {
  const args = [
    '-P', '-b', bootstrap, '-t', topic, '-p', String(partition), '-K', KEY_DELIMITER,
    ...headerArgs(messages),
    '-z', options.compression ?? 'none',
    '-X', `message.max.bytes=${CLIENT_MAX_MESSAGE_BYTES}`,
    '-X', `enable.idempotence=${options.idempotent === true}`,
    '-X', `message.timeout.ms=${OPERATION_TIMEOUT_MS - 15_000}`,
    // -v -v prints one delivery report (partition, offset) per message.
    '-v', '-v',
  ];
  const { stderr } = await kcat(args, `produce to ${topic}[${partition}]`, messages.map(inputLine).join(''));
  const acks = [...stderr.matchAll(DELIVERY_REPORT)].map((m) => ({ partition: Number(m[1]), offset: Number(m[2]) }));
  if (acks.length !== messages.length) {
    throw new Error(`kcat produce: ${acks.length} delivery reports for ${messages.length} messages\n${stderr.slice(-4000)}`);
  }
  return acks;
}

/** A kcat -J message line as a consumed message (key, value and headers are UTF-8 text). */
export function fromKcatJson(message: KcatJsonMessage): ConsumedMessage {
  const headers: Header[] = [];
  const flat = message.headers ?? [];
  for (let i = 0; i + 1 < flat.length; i += 2) headers.push([flat[i] as string, Buffer.from(flat[i + 1] as string, 'utf8')]);
  return {
    partition: message.partition,
    offset: message.offset,
    key: message.key === null ? null : Buffer.from(message.key, 'utf8'),
    value: message.payload === null ? null : Buffer.from(message.payload, 'utf8'),
    headers,
  };
}

async function queryOffsets(kcat: KcatRun, bootstrap: string, topic: string, partitions: number, timestamp: -1 | -2): Promise<number[]> {
  const args = ['-Q', '-b', bootstrap];
  for (let p = 0; p < partitions; p++) args.push('-t', `${topic}:${p}:${timestamp}`);
  const { stdout } = await kcat(args, `query offsets ${timestamp} of ${topic}`);
  const offsets = new Map<number, number>();
  for (const match of stdout.matchAll(/^(\S+) \[(\d+)\] offset (-?\d+)$/gm)) {
    if (match[1] === topic) offsets.set(Number(match[2]), Number(match[3]));
  }
  const result: number[] = [];
  for (let p = 0; p < partitions; p++) {
    const offset = offsets.get(p);
    if (offset === undefined) throw new Error(`kcat -Q: no offset for ${topic}[${p}] in:\n${stdout}`);
    result.push(offset);
  }
  return result;
}

export function kcatDriver(bootstrap: string, options: KcatOptions = {}): ClientDriver {
  const kcat = kcatRunner(options);
  return {
    name: 'kcat',
    codecs: ['gzip', 'snappy', 'lz4', 'zstd'],
    idempotence: true,
    payloads: 'text',
    perMessageHeaders: false,

    async metadata(): Promise<ClusterView> {
      const { stdout } = await kcat(['-L', '-b', bootstrap, '-J'], 'metadata');
      const metadata = JSON.parse(stdout) as KcatMetadata;
      return {
        brokers: metadata.brokers.map((b) => b.name),
        topics: new Map(metadata.topics.filter((t) => t.error === undefined).map((t) => [t.topic, t.partitions.length])),
      };
    },

    async produce(topic: string, messages: readonly TestMessage[], options: ProduceOptions = {}): Promise<Ack[]> {
      const byPartition = new Map<number, TestMessage[]>();
      for (const message of messages) {
        const list = byPartition.get(message.partition) ?? [];
        list.push(message);
        byPartition.set(message.partition, list);
      }
      const acksByPartition = new Map<number, Ack[]>();
      for (const [partition, list] of byPartition) {
        acksByPartition.set(partition, await producePartition(kcat, bootstrap, topic, partition, list, options));
      }
      const next = new Map<number, number>();
      return messages.map((message) => {
        const index = next.get(message.partition) ?? 0;
        next.set(message.partition, index + 1);
        return acksByPartition.get(message.partition)![index]!;
      });
    },

    async consume(topic: string, ranges: readonly PartitionRange[]): Promise<ConsumedMessage[]> {
      const consumed: ConsumedMessage[] = [];
      for (const range of ranges) {
        if (range.end <= range.start) continue;
        const args = [
          '-C', '-b', bootstrap, '-t', topic, '-p', String(range.partition),
          '-o', String(range.start), '-c', String(range.end - range.start),
          // -e: stop at the end of the partition instead of waiting for more.
          '-e', '-J',
          '-X', `fetch.message.max.bytes=${CLIENT_MAX_FETCH_BYTES}`,
        ];
        const { stdout } = await kcat(args, `consume ${topic}[${range.partition}]`);
        for (const line of stdout.split('\n')) {
          if (line.startsWith('{')) consumed.push(fromKcatJson(JSON.parse(line) as KcatJsonMessage));
        }
      }
      return consumed;
    },

    async listOffsets(topic: string, partitions: number): Promise<OffsetsView> {
      return {
        earliest: await queryOffsets(kcat, bootstrap, topic, partitions, -2),
        latest: await queryOffsets(kcat, bootstrap, topic, partitions, -1),
      };
    },
  };
}
