/**
 * Consumer-group administration through each client's admin API, and groups mixing
 * clients.
 *
 * Admin (ListGroups, DescribeGroups, OffsetFetch, DeleteGroups), per client, on a group
 * whose one member is that client's own consumer: kafka-python KafkaAdminClient
 * (list_consumer_groups, describe_consumer_groups, list_consumer_group_offsets,
 * delete_consumer_groups), confluent-kafka 1.7.0 AdminClient.list_groups (it has no group
 * deletion; offsets via Consumer.committed), kafkajs admin (listGroups, describeGroups,
 * fetchOffsets, deleteGroups) and @platformatic/kafka Admin (listGroups, describeGroups,
 * listConsumerGroupOffsets, deleteGroups), Kafka's Java Admin 4.x (listConsumerGroups,
 * describeConsumerGroups, listConsumerGroupOffsets, deleteConsumerGroups). kcat has no
 * admin API. Expected answers follow Kafka 3.9: a Stable group names its protocol and
 * members (client id, client host "/127.0.0.1", assignment); DeleteGroups of a group with
 * members fails with NON_EMPTY_GROUP (68); an Empty group keeps protocol type "consumer" and its offsets but
 * has no protocol and no members; a deleted group is no longer listed, is described as
 * "Dead" with no members, and has no committed offsets.
 *
 * Mixed groups, where the clients offer a common protocol name (JoinGroup picks one all
 * members support): "range" (kafka-python, confluent-kafka, kcat) and "roundrobin"
 * (@platformatic/kafka, kafka-python, kcat). kafkajs offers only "RoundRobinAssigner",
 * which no other client has: it cannot join such a group (INCONSISTENT_GROUP_PROTOCOL).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import type { ClientDriver, GroupDescription } from './clients/driver.js';
import type { GroupMember } from './clients/group-member.js';
import { closeJavaDrivers, javaDriver } from './clients/java.js';
import { kafkajsDriver } from './clients/kafkajs.js';
import { platformaticDriver } from './clients/platformatic.js';
import { pythonDriver } from './clients/python.js';
import {
  ALL_PARTITIONS,
  assertNoErrors,
  CLOSE_TIMEOUT_MS,
  expectConsumed,
  GROUP_BROKER_ENV,
  GROUP_TEST_TIMEOUT_MS,
  GroupFixture,
  waitForAssignment,
  waitForSplit,
  type MemberKind,
  withGroupFixture,
} from './groups-support.js';
import { useBroker } from './client-suite.js';

/** Kafka error codes (Errors.java). */
const NONE = 0;
const NON_EMPTY_GROUP = 68;
const CLIENT_HOST = '/127.0.0.1';

interface AdminCase {
  name: string;
  admin: (bootstrap: string) => ClientDriver;
  member: MemberKind;
  /** The protocol (assignor) name the group settles on. */
  protocol: string;
}

const ADMIN_CASES: readonly AdminCase[] = [
  { name: 'kafka-python', admin: (b) => pythonDriver('kafka-python', b), member: { name: 'kafka-python', client: 'kafka-python' }, protocol: 'range' },
  { name: 'confluent-kafka', admin: (b) => pythonDriver('confluent-kafka', b), member: { name: 'confluent-kafka', client: 'confluent-kafka' }, protocol: 'range' },
  { name: 'kafkajs', admin: kafkajsDriver, member: { name: 'kafkajs', client: 'kafkajs' }, protocol: 'RoundRobinAssigner' },
  { name: 'platformatic', admin: platformaticDriver, member: { name: 'platformatic', client: 'platformatic' }, protocol: 'roundrobin' },
  { name: 'java-4', admin: (b) => javaDriver('4', b), member: { name: 'java-4', client: 'java-4' }, protocol: 'range' },
];

const broker = useBroker({ ...GROUP_BROKER_ENV });
after(closeJavaDrivers);

const withFixture = (label: string, work: (fixture: GroupFixture) => Promise<void>) => withGroupFixture(broker(), label, work);

