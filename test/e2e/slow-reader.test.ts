/**
 * A client that stops reading its socket with a Fetch answer in flight, while producers push
 * through a full memory tier (MAX_MEMORY=32MB, memory mode). The answer's stored batches go
 * out by reference: its pin holds the slabs they are in until it is flushed, and nothing else
 * (storage/batch-memory.ts). Before, a pin held back the reuse of all memory released after it
 * was taken, so every slab the tier's relief emptied waited for that one reader and the pool
 * took fresh memory instead: 200 MB produced grew the broker's RSS by ~179 MiB (held back 565
 * MiB), and the fix of the day closed the reader once held-back memory passed half of
 * max_memory. Checked now: the reader is not closed (what its answer holds, 16 MiB, is within
 * the bound on memory held for unread answers: max_memory); the broker's RSS grows by less than
 * max_memory plus the answer; the producer (confluent-kafka, acks=all) had every message acknowledged; the
 * reader, once it reads again, gets its whole answer, every batch intact (CRC-32C) and in offset
 * order; what was stored before reads back byte for byte. Then three paused readers of 14 MB
 * each, past max_memory together once the tier has let their batches go: one is closed (counted
 * as slow_reader), which brings what the others hold within max_memory, and they get their whole
 * answers intact. Last, the same with a real client instead of a raw socket: a confluent-kafka
 * (librdkafka) consumer whose Fetch waits (parked) for 14.4 MB, frozen with SIGSTOP (the whole
 * process: librdkafka's threads too, so nothing reads its socket) and answered 16 MB while frozen;
 * 200 MB pushed past it: not closed, the same held_back and RSS bounds; after SIGCONT it gets
 * every message, CRC-checked by librdkafka (check.crcs) and byte for byte (sha-256 digests).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, track, uniqueTopic, waitFor, waitForParkedFetches, type BrokerHandle } from './harness.js';
import { crc32c } from '../../src/record-format/crc32c.js';
import { fetchRequestV4, parseFetchV4Response, RawConnection } from './raw-kafka.js';
import { createTopic, digestLines, offsetsOf, PYTHON, rssBytes, sampleRss, scrape, STORAGE_CLIENT, storageOp } from './storage-support.js';

const MIB = 1024 * 1024;
const HELD_BYTES = 16_000_000;
/** The size of each message of the held answers (produce_mixed's `size`): HELD_BYTES make ceil(HELD_BYTES / it) messages. */
const HELD_MESSAGE_BYTES = 900_000;
const PUSHED_BYTES = 200_000_000;
/** Each of three paused readers' topics: together past max_memory (32 MB), two of them within it. */
const PAUSED_BYTES = 14_000_000;
/**
 * max_memory plus the answer: what the answer holds (its 16 MB in slabs) and the tier's own churn
 * (12-14 MiB with no stuck reader) measured 27-29 MiB together; 179 MiB when a pending answer held
 * back all memory released after it.
 */
const RSS_GROWTH_BOUND_BYTES = 48 * MIB;

/** A counter's value, 0 while it has no series yet. */
function counted(metrics: (series: string) => number, series: string): number {
  try {
    return metrics(series);
  } catch {
    return 0;
  }
}

/** The records of a Fetch v4 answer of one partition, checked: no error, batches in offset order from 0, each intact (CRC-32C). Returns their bytes. */
function intactAnswer(frame: Buffer): number {
  const [answer] = parseFetchV4Response(frame).partitions;
  assert.ok(answer !== undefined && answer.errorCode === 0, 'one partition answered, no error');
  // Fetch v4, one topic and one partition: the records field ends the frame.
  const records = frame.subarray(frame.length - answer.recordsBytes);
  let next = 0;
  let at = 0;
  for (const batch of answer.batches) {
    const bytes = records.subarray(at, at + batch.sizeBytes);
    assert.equal(batch.baseOffset, next, 'the batches follow each other from offset 0');
    assert.equal(crc32c(bytes.subarray(21)), bytes.readUInt32BE(17), `the batch at offset ${batch.baseOffset} is intact`);
    next = batch.lastOffset + 1;
    at += batch.sizeBytes;
  }
  return answer.recordsBytes;
}

/** A reader that sends a Fetch v4 for the whole of partition 0 of `topic` and reads nothing of its answer. */
async function pausedReader(port: number, topic: string): Promise<RawConnection> {
  const reader = await RawConnection.open(port);
  reader.socket.pause();
  reader.write(fetchRequestV4(1, { maxWaitMs: 0, minBytes: 1, maxBytes: 50 * MIB, partitions: [{ topic, partition: 0, offset: 0, partitionMaxBytes: 50 * MIB }] }));
  return reader;
}

/**
 * Pushes PUSHED_BYTES (confluent-kafka, acks=all, digests to `out`) through a new topic past a
 * reader whose answer is not read, and checks: the reader is not closed (slow_reader), the memory
 * held back for its answer grew and is within max_memory, every message pushed was acknowledged,
 * and the broker's peak RSS grew by less than RSS_GROWTH_BOUND_BYTES.
 */
