/**
 * The kill -9 loop (issue 14): a durable broker (STORAGE_MODE=durable, FSYNC=always) is
 * killed with SIGKILL KILL_CYCLES times while an idempotent acks=all producer (confluent-kafka)
 * streams numbered messages and a consumer-group member (confluent-kafka) reads them and
 * commits; after each kill it restarts on the same directory and port, and the clients carry
 * on by themselves. Checked: every acknowledged message is stored exactly once, in order, at
 * the offset it was acknowledged with; no offset the group committed before a kill is lost;
 * the member ends up having read every acknowledged message. KILL_CYCLES=<n> runs a longer loop.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GroupMember } from './clients/group-member.js';
import { uniqueTopic, waitFor } from './harness.js';
import { assertStoredAsAcknowledged, createTopic, kafkajsAdmin, produceStream, restartableBroker } from './storage-support.js';

const KILL_CYCLES = Number(process.env.KILL_CYCLES ?? 3);
const PARTITIONS = 2;
const ACKS_PER_CYCLE = 2_000;
const MESSAGES = ACKS_PER_CYCLE * (KILL_CYCLES + 1);
const DURABLE_ENV = { STORAGE_MODE: 'durable', FSYNC: 'always', SEGMENT_BYTES: '256KB', RETENTION: '1h' };
const COMMIT_WAIT_MS = 30_000;
/**
 * The producer sleeps this long every 100 messages, so that it is still streaming at every
 * kill: ~2 s per cycle's 2,000 acks, about what a cycle's restart takes (at 5 ms it was done
 * after the second kill, and the later kills hit an idle broker).
 */
const PACE_SLEEP_S = 0.1;
const TEST_TIMEOUT_MS = 60_000 + KILL_CYCLES * 30_000;
const MEMBER_TIMING = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 10_000 };

/** The group's committed offset per partition (-1: none), read with kafkajs' admin. */
async function committedOffsets(bootstrap: string, group: string, topic: string): Promise<Map<number, number>> {
  const admin = kafkajsAdmin(bootstrap);
  await admin.connect();
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map(partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** A commit of what the member has read, retried while the group settles after a restart. */
async function commitSettled(member: GroupMember): Promise<Map<number, number>> {
  let lastError = '';
  const attempt = (): Promise<Map<number, number> | undefined> =>
    member.commit(5_000).catch((error: unknown) => {
      lastError = (error as Error).message;
      return undefined;
    });
  return waitFor('a commit the broker acknowledged', COMMIT_WAIT_MS, attempt, 500).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last commit error: ${lastError}`);
  });
}

describe(`durable mode: ${KILL_CYCLES} kill -9 cycles under an idempotent producer and a consumer group lose nothing acknowledged`, () => {
  const durable = restartableBroker('kill-loop', DURABLE_ENV);

  test('every acknowledged message once, in order, at its offset; committed offsets survive each kill; the member reads everything', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('kill-loop');
    const group = `${topic}-group`;
    await createTopic(durable.broker.bootstrap, topic, PARTITIONS);
    const member = GroupMember.start('confluent-kafka', durable.broker.bootstrap, { topic, group, clientId: 'kill-loop-member', lifetimeMs: TEST_TIMEOUT_MS, ...MEMBER_TIMING });
    let acked = 0;
    const stream = produceStream(
      { bootstrap: durable.broker.bootstrap, topic, partitions: PARTITIONS, count: MESSAGES, filler_bytes: 200, pace_every: 100, pace_sleep_s: PACE_SLEEP_S, timeout_s: TEST_TIMEOUT_MS / 1000 },
      (count) => (acked = count),
    );
    const committedBeforeKills: Array<Map<number, number>> = [];
    try {
      for (let cycle = 1; cycle <= KILL_CYCLES; cycle++) {
        await waitFor(`ack ${cycle * ACKS_PER_CYCLE} before kill ${cycle}`, 60_000, async () => (acked >= cycle * ACKS_PER_CYCLE ? true : undefined), 50);
        await waitFor(`the member reading before kill ${cycle}`, 30_000, async () => (member.messages.length > 0 ? true : undefined), 100);
        const committed = await commitSettled(member);
        committedBeforeKills.push(committed);
        await durable.restart();
        const after = await committedOffsets(durable.broker.bootstrap, group, topic);
        for (const [partition, offset] of committed) {
          assert.ok((after.get(partition) ?? -1) >= offset, `kill ${cycle}: partition ${partition} committed ${offset} before the kill, ${after.get(partition)} after`);
        }
      }
      const { acks, failures } = await stream.result;
      assert.deepEqual(failures, [], 'no delivery failed (the producer retried through every restart)');
      assert.equal(acks.size, MESSAGES, 'every message acknowledged');

      await assertStoredAsAcknowledged(durable.broker.bootstrap, topic, PARTITIONS, acks);
      const readByMember = (): Set<string> => new Set(member.messages.map((m) => `${m.partition}:${m.offset}`));
      await waitFor('the member to read every acknowledged message', 60_000, async () => {
        const read = readByMember();
        return [...acks.values()].every((ack) => read.has(`${ack.partition}:${ack.offset}`)) ? true : undefined;
      }, 500);
      console.log(`kill loop: ${KILL_CYCLES} kills, ${acks.size} messages acknowledged and read back, member read ${readByMember().size} distinct offsets, commits before each kill: ${committedBeforeKills.map((c) => JSON.stringify([...c])).join(' ')}`);
    } finally {
      stream.kill();
      await member.dispose();
    }
  });
});
