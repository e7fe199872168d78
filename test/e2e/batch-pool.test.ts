/**
 * The batch pool (src/storage/batch-memory.ts) gives memory back once demand stops, seen from
 * outside on /prometheus (blink_batch_memory_bytes). A librdkafka producer (confluent-kafka)
 * writes BURST_BYTES into a memory tier large enough to keep them all (max_memory 256 MB: no
 * offload), so the pool grows to hold them; the topic is then deleted, which empties the slabs
 * all at once: far more than SPARE_SLABS are free. With nothing produced after that, the free
 * slabs must fall back to at most SPARE_SLABS within 3 x SPARE_DECAY_MS (the decay looks once
 * per SPARE_DECAY_MS, so it fires SPARE_DECAY_MS to 2 x SPARE_DECAY_MS after the last slab was
 * taken), and the pool's total with them; the server then runs a full collection when idle
 * (main.ts hands the pool idle-trim.ts's collector), which frees the memory of the slabs let go:
 * seen as one more major GC in nodejs_gc_duration_seconds. The waits poll /prometheus with a
 * deadline.
 *
 * The test takes SPARE_DECAY_MS to 2 x SPARE_DECAY_MS (10-20 s) of waiting: the period is no
 * setting (nothing a Kafka user would tune), so the test waits for the real one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { SLAB_BYTES, SPARE_DECAY_MS, SPARE_SLABS } from '../../src/storage/batch-memory.js';
import { startBroker, uniqueTopic, type BrokerHandle } from './harness.js';
import { createTopic, kafkajsAdmin, rssBytes, scrape, storageOp } from './storage-support.js';

const BURST_BYTES = 64 * 1024 * 1024;
const PARTITIONS = 3;
const SPARE_BYTES = SPARE_SLABS * SLAB_BYTES;
const DECAY_DEADLINE_MS = 3 * SPARE_DECAY_MS;
const POLL_MS = 200;

/** How long the server's idle collection (main.ts, common/idle-trim.ts) may take to follow the let-go: a few idle windows. */
const COLLECTION_DEADLINE_MS = 5_000;

interface PoolState {
  readonly slabs: number;
  readonly free: number;
  readonly heldBack: number;
  /** Full collections the broker ran so far (nodejs_gc_duration_seconds_count{kind="major"}). */
  readonly majorGcs: number;
}

/** blink_batch_memory_bytes, by state, and the full collections so far, from one scrape of /prometheus. */
async function poolState(restUrl: string): Promise<PoolState> {
  const value = await scrape(restUrl);
  const pool = (state: string): number => value(`blink_batch_memory_bytes{state="${state}"}`);
  return { slabs: pool('slabs'), free: pool('free'), heldBack: pool('held_back'), majorGcs: value('nodejs_gc_duration_seconds_count{kind="major"}') };
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const show = (state: PoolState): string => `slabs ${mib(state.slabs)} MiB, free ${mib(state.free)} MiB, held back ${mib(state.heldBack)} MiB`;

describe('batch pool: empty slabs go once demand stops (blink_batch_memory_bytes)', () => {
  let broker: BrokerHandle;
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'blink-pool-'));
    broker = await startBroker({ env: { MAX_MEMORY: '256MB', MESSAGE_MAX_BYTES: '2MB', RETENTION: '1h', STORAGE_MODE: 'memory' } });
  });

  after(async () => {
    await broker?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test(`after a ${BURST_BYTES / 1024 / 1024} MB burst and its topic deleted, the free slabs fall back to SPARE_SLABS within ${DECAY_DEADLINE_MS / 1000} s`, { timeout: 120_000 }, async (t) => {
    const idle = await poolState(broker.restUrl);
    const topic = uniqueTopic('pool');
    await createTopic(broker.bootstrap, topic, PARTITIONS);
    const produced = await storageOp<{ messages: number; acked: number }>('produce_mixed', {
      bootstrap: broker.bootstrap,
      topic,
      partitions: PARTITIONS,
      total_bytes: BURST_BYTES,
      seed: 7,
      codecs: ['none'],
      out: join(work, 'produced.txt'),
    });
    assert.equal(produced.acked, produced.messages, 'every message acknowledged');
    const full = await poolState(broker.restUrl);
    assert.ok(full.slabs - full.free >= BURST_BYTES * 0.9, `the pool holds the burst: ${show(full)}`);

    const admin = kafkajsAdmin(broker.bootstrap);
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
    const emptied = await poolState(broker.restUrl);
    const rssEmptied = await rssBytes(broker.pid);
    assert.ok(emptied.free >= BURST_BYTES * 0.9, `the deleted topic's slabs are empty, kept for reuse at first: ${show(emptied)}`);

    const from = performance.now();
    let state = emptied;
    let beforeLetGo = emptied;
    while (state.free > SPARE_BYTES && performance.now() - from < DECAY_DEADLINE_MS) {
      await delay(POLL_MS);
      beforeLetGo = state;
      state = await poolState(broker.restUrl);
    }
    const waitedMs = performance.now() - from;
    t.diagnostic(`idle: ${show(idle)}; after the burst: ${show(full)}; topic deleted: ${show(emptied)}; after ${(waitedMs / 1000).toFixed(1)} s: ${show(state)}`);
    assert.ok(state.free <= SPARE_BYTES, `free slabs back to at most SPARE_SLABS (${mib(SPARE_BYTES)} MiB) within ${DECAY_DEADLINE_MS / 1000} s: ${show(state)}`);
    assert.ok(state.slabs <= emptied.slabs - (emptied.free - SPARE_BYTES), `the slabs let go left the pool: ${show(emptied)} -> ${show(state)}`);

    // The pool told the server, which runs a full collection in the next idle window: that frees the slabs' memory.
    const letGoAt = performance.now();
    let collected = state;
    while (collected.majorGcs <= beforeLetGo.majorGcs && performance.now() - letGoAt < COLLECTION_DEADLINE_MS) {
      await delay(POLL_MS);
      collected = await poolState(broker.restUrl);
    }
    assert.ok(collected.majorGcs > beforeLetGo.majorGcs, `a full collection followed the let-go within ${COLLECTION_DEADLINE_MS / 1000} s (${beforeLetGo.majorGcs} before it, ${collected.majorGcs} now)`);
    // What the system got back is glibc's call (batch-memory.ts): reported, not asserted.
    t.diagnostic(`RSS ${mib(rssEmptied)} MiB once the topic was deleted, ${mib(await rssBytes(broker.pid))} MiB after the collection`);
  });
});