async function pushPastUnreadAnswer(broker: BrokerHandle, out: string, reader: string, seed: number): Promise<void> {
  const before = await scrape(broker.restUrl);
  const closesBefore = counted(before, 'blink_connections_closed_by_broker_total{reason="slow_reader"}');
  const heldBefore = before('blink_batch_memory_bytes{state="held_back"}');
  const flow = uniqueTopic('flow');
  await createTopic(broker.bootstrap, flow, 2);
  const rssBefore = await rssBytes(broker.pid);
  const rss = sampleRss(broker.pid, 50);
  const pushed = await storageOp<{ messages: number; acked: number }>('produce_mixed', { bootstrap: broker.bootstrap, topic: flow, partitions: 2, codecs: ['none'], total_bytes: PUSHED_BYTES, size: 50_000, seed, out });
  const growth = rss.stop() - rssBefore;
  const metrics = await scrape(broker.restUrl);
  const closes = counted(metrics, 'blink_connections_closed_by_broker_total{reason="slow_reader"}') - closesBefore;
  const heldBack = metrics('blink_batch_memory_bytes{state="held_back"}');
  console.log(`${reader}: ${pushed.acked} messages (${PUSHED_BYTES / 1e6} MB) pushed past it, peak RSS growth ${(growth / MIB).toFixed(1)} MiB, slow_reader closes ${closes}, held back ${(heldBefore / MIB).toFixed(1)} MiB before, ${(heldBack / MIB).toFixed(1)} MiB now`);
  assert.equal(closes, 0, `the ${reader} was not closed`);
  assert.ok(heldBack > heldBefore && heldBack < 32 * MIB, `held back for its answer: ${(heldBack / MIB).toFixed(1)} MiB (${(heldBefore / MIB).toFixed(1)} before), within max_memory`);
  assert.equal(pushed.acked, pushed.messages, 'every message pushed past it was acknowledged');
  assert.ok(growth < RSS_GROWTH_BOUND_BYTES, `peak RSS growth ${(growth / MIB).toFixed(1)} MiB < ${RSS_GROWTH_BOUND_BYTES / MIB} MiB`);
}

/**
 * A real client: storage_client.py's consume_digest (confluent-kafka) reading partition 0 of
 * `topic` from offset 0 up to `end`, with one big Fetch that waits for `minBytes` (fetch.min.bytes,
 * up to a minute) and takes up to 50 MB, checking every batch's CRC-32C (check.crcs: a bad one is a
 * consume error, and the op exits non-zero); its digests go to `out`. Resolves with its exit code and stderr.
 */
