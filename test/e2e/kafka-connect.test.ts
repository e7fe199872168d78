/**
 * Kafka Connect 3.9 in distributed mode against Blink (support/kafka-connect.ts): the
 * application that refuses to start unless its three internal topics are compacted.
 * - The worker creates its config, offset and status topics (cleanup.policy=compact,
 *   with a short segment.ms so Blink's cleaner works during the test) and Blink reports them
 *   compacted (DescribeConfigs).
 * - A FileStreamSource → topic → FileStreamSink pipeline, fed in rounds: each round is
 *   checked through the sink file and the source offset Connect committed (REST, KIP-875),
 *   so the offsets topic holds one version of the source's offset per round; Blink's cleaner
 *   then removes the older versions (kcat reads fewer of them than Connect wrote).
 * - Connect stops and starts again: its connectors, their configs and the source offset come
 *   back from the compacted topics; lines appended after the restart are delivered, the old
 *   ones not again (the topic holds one record per line, the sink file equals the source).
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import kafkajs from 'kafkajs';

import { startConnect, type ConnectHandle, type ConnectOptions } from './support/kafka-connect.js';
import { run, startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { createTopic, kafkajsAdmin, metric, offsetsOf } from './storage-support.js';

const TEST_TIMEOUT_MS = 240_000;
const ROUNDS = 4;
const LINES_PER_ROUND = 25;
const DELIVERY_TIMEOUT_MS = 60_000;
const CLEANING_TIMEOUT_MS = 30_000;
/** Short segments and any dirt makes a partition cleanable: the cleaner works during the test. */
const INTERNAL_TOPIC_SETTINGS = { 'segment.ms': '200', 'min.cleanable.dirty.ratio': '0.01' };
const BROKER_ENV = { LOG_CLEANER_BACKOFF: '200ms', AUTO_CREATE_TOPICS: 'false' };

interface Pipeline {
  readonly source: string;
  readonly sink: string;
  readonly topic: string;
}

interface OffsetsAnswer {
  offsets: Array<{ partition: { filename: string }; offset: { position: number } }>;
}

async function expectOk<T>(connect: ConnectHandle, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await connect.rest<T>(method, path, body);
  assert.ok(answer.status >= 200 && answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function createConnectors(connect: ConnectHandle, pipeline: Pipeline): Promise<void> {
  await expectOk(connect, 'POST', '/connectors', {
    name: 'file-source',
    config: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', 'tasks.max': '1', file: pipeline.source, topic: pipeline.topic },
  });
  await expectOk(connect, 'POST', '/connectors', {
    name: 'file-sink',
    config: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', 'tasks.max': '1', file: pipeline.sink, topics: pipeline.topic },
  });
}

async function linesOf(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}

/** The source position Connect committed to its offsets topic (KIP-875's GET .../offsets), or -1. */
async function committedPosition(connect: ConnectHandle): Promise<number> {
  const answer = await connect.rest<OffsetsAnswer>('GET', '/connectors/file-source/offsets');
  return answer.status === 200 ? (answer.body.offsets[0]?.offset.position ?? -1) : -1;
}

/** Appends a round of lines, waits until the sink file holds every line so far and Connect committed the source's position. */
async function deliverRound(connect: ConnectHandle, pipeline: Pipeline, round: number, expected: string[]): Promise<void> {
  const lines = Array.from({ length: LINES_PER_ROUND }, (_, i) => `round-${round}-line-${i}`);
  await appendFile(pipeline.source, lines.map((line) => `${line}\n`).join(''));
  expected.push(...lines);
  const size = (await stat(pipeline.source)).size;
  await waitFor(`round ${round}: the sink holds ${expected.length} lines and the source offset is ${size}`, DELIVERY_TIMEOUT_MS, async () => {
    const sunk = await linesOf(pipeline.sink);
    return sunk.length >= expected.length && (await committedPosition(connect)) === size ? true : undefined;
  }, 200).catch((error: Error) => {
    throw new Error(`${error.message}\n--- Connect (tail) ---\n${connect.logs().slice(-6000)}`);
  });
}

/** The records of the source's offset key in the offsets topic, read from the beginning by kcat: their positions. */
async function sourceOffsetRecords(broker: BrokerHandle, connect: ConnectHandle, pipeline: Pipeline): Promise<number[]> {
  const result = await run('kcat', ['-C', '-b', broker.bootstrap, '-t', connect.topics.offsets, '-o', 'beginning', '-e', '-q', '-f', '%k\\t%s\\n'], { timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  const key = JSON.stringify(['file-source', { filename: pipeline.source }]);
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith(`${key}\t`))
    .map((line) => (JSON.parse(line.slice(key.length + 1)) as { position: number }).position);
}

async function cleanupPolicies(broker: BrokerHandle, topics: readonly string[]): Promise<Record<string, string | undefined>> {
  const admin = kafkajsAdmin(broker.bootstrap);
  await admin.connect();
  try {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })) });
    return Object.fromEntries(described.resources.map((r) => [r.resourceName, r.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue]));
  } finally {
    await admin.disconnect();
  }
}

