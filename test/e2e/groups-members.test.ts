/**
 * Consumer groups with real clients, each member its own process (see
 * clients/group-member.ts): kcat/librdkafka with the eager `range` and the cooperative
 * `cooperative-sticky` assignors, kafka-python and confluent-kafka-python (default
 * assignors: range, roundrobin → range), kafkajs (RoundRobinAssigner) and
 * @platformatic/kafka (roundrobin), Kafka's Java consumer 4.x (default assignors: range,
 * cooperative-sticky → range). Per client:
 *
 * - two members started together split the 3 partitions; when one leaves cleanly
 *   (LeaveGroup) the other takes every partition — sooner than a session timeout — and
 *   consumes what is produced afterwards, resuming the partitions it took over at their
 *   committed offsets;
 * - a late second member joins a stable group and gets its share (no INVALID_REQUEST);
 *   killed with SIGKILL it is evicted after its session timeout (not before: Kafka does
 *   not evict on disconnect) and the survivor takes over its partitions at their
 *   committed offsets;
 * - commit, stop, start a new member: it resumes exactly after the committed offsets.
 *
 * kcat cannot be told to commit: it auto-commits every 5 s and on close, and the tests
 * wait until OffsetFetch shows the expected offsets.
 * The clients run concurrently (one test at a time per client) against one broker.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  ALL_PARTITIONS,
  assertNoErrors,
  CLOSE_TIMEOUT_MS,
  expectConsumed,
  GROUP_BROKER_ENV,
  GROUP_TEST_TIMEOUT_MS,
  GroupFixture,
  partitionsOf,
  TIMING,
  settleAssignment,
  waitForAssignment,
  waitForSplit,
  type MemberKind,
  withGroupFixture,
} from './groups-support.js';
import { useBroker } from './client-suite.js';

const KINDS: readonly MemberKind[] = [
  { name: 'kcat (range)', client: 'kcat', assignors: ['range'] },
  { name: 'kcat (cooperative-sticky)', client: 'kcat', assignors: ['cooperative-sticky'] },
  { name: 'kafka-python', client: 'kafka-python' },
  { name: 'confluent-kafka', client: 'confluent-kafka' },
  { name: 'kafkajs', client: 'kafkajs' },
  { name: 'platformatic', client: 'platformatic' },
  { name: 'java-4', client: 'java-4' },
];

/** A clean leave must hand the partitions over well before a session timeout could. */
const LEAVE_HANDOVER_MAX_MS = TIMING.sessionTimeoutMs - TIMING.heartbeatIntervalMs;
/** Eviction cannot come earlier than the session timeout after the last heartbeat. */
const EVICTION_MIN_MS = TIMING.sessionTimeoutMs - 2 * TIMING.heartbeatIntervalMs;
const EVICTION_MAX_MS = TIMING.sessionTimeoutMs + 12_000;

const broker = useBroker({ ...GROUP_BROKER_ENV });

const withFixture = (label: string, work: (fixture: GroupFixture) => Promise<void>) => withGroupFixture(broker(), label, work);

