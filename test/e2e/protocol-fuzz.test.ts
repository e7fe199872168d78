/**
 * Protocol fuzzer against a real broker process (issue 14): for every API the codecs know, at
 * every version from its lowest to one past its highest, a well-formed request and mutations
 * of it (test/support/fuzz-frames.ts), plus random garbage frames, sent over several
 * connections at once. Meanwhile a healthy client (its own connection, the generated codecs)
 * keeps asking ApiVersions and the REST liveness probe answers. Afterwards the broker still
 * runs, no connection was closed because a handler failed, the records stored before the
 * fuzzing read back unchanged with kcat, and a fresh produce and consume work.
 * Deterministic: FUZZ_SEED (printed) replays a run; FUZZ_MUTATIONS=<n> (default 8) runs a
 * longer one (bench/README.md); bounded in frames and in time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiVersionsApi } from '../../src/wire/messages/18-api-versions.js';
import { ALL_APIS } from '../../src/wire/messages/index.js';
import { kcatConsume, kcatProduce } from './admin-support.js';
import { startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { RawConnection } from './raw-kafka.js';
import { CodecClient } from './support/codec-client.js';
import { FrameFuzzer, seededRandom } from '../support/fuzz-frames.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const MUTATIONS_PER_VERSION = Number(process.env.FUZZ_MUTATIONS ?? 8);
const GARBAGE_FRAMES = 400;
/** Connections fuzzing at once. */
const FUZZ_CONNECTIONS = 8;
/** How long a fuzzed request is given to be answered before its connection is closed. */
const ANSWER_WAIT_MS = 500;
const PROBE_EVERY_MS = 200;
/** The healthy client's slowest acceptable answer on this shared 2-core machine. */
const HEALTHY_LATENCY_MAX_MS = 3_000;
const KEPT_RECORDS = 200;
const TEST_TIMEOUT_MS = 90_000;

let brokerHandle: BrokerHandle | undefined;

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

before(async () => {
  brokerHandle = await startBroker();
});

after(async () => {
  if (brokerHandle === undefined) return;
  const crashed = brokerHandle.exited();
  await brokerHandle.stop();
  if (crashed) console.error(`--- broker stderr (exited during the tests) ---\n${brokerHandle.stderr().slice(-8000)}`);
});

interface FuzzFrame {
  readonly bytes: Buffer;
  /** 'Produce v3' for a well-formed request of a version the broker advertises; null otherwise. */
  readonly seedOf: string | null;
}

type Advertised = (apiKey: number, version: number) => boolean;

