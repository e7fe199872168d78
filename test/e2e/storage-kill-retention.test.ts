/**
 * kill -9 while retention deletes segments (durable mode, FSYNC=always): an idempotent acks=all
 * producer (confluent-kafka) streams numbered messages into a one-partition topic whose 4 KiB
 * segments go as soon as the partition holds more than retention.bytes (128 KiB), so every
 * retention sweep deletes a run of segment files. The test polls ListOffsets (kafkajs) and the
 * partition directory together and kills the broker with SIGKILL the moment they disagree, i.e.
 * in the middle of a deletion: segment files below the log start the broker reported are still
 * there, or files at or past it are already gone. KILL_CYCLES times, restarting on the same
 * directory and port. Checked after each restart: the log start is at or past every log start
 * reported before the kill. At the end, read back with kcat: the acknowledged offsets are
 * 0..count-1 (no gap, none reused), the log end is count, and every record from the log start
 * on is there, once, at the offset it was acknowledged with.
 * KILL_CYCLES=<n> runs a longer loop.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { uniqueTopic, waitFor } from './harness.js';
import { createTopic, kafkajsAdmin, produceStream, readBack, restartableBroker } from './storage-support.js';

const KILL_CYCLES = Number(process.env.KILL_CYCLES ?? 3);
const ACKS_PER_CYCLE = 6_000;
const MESSAGES = ACKS_PER_CYCLE * (KILL_CYCLES + 1);
const DURABLE_ENV = { STORAGE_MODE: 'durable', FSYNC: 'always', RETENTION: '1h', AUTO_CREATE_TOPICS: 'false' };
const RETAINED_BYTES = 131_072;
const TOPIC_CONFIGS = { 'segment.bytes': '4096', 'retention.bytes': String(RETAINED_BYTES) };
/** How long a cycle waits to see retention in the middle of deleting files (it does every second). */
const DELETING_WAIT_MS = 10_000;
const TEST_TIMEOUT_MS = 30_000 + KILL_CYCLES * 15_000;

/** Base offsets of the partition's segment files (.log), ascending. */
async function segmentBases(storagePath: string, topic: string): Promise<number[]> {
  const names = await readdir(join(storagePath, `${topic}-0`)).catch(() => [] as string[]);
  return names.filter((name) => /^\d{20}\.log$/.test(name)).map((name) => Number(name.slice(0, 20))).sort((a, b) => a - b);
}

/** Earliest and latest offset of partition 0 through one kafkajs admin connection, kept open. */
function offsetPoller(bootstrap: string, topic: string): { offsets(): Promise<{ earliest: number; latest: number }>; close(): Promise<void> } {
  const admin = kafkajsAdmin(bootstrap);
  const connected = admin.connect();
  return {
    async offsets() {
      await connected;
      const [p0] = await admin.fetchTopicOffsets(topic);
      return { earliest: Number(p0.low), latest: Number(p0.high) };
    },
    async close() {
      await connected.catch(() => undefined);
      await admin.disconnect();
    },
  };
}

describe(`durable mode: ${KILL_CYCLES} kill -9 cycles while retention deletes segments lose nothing past the reported log start`, () => {
  const durable = restartableBroker('kill-retention', DURABLE_ENV);

  test('the log start never goes back; every acknowledged record from it on is there at its offset; offsets run on without a gap or a reuse', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('kill-retention');
    await createTopic(durable.broker.bootstrap, topic, 1, TOPIC_CONFIGS);
    let acked = 0;
    const stream = produceStream(
      { bootstrap: durable.broker.bootstrap, topic, partitions: 1, count: MESSAGES, filler_bytes: 200, pace_every: 100, pace_sleep_s: 0.05, timeout_s: TEST_TIMEOUT_MS / 1000 },
      (count) => (acked = count),
    );
    // A failed assertion kills the stream: its result then rejects with nobody waiting.
    stream.result.catch(() => undefined);
    const kills: string[] = [];
    try {
      for (let cycle = 1; cycle <= KILL_CYCLES; cycle++) {
        await waitFor(`ack ${cycle * ACKS_PER_CYCLE} before kill ${cycle}`, 30_000, async () => (acked >= cycle * ACKS_PER_CYCLE ? true : undefined), 50);
        const poller = offsetPoller(durable.broker.bootstrap, topic);
        let reported = 0;
        let killedOn: string;
        try {
          killedOn = await waitFor(`retention deleting segments before kill ${cycle}`, DELETING_WAIT_MS, async () => {
            const { earliest } = await poller.offsets();
            reported = Math.max(reported, earliest);
            const bases = await segmentBases(durable.storagePath, topic);
            // Files below the log start reported are still there, or files at or past it are gone already.
            if (bases.length >= 2 && bases[1] <= reported) return `log start ${reported} reported, segments from ${bases[0]} still on disk`;
            if (bases[0] > reported) return `log start ${reported} reported, segments up to ${bases[0]} deleted`;
            return undefined;
          }, 1);
        } finally {
          await poller.close();
        }
        await durable.restart();
        kills.push(killedOn);
        const after = offsetPoller(durable.broker.bootstrap, topic);
        try {
          const { earliest, latest } = await after.offsets();
          assert.ok(earliest >= reported, `kill ${cycle} (${killedOn}): the log start went back from ${reported} to ${earliest}`);
          assert.ok(latest >= earliest, `kill ${cycle}: log end ${latest} below the log start ${earliest}`);
        } finally {
          await after.close();
        }
      }
      const { acks, failures } = await stream.result;
      assert.deepEqual(failures, [], 'no delivery failed (the producer retried through every restart)');
      assert.equal(acks.size, MESSAGES, 'every message acknowledged');
      const ackedOffsets = [...acks.values()].map((ack) => ack.offset).sort((a, b) => a - b);
      assert.deepEqual(ackedOffsets, Array.from({ length: MESSAGES }, (_, i) => i), 'acknowledged offsets are 0..count-1: no gap, none reused');

      const check = offsetPoller(durable.broker.bootstrap, topic);
      let earliest: number;
      try {
        let latest: number;
        ({ earliest, latest } = await check.offsets());
        assert.equal(latest, MESSAGES, 'the log end is the number of messages (nothing stored twice)');
        assert.ok(earliest > 0, `retention removed data (log start ${earliest})`);
      } finally {
        await check.close();
      }
      const messageAt = new Map([...acks].map(([message, ack]) => [ack.offset, message]));
      const stored = await readBack(durable.broker.bootstrap, topic, 0);
      // Retention may move the log start between ListOffsets and the read: the read starts at or after it.
      assert.ok(stored.length > 0 && stored[0][0] >= earliest, `read back from ${stored[0]?.[0]}, log start ${earliest}`);
      stored.forEach(([offset, message], i) => {
        assert.equal(offset, stored[0][0] + i, `offset ${offset} follows ${stored[0][0] + i - 1} without a gap`);
        assert.equal(message, messageAt.get(offset), `offset ${offset} holds the message acknowledged there`);
      });
      assert.equal(stored.at(-1)?.[0], MESSAGES - 1, 'read back to the last acknowledged offset');
      console.log(`kill retention: ${KILL_CYCLES} kills (${kills.join(' | ')}); ${acks.size} acknowledged, offsets ${stored[0][0]}..${MESSAGES - 1} read back`);
    } finally {
      stream.kill();
    }
  });
});