describe('consumer groups with real clients', { concurrency: true }, () => {
  for (const kind of KINDS) {
    describe(kind.name, { concurrency: 1 }, () => {
      test(`${kind.name}: two members split 3 partitions; after one leaves the other owns all and gets new messages`, { timeout: GROUP_TEST_TIMEOUT_MS }, (t) =>
        withFixture(`${kind.name}-split`, async (f) => {
          const a = f.start(kind, 'a');
          const b = f.start(kind, 'b');
          const [aParts, bParts] = (await waitForSplit([a, b], 'two members started together')) as [number[], number[]];

          const first = await f.produce(3);
          await expectConsumed(a, [{ batch: first, partitions: aParts }], 'first batch, member a');
          await expectConsumed(b, [{ batch: first, partitions: bParts }], 'first batch, member b');
          await f.commitAll([a, b], [3, 3, 3]);

          const leaving = Date.now();
          await a.close(CLOSE_TIMEOUT_MS);
          const handedOver = await waitForAssignment(b, ALL_PARTITIONS, 'after member a left');
          t.diagnostic(`split ${JSON.stringify([aParts, bParts])}; handover ${handedOver - leaving} ms after the clean close`);
          assert.ok(handedOver - leaving < LEAVE_HANDOVER_MAX_MS,
            `member b got every partition ${handedOver - leaving} ms after member a closed; a LeaveGroup should trigger the rebalance at once (< ${LEAVE_HANDOVER_MAX_MS} ms)\n${f.describe()}`);

          await settleAssignment(b, ALL_PARTITIONS, 'after member a left');
          const second = await f.produce(2);
          // b resumes a's partitions at the committed offset 3: nothing of the first batch again.
          await expectConsumed(b, [{ batch: first, partitions: bParts }, { batch: second }], 'second batch, member b alone');
          await b.close(CLOSE_TIMEOUT_MS);
          assertNoErrors(a);
          assertNoErrors(b);
        }));

      test(`${kind.name}: a late member gets its share; SIGKILLed it is evicted after the session timeout and the survivor takes over`, { timeout: GROUP_TEST_TIMEOUT_MS }, (t) =>
        withFixture(`${kind.name}-kill`, async (f) => {
          const a = f.start(kind, 'a');
          await waitForAssignment(a, ALL_PARTITIONS, 'single member');
          const first = await f.produce(3);
          await expectConsumed(a, [{ batch: first }], 'first batch, member a alone');
          await f.commitAll([a], [3, 3, 3]);

          const b = f.start(kind, 'late');
          const [aParts, bParts] = (await waitForSplit([a, b], 'late second member joined a stable group')) as [number[], number[]];
          assertNoErrors(b);

          const second = await f.produce(2);
          await expectConsumed(a, [{ batch: first }, { batch: second, partitions: aParts }], 'second batch, member a');
          await expectConsumed(b, [{ batch: second, partitions: bParts }], 'second batch, late member');
          await f.commitAll([a, b], [5, 5, 5]);

          const killedAt = Date.now();
          await b.kill();
          const takenOver = await waitForAssignment(a, ALL_PARTITIONS, 'after the late member was SIGKILLed', EVICTION_MAX_MS + 5_000);
          const elapsed = takenOver - killedAt;
          t.diagnostic(`split ${JSON.stringify([aParts, bParts])}; takeover ${elapsed} ms after the SIGKILL`);
          assert.ok(elapsed >= EVICTION_MIN_MS && elapsed <= EVICTION_MAX_MS,
            `the survivor got every partition ${elapsed} ms after the SIGKILL; expected eviction after the ${TIMING.sessionTimeoutMs} ms session timeout ` +
            `(between ${EVICTION_MIN_MS} and ${EVICTION_MAX_MS} ms)\n${f.describe()}`);
          assert.deepEqual(partitionsOf(a), [0, 1, 2]);

          await settleAssignment(a, ALL_PARTITIONS, 'after the late member was SIGKILLed');
          const third = await f.produce(2);
          // The killed member's partitions resume at its committed offset 5.
          await expectConsumed(a, [{ batch: first }, { batch: second, partitions: aParts }, { batch: third }], 'third batch, survivor');
          await a.close(CLOSE_TIMEOUT_MS);
          assertNoErrors(a);
        }));

      test(`${kind.name}: a new member resumes exactly after the committed offsets`, { timeout: GROUP_TEST_TIMEOUT_MS }, () =>
        withFixture(`${kind.name}-resume`, async (f) => {
          const a = f.start(kind, 'first');
          await waitForAssignment(a, ALL_PARTITIONS, 'first member');
          const committedBatch = await f.produce(3);
          await expectConsumed(a, [{ batch: committedBatch }], 'committed batch');
          await f.commitAll([a], [3, 3, 3]);
          let resumeBatch;
          if (a.explicitCommits) {
            // Consumed but not committed: the next member must read these again, exactly once.
            resumeBatch = await f.produce(2);
            await expectConsumed(a, [{ batch: committedBatch }, { batch: resumeBatch }], 'uncommitted batch');
            await a.close(CLOSE_TIMEOUT_MS);
          } else {
            // kcat auto-commits (also on close): produce the rest once it has gone.
            await a.close(CLOSE_TIMEOUT_MS);
            resumeBatch = await f.produce(2);
          }
          assert.deepEqual(await f.committed(), [3, 3, 3], 'committed offsets after the first member closed');
          assertNoErrors(a);

          const b = f.start(kind, 'second');
          await waitForAssignment(b, ALL_PARTITIONS, 'second member');
          await expectConsumed(b, [{ batch: resumeBatch }], 'second member resumes after the committed offsets');
          await b.close(CLOSE_TIMEOUT_MS);
          assertNoErrors(b);
        }));
    });
  }
});
