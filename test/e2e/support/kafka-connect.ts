/**
 * A real Kafka Connect 3.9 worker in distributed mode (`ConnectDistributed`, from the
 * connect-3.9 artifact set: connect-runtime with the file connectors and the JSON converter)
 * for the e2e tests: one worker of one Connect cluster, its REST API on a free loopback port.
 *
 * The worker keeps its connector configs, source offsets and statuses in three compacted
 * topics on the broker it is given (config.storage.topic, offset.storage.topic,
 * status.storage.topic); it creates them itself at its first start (always with
 * cleanup.policy=compact; `topicSettings` adds topic configs through Connect's
 * `config.storage.*` / `offset.storage.*` / `status.storage.*` prefixes, KIP-605). A second
 * start with the same options is the same cluster coming back: it reads all three topics
 * from the beginning.
 *
 * Ready when GET /connectors answers 200: Connect serves its REST resources only once its
 * herder has read the internal topics and joined the worker group. Every wait is bounded; the
 * JVM is killed when the test process exits (harness.track). The worker's first run records a
 * class-data-sharing archive at its exit, which later runs map (clients/jvm.ts).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { JVM_CACHE, JVM_LOG_OPTIONS, javaBinary, useCds } from '../clients/jvm.js';
import { REPO_ROOT, freePort, pollReady, spawnLogged } from '../harness.js';

export interface ConnectOptions {
  bootstrap: string;
  /** Holds the worker's properties file (the caller owns the directory). */
  workDir: string;
  /** The Connect cluster's group.id and the prefix of its internal topics' names. */
  cluster: string;
  /** Topic configs for all three internal topics (e.g. segment.ms), passed through Connect's prefixes. */
  topicSettings?: Record<string, string>;
  /** More worker properties. */
  workerProps?: Record<string, string>;
  /** How long the worker may take to serve its REST API (default 90 s: a cold JVM on a busy 2-core machine). */
  readyTimeoutMs?: number;
}

export interface ConnectHandle {
  /** 'http://127.0.0.1:<port>' */
  readonly restUrl: string;
  readonly topics: { readonly configs: string; readonly offsets: string; readonly status: string };
  /** A REST call: the status and the JSON body (null when empty). */
  rest<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** The worker's output (the last 256 KiB). */
  logs(): string;
  exited(): boolean;
  /** SIGTERM (Connect's shutdown hook stops connectors, commits offsets, leaves the group), SIGKILL after 30 s. */
  stop(): Promise<number | null>;
}

const SET = 'connect-3.9';
const MAIN_CLASS = 'org.apache.kafka.connect.cli.ConnectDistributed';
const READY_TIMEOUT_MS = 90_000;
const PROBE_INTERVAL_MS = 200;
const STOP_GRACE_MS = 30_000;
const REST_TIMEOUT_MS = 30_000;
/** What a JVM stopped by SIGTERM exits with (128 + 15) once its shutdown hooks ran. */
const SIGTERM_EXIT_CODE = 143;
/** Connect's own start script: -Xms256M -Xmx2G; a test worker needs far less. */
const JVM_OPTIONS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xmx512m', '-Djava.awt.headless=true'];

function connectClasspath(): string {
  const lib = join(JVM_CACHE, SET, 'lib');
  if (!existsSync(lib)) throw new Error(`Kafka Connect jars are missing (${lib}): run tools/test-deps/jvm.sh`);
  return `${lib}/*`;
}

function internalTopics(cluster: string) {
  return { configs: `${cluster}-configs`, offsets: `${cluster}-offsets`, status: `${cluster}-status` };
}

/** connect-distributed.properties for one worker on a single-broker cluster. */
function workerProperties(options: ConnectOptions, restPort: number): string {
  const topics = internalTopics(options.cluster);
  const props: Record<string, string> = {
    'bootstrap.servers': options.bootstrap,
    'group.id': options.cluster,
    'config.storage.topic': topics.configs,
    'offset.storage.topic': topics.offsets,
    'status.storage.topic': topics.status,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    listeners: `http://127.0.0.1:${restPort}`,
    // Every plugin on the classpath has a ServiceLoader manifest: no reflective scan of 60 jars.
    'plugin.discovery': 'service_load',
    'offset.flush.interval.ms': '500',
    ...Object.fromEntries(
      Object.entries(options.topicSettings ?? {}).flatMap(([name, value]) => ['config.storage', 'offset.storage', 'status.storage'].map((prefix) => [`${prefix}.${name}`, value])),
    ),
    ...options.workerProps,
  };
  return Object.entries(props).map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}

async function restCall<T>(restUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${restUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** Starts one worker and waits until its REST API serves /connectors. */
export async function startConnect(options: ConnectOptions): Promise<ConnectHandle> {
  const restPort = await freePort();
  const propsFile = join(options.workDir, 'connect-distributed.properties');
  await writeFile(propsFile, workerProperties(options, restPort));
  const cds = useCds(join(JVM_CACHE, SET, 'cds-connect-distributed.jsa'), true);
  const logging = `-Dlog4j.configuration=file:${join(REPO_ROOT, 'test/jvm/config/connect-log4j.properties')}`;
  const args = [...JVM_OPTIONS, ...JVM_LOG_OPTIONS, ...cds.options, logging, '-cp', connectClasspath(), MAIN_CLASS, propsFile];
  const { child, logs, exited, halt } = spawnLogged(javaBinary(), args, options.workDir);
  const restUrl = `http://127.0.0.1:${restPort}`;
  let stopping = false;
  const stop = async (): Promise<number | null> => {
    if (!exited()) {
      stopping = true;
      await halt(STOP_GRACE_MS);
    }
    // Record the archive only from a run that came up and shut down cleanly.
    await cds.settle(stopping && (child.exitCode === SIGTERM_EXIT_CODE || child.exitCode === 0));
    return child.exitCode;
  };
  const handle: ConnectHandle = {
    restUrl,
    topics: internalTopics(options.cluster),
    rest: (method, path, body) => restCall(restUrl, method, path, body),
    logs,
    exited,
    stop,
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  await pollReady(
    async () => (await handle.rest('GET', '/connectors')).status === 200,
    exited,
    readyTimeoutMs,
    PROBE_INTERVAL_MS,
    'the worker process exited',
    `GET ${restUrl}/connectors did not answer 200`,
  ).catch(async (error: Error) => {
    await stop();
    throw new Error(`Kafka Connect did not start: ${error.message}\n--- worker output (tail) ---\n${logs().slice(-8000)}`);
  });
  return handle;
}
