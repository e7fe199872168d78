/**
 * A Kafka Streams 4.x application with processing.guarantee=exactly_once_v2 against Blink
 * (java/blink/streams/EosCountApp.java: counts the records of a topic per key into another
 * topic): its output, read at read_committed, holds exactly the expected count of every key,
 * also when the application is killed with SIGKILL midway and started again (its store comes
 * back from its changelog topic on Blink; its unfinished transaction is fenced by the restart).
 * The store has no cache, so every record yields its key's new count: at read_committed each
 * key's counts are exactly 1, 2, ... n (a record counted twice, or an aborted count made
 * visible, would break the sequence).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import kafkajs from 'kafkajs';

import { buildBatch } from '../support/batch-builder.js';
import { CLIENT_JVM_OPTIONS } from './clients/java.js';
import { JVM_CACHE, JVM_LOG_OPTIONS, javaBinary } from './clients/jvm.js';
import { useBroker } from './client-suite.js';
import { REPO_ROOT, track, uniqueTopic, waitFor, withTimeout, type BrokerHandle } from './harness.js';
import { rawProduce } from './raw-kafka.js';
import { createTopic, transactionBrokerEnv } from './transactions-support.js';

const { Kafka, logLevel } = kafkajs;

const RECORDS = 2_000;
const KEYS = 20;
const RECORDS_PER_BATCH = 100;
/** Slows the application down (≈ 10 s for every record) so that the kill lands midway. */
const PAUSE_MS_PER_RECORD = 5;
const START_TIMEOUT_MS = 60_000;
const FINISH_TIMEOUT_MS = 90_000;
/** After the expected counts, how long the output is watched for a count that goes past them. */
const SETTLE_MS = 2_000;

/** slf4j-simple: timestamps, so that a failure's log tail shows where the time went. */
const APP_LOG_OPTIONS = ['-Dorg.slf4j.simpleLogger.showDateTime=true', '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS'];

interface StreamsApp {
  readonly child: ChildProcess;
  readonly running: Promise<void>;
  output(): string;
}

function startApp(broker: BrokerHandle, applicationId: string, input: string, output: string, stateDir: string): StreamsApp {
  const classpath = `${join(JVM_CACHE, 'driver-4', 'driver.jar')}:${join(JVM_CACHE, 'clients-4', 'lib')}/*`;
  const args = [...CLIENT_JVM_OPTIONS, ...JVM_LOG_OPTIONS, ...APP_LOG_OPTIONS, '-cp', classpath, 'blink.streams.EosCountApp', broker.bootstrap, applicationId, input, output, stateDir, String(PAUSE_MS_PER_RECORD)];
  const child = spawn(javaBinary(), args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  let log = '';
  const append = (chunk: Buffer) => (log = (log + chunk.toString('utf8')).slice(-16_000));
  child.stderr!.on('data', append);
  const running = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      append(chunk);
      if (log.includes('RUNNING')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`Streams application exited (code ${code}, signal ${signal}) before it ran:\n${log}`)));
  });
  running.catch(() => undefined);
  return { child, running, output: () => log };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Input records: keys k0..k19 in turn, each key always in the same partition (k<n> in
 * partition n % 2: groupByKey counts per partition, so a key must not span two); returns
 * how many each key got.
 */
async function writeInput(broker: BrokerHandle, topic: string): Promise<Map<string, number>> {
  const expected = new Map<string, number>();
  for (let start = 0; start < RECORDS; start += RECORDS_PER_BATCH) {
    for (const partition of [0, 1]) {
      const keys = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => (start + i) % KEYS).filter((k) => k % 2 === partition);
      for (const k of keys) expected.set(`k${k}`, (expected.get(`k${k}`) ?? 0) + 1);
      const records = keys.map((k, i) => ({ key: Buffer.from(`k${k}`), value: Buffer.from(`v${start}-${i}`) }));
      const answer = await rawProduce(broker.kafkaPort, { topic, partition, records: buildBatch(records) });
      assert.equal(answer.errorCode, 0);
    }
  }
  return expected;
}

/** The group's committed offsets on `topic`, summed (records the application has processed and committed). */
async function committedSum(admin: kafkajs.Admin, group: string, topic: string): Promise<number> {
  const [fetched] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (fetched?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Follows `output` at read_committed: every count seen per key, in order. */
async function followOutput(broker: BrokerHandle, topic: string) {
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'e2e-streams-check', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}-checker`, readUncommitted: false, maxWaitTimeInMs: 500 });
  const seen = new Map<string, number[]>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString('utf8') ?? '';
      const count = Number(message.value?.readBigInt64BE(0) ?? -1n);
      seen.set(key, [...(seen.get(key) ?? []), count]);
    },
  });
  return { seen, close: () => consumer.disconnect() };
}

describe('Kafka Streams exactly_once_v2 against Blink', () => {
  const broker = useBroker(transactionBrokerEnv());

  it('counts every key exactly once, also across a SIGKILL and restart of the application midway', async () => {
    const b = broker();
    const input = uniqueTopic('streams-in');
    const output = uniqueTopic('streams-out');
    const applicationId = uniqueTopic('streams-app');
    await createTopic(b, input, 2);
    await createTopic(b, output, 2);
    const expected = await writeInput(b, input);
    const stateDir = await mkdtemp(join(tmpdir(), 'blink-streams-'));
    const admin = new Kafka({ brokers: [b.bootstrap], clientId: 'e2e-streams-admin', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const follower = await followOutput(b, output);
    let app = startApp(b, applicationId, input, output, stateDir);
    try {
      await withTimeout(app.running, START_TIMEOUT_MS, 'the Streams application starts');
      const processed = await waitFor('the application is midway', START_TIMEOUT_MS, async () => {
        const sum = await committedSum(admin, applicationId, input);
        return sum >= RECORDS / 5 ? sum : undefined;
      }, 100);
      assert.ok(processed < RECORDS, `killed midway (${processed} of ${RECORDS} records committed): slow the application down if not`);
      app.child.kill('SIGKILL');
      await exited(app.child);

      app = startApp(b, applicationId, input, output, stateDir);
      await withTimeout(app.running, START_TIMEOUT_MS, 'the Streams application starts again');
      const done = (): boolean => [...expected].every(([key, count]) => follower.seen.get(key)?.at(-1) === count);
      await waitFor('every key reaches its count', FINISH_TIMEOUT_MS, async () => (done() ? true : undefined), 200).catch((error: Error) => {
        const last = [...follower.seen].map(([key, counts]) => `${key}=${counts.at(-1)}`).join(' ');
        throw new Error(`${error.message}\nlast counts: ${last}\n--- application (tail) ---\n${app.output().slice(-6_000)}`);
      });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      for (const [key, count] of expected) {
        // Without a cache every record yields its count: 1, 2, ... n, each exactly once.
        assert.deepEqual(follower.seen.get(key), Array.from({ length: count }, (_, i) => i + 1), `the counts of ${key}`);
      }
      assert.equal(await committedSum(admin, applicationId, input), RECORDS);
    } finally {
      app.child.stdin!.end();
      await withTimeout(exited(app.child), 20_000, 'the Streams application stops').catch(() => app.child.kill('SIGKILL'));
      await follower.close();
      await admin.disconnect();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
