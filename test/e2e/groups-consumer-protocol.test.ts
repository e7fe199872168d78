/**
 * Consumer-protocol groups (KIP-848, `group.protocol=consumer`) with real clients that opt in:
 * Kafka's Java consumer 4.x, franz-go's KIP-848 consumer (ConsumerGroupHeartbeat v1) and
 * confluent-kafka 2.x (librdkafka). Each member is its own process (clients/group-member.ts).
 * Per client family:
 *
 * - two members split the 3 partitions; a third joins and partitions move to it without any
 *   message consumed twice (the broker revokes before it reassigns);
 * - a member is killed (SIGKILL, no leave): its partitions move to the survivors after the
 *   consumer session timeout, not before, and they resume at the committed offsets;
 * - commit, close, start a new member: it resumes exactly after the committed offsets.
 *
 * That the consumer protocol was really used is checked with Kafka's Java Admin, whose
 * describeConsumerGroups asks ConsumerGroupDescribe (type "consumer", server assignor
 * "uniform"): franz-go silently falls back to the classic protocol where it cannot use it.
 * Besides: a classic group and a consumer group side by side (ListGroups types, DescribeGroups
 * and ConsumerGroupDescribe each answering for their kind), and Kafka's own
 * kafka-consumer-groups --describe on a consumer group.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { closeJavaDrivers, javaDriver } from './clients/java.js';
import type { GroupMember } from './clients/group-member.js';
import { useBroker } from './client-suite.js';
import {
  ALL_PARTITIONS,
  assertNoErrors,
  CLOSE_TIMEOUT_MS,
  expectConsumed,
  GROUP_BROKER_ENV,
  GroupFixture,
  PARTITIONS,
  waitForAssignment,
  waitForSplit,
  type MemberKind,
  withGroupFixture,
} from './groups-support.js';
import { kafkaToolOk } from './support/kafka-tools.js';

/** A short consumer session so a killed member's partitions move within seconds. */
const SESSION_TIMEOUT_MS = 6_000;
const HEARTBEAT_INTERVAL_MS = 500;
const TEST_TIMEOUT_MS = 110_000;
const KILL_HANDOVER_MIN_MS = SESSION_TIMEOUT_MS - 2 * HEARTBEAT_INTERVAL_MS;
const KILL_HANDOVER_MAX_MS = SESSION_TIMEOUT_MS + 15_000;
/** The first members of a test start their client (a JVM for Java) before they join: slow on a busy machine. */
const FIRST_JOIN_TIMEOUT_MS = 60_000;

const KINDS: readonly MemberKind[] = [
  { name: 'java-4', client: 'java-4', driverOptions: { group_protocol: 'consumer' } },
  { name: 'franz-go', client: 'franz-go', assignors: ['range'], driverOptions: { group_protocol: 'consumer' } },
  { name: 'confluent-kafka-2', client: 'confluent-kafka-2', driverOptions: { group_protocol: 'consumer' } },
];

const broker = useBroker({
  ...GROUP_BROKER_ENV,
  GROUP_CONSUMER_SESSION_TIMEOUT: `${SESSION_TIMEOUT_MS}ms`,
  GROUP_CONSUMER_HEARTBEAT_INTERVAL: `${HEARTBEAT_INTERVAL_MS}ms`,
});
const admin = () => javaDriver('4', broker().bootstrap);
after(closeJavaDrivers);

const withFixture = (label: string, work: (fixture: GroupFixture) => Promise<void>) => withGroupFixture(broker(), label, work);

/**
 * The server assignor each family's members ask for: franz-go's range balancer asks for the
 * broker's `range` (ServerAssignor); the others ask for none and get the default, `uniform`.
 */
const SERVER_ASSIGNOR: Readonly<Record<string, string>> = { 'franz-go': 'range' };

/** The group as Kafka's Java Admin describes it (ConsumerGroupDescribe): a consumer-protocol group and its server assignor. */
async function assertConsumerProtocolGroup(fixture: GroupFixture, members: number, client = 'java-4'): Promise<void> {
  const description = await admin().describeGroup!(fixture.group);
  assert.deepEqual(
    { type: description.type, protocol: description.protocol, protocolType: description.protocolType, members: description.members.length },
    { type: 'consumer', protocol: SERVER_ASSIGNOR[client] ?? 'uniform', protocolType: 'consumer', members },
    `the group is a consumer-protocol group\n${fixture.describe()}`,
  );
}

