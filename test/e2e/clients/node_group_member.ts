/**
 * A kafkajs 2.2.4 or @platformatic/kafka (2.x, or 1.x: "platformatic-1") consumer-group member run as its own Node
 * process (so a test can SIGKILL it), speaking the same line protocol as the Python
 * drivers' group_member op (see run_member in driver_common.py):
 *
 *   stdin:  first line the command JSON {client, bootstrap, topic, group, client_id, assignors,
 *           session_timeout_ms, heartbeat_interval_ms, rebalance_timeout_ms, timeout_ms};
 *           then {"cmd": "commit"} / {"cmd": "close"} lines (EOF = close).
 *   stdout: JSON events: started, assignment {partitions}, message, committed {offsets},
 *           error {message, type}, closed.
 *
 * Both subscribe to one topic, start at the committed offsets (earliest where none), never
 * auto-commit, and commit explicit offsets (the position after the last message consumed
 * from each partition) when told to. Run by test/e2e/clients/group-member.ts.
 */
import { createInterface } from 'node:readline';

import { Consumer as PlatformaticConsumer, type MessagesStream } from '@platformatic/kafka';
import kafkajs from './kafkajs-lib.js';

interface MemberCommand {
  client: 'kafkajs' | 'platformatic' | 'platformatic-1';
  bootstrap: string;
  topic: string;
  group: string;
  client_id: string;
  assignors: string[];
  session_timeout_ms: number;
  heartbeat_interval_ms: number;
  rebalance_timeout_ms: number;
  timeout_ms: number;
}

interface Member {
  commit(offsets: ReadonlyMap<number, number>): Promise<void>;
  close(): Promise<void>;
}

type Emit = (event: Record<string, unknown>) => void;

const emit: Emit = (event) => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const b64 = (data: Buffer | string | null | undefined): string | null =>
  data === null || data === undefined ? null : Buffer.from(data).toString('base64');

function errorEvent(error: unknown, type?: string): Record<string, unknown> {
  const e = error as { message?: string; type?: string; name?: string; code?: string };
  return { event: 'error', message: e?.message ?? String(error), type: type ?? e?.type ?? e?.code ?? e?.name };
}

