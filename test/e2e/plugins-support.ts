/**
 * Shared pieces of the plugin e2e tests (plugins-*.test.ts): where the built plugin
 * components are (`npm run build:plugins`, run by pretest), kcat runs that report what the
 * broker answered, a hand-built Produce v8 (to see record_errors and error_message, which
 * clients do not surface), a kafkajs consumer-group read, and reading a metric.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';

import kafkajs from './clients/kafkajs-lib.js';

import { REPO_ROOT, run, withTimeout } from './harness.js';
import { RawConnection, fetchRequestV4, nullableStringBytes, rawRequest } from './raw-kafka.js';

const { Kafka, logLevel } = kafkajs;

export const PLUGIN_BUILD_DIR = join(REPO_ROOT, 'plugins/build');
export const pluginPath = (name: string): string => join(PLUGIN_BUILD_DIR, `${name}.wasm`);

export const INVALID_RECORD = 87;
export const KCAT_TIMEOUT_MS = 30_000;

export interface KcatProduceResult {
  /** kcat's exit code: 0 when every message was delivered. */
  code: number | null;
  /** Offsets from the delivery reports, in input order (only delivered messages). */
  offsets: number[];
  /** "Delivery failed ..." lines. */
  failures: string[];
  stderr: string;
}

export interface KcatProduceOptions {
  partition?: number;
  codec?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  idempotent?: boolean;
  /** Lines as "key:value" when true (kcat -K:), else values only. */
  keyed?: boolean;
}

/**
 * One kcat producer run; its lines leave as one batch whatever the timing (librdkafka sends
 * when batch.num.messages are queued; the linger is longer than any run), so a refusal
 * applies to all of them.
 */
export async function kcatProduce(bootstrap: string, topic: string, lines: readonly string[], options: KcatProduceOptions = {}): Promise<KcatProduceResult> {
  const args = [
    '-P', '-b', bootstrap, '-t', topic, '-p', String(options.partition ?? 0),
    '-z', options.codec ?? 'none',
    '-X', `batch.num.messages=${lines.length}`, '-X', 'linger.ms=10000', '-X', 'message.send.max.retries=0', '-X', `enable.idempotence=${options.idempotent === true}`,
    '-X', 'message.timeout.ms=20000',
    ...(options.keyed === true ? ['-K', ':'] : []),
    '-v', '-v',
  ];
  const result = await run('kcat', args, { input: lines.map((l) => `${l}\n`).join(''), timeoutMs: KCAT_TIMEOUT_MS });
  return {
    code: result.code,
    offsets: [...result.stderr.matchAll(/Message delivered to partition \d+ \(offset (-?\d+)\)/g)].map((m) => Number(m[1])),
    failures: result.stderr.split('\n').filter((l) => l.includes('Delivery failed')),
    stderr: result.stderr,
  };
}

export interface KcatMessage {
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

/** Everything in partition 0 (or `partition`), read with kcat until the end. */
export async function kcatConsume(bootstrap: string, topic: string, partition = 0): Promise<KcatMessage[]> {
  const result = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-J'], { timeoutMs: KCAT_TIMEOUT_MS });
  assert.equal(result.code, 0, `kcat consume ${topic}: ${result.stderr}`);
  return result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as KcatMessage);
}

export interface ProduceV8Answer {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: number;
  recordErrors: Array<{ batchIndex: number; message: string | null }>;
}

/** A bounds-checked cursor over a response frame (classic encodings). */
class Cursor {
  at = 0;
  constructor(private readonly frame: Buffer) {}
  private take(bytes: number): number {
    if (this.at + bytes > this.frame.length) throw new Error(`Produce v8 response truncated at ${this.at}: ${this.frame.toString('hex')}`);
    const at = this.at;
    this.at += bytes;
    return at;
  }
  int16 = (): number => this.frame.readInt16BE(this.take(2));
  int32 = (): number => this.frame.readInt32BE(this.take(4));
  int64 = (): number => Number(this.frame.readBigInt64BE(this.take(8)));
  string = (): string | null => {
    const length = this.int16();
    return length < 0 ? null : this.frame.toString('utf8', this.take(length), this.at);
  };
}

/**
 * Produce v8 (ProduceRequest.json: non-flexible, header v1; v8 adds record_errors and
 * error_message to the response) of one batch to one partition, acks -1.
 */
export async function produceV8(port: number, topic: string, partition: number, records: Buffer): Promise<ProduceV8Answer> {
  const int16 = (v: number): Buffer => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
  const int32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  };
  const body = Buffer.concat([
    int16(-1), int16(-1), int32(10_000),
    int32(1), nullableStringBytes(topic), int32(1), int32(partition), int32(records.length), records,
  ]);
  const correlationId = 0x508;
  const connection = await RawConnection.open(port);
  try {
    connection.write(rawRequest(0, 8, correlationId, false, body));
    const r = new Cursor(await connection.readFrame(15_000));
    assert.equal(r.int32(), correlationId);
    assert.equal(r.int32(), 1, 'one topic');
    assert.equal(r.string(), topic);
    assert.equal(r.int32(), 1, 'one partition');
    assert.equal(r.int32(), partition);
    const errorCode = r.int16();
    const baseOffset = r.int64();
    r.int64();
    r.int64();
    const recordErrors = Array.from({ length: r.int32() }, () => ({ batchIndex: r.int32(), message: r.string() }));
    return { errorCode, baseOffset, recordErrors, errorMessage: r.string() };
  } finally {
    connection.close();
  }
}

/** Java's (xerial) snappy framing starts with these 8 bytes; librdkafka's raw snappy does not. */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/** The whole Fetch v4 response frame for one partition from offset 0, to look at the stored bytes. */
export async function fetchFrameV4(port: number, topic: string, partition = 0): Promise<Buffer> {
  const maxBytes = 16 * 1024 * 1024;
  const connection = await RawConnection.open(port);
  try {
    connection.write(fetchRequestV4(0xf4, { maxWaitMs: 0, minBytes: 0, maxBytes, partitions: [{ topic, partition, offset: 0, partitionMaxBytes: maxBytes }] }));
    return await connection.readFrame(10_000);
  } finally {
    connection.close();
  }
}

export interface GroupRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Reads `count` records of a one-partition topic from the beginning with a kafkajs
 * consumer group (kafkajs has no group-less consumer), then leaves the group.
 */
export async function kafkajsGroupRead(bootstrap: string, topic: string, count: number, timeoutMs = 30_000): Promise<GroupRecord[]> {
  const kafka = new Kafka({ clientId: 'e2e-plugins', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const consumer = kafka.consumer({ groupId: `e2e-plugins-${topic}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const records: GroupRecord[] = [];
  await withTimeout(consumer.connect(), timeoutMs, 'kafkajs consumer connect');
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              const headers: Record<string, string> = {};
              for (const [key, value] of Object.entries(message.headers ?? {})) headers[key] = String(value);
              records.push({ offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
              if (records.length >= count) resolve();
            },
          })
          .catch(reject);
      }),
      timeoutMs,
      `kafkajs group read of ${count} records from ${topic}`,
    );
    return records;
  } finally {
    await withTimeout(consumer.disconnect(), timeoutMs, 'kafkajs consumer disconnect');
  }
}

/** The value of one sample of the broker's /prometheus text (0 when absent). */
export async function metric(restUrl: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${restUrl}/prometheus`, { signal: AbortSignal.timeout(5_000) })).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (want.every((w) => labelText.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