/** What ApiVersions says the broker serves: requests outside it may be closed, as Kafka closes them. */
async function advertisedVersions(): Promise<Advertised> {
  const client = await CodecClient.connect(broker().kafkaPort, 'blink-fuzz-setup');
  try {
    const { apiKeys } = await client.request(ApiVersionsApi, 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1.0' });
    return (apiKey, version) => (apiKeys ?? []).some((range) => range.apiKey === apiKey && version >= (range.minVersion ?? 0) && version <= (range.maxVersion ?? -1));
  } finally {
    client.close();
  }
}

/** Every frame of the run, in a seeded order. */
function allFrames(fuzzer: FrameFuzzer, advertised: Advertised): { frames: FuzzFrame[]; apiVersions: number } {
  const frames: FuzzFrame[] = [];
  let apiVersions = 0;
  for (const api of ALL_APIS) {
    for (let version = api.minVersion; version <= api.maxVersion + 1; version++) {
      const seed = fuzzer.seedFrame(api, Math.min(version, api.maxVersion));
      assert.ok(seed !== null, `${api.name} is in the spec digest`);
      if (version > api.maxVersion) seed.writeInt16BE(version, 6);
      apiVersions++;
      frames.push({ bytes: seed, seedOf: advertised(api.apiKey, version) ? `${api.name} v${version}` : null });
      for (let i = 0; i < MUTATIONS_PER_VERSION; i++) frames.push({ bytes: fuzzer.mutate(seed), seedOf: null });
    }
  }
  for (let i = 0; i < GARBAGE_FRAMES; i++) frames.push({ bytes: fuzzer.garbage(), seedOf: null });
  for (let i = frames.length - 1; i > 0; i--) {
    const j = fuzzer.int(i + 1);
    [frames[i], frames[j]] = [frames[j], frames[i]];
  }
  return { frames, apiVersions };
}

interface FuzzTally {
  answered: number;
  closedByBroker: number;
  unanswered: number;
  /** Well-formed requests of advertised versions whose connection the broker closed instead of answering. */
  seedsClosed: string[];
}

/**
 * Sends each of `frames` on a connection of its own (the broker closes a connection whose
 * request does not parse, as Kafka does, so later frames on it would never be read) and
 * waits for its answer, the close, or ANSWER_WAIT_MS (a request that parks, e.g. a JoinGroup).
 */
async function fuzzWorker(port: number, frames: readonly FuzzFrame[], tally: FuzzTally): Promise<void> {
  for (const frame of frames) {
    const connection = await RawConnection.open(port);
    connection.write(frame.bytes);
    try {
      await connection.readFrame(ANSWER_WAIT_MS);
      tally.answered++;
    } catch {
      if (!connection.closed) tally.unanswered++;
      else if (frame.seedOf === null) tally.closedByBroker++;
      else tally.seedsClosed.push(frame.seedOf);
    }
    connection.close();
  }
}

/** Until `done` resolves: ApiVersions on a healthy connection and GET /health/live, each timed. */
async function healthyClient(done: Promise<void>): Promise<number[]> {
  const client = await CodecClient.connect(broker().kafkaPort, 'blink-healthy');
  const latencies: number[] = [];
  let finished = false;
  void done.then(() => (finished = true));
  try {
    while (!finished) {
      const started = performance.now();
      const answer = await client.request(ApiVersionsApi, 3, { clientSoftwareName: 'healthy', clientSoftwareVersion: '1.0' }, HEALTHY_LATENCY_MAX_MS);
      assert.equal(answer.errorCode, 0);
      const live = await fetch(`${broker().restUrl}/health/live`, { signal: AbortSignal.timeout(HEALTHY_LATENCY_MAX_MS) });
      assert.equal(live.status, 200);
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
    }
  } finally {
    client.close();
  }
  return latencies;
}

describe('protocol fuzzer', () => {
  test('every API at every version, mutated and garbage frames: the broker keeps serving and loses nothing', { timeout: TEST_TIMEOUT_MS }, async () => {
    console.log(`protocol fuzz seed: ${SEED} (FUZZ_SEED=${SEED} replays it)`);
    const kept = uniqueTopic('fuzz-kept');
    const lines = Array.from({ length: KEPT_RECORDS }, (_, i) => `k${i}:kept-${i}`);
    await kcatProduce(broker(), kept, lines);
    const before = (await kcatConsume(broker(), kept)).map((m) => [m.offset, m.key, m.payload]);
    assert.equal(before.length, KEPT_RECORDS);

    const { frames, apiVersions } = allFrames(new FrameFuzzer(seededRandom(SEED)), await advertisedVersions());
    const tally: FuzzTally = { answered: 0, closedByBroker: 0, unanswered: 0, seedsClosed: [] };
    const started = Date.now();
    const share = Math.ceil(frames.length / FUZZ_CONNECTIONS);
    const workers = Promise.all(Array.from({ length: FUZZ_CONNECTIONS }, (_, i) => fuzzWorker(broker().kafkaPort, frames.slice(i * share, (i + 1) * share), tally)));
    const latencies = await healthyClient(workers.then(() => undefined));
    await workers;
    const seconds = (Date.now() - started) / 1000;
    const slowest = Math.max(...latencies);
    console.log(
      `fuzzed ${frames.length} frames (${apiVersions} API versions, ${MUTATIONS_PER_VERSION} mutations each, ${GARBAGE_FRAMES} garbage) in ${seconds.toFixed(1)} s over ` +
        `one connection each: ${tally.answered} answered, ${tally.closedByBroker} closed by the broker, ${tally.unanswered} still waiting after ${ANSWER_WAIT_MS} ms; ` +
        `healthy client: ${latencies.length} probes, slowest ${slowest.toFixed(0)} ms`,
    );

    assert.equal(broker().exited(), false, 'the broker process is still running');
    assert.ok(latencies.length > 0 && slowest < HEALTHY_LATENCY_MAX_MS, `healthy client latencies: ${latencies.map((l) => l.toFixed(0)).join(', ')}`);
    assert.deepEqual(tally.seedsClosed, [], 'every well-formed request of an advertised version is answered, not closed');
    const output = broker().stdout() + broker().stderr();
    assert.doesNotMatch(output, /closing connection .* after a failure/, 'no connection was closed because of a broker failure');
    const handlerFailures = output.match(/failed, answered with UNKNOWN_SERVER_ERROR.*/g) ?? [];
    assert.deepEqual(handlerFailures, [], 'no handler threw on a fuzzed request');

    assert.deepEqual((await kcatConsume(broker(), kept)).map((m) => [m.offset, m.key, m.payload]), before, 'the records stored before the fuzzing are intact');
    const fresh = uniqueTopic('fuzz-after');
    await kcatProduce(broker(), fresh, ['a:after']);
    await waitFor('the fresh record', 10_000, async () => ((await kcatConsume(broker(), fresh)).length === 1 ? true : undefined), 200);
  });
});
