/**
 * ENABLE_CONSUMER_GROUPS=false: the broker does not advertise the group membership and
 * group administration APIs, still serves consumers that assign partitions themselves (no
 * JoinGroup) including their offset commits, and subscribe()-based consumers fail clearly
 * within a bounded time instead of hanging:
 *
 * - kcat -G (librdkafka 2.0.2): without JoinGroup/SyncGroup/Heartbeat/LeaveGroup v0 in
 *   ApiVersions librdkafka disables its balanced-consumer feature; kcat exits 1 with
 *   "JoinGroup failed: Local: Required feature not supported by broker";
 * - confluent-kafka (same librdkafka): poll() returns _UNSUPPORTED_FEATURE errors;
 * - kafka-python (does not consult ApiVersions for groups): sends JoinGroup anyway and the
 *   broker answers GROUP_AUTHORIZATION_FAILED (30): poll() raises
 *   GroupAuthorizationFailedError naming the group;
 * - kafkajs: KafkaJSServerDoesNotSupportApiKey (JoinGroup is not advertised);
 * - @platformatic/kafka: UnsupportedApiError "Unsupported API JoinGroup.".
 *
 * FindCoordinator, OffsetCommit, OffsetFetch and OffsetDelete stay advertised: consumers
 * that assign partitions themselves commit and fetch offsets under a group id without
 * joining it (simple commits, generation -1), and librdkafka 2.0.2 enables LZ4 only when
 * FindCoordinator v0 is advertised.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { ClientDriver } from './clients/driver.js';
import type { GroupMember, MemberClient } from './clients/group-member.js';
import { kafkajsDriver } from './clients/kafkajs.js';
import { kcatDriver } from './clients/kcat.js';
import { platformaticDriver } from './clients/platformatic.js';
import { pythonDriver } from './clients/python.js';
import { GROUP_BROKER_ENV, GROUP_TEST_TIMEOUT_MS, GroupFixture, PARTITIONS } from './groups-support.js';
import { useBroker } from './client-suite.js';
import { apiVersionsRequest, parseApiVersionsV0, RawConnection } from './raw-kafka.js';
import { assertConsumedExactly, rangesFromStart } from './records.js';

/** What a subscribe()d member must report, per client, within FAILURE_TIMEOUT_MS. */
const FAILURE_TIMEOUT_MS = 20_000;
const EXPECTED_FAILURES: ReadonlyArray<{ client: MemberClient; matches: (member: GroupMember) => boolean; description: string }> = [
  {
    client: 'kcat',
    description: 'exit code 1 after "JoinGroup failed: Local: Required feature not supported by broker"',
    matches: (m) => m.exit?.code === 1 && m.errors.some((e) => e.message.includes('JoinGroup failed: Local: Required feature not supported by broker')),
  },
  {
    client: 'confluent-kafka',
    description: 'a _UNSUPPORTED_FEATURE "JoinGroup failed" consumer error',
    matches: (m) => m.errors.some((e) => e.message.includes('_UNSUPPORTED_FEATURE') && e.message.includes('JoinGroup failed')),
  },
  {
    client: 'kafka-python',
    description: 'GroupAuthorizationFailedError (error 30) naming the group, from poll()',
    matches: (m) => m.errors.some((e) => e.message.startsWith('GroupAuthorizationFailedError: [Error 30]') && e.message.includes(m.options.group)),
  },
  {
    client: 'kafkajs',
    description: 'KafkaJSServerDoesNotSupportApiKey',
    matches: (m) => m.errors.some((e) => e.type === 'KafkaJSServerDoesNotSupportApiKey'),
  },
  {
    client: 'platformatic',
    description: 'UnsupportedApiError "Unsupported API JoinGroup."',
    matches: (m) => m.errors.some((e) => e.type === 'PLT_KFK_UNSUPPORTED_API' && e.message === 'Unsupported API JoinGroup.'),
  },
];

/** Group membership and administration: not advertised while groups are disabled. */
const GROUP_ONLY_API_KEYS: Readonly<Record<number, string>> = {
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  15: 'DescribeGroups',
  16: 'ListGroups',
  42: 'DeleteGroups',
};
/** Coordinator lookup and committed offsets: still served for assign-only consumers. */
const OFFSET_API_KEYS: Readonly<Record<number, string>> = {
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  47: 'OffsetDelete',
};

