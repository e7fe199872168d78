/**
 * The uplink against a real Apache Kafka 3.9 broker (one KRaft node, started once for the
 * file and stopped once midway), driven by real clients (kcat, the Java client 4.x,
 * confluent-kafka) on both sides:
 *
 * 1. an existing durable Blink gets an uplink: records produced with every codec, with
 *    headers, a DeleteRecords gap and records a plugin dropped arrive once, in order, with
 *    their keys, values, headers and timestamps, each codec kept;
 * 2. the remote stops midway through a backlog: Blink keeps taking produce, retention waits
 *    (uplink_unmirrored: keep) or removes unmirrored data and counts it (drop, on a second
 *    broker whose names get uplink_topic_prefix), the uplink reports it (REST, /prometheus);
 *    Blink crashes meanwhile, its journal missing its last progress records;
 * 3. the remote comes back: every record exactly once, the lost journal records reconciled
 *    from the remote log (this uplink's producer id and sequences);
 * 4. the cut-over (`blink uplink cutover`): produce on mirrored topics is refused with
 *    NOT_LEADER_OR_FOLLOWER, and consumers moved to the remote cluster (the Java client and
 *    confluent-kafka / librdkafka) continue exactly after their last committed record, although the offsets
 *    differ between the clusters; abandoning it opens produce again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { stringify } from 'yaml';

import { expectStatus, kcatConsume, kcatProduce, rest, scrape, total, type Exposition, type KcatMessage } from './admin-support.js';
import { GroupMember, type MemberClient } from './clients/group-member.js';
import { closeJavaDrivers, javaDriver } from './clients/java.js';
import { describeRun, freePorts, NODE_BIN, REPO_ROOT, run, startBroker, waitFor, type BrokerHandle } from './harness.js';
import { pluginPath } from './plugins-support.js';
import { parseProduceV3Response, produceRequestV3, RawConnection, storedBatchHeaders } from './raw-kafka.js';
import { startApacheKafka, type ApacheKafkaHandle } from './support/apache-kafka.js';
import { buildBatch, values } from '../support/batch-builder.js';

/** A cap, not a goal: on a quiet machine the file takes about two minutes, Kafka's boots included. */
const FILE_TIMEOUT_MS = 240_000;
const CAUGHT_UP_MS = 60_000;
/** The broker loads the Kafka client when the uplink is on: a slower first readiness on a busy machine. */
const READY_MS = 45_000;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const NOT_LEADER_OR_FOLLOWER = 6;

let kafka: ApacheKafkaHandle | undefined;
const brokers = new Set<BrokerHandle>();
const places: Place[] = [];

/** Where a Blink broker lives across restarts: its data directory and ports. */
interface Place {
  readonly storagePath: string;
  readonly kafkaPort: number;
  readonly restPort: number;
}

async function newPlace(): Promise<Place> {
  const [kafkaPort, restPort] = (await freePorts(2)) as [number, number];
  const place = { storagePath: await mkdtemp(join(tmpdir(), 'blink-e2e-uplink-')), kafkaPort, restPort };
  places.push(place);
  return place;
}

function remote(): ApacheKafkaHandle {
  if (kafka === undefined) throw new Error('Apache Kafka did not start (see the before hook)');
  return kafka;
}

/** kcat and the REST helpers only need a bootstrap address. */
const remoteAsBroker = (): BrokerHandle => ({ bootstrap: remote().bootstrap }) as BrokerHandle;

before(async () => {
  kafka = await startApacheKafka({ version: '3.9', heapMb: 512 });
});

after(async () => {
  await closeJavaDrivers();
  for (const broker of brokers) await broker.stop();
  await kafka?.stop();
  for (const place of places) await rm(place.storagePath, { recursive: true, force: true });
});

/** A broker at `place` (durable unless `env` says otherwise); stop() keeps its data. */
async function startBlink(place: Place, env: Record<string, string>): Promise<BrokerHandle> {
  const broker = await startBroker({ env: { STORAGE_MODE: 'durable', ...env }, readyTimeoutMs: READY_MS, reuse: place });
  brokers.add(broker);
  return broker;
}

