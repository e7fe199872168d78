/**
 * Log compaction against the real broker with raw clients, in memory mode and in durable
 * mode (then across a restart): many versions of many keys and tombstones in every codec
 * (batches produced as producers build them, raw Produce v3), a compacted topic created by
 * kafkajs with Kafka's configs, a keyless record refused (INVALID_RECORD), and what kcat
 * (librdkafka) reads from the beginning compared with the model "latest value per key":
 * every key's latest record is there at its offset, offsets ascend, nothing was changed.
 * The randomized history is seeded; the seed is printed (COMPACTION_SEED replays it).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { keyedBatch, seededRandom, assertCompactedView, type ReadRecord } from '../support/compaction.js';
import { TEST_CODECS } from '../support/compressed-batch.js';
import { run, startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { rawProduce } from './raw-kafka.js';
import { createTopic, metric, restartableBroker } from './storage-support.js';

const INVALID_RECORD = 87;
const TEST_TIMEOUT_MS = 180_000;
const COMPACTED = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01', 'segment.ms': '300', 'delete.retention.ms': '600000' };
const BROKER_ENV = { LOG_CLEANER_BACKOFF: '200ms', RETENTION: '1s', AUTO_CREATE_TOPICS: 'false' };

type Produced = Array<{ offset: number; key: string; value: string | null }>;

/** Seeded history: rounds of batches of random keys (30) and values, 15 % tombstones, every codec. */
async function produceHistory(broker: BrokerHandle, topic: string, seed: number, rounds: number, produced: Produced): Promise<void> {
  const random = seededRandom(seed);
  for (let round = 0; round < rounds; round++) {
    const codec = TEST_CODECS[round % TEST_CODECS.length];
    const records = Array.from({ length: 1 + Math.floor(random() * 15) }, () => ({
      key: `key-${Math.floor(random() * 30)}`,
      value: random() < 0.15 ? null : `value-${round}-${Math.floor(random() * 1e6)}`,
    }));
    const answer = await rawProduce(broker.kafkaPort, { topic, partition: 0, records: keyedBatch(records, codec), acks: -1 });
    assert.equal(answer.errorCode, 0, `round ${round} (${codec})`);
    records.forEach((r, i) => produced.push({ offset: Number(answer.baseOffset) + i, key: r.key, value: r.value }));
    if (round % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 350));
  }
}

/** The partition from the beginning, as kcat (librdkafka) reads it: offset, key, value (null for a tombstone). */
async function readWithKcat(broker: BrokerHandle, topic: string): Promise<ReadRecord[]> {
  const result = await run('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o\\t%k\\t%S\\t%s\\n'], { timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [offset, key, size, ...value] = line.split('\t');
      return { offset: Number(offset), key, value: Number(size) < 0 ? null : value.join('\t'), timestamp: 0, control: false };
    });
}

async function cleanerRemoved(broker: BrokerHandle): Promise<number> {
  return metric(broker.restUrl, 'blink_log_cleaner_records_removed');
}

/** Produces history, rolls the head once more, waits for a pass that removed records, checks what kcat reads. */
async function compactAndCheck(broker: BrokerHandle, topic: string, seed: number, produced: Produced): Promise<ReadRecord[]> {
  const removedBefore = await cleanerRemoved(broker);
  await produceHistory(broker, topic, seed, 60, produced);
  await new Promise((resolve) => setTimeout(resolve, 350));
  const last = await rawProduce(broker.kafkaPort, { topic, partition: 0, records: keyedBatch([{ key: 'head', value: 'rolls the head' }]), acks: -1 });
  produced.push({ offset: Number(last.baseOffset), key: 'head', value: 'rolls the head' });
  await waitFor('the cleaner to remove records', 30_000, async () => ((await cleanerRemoved(broker)) > removedBefore ? true : undefined));
  const read = await readWithKcat(broker, topic);
  assertCompactedView(read, produced, true);
  assert.ok(read.length < produced.length / 2, `compacted: ${read.length} of ${produced.length} records read`);
  return read;
}