const broker = useBroker({ ...GROUP_BROKER_ENV, ENABLE_CONSUMER_GROUPS: 'false' });

describe('ENABLE_CONSUMER_GROUPS=false', { concurrency: true }, () => {
  test('ApiVersions advertises no group membership or group administration API, but the offset APIs', { timeout: GROUP_TEST_TIMEOUT_MS }, async () => {
    const connection = await RawConnection.open(broker().kafkaPort);
    try {
      connection.socket.write(apiVersionsRequest(0, 7));
      const response = parseApiVersionsV0(await connection.readFrame(5_000));
      assert.equal(response.errorCode, 0);
      const names = (table: Readonly<Record<number, string>>) => response.apiKeys.filter((k) => k.apiKey in table).map((k) => table[k.apiKey]).sort();
      assert.deepEqual(names(GROUP_ONLY_API_KEYS), [], 'group APIs advertised although consumer groups are disabled');
      assert.deepEqual(names(OFFSET_API_KEYS), Object.values(OFFSET_API_KEYS).sort(), 'offset APIs for assign-only consumers');
    } finally {
      connection.close();
    }
  });

  test('a consumer that assigns partitions itself commits offsets under a group id (kafka-python) and reads them back (confluent-kafka, kafkajs)', { timeout: GROUP_TEST_TIMEOUT_MS }, async () => {
    const f = new GroupFixture(broker(), 'disabled-commit');
    await f.createTopic();
    await f.produce(4);
    await pythonDriver('kafka-python', broker().bootstrap).commitOffsets!(f.group, f.topic, [1, 4, 2]);
    assert.deepEqual(await pythonDriver('confluent-kafka', broker().bootstrap).committedOffsets!(f.group, f.topic, PARTITIONS), [1, 4, 2]);
    assert.deepEqual(await f.committed(), [1, 4, 2]);
  });

  const assignOnly: ReadonlyArray<{ name: string; driver: (bootstrap: string) => ClientDriver }> = [
    { name: 'confluent-kafka assign() with a group.id', driver: (b) => pythonDriver('confluent-kafka', b) },
    { name: 'kafka-python assign() without a group', driver: (b) => pythonDriver('kafka-python', b) },
    { name: 'kcat -C -p (simple consumer)', driver: kcatDriver },
    { name: '@platformatic/kafka Consumer.fetch()', driver: platformaticDriver },
  ];
  test(`assign-only consumers still consume: ${assignOnly.map((c) => c.name).join('; ')}`, { timeout: GROUP_TEST_TIMEOUT_MS }, async () => {
    const f = new GroupFixture(broker(), 'disabled-assign');
    await f.createTopic();
    const batch = await f.produce(4);
    await Promise.all(assignOnly.map(async ({ name, driver }) => {
      const consumed = await driver(broker().bootstrap).consume!(f.topic, rangesFromStart(batch.messages, PARTITIONS));
      try {
        assertConsumedExactly(batch.messages, batch.acks, consumed);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }));
    // Producing and listing offsets do not need the coordinator either.
    assert.deepEqual(await kafkajsDriver(broker().bootstrap).listOffsets(f.topic, PARTITIONS), { earliest: [0, 0, 0], latest: [4, 4, 4] });
  });

  test(`subscribe() consumers fail clearly within ${FAILURE_TIMEOUT_MS} ms and get no partitions: ${EXPECTED_FAILURES.map((e) => e.client).join(', ')}`, { timeout: GROUP_TEST_TIMEOUT_MS }, async () => {
    const f = new GroupFixture(broker(), 'disabled-subscribe');
    try {
      await f.createTopic();
      await f.produce(1);
      const members = EXPECTED_FAILURES.map(({ client }) => f.start({ name: client, client }, 'subscribe'));
      const problems: string[] = [];
      await Promise.all(EXPECTED_FAILURES.map(async (expected, i) => {
        const member = members[i]!;
        const deadline = Date.now() + FAILURE_TIMEOUT_MS;
        while (!expected.matches(member) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (!expected.matches(member)) problems.push(`${member.label}: expected ${expected.description}\n${member.describe()}`);
        if ((member.assignment ?? []).length > 0 || member.messages.length > 0) {
          problems.push(`${member.label}: got partitions ${JSON.stringify(member.assignment)} / ${member.messages.length} messages although groups are disabled`);
        }
      }));
      assert.deepEqual(problems, []);
    } finally {
      await f.dispose();
    }
  });
});
