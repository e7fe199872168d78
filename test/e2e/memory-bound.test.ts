/**
 * max_memory's bound, held to by a real client (confluent-kafka, librdkafka).
 *
 * 1. One record per batch: MAX_MEMORY=8MB, memory mode; an idempotent producer with
 *    linger.ms=0 and batch.size=1 (librdkafka then sends one record per batch, 81 B of batch
 *    bytes, and the broker holds ~35-75 B of JavaScript memory for each in the partition's
 *    columns: bench/batch-heap.mjs) sends COUNT messages over 4 partitions: 12 MiB of batch
 *    bytes, 25 MiB counted as max_memory counts them (3x). What max_memory bounds is the batches' bytes plus
 *    STORED_BATCH_HEAP_BYTES per batch (memory-accountant.ts; gauge blink_memory_used_bytes).
 *    Asserted:
 *    - that gauge, sampled every 100 ms, never exceeds max_memory plus one request: a produce
 *      reserves its bytes while used + reserved < max_memory, and in memory mode appends them
 *      in the same turn; a connection's next request is not read before that, so with one
 *      producer at most one request lands past the bound, and librdkafka's request holds one
 *      batch per partition (each counted with its heap);
 *    - the broker's heap after two full collections (a measuring preload,
 *      bench/batch-heap-preload.cjs, on SIGUSR2; V8's heap plus external memory) grew, from before the load to after it, by no more
 *      than max_memory minus the batch bytes still in memory, plus OTHER_HEAP_BYTES that are not
 *      the batches': the heap the batches cost is inside the bound. Measured: 2.7 MiB of
 *      bytes in ~35,000 batches + 3.1-3.2 MiB of heap and external memory, 5.9 MiB against the
 *      bound's 10. With a
 *      StoredBatch object and a Buffer view per batch (~230 B of heap each) and no heap counted
 *      per batch (memoryLimitsFor's batchHeapBytes 0), 66,700 batches took 5.2 + 15.3 MiB and
 *      the check failed; with the columns and none counted, 5.1 + 2.2 MiB pass: the columns'
 *      cost is small enough that counting it is a margin, and this check guards against the
 *      per-batch heap growing large again;
 *    - every message reads back (kcat), each at its offset, in order, none lost: most of them
 *      from the WAL, where relief moved the overflow.
 *    The unforced heap (nodejs_heap_size_used_bytes, 48-82 MiB at its peak, garbage included)
 *    is reported only: the garbage hides the batches' share.
 * 2. Frames past the batch pool's bound (messages of 3 MB, each a frame larger than a 2 MiB
 *    slab, so each a one-off region of batch-memory.ts, given back once its last hold is
 *    dropped) through a 32 MB tier: the broker's RSS (sampled every 100 ms) grows less than
 *    64 MiB above its idle RSS (storage-offload's bound), and every message reads back byte
 *    for byte (sha256 of each). Measured: growth 32-48 MiB (10 runs); without the detach
 *    (batch-memory.ts detachAll), 86-111 MiB.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { STORED_BATCH_HEAP_BYTES } from '../../src/storage/memory-accountant.js';
import { REPO_ROOT, startBroker, uniqueTopic, type BrokerHandle } from './harness.js';
import { createTopic, digestLines, kafkajsAdmin, offsetsOf, readBack, rssBytes, sampleRss, scrape, storageOp } from './storage-support.js';

const MIB = 1024 * 1024;
const mib = (bytes: number): string => (bytes / MIB).toFixed(1);
/** The measuring preload bench/batch-heap.mjs loads into its brokers (the broker's own code runs unchanged). */
const HEAP_PROBE = join(REPO_ROOT, 'bench/batch-heap-preload.cjs');

/**
 * The broker's JavaScript memory after two full collections (the preload, on SIGUSR2): V8's heap
 * plus its external memory, where the partitions' columns of batches are (typed arrays; the
 * pool's slabs are kept out of it).
 */
async function heapAfterGc(broker: BrokerHandle, out: string): Promise<number> {
  await rm(out, { force: true });
  process.kill(broker.pid, 'SIGUSR2');
  for (let i = 0; i < 400 && !existsSync(out); i++) await delay(25);
  if (!existsSync(out)) throw new Error(`the broker's heap probe wrote no ${out} within 10 s of SIGUSR2`);
  const figures = JSON.parse(await readFile(out, 'utf8')) as { heapUsed: number; external: number };
  return figures.heapUsed + figures.external;
}

