/**
 * Shared pieces of the consumer-group e2e tests (groups-*.test.ts): group timing, a
 * per-test fixture (topic, group, member processes, produced batches) and the exact checks
 * on what each member consumed and what the group committed.
 *
 * Data is produced with kafkajs (in process) as line-safe text, so every member client,
 * kcat included, can carry it; committed offsets are read with kafkajs's admin
 * (OffsetFetch), independently of the member's client.
 */
import assert from 'node:assert/strict';

import type { Ack, TestMessage } from './clients/driver.js';
import { GroupMember, type MemberClient } from './clients/group-member.js';
import { kafkajsDriver } from './clients/kafkajs.js';
import { sleep, uniqueTopic, type BrokerHandle } from './harness.js';
import { assertConsumedExactly, makeMessages } from './records.js';

export const PARTITIONS = 3;
export const ALL_PARTITIONS: readonly number[] = [0, 1, 2];

/**
 * Short group timing so evictions and rebalances happen within seconds: a 6 s session
 * timeout with 1 s heartbeats, and a 15 s rebalance timeout (the longest a JoinGroup may
 * wait for members that have not rejoined).
 */
export const TIMING = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 15_000,
  lifetimeMs: 150_000,
} as const;

/** Bounds for one join/rebalance, one batch consumed, one commit, one clean close. */
export const ASSIGN_TIMEOUT_MS = 30_000;
export const CONSUME_TIMEOUT_MS = 20_000;
export const COMMIT_TIMEOUT_MS = 15_000;
export const CLOSE_TIMEOUT_MS = 20_000;
export const GROUP_TEST_TIMEOUT_MS = 150_000;
/**
 * Longer than any client's fetch max wait (see waitForSplit). A fixed window on purpose: no
 * broker signal tells a fetch sent under a member's previous assignment from its current long
 * polls, and the window is also what the split must hold through.
 */
const SETTLE_MS = 1_000;

/** Broker settings of the group test files (topics are created explicitly). */
export const GROUP_BROKER_ENV: Readonly<Record<string, string>> = {
  AUTO_CREATE_TOPICS: 'false',
};

/** A kind of member: a client, the assignors it offers and its driver's options. */
export interface MemberKind {
  name: string;
  client: MemberClient;
  assignors?: readonly string[];
  driverOptions?: Readonly<Record<string, unknown>>;
}

export interface Batch {
  messages: TestMessage[];
  acks: Ack[];
}

/** What a member must have consumed: these batches, restricted to `partitions` (all when absent). */
export interface Expected {
  batch: Batch;
  partitions?: readonly number[];
}

export const sameSet = (a: readonly number[] | undefined, b: readonly number[]): boolean =>
  a !== undefined && a.length === b.length && [...a].sort().every((p, i) => p === [...b].sort()[i]);

/** One test's topic, group and member processes. */
export class GroupFixture {
  readonly topic: string;
  readonly group: string;
  readonly members: GroupMember[] = [];
  private readonly producer;
  private batchCount = 0;

  constructor(private readonly broker: BrokerHandle, label: string) {
    this.topic = uniqueTopic(label);
    this.group = `grp-${this.topic}`;
    this.producer = kafkajsDriver(broker.bootstrap);
  }

  async createTopic(): Promise<void> {
    await this.producer.createTopic!(this.topic, PARTITIONS);
  }

  /** Starts a member process of `kind` in this fixture's group. */
  start(kind: MemberKind, id: string, group = this.group): GroupMember {
    const member = GroupMember.start(kind.client, this.broker.bootstrap, {
      topic: this.topic,
      group,
      clientId: `e2e-${kind.client}-${id}`,
      ...(kind.assignors === undefined ? {} : { assignors: kind.assignors }),
      ...(kind.driverOptions === undefined ? {} : { driverOptions: kind.driverOptions }),
      ...TIMING,
    });
    this.members.push(member);
    return member;
  }

  /** Produces `perPartition` text messages to every partition (message i → partition i % 3). */
  async produce(perPartition: number): Promise<Batch> {
    this.batchCount += 1;
    const tag = `${this.topic}-b${this.batchCount}`;
    const messages = makeMessages({ payloads: 'text', perMessageHeaders: true }, { tag, count: perPartition * PARTITIONS, partitions: PARTITIONS });
    const acks = await this.producer.produce(this.topic, messages);
    return { messages, acks };
  }

  /** The group's committed offsets per partition (-1 where none), through kafkajs's admin. */
  async committed(group = this.group): Promise<number[]> {
    return this.producer.committedOffsets!(group, this.topic, PARTITIONS);
  }

  /** Waits until the group's committed offsets (OffsetFetch) are exactly `expected`. */
  async waitCommitted(expected: readonly number[], what: string, timeoutMs = COMMIT_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: number[] | undefined;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        last = await this.committed();
        if (last.every((o, i) => o === expected[i])) return;
      } catch (error) {
        lastError = error;
      }
      await sleep(200);
    }
    const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
    assert.fail(`${what}: committed offsets of ${this.group} are ${JSON.stringify(last)}, expected ${JSON.stringify(expected)} within ${timeoutMs} ms${detail}\n${this.describe()}`);
  }

  /**
   * Commits what each member consumed (explicitly, or by waiting for kcat's auto-commit)
   * and checks through OffsetFetch that the group's offsets are exactly `expected`.
   */
  async commitAll(members: readonly GroupMember[], expected: readonly number[]): Promise<void> {
    for (const member of members) {
      if (member.explicitCommits) await member.commit(COMMIT_TIMEOUT_MS);
    }
    await this.waitCommitted(expected, `after committing ${members.map((m) => m.label).join(', ')}`);
  }

  describe(): string {
    return this.members.map((m) => m.describe()).join('\n');
  }

  async dispose(): Promise<void> {
    await Promise.all(this.members.map((m) => m.dispose()));
  }
}

