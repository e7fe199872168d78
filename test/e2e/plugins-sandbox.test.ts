/**
 * The sandbox, against the real broker: a plugin that loops forever and one that eats
 * memory are stopped (deadline, memory cap), their batch is refused, they are restarted,
 * and other producers, consumers and HTTP probes are served meanwhile; a component that
 * imports the file system is refused at boot.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import kafkajs from './clients/kafkajs-lib.js';

import { buildBatch } from '../support/batch-builder.js';
import { TEST_TIMEOUT_MS, useBroker } from './client-suite.js';
import { runBrokerToExit, uniqueTopic, waitFor, withTimeout } from './harness.js';
import { INVALID_RECORD, kcatConsume, kcatProduce, metric, pluginPath, produceV8 } from './plugins-support.js';

const { Kafka, logLevel } = kafkajs;

/** Wide enough that a clean batch never hits it on a loaded CI machine. */
const PLUGIN_TIMEOUT_MS = 500;
const broker = useBroker({
  PLUGIN_PATHS: `${pluginPath('loop')},${pluginPath('hungry')}`,
  PLUGIN_TIMEOUT: `${PLUGIN_TIMEOUT_MS}ms`,
  PLUGIN_MAX_MEMORY: '16MB',
});
const batchOf = (...values: string[]): Buffer => buildBatch(values.map((value) => ({ key: null, value: Buffer.from(value) })));

/** A kafkajs producer sending `count` one-record batches to `topic`, one after the other. */
async function steadyProducer(topic: string, count: number): Promise<number> {
  const producer = new Kafka({ clientId: 'e2e-steady', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING }).producer();
  await withTimeout(producer.connect(), 15_000, 'kafkajs connect');
  try {
    for (let i = 0; i < count; i++) await withTimeout(producer.send({ topic, acks: -1, messages: [{ value: `steady ${i}` }] }), 15_000, `send ${i}`);
    return count;
  } finally {
    await producer.disconnect();
  }
}

async function liveWithin(ms: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${broker().restUrl}/health/live`, { signal: AbortSignal.timeout(ms) });
  await response.arrayBuffer();
  assert.equal(response.status, 200);
  return performance.now() - started;
}

/**
 * Asks /health/live again and again until `pending` (the looping plugin's batch) is answered,
 * and returns how long each probe took that was answered while it was still pending: those
 * were served while the plugin looped.
 */
async function livenessWhile(pending: Promise<unknown>, ms: number): Promise<number[]> {
  let settled = false;
  const done = (): void => {
    settled = true;
  };
  pending.then(done, done);
  const durations: number[] = [];
  while (!settled) {
    const took = await liveWithin(ms);
    if (!settled) durations.push(took);
  }
  return durations;
}

describe('plugin sandbox', { timeout: TEST_TIMEOUT_MS }, () => {
  test('a looping plugin is stopped at plugin_timeout: its producer gets INVALID_RECORD, everyone else is served, then it serves again', async () => {
    const looping = uniqueTopic('loop');
    const steady = uniqueTopic('steady');
    const readable = uniqueTopic('readable');
    assert.equal((await kcatProduce(broker().bootstrap, readable, ['r0', 'r1', 'r2'])).code, 0);

    const refused = produceV8(broker().kafkaPort, looping, 0, batchOf('fine', 'LOOP until stopped'));
    const [answer, steadySent, consumed, liveMs] = await Promise.all([
      refused,
      steadyProducer(steady, 5),
      kcatConsume(broker().bootstrap, readable),
      livenessWhile(refused, 2_000),
    ]);
    assert.equal(answer.errorCode, INVALID_RECORD);
    assert.match(answer.errorMessage ?? '', new RegExp(`^plugin loop failed on this batch and was restarted: it did not answer within plugin_timeout \\(${PLUGIN_TIMEOUT_MS} ms\\)$`));
    assert.equal(steadySent, 5);
    assert.deepEqual(consumed.map((m) => m.payload), ['r0', 'r1', 'r2']);
    assert.ok(liveMs.length >= 1, '/health/live answered while the looping batch was still pending');
    assert.ok(Math.max(...liveMs) < 1_000, `the event loop kept turning while the plugin looped (/health/live took ${liveMs.map((ms) => ms.toFixed(0)).join(', ')} ms)`);

    assert.deepEqual((await kcatConsume(broker().bootstrap, steady)).map((m) => m.payload), [0, 1, 2, 3, 4].map((i) => `steady ${i}`));
    const after = await produceV8(broker().kafkaPort, looping, 0, batchOf('fine again'));
    assert.equal(after.errorCode, 0, after.errorMessage ?? '');
    assert.equal(after.baseOffset, 0, 'nothing of the refused batch was stored');
    assert.ok((await metric(broker().restUrl, 'blink_plugin_timeouts_total', { plugin: 'loop' })) >= 1);
    await waitFor('restart counted', 10_000, async () =>
      (await metric(broker().restUrl, 'blink_plugin_restarts_total', { plugin: 'loop', result: 'ok' })) >= 1 ? true : undefined,
    );
  });

  test('a plugin that eats memory is contained at plugin_max_memory and restarted; other producers are served', async () => {
    const hungry = uniqueTopic('hungry');
    const steady = uniqueTopic('steady-hungry');
    const [answer, steadySent] = await Promise.all([produceV8(broker().kafkaPort, hungry, 0, batchOf('HUNGRY for memory')), steadyProducer(steady, 3)]);
    assert.equal(answer.errorCode, INVALID_RECORD);
    assert.match(answer.errorMessage ?? '', /^plugin hungry failed on this batch and was restarted: it ran out of memory: RuntimeError: unreachable \(memory 1[56]\.\d MiB of its 16\.0 MiB cap\)$/);
    assert.equal(steadySent, 3);
    const after = await produceV8(broker().kafkaPort, hungry, 0, batchOf('a modest record'));
    assert.equal(after.errorCode, 0, after.errorMessage ?? '');
    assert.equal(await metric(broker().restUrl, 'blink_plugin_errors_total', { plugin: 'hungry', kind: 'memory' }), 1);
  });

  test('a component importing the file system is refused at boot: the broker exits 1 naming the file and the import', async () => {
    const result = await runBrokerToExit({ env: { PLUGIN_PATHS: pluginPath('fs-import') }, timeoutMs: 30_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /Blink failed to start: plugin \S*fs-import\.wasm refused: it imports wasi:filesystem\/preopens@0\.2\.0: plugins get no file system, sockets or HTTP/,
    );
  });
});