describe('max_memory bounds the batches and their heap: one record per batch (MAX_MEMORY=8MB)', () => {
  const MAX_MEMORY_BYTES = 8 * MIB;
  const PARTITIONS = 4;
  const COUNT = 150_000;
  /** Messages of the warm-up (on a topic deleted before the measure). */
  const WARM_COUNT = 20_000;
  /**
   * Heap the load leaves beside the stored batches (compiled code, the producer's state, the
   * WAL's segments): the growth measured with 16,000-18,400 batches in memory was 4.6-5.0 MiB,
   * ~1 MiB of it not theirs (at the ~230 B each measured with the heap uncounted).
   */
  const OTHER_HEAP_BYTES = 2 * MIB;
  /** "msg-%08d-": 13 B of value, 81 B of batch. */
  const BATCH_BYTES = 81;
  /** One request past the bound: one batch per partition, each counted with its heap. */
  const REQUEST_USED_BYTES = PARTITIONS * (BATCH_BYTES + STORED_BATCH_HEAP_BYTES);
  let broker: BrokerHandle;
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'blink-membound-'));
    broker = await startBroker({
      env: { MAX_MEMORY: '8MB', RETENTION: '1h', STORAGE_MODE: 'memory', BATCH_HEAP_OUT: join(work, 'heap.json'), NODE_OPTIONS: `--require ${HEAP_PROBE}` },
    });
  });

  after(async () => {
    await broker?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test(`${COUNT} single-record batches: used bytes within max_memory plus a request, batch bytes plus their heap within max_memory, all read back in order`, { timeout: 90_000 }, async (t) => {
    // Warm-up on a topic deleted after it: the code and the state one such producer leaves in the heap are then in the idle figure.
    const warm = uniqueTopic('membound-warm');
    await createTopic(broker.bootstrap, warm, PARTITIONS);
    await storageOp('produce_small', { bootstrap: broker.bootstrap, topic: warm, partitions: PARTITIONS, count: WARM_COUNT }, 60);
    const admin = kafkajsAdmin(broker.bootstrap);
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [warm] });
    } finally {
      await admin.disconnect();
    }
    // The deleted topic's batches leave the tier (and the heap) once a relief round writing them is over: waited for.
    for (let waited = 0; (await scrape(broker.restUrl))('blink_ram_batch_count') > 0; waited += 50) {
      if (waited > 10_000) assert.fail('the deleted warm-up topic still holds batches in memory after 10 s');
      await delay(50);
    }
    const topic = uniqueTopic('membound');
    await createTopic(broker.bootstrap, topic, PARTITIONS);
    // Twice: the first collections age the bytecode of code that ran once (boot, warm-up), the next ones flush it (idle-trim.ts), as after the load.
    const heapFirst = await heapAfterGc(broker, join(work, 'heap.json'));
    const heapIdle = await heapAfterGc(broker, join(work, 'heap.json'));
    let usedMax = 0;
    let heapMax = 0;
    const watch = setInterval(() => {
      scrape(broker.restUrl).then((value) => {
        usedMax = Math.max(usedMax, value('blink_memory_used_bytes'));
        heapMax = Math.max(heapMax, value('nodejs_heap_size_used_bytes'));
      }, () => undefined);
    }, 100);
    const started = performance.now();
    let produced: { acked: number; failures: string[] };
    try {
      produced = await storageOp<{ acked: number; failures: string[] }>('produce_small', { bootstrap: broker.bootstrap, topic, partitions: PARTITIONS, count: COUNT }, 60);
    } finally {
      clearInterval(watch);
    }
    const producedMs = performance.now() - started;
    assert.deepEqual(produced.failures, [], 'no delivery failed');
    assert.equal(produced.acked, COUNT, 'every message acknowledged');

    const heapLoaded = await heapAfterGc(broker, join(work, 'heap.json'));
    const value = await scrape(broker.restUrl);
    const batches = value('blink_ram_batch_count');
    const bytes = value('blink_in_memory_queue_size_bytes');
    const used = value('blink_memory_used_bytes');
    t.diagnostic(
      `produced in ${(producedMs / 1000).toFixed(1)} s; used bytes peak ${mib(usedMax)} MiB (max_memory ${mib(MAX_MEMORY_BYTES)}); ` +
        `after: ${batches} batches in memory, ${mib(bytes)} MiB of bytes, used ${mib(used)} MiB; heap after GC ${mib(heapFirst)}, ${mib(heapIdle)} -> ${mib(heapLoaded)} MiB ` +
        `(+${mib(heapLoaded - heapIdle)}), heap peak unforced ${mib(heapMax)} MiB; offloaded batches ${value('blink_offloaded_batch_count')}`,
    );
    assert.ok(value('blink_offloaded_batch_count') > 0, 'the overflow went to the WAL');
    assert.ok(usedMax > 0 && usedMax <= MAX_MEMORY_BYTES + REQUEST_USED_BYTES, `used bytes peaked at ${usedMax} (max_memory ${MAX_MEMORY_BYTES} plus one request, ${REQUEST_USED_BYTES})`);
    const heapGrowth = heapLoaded - heapIdle;
    assert.ok(
      bytes + heapGrowth <= MAX_MEMORY_BYTES + OTHER_HEAP_BYTES,
      `batch bytes in memory ${mib(bytes)} MiB + heap growth ${mib(heapGrowth)} MiB within max_memory ${mib(MAX_MEMORY_BYTES)} MiB + ${mib(OTHER_HEAP_BYTES)} MiB of heap not the batches'`,
    );

    const offsets = await offsetsOf(broker.bootstrap, topic);
    for (const { partition, earliest, latest } of offsets) {
      assert.equal(earliest, 0, `partition ${partition} starts at 0`);
      const expectedCount = Math.ceil((COUNT - partition) / PARTITIONS);
      assert.equal(latest, expectedCount, `partition ${partition} holds ${expectedCount} messages`);
      const read = await readBack(broker.bootstrap, topic, partition);
      assert.equal(read.length, expectedCount, `partition ${partition}: every message read back`);
      for (let k = 0; k < read.length; k++) {
        const [offset, message] = read[k];
        if (offset !== k || message !== partition + k * PARTITIONS) assert.fail(`partition ${partition}: offset ${offset} holds message ${message}, expected offset ${k} with message ${partition + k * PARTITIONS}`);
      }
    }
  });
});

