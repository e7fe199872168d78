/**
 * kill -9 in the middle of log compaction (durable mode, FSYNC=always): an idempotent acks=all
 * producer (confluent-kafka) streams keyed messages (a third of them with a key of their own, which
 * compaction must keep for ever; the others over 40 keys) into a compacted topic whose segments roll
 * every 200 ms while the log cleaner runs back to back; the broker is killed with SIGKILL the
 * moment a rewrite file shows in a partition directory (alternately `<base>.<end>.swap`, the
 * swap's commit point, and `<base>.log.cleaned`, a rewrite being written), KILL_CYCLES times,
 * and restarted on the same directory and port. Checked at the end, read back with kcat from
 * the beginning: offsets ascend, every record is the one acknowledged at that offset, the
 * latest acknowledged record of every key is there, and the cleaner did remove records.
 * KILL_CYCLES=<n> runs a longer loop.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertCompactedView, type ReadRecord } from '../support/compaction.js';
import { uniqueTopic, waitFor } from './harness.js';
import { createTopic, kcatLines, produceStream, restartableBroker } from './storage-support.js';

const KILL_CYCLES = Number(process.env.KILL_CYCLES ?? 4);
const PARTITIONS = 2;
const KEYS = 40;
const MESSAGES = 30_000;
const DURABLE_ENV = { STORAGE_MODE: 'durable', FSYNC: 'always', LOG_CLEANER_BACKOFF: '50ms', RETENTION: '1h', AUTO_CREATE_TOPICS: 'false' };
const COMPACTED = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01', 'segment.ms': '200', 'segment.bytes': '65536', 'delete.retention.ms': '600000' };
const REWRITE_FILE = /^\d{20}\.(log\.cleaned|\d{20}\.swap)$/;
const TEST_TIMEOUT_MS = 90_000 + KILL_CYCLES * 20_000;

/** The rewrite files (.log.cleaned, .swap) in the topic's partition directories right now. */
async function rewriteFiles(storagePath: string, topic: string): Promise<string[]> {
  const found: string[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const names = await readdir(join(storagePath, `${topic}-${partition}`)).catch(() => []);
    for (const name of names) if (REWRITE_FILE.test(name)) found.push(`${partition}/${name}`);
  }
  return found;
}

/** Every record of one partition, via kcat from the beginning (key and value are printable). */
async function readKeyed(bootstrap: string, topic: string, partition: number): Promise<ReadRecord[]> {
  return (await kcatLines(bootstrap, topic, partition, '%o %k %s')).map((line) => {
    const [offset, key, value] = line.split(' ');
    return { offset: Number(offset), key, value, timestamp: 0, control: false };
  });
}

describe(`durable mode: ${KILL_CYCLES} kill -9 cycles in the middle of log compaction lose nothing acknowledged`, () => {
  const durable = restartableBroker('kill-compaction', DURABLE_ENV);

  test('each kill lands on a rewrite file; the latest acknowledged record of every key survives at its offset', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('kill-compaction');
    await createTopic(durable.broker.bootstrap, topic, PARTITIONS, COMPACTED);
    const filler = 'x'.repeat(200);
    const stream = produceStream(
      { bootstrap: durable.broker.bootstrap, topic, partitions: PARTITIONS, keys: KEYS, count: MESSAGES, filler_bytes: filler.length, pace_every: 100, pace_sleep_s: 0.01, timeout_s: TEST_TIMEOUT_MS / 1000 },
      () => undefined,
    );
    const killedOn: string[] = [];
    try {
      for (let cycle = 1; cycle <= KILL_CYCLES; cycle++) {
        // Odd kills wait for the commit point (a .swap file), even ones for a rewrite being written.
        const wanted = cycle % 2 === 1 ? '.swap' : '.cleaned';
        const found = await waitFor(`a ${wanted} file before kill ${cycle}`, 20_000, async () => {
          const files = await rewriteFiles(durable.storagePath, topic);
          return files.some((file) => file.endsWith(wanted)) ? files : undefined;
        }, 1);
        await durable.restart();
        killedOn.push(found.join('+'));
      }
      const { acks, failures } = await stream.result;
      assert.deepEqual(failures, [], 'no delivery failed (the producer retried through every restart)');
      assert.equal(acks.size, MESSAGES, 'every message acknowledged');

      let stored = 0;
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const produced = [...acks]
          .filter(([, ack]) => ack.partition === partition)
          .map(([i, ack]) => ({ offset: ack.offset, key: i % 3 === 0 ? `u-${i}` : `k-${i % KEYS}`, value: `msg-${String(i).padStart(8, '0')}-${filler}` }))
          .sort((a, b) => a.offset - b.offset);
        const read = await readKeyed(durable.broker.bootstrap, topic, partition);
        assertCompactedView(read, produced, false);
        stored += read.length;
      }
      assert.ok(stored < MESSAGES, `the cleaner removed records (${stored} of ${MESSAGES} left)`);
      console.log(`kill compaction: ${KILL_CYCLES} kills on ${killedOn.join(' | ')}; ${acks.size} acknowledged, ${stored} left after compaction, every key's latest there`);
    } finally {
      stream.kill();
    }
  });
});