/** The partitions (sorted) of a member's current assignment; fails if it has none yet. */
export function partitionsOf(member: GroupMember): number[] {
  assert.ok(member.assignment !== undefined, `${member.label} has no assignment`);
  return [...member.assignment];
}

/** Waits until `member` owns exactly `partitions`; resolves with the time that assignment arrived. */
export async function waitForAssignment(member: GroupMember, partitions: readonly number[], what: string, timeoutMs = ASSIGN_TIMEOUT_MS): Promise<number> {
  return member.waitFor(`${what}: assignment ${JSON.stringify(partitions)}`, timeoutMs, () =>
    sameSet(member.assignment, partitions) ? member.assignments.at(-1)!.at : undefined,
  );
}

/**
 * After a rebalance, before the test produces: a member may still have a fetch in flight under
 * its previous assignment, answered within the fetch max wait (<= 500 ms for every client
 * here), and a client may hand over what it returns and then resume the same partitions from
 * the committed offsets under the new one (@platformatic/kafka did: duplicates the test would
 * blame on the broker). Waits SETTLE_MS for those, and checks that the assignment held.
 */
export async function settleAssignment(member: GroupMember, partitions: readonly number[], what: string): Promise<void> {
  await sleep(SETTLE_MS);
  assert.ok(sameSet(member.assignment, partitions), `${what}: the assignment changed within ${SETTLE_MS} ms\n${member.describe()}`);
}

/**
 * Waits until every member has a non-empty assignment and together they own every
 * partition exactly once; resolves with each member's partitions.
 */
export async function waitForSplit(members: readonly GroupMember[], what: string, timeoutMs = ASSIGN_TIMEOUT_MS): Promise<number[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sets = members.map((m) => m.assignment);
    const all = sets.flatMap((s) => s ?? []);
    if (sets.every((s) => s !== undefined && s.length > 0) && all.length === PARTITIONS && sameSet(all, ALL_PARTITIONS)) {
      // A member that just lost partitions may still have a fetch for them in flight, sent
      // under its previous assignment; the broker answers it within the fetch max wait
      // (≤ 500 ms for every client here), and a client may hand over what it returns
      // (@platformatic/kafka does). Let those finish before the test produces, and check
      // that the split held.
      await sleep(SETTLE_MS);
      const after = members.map((m) => m.assignment);
      assert.deepEqual(after, sets, `${what}: the split changed within ${SETTLE_MS} ms\n${members.map((m) => m.describe()).join('\n')}`);
      return sets.map((s) => [...s!]);
    }
    const dead = members.find((m) => m.exited);
    if (dead !== undefined) assert.fail(`${what}: ${dead.label} exited\n${members.map((m) => m.describe()).join('\n')}`);
    if (Date.now() > deadline) {
      assert.fail(`${what}: no disjoint non-empty split of ${JSON.stringify(ALL_PARTITIONS)} within ${timeoutMs} ms: ` +
        `${JSON.stringify(sets)}\n${members.map((m) => m.describe()).join('\n')}`);
    }
    await sleep(50);
  }
}

/**
 * Waits until `member` has consumed up to the last expected offset of every expected
 * partition, then checks that it consumed exactly the expected messages: per partition the
 * same keys, values, headers and offsets, in order, nothing repeated and nothing else.
 */
export async function expectConsumed(member: GroupMember, expected: readonly Expected[], what: string, timeoutMs = CONSUME_TIMEOUT_MS): Promise<void> {
  const messages: TestMessage[] = [];
  const acks: Ack[] = [];
  for (const { batch, partitions } of expected) {
    batch.messages.forEach((message, i) => {
      if (partitions === undefined || partitions.includes(message.partition)) {
        messages.push(message);
        acks.push(batch.acks[i]!);
      }
    });
  }
  const lastOffsets = new Map<number, number>();
  for (const ack of acks) lastOffsets.set(ack.partition, Math.max(lastOffsets.get(ack.partition) ?? -1, ack.offset));
  await member.waitFor(`${what}: ${messages.length} messages up to offsets ${JSON.stringify([...lastOffsets])}`, timeoutMs, () => {
    const reached = [...lastOffsets].every(([p, last]) => member.messages.some((m) => m.partition === p && m.offset >= last));
    return reached && member.messages.length >= messages.length ? true : undefined;
  });
  try {
    assertConsumedExactly(messages, acks, member.messages);
  } catch (error) {
    const got = member.messages.map((m) => `${m.partition}@${m.offset}`).join(' ');
    throw new Error(`${what}: ${member.label} consumed ${member.messages.length} messages, expected ${messages.length}: [${got}]\n${(error as Error).message}\n${member.describe()}`);
  }
}

/** The member reported no client errors (and, for kcat, no error lines). */
export function assertNoErrors(member: GroupMember): void {
  assert.deepEqual(member.errors.map((e) => `${e.type ?? ''} ${e.message}`), [], `${member.label} reported errors\n${member.describe()}`);
}

/** Runs `work` on a fresh fixture (its own topic) against `broker`, disposing of it afterwards. */
export async function withGroupFixture(broker: BrokerHandle, label: string, work: (fixture: GroupFixture) => Promise<void>): Promise<void> {
  const fixture = new GroupFixture(broker, label);
  try {
    await fixture.createTopic();
    await work(fixture);
  } finally {
    await fixture.dispose();
  }
}