async function stopBlink(broker: BrokerHandle, crash = false): Promise<void> {
  if (crash) await broker.kill();
  else assert.equal(await broker.stop(), 0, `a clean stop\n${broker.stderr().slice(-3000)}`);
  brokers.delete(broker);
}

function uplinkEnv(topics: string, extra: Record<string, string> = {}): Record<string, string> {
  return { UPLINK_BOOTSTRAP_SERVERS: remote().bootstrap, UPLINK_TOPICS: topics, UPLINK_GROUP_SYNC_INTERVAL: '300ms', ...extra };
}

interface Status {
  state: string;
  remoteReachable: boolean;
  partitions: number;
  lagRecords: number;
  stuck: unknown[];
  partitionDetails: Array<{ topic: string; partition: number; status: string; blinkNext: number; remoteNext: number; highWatermark: number }>;
  groups: { pending: string[] };
  cutover: { state: string; waitingFor: string[] };
}

async function status(broker: BrokerHandle): Promise<Status> {
  const answer = await rest<Status>(broker, 'GET', '/api/v1/uplink');
  expectStatus(answer, 200, 'GET /api/v1/uplink');
  return answer.json;
}

/** Waits until the uplink mirrors `partitions` partitions and has nothing left to copy. */
async function caughtUp(broker: BrokerHandle, partitions: number): Promise<Status> {
  let last: Status | undefined;
  try {
    return await waitFor('the uplink caught up', CAUGHT_UP_MS, async () => {
      last = await status(broker);
      return last.state === 'caught-up' && last.partitions >= partitions ? last : undefined;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\nlast status: ${JSON.stringify(last)}\n--- broker stderr ---\n${broker.stderr().slice(-4000)}`);
  }
}

/** What a consumer sees of a record, offsets aside. */
const content = (m: KcatMessage) => ({ key: m.key, payload: m.payload, headers: m.headers ?? [], ts: m.ts });

async function assertSameRecords(blink: BrokerHandle, topic: string, remoteTopic = topic): Promise<{ blink: KcatMessage[]; remote: KcatMessage[] }> {
  const [here, there] = await Promise.all([kcatConsume(blink, topic), kcatConsume(remoteAsBroker(), remoteTopic)]);
  assert.deepEqual(there.map(content), here.map(content), `${remoteTopic} on the remote holds exactly Blink's records of ${topic}, in order`);
  assert.deepEqual(there.map((m) => m.offset), there.map((_, i) => i), 'remote offsets are consecutive from 0');
  return { blink: here, remote: there };
}

async function deleteRecordsBefore(broker: BrokerHandle, topic: string, offset: number): Promise<void> {
  expectStatus(await rest(broker, 'DELETE', `/api/v1/topics/${topic}/partitions/0/records?beforeOffset=${offset}`), 200, 'DeleteRecords');
}

async function createTopic(broker: BrokerHandle, name: string, configs: Record<string, string> = {}, partitions = 1): Promise<void> {
  expectStatus(await rest(broker, 'POST', '/api/v1/topics', { json: { name, partitions, configs } }), 201, `create ${name}`);
}

async function logStart(broker: BrokerHandle, topic: string): Promise<number> {
  const answer = await rest<{ partitions: Array<{ logStartOffset: number }> }>(broker, 'GET', `/api/v1/topics/${topic}`);
  expectStatus(answer, 200, `GET topic ${topic}`);
  return answer.json.partitions[0].logStartOffset;
}

const lines = (tag: string, count: number) => Array.from({ length: count }, (_, i) => `${tag}-k${i}:${tag}-v${i}`);

/** Produces `count` records to partition 0 in batches of `batch` (kcat, one batch per run). */
async function produceMany(broker: BrokerHandle, topic: string, tag: string, count: number, batch: number): Promise<string[]> {
  const produced: string[] = [];
  for (let start = 0; start < count; start += batch) {
    const chunk = lines(`${tag}${start}`, Math.min(batch, count - start));
    await kcatProduce(broker, topic, chunk);
    produced.push(...chunk.map((line) => line.split(':')[1]));
  }
  return produced;
}

const payloads = (messages: readonly KcatMessage[]) => messages.map((m) => m.payload);

/** The remote topic's payloads, checking its offsets are consecutive from 0 (written once, by the uplink only). */
async function remotePayloads(topic: string): Promise<Array<string | null>> {
  const messages = await kcatConsume(remoteAsBroker(), topic);
  assert.deepEqual(messages.map((m) => m.offset), messages.map((_, i) => i), `${topic}: remote offsets consecutive from 0`);
  return payloads(messages);
}

/** The uplink journal's records (length u32 | crc u32 | JSON), as written. */
function journalRecords(bytes: Buffer): Array<{ raw: Buffer; json: { k: string; t?: string; runs?: unknown[] } }> {
  const records = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    records.push({ raw: bytes.subarray(at, at + 8 + length), json: JSON.parse(bytes.toString('utf8', at + 8, at + 8 + length)) as { k: string; t?: string; runs?: unknown[] } });
    at += 8 + length;
  }
  return records;
}

describe('uplink into Apache Kafka 3.9', { timeout: FILE_TIMEOUT_MS }, () => {
  const codecsTopic = 'up-codecs';
  /** retention.ms 1000: Blink deletes its records soon after they are mirrored (keep mode). */
  const restartTopic = 'up-restart';
  const backlog: string[] = [];
  const lossyKept: string[] = [];
  let place: Place;
  let blink: BrokerHandle;
  let lossy: BrokerHandle;

  it('an existing durable Blink gets an uplink: every codec, headers, timestamps, a DeleteRecords gap and plugin-dropped records arrive once, in order', async () => {
    place = await newPlace();
    const before = await startBlink(place, { PLUGIN_PATHS: pluginPath('content-filter'), PLUGIN_REJECT_MODE: 'drop-record' });
    for (const codec of CODECS) {
      // content-filter drops the record whose value names a password: a gap inside the batch.
      await kcatProduce(before, codecsTopic, [`${codec}-a:${codec} one`, `${codec}-b:${codec} password two`, `${codec}-c:${codec} three`], ['-z', codec, '-H', `codec=${codec}`, '-H', 'trace=t1']);
    }
    // Offset 0 goes, 1 was dropped: the first batch is cut into, the rest is whole.
    await deleteRecordsBefore(before, codecsTopic, 2);
    await stopBlink(before);

    blink = await startBlink(place, uplinkEnv('up-.*'));
    await caughtUp(blink, 1);
    const { blink: here, remote: there } = await assertSameRecords(blink, codecsTopic);
    assert.equal(here[0].offset, 2, 'Blink starts at its log start');
    assert.equal(there.length, 2 * CODECS.length - 1, 'every record but the deleted and the dropped ones');
    assert.ok(here.every((m) => !String(m.payload).includes('password')));
    assert.ok(there.every((m) => (m.headers ?? []).includes('trace')), 'headers kept');
    const batches = await storedBatchHeaders(remote().port, codecsTopic, 0);
    assert.deepEqual([...new Set(batches.map((b) => b.compression))].sort(), [0, 1, 2, 3, 4], 'each codec kept on the remote');
    assert.equal(new Set(batches.map((b) => b.producerId)).size, 1, "all written by the uplink's idempotent producer");
    const metrics = await scrape(blink);
    assert.equal(total(metrics, 'blink_uplink_enabled'), 1);
    assert.equal(total(metrics, 'blink_uplink_remote_up'), 1);
    assert.equal(total(metrics, 'blink_uplink_mirrored_records_total'), there.length);
  });

  it('the remote goes down midway through a backlog: Blink takes produce, retention keeps what is not mirrored (keep) or drops and counts it (drop), the uplink reports it; Blink crashes meanwhile', async () => {
    await createTopic(blink, restartTopic, { 'retention.ms': '1000' }, 2);
    lossy = await startBlink(await newPlace(), uplinkEnv('lossy.*', { STORAGE_MODE: 'memory', UPLINK_UNMIRRORED: 'drop', UPLINK_TOPIC_PREFIX: 'blink.' }));
    await caughtUp(blink, 3);
    const producing = produceMany(blink, restartTopic, 'bg', 400, 10);
    await waitFor('the backlog is being mirrored', 30_000, async () => ((await status(blink)).partitionDetails.some((p) => p.topic === restartTopic && p.blinkNext > 0) ? true : undefined), 20);
    await remote().halt();
    backlog.push(...(await producing));
    backlog.push(...(await produceMany(blink, restartTopic, 'down', 100, 50)));
    await createTopic(lossy, 'lossy', { 'retention.ms': '500' });
    await produceMany(lossy, 'lossy', 'lost', 20, 20);
    lossyKept.push(...(await produceMany(lossy, 'lossy-kept', 'kept', 5, 5)));

    await waitFor('the uplink sees the remote down', 40_000, async () => ((await status(blink)).state === 'remote-unreachable' ? true : undefined), 200);
    const metrics = await scrape(blink);
    assert.equal(total(metrics, 'blink_uplink_remote_up'), 0);
    assert.ok(total(metrics, 'blink_uplink_lag_records') >= 100, 'lag counts the backlog');
    await assertAlerts(metrics, { BlinkUplinkRemoteUnreachable: true, BlinkUplinkPartitionsStuck: false, BlinkUplinkDroppedUnmirrored: false });
    await waitFor('drop: retention removed the unmirrored records', 20_000, async () => ((await logStart(lossy, 'lossy')) === 20 ? true : undefined), 200);
    assert.equal(total(await scrape(lossy), 'blink_uplink_unmirrored_dropped_offsets_total'), 20, 'every offset dropped before it was mirrored is counted');
    // keep: retention.ms has passed for every record, but retention stops where the uplink stopped copying.
    const position = (await status(blink)).partitionDetails.find((p) => p.topic === restartTopic && p.partition === 0);
    assert.ok(position !== undefined && position.blinkNext < position.highWatermark, JSON.stringify(position));
    await waitFor('retention up to the uplink position', 10_000, async () => ((await logStart(blink, restartTopic)) >= position.blinkNext ? true : undefined), 200);
    assert.equal(await logStart(blink, restartTopic), position.blinkNext, 'nothing the uplink has not copied is removed');

    // A crash, and the journal loses up-codecs' last progress records (as if the crash came between the remote's acknowledgements and their journal writes).
    await stopBlink(blink, true);
    const journalPath = join(place.storagePath, '__uplink', 'state.log');
    const records = journalRecords(await readFile(journalPath));
    const cut = records.flatMap((r, i) => (r.json.k === 'm' && r.json.t === codecsTopic && r.json.runs?.length ? [i] : [])).slice(-2);
    assert.equal(cut.length, 2);
    await writeFile(journalPath, Buffer.concat(records.filter((_, i) => !cut.includes(i)).map((r) => r.raw)));
    blink = await startBlink(place, uplinkEnv('up-.*'));
    assert.equal((await status(blink)).remoteReachable, false);
  });

  it('the remote comes back: every record exactly once, in order, and the lost journal records are reconciled', async () => {
    await remote().resume();
    backlog.push(...(await produceMany(blink, restartTopic, 'after', 30, 10)));
    await caughtUp(blink, 3);
    assert.deepEqual(await remotePayloads(restartTopic), backlog, 'the backlog, in order, once');
    const admin = javaDriver('4', remote().bootstrap);
    assert.equal((await admin.metadata()).topics.get(restartTopic), 2, 'created with the same partition count');
    assert.equal((await admin.describeConfigs('topic', restartTopic, true)).get('retention.ms'), '1000', 'and its explicit configs');
    await assertSameRecords(blink, codecsTopic);
    assert.match(blink.stdout() + blink.stderr(), /up-codecs-0: adopted \d+ records the remote acknowledged before a restart/);
    await caughtUp(lossy, 2);
    assert.deepEqual(await remotePayloads('blink.lossy-kept'), lossyKept, 'drop mode mirrors what retention left, under uplink_topic_prefix');
    assert.deepEqual(await remotePayloads('blink.lossy'), [], 'what retention dropped never reaches the remote');
    await stopBlink(lossy);
  });

  it('cut-over: produce is refused, and consumers moved to the remote (Java, confluent-kafka) continue exactly after their last committed record', async () => {
    const members: Array<[MemberClient, string]> = [['java-4', 'g-java'], ['confluent-kafka-2', 'g-librdkafka']];
    const existing = payloads(await kcatConsume(blink, codecsTopic));
    for (const [client, group] of members) {
      const member = startMember(client, blink.bootstrap, group);
      try {
        await member.waitFor('every record consumed', 60_000, () => (member.messages.length >= existing.length ? true : undefined));
        await member.commit(15_000);
        await member.close(20_000);
      } finally {
        await member.dispose();
      }
    }
    const fresh = await produceMany(blink, codecsTopic, 'fresh', 4, 4);

    const cutover = await run(NODE_BIN, [join(REPO_ROOT, 'bin/blink.mjs'), 'uplink', 'cutover', '--url', blink.restUrl, '--wait', '60s'], { timeoutMs: 90_000 });
    assert.equal(cutover.code, 0, describeRun('blink uplink cutover', cutover));
    assert.match(cutover.stdout, /ready to switch: point bootstrap\.servers at 127\.0\.0\.1:\d+/);
    assert.equal((await rawProduce(blink, codecsTopic)).errorCode, NOT_LEADER_OR_FOLLOWER, 'a mirrored topic refuses produce');
    assert.equal((await rawProduce(blink, 'not-mirrored')).errorCode, 0, 'other topics take produce');
    assert.equal(total(await scrape(blink), 'blink_uplink_cutover_state'), 2);

    for (const [client, group] of members) {
      const member = startMember(client, remote().bootstrap, group);
      try {
        await member.waitFor('the records after the commit', 60_000, () => (member.messages.length >= fresh.length ? true : undefined));
        assert.deepEqual(member.messages.map((m) => m.value?.toString()), fresh, `${client} resumes on the remote right after its last committed record`);
        await member.close(20_000);
      } finally {
        await member.dispose();
      }
    }

    const abort = await run(NODE_BIN, [join(REPO_ROOT, 'bin/blink.mjs'), 'uplink', 'abort', '--url', blink.restUrl], { timeoutMs: 30_000 });
    assert.equal(abort.code, 0, describeRun('blink uplink abort', abort));
    assert.equal((await rawProduce(blink, codecsTopic)).errorCode, 0, 'produce is open again');
    await stopBlink(blink);
  });
});

/**
 * promtool evaluates the alert rules of config/prometheus/alerts.yml over the uplink's
 * gauges as scraped (held for 15 minutes) and must find each named alert firing or not.
 */
async function assertAlerts(metrics: Exposition, expected: Readonly<Record<string, boolean>>): Promise<void> {
  const target = { job: 'blink', instance: 'blink:30004' };
  const inputSeries = metrics.samples
    .filter((sample) => sample.name.startsWith('blink_uplink_') && Object.keys(sample.labels).length === 0)
    .map((sample) => ({ series: `${sample.name}{job="${target.job}",instance="${target.instance}"}`, values: `${sample.value}x15` }));
  const promqlTests = Object.entries(expected).map(([alertname, fires]) => ({
    expr: `count(ALERTS{alertname="${alertname}",alertstate="firing"})`,
    eval_time: '15m',
    exp_samples: fires ? [{ labels: '{}', value: 1 }] : [],
  }));
  const dir = await mkdtemp(join(tmpdir(), 'blink-e2e-uplink-promtool-'));
  try {
    const testFile = join(dir, 'uplink-alerts-test.yml');
    const rules = join(REPO_ROOT, 'config/prometheus/alerts.yml');
    await writeFile(testFile, stringify({ rule_files: [rules], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: inputSeries, promql_expr_test: promqlTests }] }));
    const tested = await run('promtool', ['test', 'rules', testFile], { timeoutMs: 30_000 });
    assert.equal(tested.code, 0, describeRun(`promtool test rules ${JSON.stringify(expected)}`, tested));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function startMember(client: MemberClient, bootstrap: string, group: string): GroupMember {
  return GroupMember.start(client, bootstrap, {
    topic: 'up-codecs',
    group,
    clientId: `uplink-${client}`,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    rebalanceTimeoutMs: 15_000,
    lifetimeMs: 90_000,
  });
}

/** One Produce v3 of one record, answered with the broker's error code (what a client would be told). */
async function rawProduce(broker: BrokerHandle, topic: string) {
  const connection = await RawConnection.open(broker.kafkaPort, 5_000);
  try {
    connection.write(produceRequestV3(1, -1, topic, 0, buildBatch(values(1, 'raw'))));
    return parseProduceV3Response(await connection.readFrame(10_000)).partitions[0];
  } finally {
    connection.close();
  }
}
