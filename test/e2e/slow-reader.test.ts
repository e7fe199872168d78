/**
 * A client that stops reading its socket with a Fetch answer in flight, while producers push
 * through a full memory tier (MAX_MEMORY=32MB, memory mode). The answer's stored batches go
 * out by reference, so the pooled memory stays pinned until it is flushed; and a pin holds
 * back the reuse of all memory released after it (storage/batch-memory.ts), so before the fix
 * every slab the tier's relief emptied waited for that one reader and the pool took fresh
 * memory instead: 200 MB produced grew the broker's RSS by ~185 MiB (against ~20 MiB with no
 * stuck reader). Checked: the stuck connection is closed once it has left its answer unread
 * for request_timeout_ms (1.5 s here) while the memory held back is past half of max_memory,
 * and counted (`blink_connections_closed_by_broker_total{reason="slow_reader"}`); the broker's
 * RSS grows less than half of what was produced; the producer (confluent-kafka, acks=all) had
 * every message acknowledged; what was stored before reads back byte for byte.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, uniqueTopic, type BrokerHandle } from './harness.js';
import { fetchRequestV4, RawConnection } from './raw-kafka.js';
import { createTopic, digestLines, offsetsOf, rssBytes, sampleRss, scrape, storageOp } from './storage-support.js';

const MIB = 1024 * 1024;
const HELD_BYTES = 16_000_000;
const PUSHED_BYTES = 200_000_000;
const RSS_GROWTH_BOUND_BYTES = PUSHED_BYTES / 2;

/** A counter's value, 0 while it has no series yet. */
function counted(metrics: (series: string) => number, series: string): number {
  try {
    return metrics(series);
  } catch {
    return 0;
  }
}

describe('a client that never reads its Fetch answer while producers push (MAX_MEMORY=32MB)', () => {
  let broker: BrokerHandle;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blink-slow-reader-'));
    broker = await startBroker({ env: { MAX_MEMORY: '32MB', REQUEST_TIMEOUT_MS: '1500', RECORD_STORAGE_PATH: join(dir, 'records') } });
  });

  after(async () => {
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('is closed and counted as slow_reader; RSS grows less than half of what is pushed; the producer and the stored data are unharmed', { timeout: 120_000 }, async () => {
    const held = uniqueTopic('held');
    await createTopic(broker.bootstrap, held, 1);
    const heldDigests = join(dir, 'held.txt');
    await storageOp('produce_mixed', { bootstrap: broker.bootstrap, topic: held, partitions: 1, codecs: ['none'], total_bytes: HELD_BYTES, size: 900_000, seed: 7, out: heldDigests });

    const reader = await RawConnection.open(broker.kafkaPort);
    reader.socket.pause();
    reader.write(fetchRequestV4(1, { maxWaitMs: 0, minBytes: 1, maxBytes: 50 * MIB, partitions: [{ topic: held, partition: 0, offset: 0, partitionMaxBytes: 50 * MIB }] }));

    const flow = uniqueTopic('flow');
    await createTopic(broker.bootstrap, flow, 2);
    const rssBefore = await rssBytes(broker.pid);
    const rss = sampleRss(broker.pid, 50);
    const pushed = await storageOp<{ messages: number; acked: number }>('produce_mixed', { bootstrap: broker.bootstrap, topic: flow, partitions: 2, codecs: ['none'], total_bytes: PUSHED_BYTES, size: 50_000, seed: 1, out: join(dir, 'flow.txt') });
    const growth = rss.stop() - rssBefore;
    const metrics = await scrape(broker.restUrl);
    const closed = counted(metrics, 'blink_connections_closed_by_broker_total{reason="slow_reader"}');
    console.log(`slow reader: ${pushed.acked} messages (${PUSHED_BYTES / 1e6} MB) pushed past it, peak RSS growth ${(growth / MIB).toFixed(1)} MiB, slow_reader closes ${closed}, held back now ${(metrics('blink_batch_memory_bytes{state="held_back"}') / MIB).toFixed(1)} MiB`);
    reader.close();

    assert.equal(closed, 1, 'the reader that stopped reading was closed, once');
    assert.equal(pushed.acked, pushed.messages, 'every message pushed past it was acknowledged');
    assert.ok(growth < RSS_GROWTH_BOUND_BYTES, `peak RSS growth ${(growth / MIB).toFixed(1)} MiB < ${RSS_GROWTH_BOUND_BYTES / MIB} MiB`);

    const [{ latest }] = await offsetsOf(broker.bootstrap, held);
    const readBack = join(dir, 'held-read.txt');
    await storageOp('consume_digest', { bootstrap: broker.bootstrap, topic: held, ends: { 0: latest }, out: readBack });
    assert.deepEqual(await digestLines(readBack), await digestLines(heldDigests), 'what was stored before reads back byte for byte');
  });
});