/** positions: partition → the offset after the last message consumed (what a commit stores). */
async function startKafkajs(command: MemberCommand, positions: Map<number, number>): Promise<Member> {
  const { Kafka, logLevel } = kafkajs;
  if (command.assignors.join(',') !== 'RoundRobinAssigner') {
    throw new Error(`kafkajs member: only its built-in RoundRobinAssigner is used, not ${command.assignors.join(',')}`);
  }
  const kafka = new Kafka({
    clientId: command.client_id,
    brokers: [command.bootstrap],
    connectionTimeout: 5_000,
    requestTimeout: Math.max(15_000, command.session_timeout_ms + 5_000),
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({
    groupId: command.group,
    sessionTimeout: command.session_timeout_ms,
    heartbeatInterval: command.heartbeat_interval_ms,
    rebalanceTimeout: command.rebalance_timeout_ms,
    // kafkajs heartbeats from its fetch loop: a short fetch wait keeps heartbeats on time.
    maxWaitTimeInMs: 300,
    allowAutoTopicCreation: false,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = (payload.memberAssignment as Record<string, number[]>)[command.topic] ?? [];
    emit({ event: 'assignment', partitions: [...assigned].sort((a, b) => a - b) });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    emit({ ...errorEvent(payload.error), restart: payload.restart });
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [command.topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const offset = Number(message.offset);
      const headers: Array<[string, string | null]> = [];
      for (const [key, value] of Object.entries(message.headers ?? {})) {
        for (const v of Array.isArray(value) ? value : [value]) headers.push([key, b64(v)]);
      }
      emit({ event: 'message', partition, offset, key: b64(message.key), value: b64(message.value), headers });
      positions.set(partition, offset + 1);
    },
  });
  return {
    async commit(offsets) {
      if (offsets.size === 0) return;
      await consumer.commitOffsets([...offsets].map(([partition, offset]) => ({ topic: command.topic, partition, offset: String(offset) })));
    },
    async close() {
      await consumer.disconnect();
    },
  };
}

async function startPlatformatic(command: MemberCommand, positions: Map<number, number>): Promise<Member> {
  // 1.x declares its own classes; what the member calls exists in both (see platformatic-1.ts).
  // Loaded only for 1.x members, so the others do not load a second copy of the library.
  const ConsumerClass =
    command.client === 'platformatic-1' ? ((await import('platformatic-kafka-1')).Consumer as unknown as typeof PlatformaticConsumer) : PlatformaticConsumer;
  const consumer = new ConsumerClass({
    clientId: command.client_id,
    bootstrapBrokers: [command.bootstrap],
    groupId: command.group,
    timeout: Math.max(15_000, command.session_timeout_ms + 5_000),
    connectTimeout: 5_000,
    retries: 3,
    retryDelay: 200,
    sessionTimeout: command.session_timeout_ms,
    heartbeatInterval: command.heartbeat_interval_ms,
    rebalanceTimeout: command.rebalance_timeout_ms,
    protocols: command.assignors.map((name) => ({ name, version: 1 })),
    autocommit: false,
    maxWaitTime: 300,
  });
  consumer.on('consumer:group:join', ({ assignments }: { assignments?: Array<{ topic: string; partitions: number[] }> | null }) => {
    const assigned = (assignments ?? []).find((a) => a.topic === command.topic)?.partitions ?? [];
    emit({ event: 'assignment', partitions: [...assigned].sort((a, b) => a - b) });
  });
  consumer.on('consumer:heartbeat:error', (payload: { error?: unknown }) => emit(errorEvent(payload?.error, 'heartbeat')));
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  try {
    stream = await consumer.consume({ topics: [command.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  } catch (error) {
    await consumer.close(true).catch(() => undefined);
    throw error;
  }
  stream.on('data', (message) => {
    const offset = Number(message.offset);
    const headers: Array<[string, string | null]> = [];
    for (const [key, value] of message.headers ?? new Map()) headers.push([Buffer.from(key).toString('utf8'), b64(value)]);
    emit({ event: 'message', partition: message.partition, offset, key: b64(message.key), value: b64(message.value), headers });
    positions.set(message.partition, offset + 1);
  });
  stream.on('error', (error: unknown) => emit(errorEvent(error, 'stream')));
  return {
    async commit(offsets) {
      if (offsets.size === 0) return;
      await consumer.commit({
        offsets: [...offsets].map(([partition, offset]) => ({ topic: command.topic, partition, offset: BigInt(offset), leaderEpoch: -1 })),
      });
    },
    async close() {
      await stream.close();
      await consumer.close();
    },
  };
}

function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) throw new Error('node_group_member: no command on stdin');
  const command = JSON.parse(first.value) as MemberCommand;
  setTimeout(() => {
    emit({ event: 'error', message: `watchdog: still running after ${command.timeout_ms} ms`, type: 'watchdog' });
    exitAfterFlush(1);
  }, command.timeout_ms).unref();

  emit({ event: 'started' });
  const positions = new Map<number, number>();
  let member: Member;
  try {
    member = command.client === 'kafkajs' ? await startKafkajs(command, positions) : await startPlatformatic(command, positions);
  } catch (error) {
    // Joining failed (e.g. the broker does not serve consumer groups): report and keep
    // answering commands, so the test sees the error and closes us as usual.
    emit(errorEvent(error));
    member = { commit: async () => { throw error; }, close: async () => undefined };
  }

  for (;;) {
    const next = await iterator.next();
    const cmd = next.done === true ? { cmd: 'close' } : (JSON.parse(next.value) as { cmd: string });
    if (cmd.cmd === 'commit') {
      const offsets = new Map(positions);
      try {
        await member.commit(offsets);
        emit({ event: 'committed', offsets: Object.fromEntries(offsets) });
      } catch (error) {
        emit(errorEvent(error, 'commit'));
      }
    } else if (cmd.cmd === 'close') {
      await member.close();
      emit({ event: 'closed' });
      exitAfterFlush(0);
      return;
    } else {
      throw new Error(`node_group_member: unknown command ${JSON.stringify(cmd)}`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  emit(errorEvent(error, 'fatal'));
  exitAfterFlush(1);
});
