/**
 * Medium tests of the embedded broker (`startBlink()`, src/embed.ts), in this process: real
 * temporary directories, and loopback sockets, since listening is what the API is about.
 * Free ports advertised by Metadata, the server's settings errors, the REST test helpers
 * against kafkajs (a real client), a parked fetch answered by stop(), the temporary directory
 * removed, and 50 start/stop cycles leaving no handle and no RSS growth beyond noise.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { register } from 'prom-client';
import { loadSettings, SettingsError } from '../../../src/config/settings.js';
import { startBlink } from '../../../src/embed.js';
import { KAFKA_LISTEN_EVENT } from '../../../src/blink-app.js';

const kafkaOf = (bootstrap: string): Kafka => new Kafka({ brokers: [bootstrap], clientId: 'embed-test', logLevel: logLevel.NOTHING });

/** Resource kinds and how many of each keep the event loop alive. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

const SETTLE_MS_MAX = 2_000;

/** The temporary directories of embedded brokers (mkdtemp's 'blink-' and six characters). */
async function embeddedDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => /^blink-[A-Za-z0-9]{6}$/.test(name));
}

/** Waits (bounded) until no resource kind is above its count in `before`; a file close queued by the last step may still be in flight. */
async function assertNoNewResources(before: Map<string, number>): Promise<void> {
  const added = (): Array<[string, number]> => [...activeResources()].filter(([kind, count]) => count > (before.get(kind) ?? 0));
  const deadline = Date.now() + SETTLE_MS_MAX;
  while (added().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(added(), [], `active resources left after stop: ${JSON.stringify(Object.fromEntries(activeResources()))}`);
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Memory after a full collection, in MiB: the resident set, and the JavaScript heap in use. */
function settledMemoryMiB(): { rss: number; heap: number } {
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: rss / (1024 * 1024), heap: heapUsed / (1024 * 1024) };
}

describe('startBlink (medium: embedded brokers in this process)', () => {
  it('listens on free loopback ports, advertises them in Metadata, and removes its temporary directory on stop', async () => {
    const broker = await startBlink();
    const port = Number(broker.bootstrap.split(':')[1]);
    assert.match(broker.bootstrap, /^127\.0\.0\.1:\d+$/);
    assert.ok(port > 0, 'a real port, not 0');
    assert.match(broker.restUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const admin = kafkaOf(broker.bootstrap).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    assert.deepEqual(cluster.brokers.map(({ host, port: advertised }) => `${host}:${advertised}`), [broker.bootstrap]);
    assert.equal(broker.config.storageMode, 'memory');
    assert.ok(existsSync(broker.config.recordStoragePath), 'the data directory exists while the broker runs');
    await broker.stop();
    await broker.stop();
    assert.equal(existsSync(broker.config.recordStoragePath), false, 'stop() removed the temporary data directory');
  });

  it('refuses a bad setting with the server\'s settings error, before binding anything', async () => {
    const before = activeResources();
    const error = await startBlink({ max_memory: 'lots', broker_ports: [70_000] }).then(
      () => assert.fail('startBlink accepted bad settings'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof SettingsError);
    const server = (() => {
      try {
        return loadSettings({ argv: [], env: { MAX_MEMORY: 'lots', BROKER_PORTS: '70000' }, cwd: '/nonexistent' });
      } catch (thrown) {
        return thrown as SettingsError;
      }
    })() as SettingsError;
    // "max_memory (startBlink() settings): …" and "max_memory (env MAX_MEMORY): …": the source differs, not the reason.
    const reasons = (problems: readonly string[]) => problems.map((problem) => problem.replace(/ \(.+?\): /, ': '));
    assert.deepEqual(reasons(error.problems), reasons(server.problems), 'the same problems as the server reports');
    await assertNoNewResources(before);
  });

  it('a start called off by its AbortSignal as the Kafka listeners bind rejects with the signal\'s reason and leaves no handle, no directory, and no metric behind', async () => {
    const before = activeResources();
    const dirsBefore = new Set(await embeddedDirs());
    const stop = new AbortController();
    const abortAtBind = (): void => stop.abort();
    process.once(KAFKA_LISTEN_EVENT, abortAtBind);
    try {
      const error = await startBlink({}, { signal: stop.signal }).then(
        () => assert.fail('the start was not called off'),
        (thrown: unknown) => thrown,
      );
      assert.equal(stop.signal.aborted, true, 'aborted as the Kafka listeners bound');
      assert.equal(error, stop.signal.reason);
    } finally {
      process.removeListener(KAFKA_LISTEN_EVENT, abortAtBind);
    }
    assert.deepEqual((await embeddedDirs()).filter((dir) => !dirsBefore.has(dir)), [], 'the temporary directory is removed');
    await assertNoNewResources(before);
    assert.equal(register.getSingleMetric('blink_ram_batch_count'), undefined, "Blink's metrics left the registry");
    await assert.rejects(startBlink({}, { signal: AbortSignal.abort() }), { name: 'AbortError' }, 'a signal aborted already: no start');
    assert.deepEqual((await embeddedDirs()).filter((dir) => !dirsBefore.has(dir)), [], 'nor a directory');
  });

  it('helpers: creates a topic with configs, reads its records, waits for a stable group, resets', async () => {
    const broker = await startBlink({ auto_create_topics: false });
    const kafka = kafkaOf(broker.bootstrap);
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'billing' });
    try {
      const topic = await broker.createTopic('orders', { partitions: 3, configs: { 'cleanup.policy': 'compact' } });
      assert.equal(topic.partitions.length, 3);
      assert.equal(topic.configs.find((config) => config.name === 'cleanup.policy')?.value, 'compact');
      await producer.connect();
      await producer.send({ topic: 'orders', messages: [0, 1, 2, 3].map((n) => ({ partition: n % 3, key: `k${n}`, value: `v${n}` })) });
      const records = await broker.readRecords('orders');
      assert.deepEqual(records.map(({ partition, offset, value }) => [partition, offset, value]), [[0, 0, 'v0'], [0, 1, 'v3'], [1, 0, 'v1'], [2, 0, 'v2']]);
      assert.deepEqual((await broker.readRecords('orders', { partition: 1 })).map((r) => r.key), ['k1']);

      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      let consumed = 0;
      const allConsumed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${consumed} of 4 records consumed within 20000 ms`)), 20_000);
        void consumer.run({ eachMessage: async () => void (++consumed === 4 && (clearTimeout(timer), resolve())) });
      });
      const group = await broker.waitForGroup('billing', { members: 1, timeoutMs: 20_000 });
      assert.equal(group.state, 'Stable');
      // Consumed (and committed) before the member leaves, so the Empty group holds offsets.
      await allConsumed;
      await consumer.disconnect();
      await broker.waitForGroup('billing', { state: 'Empty', timeoutMs: 20_000 });
      await broker.reset();
      assert.deepEqual(await broker.topics(), []);
      assert.deepEqual(await broker.groups(), []);
      await assert.rejects(broker.waitForGroup('nobody', { timeoutMs: 100 }), /'nobody' did not reach Stable within 100 ms \(last seen: not created yet\)/);
    } finally {
      await producer.disconnect();
      await consumer.disconnect();
      await broker.stop();
    }
  });

  it('stop() answers a parked fetch and resolves while a consumer is still connected', async () => {
    const broker = await startBlink();
    const kafka = kafkaOf(broker.bootstrap);
    await broker.createTopic('idle', { partitions: 1 });
    const consumer = kafka.consumer({ groupId: 'parked', maxWaitTimeInMs: 30_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'idle' });
    await consumer.run({ eachMessage: async () => undefined });
    await broker.waitForGroup('parked', { members: 1, timeoutMs: 20_000 });
    const started = Date.now();
    await broker.stop();
    assert.ok(Date.now() - started < 10_000, `stop() took ${Date.now() - started} ms with a fetch parked for 30 s`);
    await consumer.disconnect().catch(() => undefined);
  });

  it('50 start/stop cycles leave no active handle and no memory growth beyond noise', async (t) => {
    const cycle = async () => {
      const broker = await startBlink();
      await broker.createTopic('cycle', { partitions: 2 });
      await broker.stop();
    };
    for (let warmup = 0; warmup < 5; warmup++) await cycle();
    const before = activeResources();
    const start = settledMemoryMiB();
    for (let round = 0; round < 25; round++) await cycle();
    const half = settledMemoryMiB();
    for (let round = 0; round < 25; round++) await cycle();
    const end = settledMemoryMiB();
    await assertNoNewResources(before);
    t.diagnostic(`settled MiB: start rss ${start.rss.toFixed(0)} heap ${start.heap.toFixed(1)}; after 25 rss ${half.rss.toFixed(0)} heap ${half.heap.toFixed(1)}; after 50 rss ${end.rss.toFixed(0)} heap ${end.heap.toFixed(1)}`);
    // A running broker holds ~10 MiB of heap, so keeping one per cycle would add ~250 MiB
    // per 25 cycles. V8 and malloc grow their reserved pages over the first ~20 cycles
    // (garbage from boots) and then hold them: RSS is compared over the second half only.
    assert.ok(end.heap - start.heap < 10, `JavaScript heap grew by ${(end.heap - start.heap).toFixed(1)} MiB over 50 cycles`);
    assert.ok(end.rss - half.rss < 25, `RSS grew by ${(end.rss - half.rss).toFixed(1)} MiB over the last 25 cycles (${half.rss.toFixed(0)} -> ${end.rss.toFixed(0)} MiB)`);
  });
});