function noPartitionTwice(members: readonly GroupMember[], what: string): void {
  const seen = members.flatMap((m) => m.messages.map((msg) => `${msg.partition}@${msg.offset}`));
  assert.equal(new Set(seen).size, seen.length, `${what}: a message was consumed twice\n${members.map((m) => m.describe()).join('\n')}`);
}

/** Once, with the Java client (its Admin sees both group types): mixed groups and Kafka's CLI. */
function javaOnlyTests(): void {
  test('a classic group and a consumer group side by side: each kind is listed, described and refused as Kafka 3.9 does', { timeout: TEST_TIMEOUT_MS }, () =>
    withFixture('848-side-by-side', async (f) => {
      const classicGroup = `${f.group}-classic`;
      const modern = f.start(KINDS[0]!, 'modern');
      const classic = f.start({ name: 'java-4 classic', client: 'java-4' }, 'classic', classicGroup);
      await waitForAssignment(modern, ALL_PARTITIONS, 'the consumer-protocol member', FIRST_JOIN_TIMEOUT_MS);
      await waitForAssignment(classic, ALL_PARTITIONS, 'the classic member', FIRST_JOIN_TIMEOUT_MS);
      const listed = (await admin().listGroups!()).filter((g) => g.groupId === f.group || g.groupId === classicGroup);
      assert.deepEqual(
        listed.sort((x, y) => x.groupId.localeCompare(y.groupId)).map((g) => [g.groupId, g.type]),
        [[f.group, 'consumer'], [classicGroup, 'classic']],
      );
      const described = await admin().describeGroup!(classicGroup);
      assert.deepEqual([described.type, described.protocol, described.members.length], ['classic', 'range', 1]);
      await assertConsumerProtocolGroup(f, 1);

      const intruder = f.start({ name: 'java-4 classic', client: 'java-4' }, 'intruder');
      const refusal = await intruder.waitFor('a classic member refused by the consumer group', 30_000, () =>
        intruder.errors.find((e) => /InconsistentGroupProtocol|INCONSISTENT_GROUP_PROTOCOL|inconsistent/i.test(e.message)),
      );
      assert.ok(refusal);
      assert.deepEqual(modern.assignment, ALL_PARTITIONS, 'the consumer group is undisturbed');
      for (const member of [modern, classic]) assertNoErrors(member);
    }),
  );

  test("Kafka's kafka-consumer-groups --describe shows a consumer group's members and offsets", { timeout: TEST_TIMEOUT_MS }, () =>
    withFixture('848-cli', async (f) => {
      const a = f.start(KINDS[0]!, 'a');
      const b = f.start(KINDS[0]!, 'b');
      await waitForSplit([a, b], 'two members', FIRST_JOIN_TIMEOUT_MS);
      const batch = await f.produce(2);
      await expectConsumed(a, [{ batch, partitions: a.assignment }], 'member a');
      await expectConsumed(b, [{ batch, partitions: b.assignment }], 'member b');
      await f.commitAll([a, b], [2, 2, 2]);
      const bootstrap = broker().bootstrap;
      const tool = (...args: string[]) => kafkaToolOk('4', 'kafka-consumer-groups', ['--bootstrap-server', bootstrap, '--describe', '--group', f.group, ...args], { timeoutMs: 60_000 });
      const offsets = await tool();
      const rows = offsets.split('\n').filter((line) => line.startsWith(f.group));
      assert.equal(rows.length, PARTITIONS, offsets);
      for (const row of rows) assert.match(row, new RegExp(`${f.topic}\\s+\\d\\s+2\\s+2\\s+0\\s+\\S+`), row);
      const members = await tool('--members', '--verbose');
      const memberRows = members.split('\n').filter((line) => line.startsWith(f.group));
      assert.equal(memberRows.length, 2, members);
      const state = await tool('--state');
      assert.match(state, /uniform\s+Stable\s+2/, state);
    }),
  );
}