describe('Kafka Connect (distributed mode) keeps its state in compacted topics on Blink', () => {
  let broker: BrokerHandle;
  let workDir: string;
  let connect: ConnectHandle | undefined;
  before(async () => {
    broker = await startBroker({ env: BROKER_ENV, readyTimeoutMs: 60_000 });
    workDir = await mkdtemp(join(tmpdir(), 'blink-e2e-connect-'));
  });
  after(async () => {
    await connect?.stop();
    await broker?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  test('creates compacted internal topics, runs a file pipeline, and restores configs and offsets after a restart', { timeout: TEST_TIMEOUT_MS }, async () => {
    const pipeline: Pipeline = { source: join(workDir, 'source.txt'), sink: join(workDir, 'sink.txt'), topic: uniqueTopic('connect-lines') };
    await appendFile(pipeline.source, '');
    await createTopic(broker.bootstrap, pipeline.topic, 1);
    const options: ConnectOptions = { bootstrap: broker.bootstrap, workDir, cluster: uniqueTopic('connect'), topicSettings: INTERNAL_TOPIC_SETTINGS };
    connect = await startConnect(options);
    const internal = [connect.topics.configs, connect.topics.offsets, connect.topics.status];
    assert.deepEqual(await cleanupPolicies(broker, internal), Object.fromEntries(internal.map((t) => [t, 'compact'])));

    await createConnectors(connect, pipeline);
    const expected: string[] = [];
    for (let round = 0; round < ROUNDS; round++) await deliverRound(connect, pipeline, round, expected);
    const kept = await waitFor('the cleaner to remove old versions of the source offset', CLEANING_TIMEOUT_MS, async () => {
      const positions = await sourceOffsetRecords(broker, connect!, pipeline);
      return positions.length < ROUNDS ? positions : undefined;
    }, 250);
    assert.equal(kept.at(-1), (await stat(pipeline.source)).size, 'the latest source offset is kept');
    assert.ok((await metric(broker.restUrl, 'blink_log_cleaner_records_removed')) > 0);

    await connect.stop();
    connect = await startConnect(options);
    const names = await expectOk<string[]>(connect, 'GET', '/connectors');
    assert.deepEqual([...names].sort(), ['file-sink', 'file-source']);
    const sourceConfig = await expectOk<Record<string, string>>(connect, 'GET', '/connectors/file-source/config');
    assert.equal(sourceConfig.file, pipeline.source);
    assert.equal(sourceConfig.topic, pipeline.topic);
    assert.equal(await committedPosition(connect), (await stat(pipeline.source)).size, 'the source offset came back from the compacted topic');

    await deliverRound(connect, pipeline, ROUNDS, expected);
    assert.deepEqual(await linesOf(pipeline.sink), expected, 'the sink file holds every line once, in order');
    const [partition] = await offsetsOf(broker.bootstrap, pipeline.topic);
    assert.equal(partition.latest, expected.length, 'the source sent no line twice');
    const status = await expectOk<{ connector: { state: string }; tasks: Array<{ state: string }> }>(connect, 'GET', '/connectors/file-source/status');
    assert.deepEqual([status.connector.state, ...status.tasks.map((t) => t.state)], ['RUNNING', 'RUNNING']);
  });
});