describe('frames past the batch pool bound: 3 MB messages through a 32 MB tier', () => {
  const MESSAGE_BYTES = 3_000_000;
  const PARTITIONS = 2;
  const PRODUCED_BYTES = 100 * MESSAGE_BYTES;
  const RSS_GROWTH_BOUND_BYTES = 64 * MIB;
  let broker: BrokerHandle;
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'blink-largeframes-'));
    broker = await startBroker({ env: { MAX_MEMORY: '32MB', MESSAGE_MAX_BYTES: '8MB', RETENTION: '1h', STORAGE_MODE: 'memory' } });
  });

  after(async () => {
    await broker?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test(`${PRODUCED_BYTES / 1e6} MB in messages of ${MESSAGE_BYTES / 1e6} MB come back byte for byte; RSS grows less than ${RSS_GROWTH_BOUND_BYTES / MIB} MiB`, { timeout: 90_000 }, async (t) => {
    const topic = uniqueTopic('largeframes');
    const producedFile = join(work, 'produced.txt');
    const consumedFile = join(work, 'consumed.txt');
    await createTopic(broker.bootstrap, topic, PARTITIONS);
    const idleRss = await rssBytes(broker.pid);
    const rss = sampleRss(broker.pid);
    let rssMax = 0;
    try {
      const produced = await storageOp<{ messages: number; acked: number }>('produce_mixed', {
        bootstrap: broker.bootstrap,
        topic,
        partitions: PARTITIONS,
        total_bytes: PRODUCED_BYTES,
        size: MESSAGE_BYTES,
        message_max_bytes: 4_000_000,
        seed: 3,
        codecs: ['none'],
        out: producedFile,
      });
      assert.equal(produced.acked, produced.messages, 'every message acknowledged');
    } finally {
      rssMax = rss.stop();
    }
    const value = await scrape(broker.restUrl);
    t.diagnostic(`RSS idle ${mib(idleRss)} MiB, peak ${mib(rssMax)} MiB (growth ${mib(rssMax - idleRss)} MiB); offloaded batches ${value('blink_offloaded_batch_count')}`);
    assert.ok(rssMax > 0 && rssMax - idleRss < RSS_GROWTH_BOUND_BYTES, `broker RSS peaked at ${mib(rssMax)} MiB, idle ${mib(idleRss)} MiB (growth bound ${mib(RSS_GROWTH_BOUND_BYTES)} MiB)`);

    const offsets = await offsetsOf(broker.bootstrap, topic);
    await storageOp('consume_digest', { bootstrap: broker.bootstrap, topic, ends: Object.fromEntries(offsets.map((o) => [o.partition, o.latest])), out: consumedFile });
    const expected = await digestLines(producedFile);
    const actual = await digestLines(consumedFile);
    assert.equal(actual.size, expected.size, 'as many messages consumed as acknowledged');
    for (const [offset, digest] of expected) assert.equal(actual.get(offset), digest, `message at ${offset}`);
  });
});