function bigFetchConsumer(bootstrap: string, topic: string, end: number, minBytes: number, out: string): { pid: number; exited: Promise<{ code: number | null; stderr: string }> } {
  const config = {
    'fetch.min.bytes': minBytes,
    'fetch.wait.max.ms': 60_000,
    'max.partition.fetch.bytes': 50 * MIB,
    'fetch.max.bytes': 50 * MIB,
    'receive.message.max.bytes': 51 * MIB,
    // The request in flight while it is frozen must not time out once it runs again.
    'socket.timeout.ms': 180_000,
    'check.crcs': true,
  };
  const args = { bootstrap, topic, ends: { 0: end }, config, out, timeout_s: 170 };
  const child = spawn(PYTHON, [STORAGE_CLIENT, 'consume_digest', JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return { pid: child.pid ?? assert.fail('consume_digest did not start'), exited };
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

  test('is not closed; RSS grows less than max_memory plus its answer; its answer arrives intact once it reads; the producer and the stored data are unharmed', { timeout: 120_000 }, async () => {
    const held = uniqueTopic('held');
    await createTopic(broker.bootstrap, held, 1);
    const heldDigests = join(dir, 'held.txt');
    await storageOp('produce_mixed', { bootstrap: broker.bootstrap, topic: held, partitions: 1, codecs: ['none'], total_bytes: HELD_BYTES, size: HELD_MESSAGE_BYTES, seed: 7, out: heldDigests });

    const reader = await pausedReader(broker.kafkaPort, held);

    await pushPastUnreadAnswer(broker, join(dir, 'flow.txt'), 'slow reader', 1);

    reader.socket.resume();
    const answered = intactAnswer(await reader.readFrame(30_000));
    reader.close();
    assert.ok(answered >= HELD_BYTES * 0.9, `the whole answer arrived: ${answered} bytes`);

    const [{ latest }] = await offsetsOf(broker.bootstrap, held);
    const readBack = join(dir, 'held-read.txt');
    await storageOp('consume_digest', { bootstrap: broker.bootstrap, topic: held, ends: { 0: latest }, out: readBack });
    assert.deepEqual(await digestLines(readBack), await digestLines(heldDigests), 'what was stored before reads back byte for byte');
  });

  test('three paused readers holding more than max_memory together: only the one holding the most is closed (slow_reader), the others get their whole answer', { timeout: 120_000 }, async () => {
    const closesBefore = counted(await scrape(broker.restUrl), 'blink_connections_closed_by_broker_total{reason="slow_reader"}');
    const readers: RawConnection[] = [];
    for (let i = 0; i < 3; i++) {
      const topic = uniqueTopic(`paused${i}`);
      await createTopic(broker.bootstrap, topic, 1);
      await storageOp('produce_mixed', { bootstrap: broker.bootstrap, topic, partitions: 1, codecs: ['none'], total_bytes: PAUSED_BYTES, size: 900_000, seed: 10 + i, out: join(dir, `paused${i}.txt`) });
      readers.push(await pausedReader(broker.kafkaPort, topic));
    }
    const flow = uniqueTopic('flow');
    await createTopic(broker.bootstrap, flow, 2);
    const pushed = await storageOp<{ messages: number; acked: number }>('produce_mixed', { bootstrap: broker.bootstrap, topic: flow, partitions: 2, codecs: ['none'], total_bytes: PUSHED_BYTES / 2, size: 50_000, seed: 2, out: join(dir, 'flow2.txt') });
    assert.equal(pushed.acked, pushed.messages, 'every message pushed past them was acknowledged');
    // The sweep runs every second: the close is counted within a few, and the closed socket's answer let go of just after.
    await waitFor('a slow_reader close', 10_000, async () => (counted(await scrape(broker.restUrl), 'blink_connections_closed_by_broker_total{reason="slow_reader"}') > closesBefore ? true : undefined));
    const heldBack = await waitFor('held back within max_memory', 5_000, async () => {
      const now = (await scrape(broker.restUrl))('blink_batch_memory_bytes{state="held_back"}');
      return now <= 32 * MIB ? now : undefined;
    });
    const closes = counted(await scrape(broker.restUrl), 'blink_connections_closed_by_broker_total{reason="slow_reader"}') - closesBefore;
    console.log(`three paused readers: slow_reader closes ${closes}, held back after ${(heldBack / MIB).toFixed(1)} MiB`);
    assert.equal(closes, 1, 'one reader closed: what the other two hold is within max_memory');

    const outcomes = await Promise.all(
      readers.map(async (reader) => {
        reader.socket.resume();
        try {
          return intactAnswer(await reader.readFrame(30_000));
        } catch (error) {
          if (!reader.closed) throw error;
          return 'closed';
        } finally {
          reader.close();
        }
      }),
    );
    assert.equal(outcomes.filter((outcome) => outcome === 'closed').length, 1, `one reader was closed: ${outcomes.join(', ')}`);
    for (const outcome of outcomes) if (outcome !== 'closed') assert.ok(outcome >= PAUSED_BYTES * 0.9, `a whole answer arrived: ${outcome} bytes`);
  });
  test('a real consumer (librdkafka) frozen with SIGSTOP while its 16 MB answer is sent: not closed, the same held_back and RSS bounds; after SIGCONT it gets every message intact', { timeout: 120_000 }, async () => {
    const topic = uniqueTopic('frozen');
    await createTopic(broker.bootstrap, topic, 1);
    const messages = Math.ceil(HELD_BYTES / HELD_MESSAGE_BYTES);
    // fetch.min.bytes: every message's value (the batches are a little more): one answer carries them all.
    const consumer = bigFetchConsumer(broker.bootstrap, topic, messages, messages * HELD_MESSAGE_BYTES, join(dir, 'frozen-read.txt'));
    let frozen = false;
    try {
      // Its Fetch waits at the broker for fetch.min.bytes: the client is connected, has had its first answers, and is idle.
      await waitForParkedFetches(broker.restUrl, 1, 30_000);
      process.kill(consumer.pid, 'SIGSTOP');
      frozen = true;
      const produced = join(dir, 'frozen.txt');
      await storageOp('produce_mixed', { bootstrap: broker.bootstrap, topic, partitions: 1, codecs: ['none'], total_bytes: HELD_BYTES, size: HELD_MESSAGE_BYTES, seed: 21, out: produced });
      // Past fetch.min.bytes, the parked Fetch is answered: into a socket nobody reads.
      await waitForParkedFetches(broker.restUrl, 0);

      await pushPastUnreadAnswer(broker, join(dir, 'flow3.txt'), 'frozen consumer', 3);

      process.kill(consumer.pid, 'SIGCONT');
      frozen = false;
      const { code, stderr } = await consumer.exited;
      assert.equal(code, 0, `the consumer read up to offset ${messages}, every batch's CRC checked:\n${stderr}`);
      const read = await digestLines(join(dir, 'frozen-read.txt'));
      assert.equal(read.size, messages);
      assert.deepEqual(read, await digestLines(produced), 'every message, byte for byte');
    } finally {
      if (frozen) process.kill(consumer.pid, 'SIGCONT');
    }
  });
});
