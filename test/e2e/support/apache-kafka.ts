/**
 * A real Apache Kafka broker for tests and benchmarks: one KRaft node (broker and
 * controller in one process) from the kafka-3.9 or kafka-4 artifact set, on free loopback
 * ports, with a fresh data directory formatted by Kafka's storage tool. Kafka's default
 * settings apart from what a single node needs (the replication factors of its internal
 * topics) and `brokerProps`.
 *
 * Ready when ApiVersions answers and Metadata names the broker. Every wait is bounded; the
 * JVM is killed when the test process exits (harness.track). bench/apache-kafka.mjs uses
 * this module from dist-test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describeRun, freePorts, pollReady, run, spawnLogged } from '../harness.js';
import { apiVersionsRequest, parseApiVersionsV0, RawConnection, rawRequest } from '../raw-kafka.js';
import { kafkaServerJava, kafkaToolJava, type KafkaVersion } from './kafka-jvm.js';

export interface ApacheKafkaOptions {
  version: KafkaVersion;
  /** -Xms = -Xmx (Kafka's kafka-server-start.sh default: 1 GiB). */
  heapMb?: number;
  /** server.properties entries added to (or replacing) the defaults below. */
  brokerProps?: Record<string, string>;
  /** How long the broker may take to answer (default 90 s: a cold JVM on a busy 2-core machine). */
  readyTimeoutMs?: number;
  /** Pause between readiness probes (default 100 ms; benchmarks measuring boot use less). */
  probeIntervalMs?: number;
}

export interface ApacheKafkaHandle {
  readonly version: KafkaVersion;
  /** '127.0.0.1:<port>' */
  readonly bootstrap: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  /** Milliseconds from spawning the broker JVM to ready (formatting excluded). */
  readonly bootMs: number;
  /** The broker's stdout and stderr (the last 256 KiB). */
  logs(): string;
  exited(): boolean;
  /** SIGTERM (a controlled shutdown), SIGKILL after 30 s; removes the data directory. */
  stop(): Promise<number | null>;
  /** Stops the broker like `stop` but keeps its data: the cluster is down until `resume`. */
  halt(): Promise<void>;
  /** Starts the halted broker again on the same port and data, and waits until it answers. */
  resume(): Promise<void>;
}

const DEFAULT_HEAP_MB = 1024;
const FORMAT_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;
const PROBE_INTERVAL_MS = 100;
const READY_TIMEOUT_MS = 90_000;

/** A single-node KRaft configuration: what Kafka's config/server.properties sets, on our ports. */
function serverProperties(version: KafkaVersion, port: number, controllerPort: number, logDir: string, extra: Record<string, string>): string {
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    // Kafka 4's share groups (KIP-932) keep their state in an internal topic too.
    ...(version === '4' ? { 'share.coordinator.state.topic.replication.factor': '1', 'share.coordinator.state.topic.min.isr': '1' } : {}),
    ...extra,
  };
  return Object.entries(props).map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}

/** A random cluster id as `kafka-storage random-uuid` prints it (base64url of 16 bytes, no leading '-'). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function formatStorage(version: KafkaVersion, propsFile: string): Promise<void> {
  const { cmd, args, cds } = kafkaToolJava(version, 'kafka-storage', 'kafka.tools.StorageTool', ['format', '-t', clusterId(), '-c', propsFile]);
  const result = await run(cmd, args, { timeoutMs: FORMAT_TIMEOUT_MS });
  await cds.settle(result.code === 0);
  if (result.code !== 0) throw new Error(describeRun('kafka-storage format', result));
}

/** One probe: ApiVersions v0 answers without error and Metadata v1 lists at least one broker. */
async function answers(port: number): Promise<boolean> {
  const connection = await RawConnection.open(port, 1_000);
  try {
    connection.write(apiVersionsRequest(0, 1));
    const versions = parseApiVersionsV0(await connection.readFrame(2_000));
    if (versions.errorCode !== 0) return false;
    const allTopics = Buffer.alloc(4);
    allTopics.writeInt32BE(-1);
    connection.write(rawRequest(3, 1, 2, false, allTopics));
    const metadata = await connection.readFrame(2_000);
    return metadata.readInt32BE(0) === 2 && metadata.readInt32BE(4) >= 1;
  } finally {
    connection.close();
  }
}

export async function startApacheKafka(options: ApacheKafkaOptions): Promise<ApacheKafkaHandle> {
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  const dataDir = await mkdtemp(join(tmpdir(), `blink-apache-kafka-${options.version}-`));
  try {
    const propsFile = join(dataDir, 'server.properties');
    await writeFile(propsFile, serverProperties(options.version, port, controllerPort, join(dataDir, 'logs'), options.brokerProps ?? {}));
    await formatStorage(options.version, propsFile);
    return await launch(options, port, dataDir, propsFile);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The broker JVM, its output (the last 256 KiB) and a bounded stop that removes its data (or keeps it: halt). */
function spawnBroker(options: ApacheKafkaOptions, dataDir: string, propsFile: string) {
  const { cmd, args } = kafkaServerJava(options.version, options.heapMb ?? DEFAULT_HEAP_MB, [propsFile]);
  const { child, logs, exited, halt: haltAfter } = spawnLogged(cmd, args, dataDir);
  const halt = (): Promise<void> => haltAfter(STOP_GRACE_MS);
  const stop = async (): Promise<number | null> => {
    await halt();
    await rm(dataDir, { recursive: true, force: true });
    return child.exitCode;
  };
  return { pid: child.pid ?? -1, logs, exited, stop, halt };
}

async function launch(options: ApacheKafkaOptions, port: number, dataDir: string, propsFile: string): Promise<ApacheKafkaHandle> {
  const started = Date.now();
  let { broker, readyAt } = await spawnReady(options, port, dataDir, propsFile);
  const resume = async (): Promise<void> => {
    if (!broker.exited()) throw new Error('resume: the broker is running (halt it first)');
    ({ broker } = await spawnReady(options, port, dataDir, propsFile));
  };
  return {
    version: options.version,
    bootstrap: `127.0.0.1:${port}`,
    port,
    dataDir,
    bootMs: readyAt - started,
    get pid() {
      return broker.pid;
    },
    logs: () => broker.logs(),
    exited: () => broker.exited(),
    stop: () => broker.stop(),
    halt: () => broker.halt(),
    resume,
  };
}

/** A broker process that answers (or an error after stopping it and removing its data). */
async function spawnReady(options: ApacheKafkaOptions, port: number, dataDir: string, propsFile: string): Promise<{ broker: ReturnType<typeof spawnBroker>; readyAt: number }> {
  const broker = spawnBroker(options, dataDir, propsFile);
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const readyAt = await pollReady(
    () => answers(port),
    broker.exited,
    readyTimeoutMs,
    options.probeIntervalMs ?? PROBE_INTERVAL_MS,
    'the broker process exited',
    `no ApiVersions + Metadata answer on 127.0.0.1:${port}`,
  ).catch(async (error: Error) => {
    await broker.stop();
    throw new Error(`Apache Kafka ${options.version} did not start: ${error.message}\n--- broker output (tail) ---\n${broker.logs().slice(-8000)}`);
  });
  return { broker, readyAt };
}