describe('log compaction with raw clients (memory mode)', () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await startBroker({ env: BROKER_ENV, readyTimeoutMs: 60_000 });
  });
  after(async () => {
    await broker?.stop();
  });

  test('keeps the latest value of every key in every codec; refuses a keyless record; retention does not apply', { timeout: TEST_TIMEOUT_MS }, async () => {
    const seed = Number(process.env.COMPACTION_SEED ?? Date.now() % 1_000_000);
    console.log(`compaction e2e seed: ${seed} (COMPACTION_SEED=${seed} replays it)`);
    const topic = uniqueTopic('compacted');
    await createTopic(broker.bootstrap, topic, 1, COMPACTED);
    const keyless = await rawProduce(broker.kafkaPort, { topic, partition: 0, records: keyedBatch([{ key: null, value: 'no key' }]), acks: -1 });
    assert.equal(keyless.errorCode, INVALID_RECORD);
    const produced: Produced = [];
    await compactAndCheck(broker, topic, seed, produced);
    assert.ok((await metric(broker.restUrl, 'blink_log_cleaner_bytes_removed')) > 0);
    const detail = (await (await fetch(`${broker.restUrl}/api/v1/topics/${topic}`)).json()) as { partitions: Array<{ logStartOffset: number; memory: { bytes: number } }> };
    assert.equal(detail.partitions[0].logStartOffset, 0, 'retention (1s) did not touch the compacted topic');
  });

  test('the REST admin turns a delete topic into a compacted one (PATCH configs) and refuses a bad policy with 400', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('made-compact');
    await createTopic(broker.bootstrap, topic, 1);
    const patch = (body: unknown) => fetch(`${broker.restUrl}/api/v1/topics/${topic}/configs`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const changed = await patch({ set: { 'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.2' } });
    assert.equal(changed.status, 200, await changed.clone().text());
    const configs = ((await changed.json()) as { configs: Array<{ name: string; value: string; source: string }> }).configs;
    assert.deepEqual(configs.find((c) => c.name === 'cleanup.policy'), { name: 'cleanup.policy', value: 'compact,delete', source: 'topic' });
    const keyless = await rawProduce(broker.kafkaPort, { topic, partition: 0, records: keyedBatch([{ key: null, value: 'no key' }]), acks: -1 });
    assert.equal(keyless.errorCode, INVALID_RECORD, 'now compacted: keys are required');
    const refused = await patch({ set: { 'cleanup.policy': 'shred' } });
    assert.equal(refused.status, 400);
    await refused.arrayBuffer();
  });
});

describe('log compaction with raw clients (durable mode, across a restart)', () => {
  const durable = restartableBroker('e2e-compaction', { ...BROKER_ENV, STORAGE_MODE: 'durable' }, { readyTimeoutMs: 60_000 });

  test('compacts WAL segments, and a restarted broker serves the same compacted log and cleans on', { timeout: TEST_TIMEOUT_MS }, async () => {
    const seed = Number(process.env.COMPACTION_SEED ?? Date.now() % 1_000_000) + 1;
    console.log(`compaction e2e (durable) seed: ${seed}`);
    const topic = uniqueTopic('compacted-durable');
    await createTopic(durable.broker.bootstrap, topic, 1, COMPACTED);
    const produced: Produced = [];
    const before = await compactAndCheck(durable.broker, topic, seed, produced);
    await durable.broker.stop();
    await durable.start();
    const afterRestart = await readWithKcat(durable.broker, topic);
    assertCompactedView(afterRestart, produced, true);
    const offsetsBefore = new Set(before.map((r) => r.offset));
    assert.ok(afterRestart.every((r) => offsetsBefore.has(r.offset)), 'after the restart: the records kept before it (or fewer, the cleaner went on), nothing back');
    await compactAndCheck(durable.broker, topic, seed + 1, produced);
  });
});