describe('consumer-protocol groups (KIP-848) with real clients', { concurrency: true }, () => {
  for (const kind of KINDS) {
    describe(kind.name, { concurrency: 1 }, () => {
      test(`${kind.name}: two members split the partitions; a third joins and partitions move without double consumption`, { timeout: TEST_TIMEOUT_MS }, () =>
        withFixture(`${kind.name}-848-join`, async (f) => {
          const a = f.start(kind, 'a');
          const b = f.start(kind, 'b');
          const [aParts, bParts] = (await waitForSplit([a, b], 'two members', FIRST_JOIN_TIMEOUT_MS)) as [number[], number[]];
          await assertConsumerProtocolGroup(f, 2, kind.client);
          const first = await f.produce(2);
          await expectConsumed(a, [{ batch: first, partitions: aParts }], 'first batch, member a');
          await expectConsumed(b, [{ batch: first, partitions: bParts }], 'first batch, member b');
          await f.commitAll([a, b], [2, 2, 2]);

          const c = f.start(kind, 'c');
          const split = await waitForSplit([a, b, c], 'after a third member joined');
          assert.deepEqual(split.map((parts) => parts.length), [1, 1, 1]);
          const second = await f.produce(2);
          for (const [i, member] of [a, b, c].entries()) {
            const mine = second.messages.filter((m) => split[i]!.includes(m.partition)).length;
            await member.waitFor(`second batch on ${JSON.stringify(split[i])}`, 20_000, () =>
              member.messages.filter((m) => m.offset >= 2 && split[i]!.includes(m.partition)).length >= mine ? true : undefined,
            );
          }
          noPartitionTwice([a, b, c], 'after the third member joined');
          await assertConsumerProtocolGroup(f, 3, kind.client);
          for (const member of [a, b, c]) assertNoErrors(member);
        }),
      );

      test(`${kind.name}: a killed member's partitions move after the session timeout; the survivor resumes at the committed offsets`, { timeout: TEST_TIMEOUT_MS }, (t) =>
        withFixture(`${kind.name}-848-kill`, async (f) => {
          const a = f.start(kind, 'a');
          const b = f.start(kind, 'b');
          const [aParts, bParts] = (await waitForSplit([a, b], 'two members', FIRST_JOIN_TIMEOUT_MS)) as [number[], number[]];
          const first = await f.produce(2);
          await expectConsumed(a, [{ batch: first, partitions: aParts }], 'first batch, member a');
          await expectConsumed(b, [{ batch: first, partitions: bParts }], 'first batch, member b');
          await f.commitAll([a, b], [2, 2, 2]);

          const killedAt = Date.now();
          await b.kill();
          const tookOver = await waitForAssignment(a, ALL_PARTITIONS, 'after member b was killed', KILL_HANDOVER_MAX_MS);
          t.diagnostic(`handover ${tookOver - killedAt} ms after SIGKILL (session ${SESSION_TIMEOUT_MS} ms)`);
          assert.ok(tookOver - killedAt >= KILL_HANDOVER_MIN_MS, `partitions moved ${tookOver - killedAt} ms after the kill, before the session timeout`);
          const second = await f.produce(1);
          await expectConsumed(a, [{ batch: first, partitions: aParts }, { batch: second }], 'member a after the takeover');
          await assertConsumerProtocolGroup(f, 1, kind.client);
          assertNoErrors(a);
        }),
      );

      test(`${kind.name}: commit, close, and a new member resumes exactly after the committed offsets`, { timeout: TEST_TIMEOUT_MS }, () =>
        withFixture(`${kind.name}-848-resume`, async (f) => {
          const a = f.start(kind, 'a');
          await waitForAssignment(a, ALL_PARTITIONS, 'a lone member', FIRST_JOIN_TIMEOUT_MS);
          const first = await f.produce(2);
          await expectConsumed(a, [{ batch: first }], 'first batch');
          await f.commitAll([a], [2, 2, 2]);
          await a.close(CLOSE_TIMEOUT_MS);
          assertNoErrors(a);

          const second = await f.produce(1);
          const next = f.start(kind, 'next');
          await waitForAssignment(next, ALL_PARTITIONS, 'the new member');
          await expectConsumed(next, [{ batch: second }], 'the new member resumes after the commits');
          await f.commitAll([next], [3, 3, 3]);
          assertNoErrors(next);
        }),
      );

      if (kind.client === 'java-4') javaOnlyTests();
    });
  }

});