/** The description with member ids left out (they are the broker's choice), members sorted by client id. */
function comparableDescription(description: GroupDescription) {
  return {
    groupId: description.groupId,
    state: description.state,
    protocolType: description.protocolType,
    protocol: description.protocol,
    members: description.members
      .map((m) => ({ clientId: m.clientId, clientHost: m.clientHost, assignment: m.assignment }))
      .sort((a, b) => a.clientId.localeCompare(b.clientId)),
  };
}

function memberIdsAreDistinct(description: GroupDescription): void {
  const ids = description.members.map((m) => m.memberId);
  assert.ok(ids.every((id) => id.length > 0), `member ids are non-empty: ${JSON.stringify(ids)}`);
  assert.equal(new Set(ids).size, ids.length, `member ids are distinct: ${JSON.stringify(ids)}`);
}

describe('consumer-group administration', { concurrency: true }, () => {
  for (const c of ADMIN_CASES) {
    test(`${c.name}: lists and describes a group, refuses to delete it with a member, shows it Empty, deletes it`, { timeout: GROUP_TEST_TIMEOUT_MS }, () =>
      withFixture(`${c.name}-admin`, async (f) => {
        const admin = c.admin(broker().bootstrap);
        const member = f.start(c.member, 'admin');
        await waitForAssignment(member, ALL_PARTITIONS, 'only member');
        const batch = await f.produce(2);
        await expectConsumed(member, [{ batch }], 'consumed before administration');
        await f.commitAll([member], [2, 2, 2]);

        const listed = (await admin.listGroups!()).filter((g) => g.groupId === f.group);
        assert.deepEqual(listed.map(({ groupId, protocolType }) => ({ groupId, protocolType })), [{ groupId: f.group, protocolType: 'consumer' }], 'listGroups while the group has a member');
        assert.ok(listed.every((g) => g.type === undefined || g.type === 'classic'), 'a JoinGroup group is listed as classic (ListGroups v5) where the client reports types');

        const stable = await admin.describeGroup!(f.group);
        assert.deepEqual(comparableDescription(stable), {
          groupId: f.group,
          state: 'Stable',
          protocolType: 'consumer',
          protocol: c.protocol,
          members: [{ clientId: member.options.clientId, clientHost: CLIENT_HOST, assignment: { [f.topic]: [0, 1, 2] } }],
        });
        memberIdsAreDistinct(stable);
        assert.deepEqual(await admin.committedOffsets!(f.group, f.topic, 3), [2, 2, 2], 'committed offsets through the admin API');

        if (admin.deleteGroups !== undefined) {
          assert.deepEqual(await admin.deleteGroups([f.group]), new Map([[f.group, NON_EMPTY_GROUP]]), 'deleting a group that has a member');
        }

        await member.close(CLOSE_TIMEOUT_MS);
        assertNoErrors(member);
        const empty = await admin.describeGroup!(f.group);
        assert.deepEqual(comparableDescription(empty), { groupId: f.group, state: 'Empty', protocolType: 'consumer', protocol: '', members: [] });
        assert.deepEqual((await admin.listGroups!()).filter((g) => g.groupId === f.group).map(({ groupId, protocolType }) => ({ groupId, protocolType })),
          [{ groupId: f.group, protocolType: 'consumer' }], 'an Empty group is still listed');
        assert.deepEqual(await admin.committedOffsets!(f.group, f.topic, 3), [2, 2, 2], 'an Empty group keeps its offsets');

        if (admin.deleteGroups === undefined) return;
        assert.deepEqual(await admin.deleteGroups([f.group]), new Map([[f.group, NONE]]), 'deleting the empty group');
        assert.deepEqual((await admin.listGroups!()).filter((g) => g.groupId === f.group), [], 'a deleted group is not listed');
        const dead = await admin.describeGroup!(f.group);
        assert.deepEqual(comparableDescription(dead), { groupId: f.group, state: 'Dead', protocolType: '', protocol: '', members: [] });
        assert.deepEqual(await admin.committedOffsets!(f.group, f.topic, 3), [-1, -1, -1], 'a deleted group has no committed offsets');
      }));
  }

  const mixed: ReadonlyArray<{ protocol: string; kinds: MemberKind[]; admin: (bootstrap: string) => ClientDriver }> = [
    {
      protocol: 'range',
      kinds: [
        { name: 'kafka-python', client: 'kafka-python', assignors: ['range'] },
        { name: 'confluent-kafka', client: 'confluent-kafka', assignors: ['range'] },
        { name: 'kcat', client: 'kcat', assignors: ['range'] },
      ],
      admin: (b) => pythonDriver('kafka-python', b),
    },
    {
      protocol: 'roundrobin',
      kinds: [
        { name: 'platformatic', client: 'platformatic', assignors: ['roundrobin'] },
        { name: 'kafka-python', client: 'kafka-python', assignors: ['roundrobin'] },
        { name: 'kcat', client: 'kcat', assignors: ['roundrobin'] },
      ],
      admin: platformaticDriver,
    },
  ];
  for (const group of mixed) {
    const names = group.kinds.map((k) => k.name).join(' + ');
    test(`mixed group "${group.protocol}": ${names} each get one partition and consume it`, { timeout: GROUP_TEST_TIMEOUT_MS }, () =>
      withFixture(`mixed-${group.protocol}`, async (f) => {
        const members = group.kinds.map((kind) => f.start(kind, `mixed-${group.protocol}`));
        const parts = await waitForSplit(members, `${names} in one group`);
        assert.deepEqual(parts.map((p) => p.length), [1, 1, 1], `one partition each: ${JSON.stringify(parts)}`);

        const batch = await f.produce(2);
        for (const [i, member] of members.entries()) await expectConsumed(member, [{ batch, partitions: parts[i]! }], `${member.label}'s partition`);
        await f.commitAll(members, [2, 2, 2]);

        const description = await group.admin(broker().bootstrap).describeGroup!(f.group);
        const expectedMembers = members.map((m, i) => ({ clientId: m.options.clientId, clientHost: CLIENT_HOST, assignment: { [f.topic]: parts[i]! } }));
        assert.deepEqual(comparableDescription(description), {
          groupId: f.group,
          state: 'Stable',
          protocolType: 'consumer',
          protocol: group.protocol,
          members: expectedMembers.sort((a, b) => a.clientId.localeCompare(b.clientId)),
        });
        memberIdsAreDistinct(description);

        await Promise.all(members.map((m) => m.close(CLOSE_TIMEOUT_MS)));
        members.forEach(assertNoErrors);
      }));
  }

  test('kafkajs (RoundRobinAssigner) cannot join a kafka-python "range" group: INCONSISTENT_GROUP_PROTOCOL, the group is undisturbed', { timeout: GROUP_TEST_TIMEOUT_MS }, () =>
    withFixture('mixed-inconsistent', async (f) => {
      const python = f.start({ name: 'kafka-python', client: 'kafka-python', assignors: ['range'] }, 'range-only');
      await waitForAssignment(python, ALL_PARTITIONS, 'kafka-python alone');
      const kafkajsMember: GroupMember = f.start({ name: 'kafkajs', client: 'kafkajs' }, 'incompatible');
      const refusal = await kafkajsMember.waitFor('a JoinGroup refusal', 20_000, () =>
        kafkajsMember.errors.find((e) => e.type === 'INCONSISTENT_GROUP_PROTOCOL'),
      );
      assert.match(refusal.message, /protocols are incompatible/);
      assert.equal(kafkajsMember.assignment, undefined, 'kafkajs never got an assignment');

      const batch = await f.produce(2);
      await expectConsumed(python, [{ batch }], 'kafka-python still owns every partition');
      assert.deepEqual(python.assignments.filter((a) => a.partitions.length > 0).map((a) => a.partitions), [[0, 1, 2]],
        'no rebalance happened in the range group');
      await kafkajsMember.close(CLOSE_TIMEOUT_MS);
      await python.close(CLOSE_TIMEOUT_MS);
      assertNoErrors(python);
    }));
});
