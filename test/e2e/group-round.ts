/**
 * One consumer-group round for a client test file (the full member matrix is in
 * groups-members.test.ts): a member of the client joins, consumes, commits, consumes
 * more without committing and leaves; a second member resumes exactly after the committed
 * offsets. The client's own admin API (when it has one) must see the member and the
 * commit too; then, on the empty group, its simple commit and DeleteGroups where it has
 * them. Data is produced and committed offsets are read with kafkajs (GroupFixture).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ClientDriver } from './clients/driver.js';
import {
  ALL_PARTITIONS,
  assertNoErrors,
  CLOSE_TIMEOUT_MS,
  expectConsumed,
  GROUP_TEST_TIMEOUT_MS,
  PARTITIONS,
  waitForAssignment,
  withGroupFixture,
  type GroupFixture,
  type MemberKind,
} from './groups-support.js';
import type { BrokerHandle } from './harness.js';

/** Kafka error codes (Errors.java). */
const NONE = 0;
const GROUP_ID_NOT_FOUND = 69;

/** The client's DescribeGroups shows the one member owning every partition. */
async function checkDescribed(admin: ClientDriver, f: GroupFixture): Promise<void> {
  if (admin.describeGroup === undefined) return;
  const group = await admin.describeGroup(f.group);
  assert.equal(group.state, 'Stable');
  assert.equal(group.protocolType, 'consumer');
  assert.deepEqual(group.members.map((m) => m.assignment), [{ [f.topic]: [...ALL_PARTITIONS] }]);
}

/** On the now empty group: a simple commit (generation -1), then DeleteGroups. */
async function checkEmptyGroupAdmin(admin: ClientDriver, f: GroupFixture): Promise<void> {
  if (admin.commitOffsets !== undefined) {
    await admin.commitOffsets(f.group, f.topic, [4, 5, 5]);
    assert.deepEqual(await f.committed(), [4, 5, 5], 'offsets after the simple commit');
  }
  if (admin.deleteGroups !== undefined) {
    const missing = `${f.group}-missing`;
    assert.deepEqual(await admin.deleteGroups([f.group, missing]), new Map([[f.group, NONE], [missing, GROUP_ID_NOT_FOUND]]));
    assert.deepEqual(await f.committed(), [-1, -1, -1], 'a deleted group has no offsets');
  }
}

export function registerGroupRound(broker: () => BrokerHandle, kind: MemberKind, admin: (bootstrap: string) => ClientDriver): void {
  test(`${kind.name}: a group member consumes and commits; the next member resumes exactly after the commit`, { timeout: GROUP_TEST_TIMEOUT_MS }, () =>
    withGroupFixture(broker(), `${kind.name}-group`, async (f) => {
      const client = admin(broker().bootstrap);
      const first = f.start(kind, 'first');
      await waitForAssignment(first, ALL_PARTITIONS, 'first member');
      await checkDescribed(client, f);
      const committedBatch = await f.produce(3);
      await expectConsumed(first, [{ batch: committedBatch }], 'committed batch');
      await f.commitAll([first], [3, 3, 3]);
      // Consumed but not committed: the next member must read these again, exactly once.
      const resumeBatch = await f.produce(2);
      await expectConsumed(first, [{ batch: committedBatch }, { batch: resumeBatch }], 'uncommitted batch');
      await first.close(CLOSE_TIMEOUT_MS);
      assertNoErrors(first);
      if (client.committedOffsets !== undefined) {
        assert.deepEqual(await client.committedOffsets(f.group, f.topic, PARTITIONS), [3, 3, 3], `${kind.name}'s own OffsetFetch`);
      }

      const second = f.start(kind, 'second');
      await waitForAssignment(second, ALL_PARTITIONS, 'second member');
      await expectConsumed(second, [{ batch: resumeBatch }], 'second member resumes after the committed offsets');
      await second.close(CLOSE_TIMEOUT_MS);
      assertNoErrors(second);
      await checkEmptyGroupAdmin(client, f);
    }));
}
