/** Builders shared by the group unit tests: a coordinator on a fake clock, member joins, subscriptions. */
import { Logger } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { FinalizedFeatures } from '../../../src/cluster/features.js';
import { GroupCoordinator, type JoinParams } from '../../../src/groups/group-coordinator.js';
import { GroupDirectory } from '../../../src/groups/group-directory.js';
import { GroupTable } from '../../../src/groups/group-table.js';
import { ModernGroupCoordinator, type TopicLookup } from '../../../src/groups/modern-coordinator.js';
import type { Topic } from '../../../src/storage/topic-registry.js';
import type { JoinResult, SyncResult } from '../../../src/groups/group-member.js';
import { GroupsProbe } from '../../../src/groups/groups.probe.js';
import { MemoryOffsetStore } from '../../../src/groups/offset-store.js';
import { OffsetManager, type PartitionLookup } from '../../../src/groups/offset-manager.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { TopicEvents } from '../../../src/storage/topic-events.js';
import { FakeClock } from '../../support/fake-clock.js';

// The coordinator logs every rebalance, as Kafka does; the tests do not need to read them.
Logger.overrideLogger(false);

export const SESSION_MS = 10_000;
export const REBALANCE_MS = 30_000;

export function testProbe(): GroupsProbe {
  const counter = (name: string) => new Counter({ name, help: name, registers: [] });
  return new GroupsProbe(
    new Gauge({ name: 'groups', help: 'groups', registers: [] }),
    counter('rebalances'),
    counter('evictions'),
    counter('commits'),
    counter('expired'),
    counter('group_epochs'),
    new Counter({ name: 'assignments', help: 'assignments', labelNames: ['assignor'], registers: [] }),
    new Counter({ name: 'creations_refused', help: 'creations_refused', labelNames: ['reason'], registers: [] }),
    counter('groups_evicted'),
  );
}

export interface Harness {
  readonly clock: FakeClock;
  readonly store: MemoryOffsetStore;
  readonly table: GroupTable;
  readonly coordinator: GroupCoordinator;
  /** The consumer-protocol (KIP-848) coordinator, sharing the table. */
  readonly modern: ModernGroupCoordinator;
  /** ListGroups / DeleteGroups over both kinds. */
  readonly directory: GroupDirectory;
  readonly offsets: OffsetManager;
  /** Topic name → partition count; edit it to create or delete topics. */
  readonly topics: Map<string, number>;
  /** What the topic registry announces (a deletion: `events.topicDeleted`). */
  readonly events: TopicEvents;
  /** Topic name → id as the consumer-protocol coordinator sees it (a topic created again gets a new id). */
  topicId(name: string): string;
  /** The finalized feature levels (group.version switches the consumer protocol). */
  readonly features: FinalizedFeatures;
}

/** Consumer-protocol settings of the unit tests (Kafka's defaults). */
export const CONSUMER_SESSION_MS = 45_000;
export const CONSUMER_HEARTBEAT_MS = 5_000;

/** A TopicLookup over the harness's topic table; ids are fixed per name until `recreate`. */
function topicLookup(topics: Map<string, number>, ids: Map<string, string>): TopicLookup {
  const topicOf = (name: string): Topic | undefined => {
    const count = topics.get(name);
    if (count === undefined) return undefined;
    if (!ids.has(name)) ids.set(name, `00000000-0000-0000-0000-${String(ids.size + 1).padStart(12, '0')}`);
    return { name, id: ids.get(name)!, partitions: Array.from({ length: count }), configs: new Map(), overrides: new Set() } as unknown as Topic;
  };
  return {
    get: topicOf,
    all: () => [...topics.keys()].map((name) => topicOf(name)!)[Symbol.iterator](),
  };
}

export function harness(): Harness {
  const clock = new FakeClock();
  const store = new MemoryOffsetStore();
  const probe = testProbe();
  const table = new GroupTable();
  const coordinator = new GroupCoordinator(clock, store, probe, table);
  const topics = new Map([
    ['t', 3],
    ['other', 1],
  ]);
  const lookup: PartitionLookup = {
    partition: (topic, partition) => (partition >= 0 && partition < (topics.get(topic) ?? 0) ? ({} as PartitionLog) : undefined),
  };
  const events = new TopicEvents();
  const ids = new Map<string, string>();
  const settings = { groupConsumerSessionTimeoutMs: CONSUMER_SESSION_MS, groupConsumerHeartbeatIntervalMs: CONSUMER_HEARTBEAT_MS };
  const features = new FinalizedFeatures();
  const modern = new ModernGroupCoordinator(clock, table, coordinator, store, probe, topicLookup(topics, ids), settings, events, features);
  const offsets = new OffsetManager(coordinator, store, clock, lookup, probe, events, modern);
  const topicId = (name: string): string => topicLookup(topics, ids).get(name)!.id;
  const directory = new GroupDirectory(coordinator, modern);
  return { clock, store, table, coordinator, modern, directory, offsets, topics, events, topicId, features };
}

/** A ConsumerProtocolSubscription v0: int16 version, [string] topics, nullable bytes user data. */
export function subscription(topics: readonly string[]): Buffer {
  const parts = [Buffer.from([0, 0]), int32(topics.length)];
  for (const topic of topics) {
    const name = Buffer.from(topic);
    parts.push(Buffer.from([name.length >> 8, name.length & 0xff]), name);
  }
  parts.push(int32(-1));
  return Buffer.concat(parts);
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

export function joinParams(overrides: Partial<JoinParams> = {}): JoinParams {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    ...overrides,
  };
}

/** Watches a promise so a test can tell a parked request from an answered one. */
export class Watched<T> {
  value: T | undefined;

  constructor(promise: Promise<T>) {
    void promise.then((v) => {
      this.value = v;
    });
  }

  get answered(): boolean {
    return this.value !== undefined;
  }

  get result(): T {
    if (this.value === undefined) throw new Error('still parked');
    return this.value;
  }
}

/** Lets resolved promises run their continuations. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function join(h: Harness, overrides: Partial<JoinParams> = {}): Watched<JoinResult> {
  return new Watched(h.coordinator.join(joinParams(overrides)));
}

export function sync(
  h: Harness,
  member: JoinResult,
  assignments: { memberId: string; assignment: Buffer }[] = [],
  groupInstanceId: string | null = null,
): Watched<SyncResult> {
  return new Watched(
    h.coordinator.sync({
      groupId: 'g',
      memberId: member.memberId,
      generationId: member.generationId,
      groupInstanceId,
      protocolType: null,
      protocolName: null,
      assignments,
    }),
  );
}

/** Commits `offset` for partition 0 of topic "t"; a simple commit unless `member` is given. */
export function commitPartition0(h: Harness, groupId: string, offset: number, member?: JoinResult): number | undefined {
  const result = h.offsets.commit({
    groupId,
    generationId: member?.generationId ?? -1,
    memberId: member?.memberId ?? '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  return result[0]?.partitions[0]?.errorCode;
}

export function heartbeat(h: Harness, member: JoinResult, groupInstanceId: string | null = null): number {
  return h.coordinator.heartbeat({ groupId: 'g', memberId: member.memberId, generationId: member.generationId, groupInstanceId });
}

/** Two dynamic members A (leader) and B, joined in one generation and synced: the group is Stable. */
export async function stableGroupOfTwo(h: Harness): Promise<{ a: JoinResult; b: JoinResult }> {
  const a = join(h, { clientId: 'a' });
  const b = join(h, { clientId: 'b' });
  await advanceUntil(h, () => a.answered && b.answered);
  const [first, second] = [a.result, b.result];
  const leader = first.leaderId === first.memberId ? first : second;
  const follower = leader === first ? second : first;
  const leaderSync = sync(h, leader, [
    { memberId: leader.memberId, assignment: Buffer.from('A') },
    { memberId: follower.memberId, assignment: Buffer.from('B') },
  ]);
  const followerSync = sync(h, follower);
  await settle();
  if (!leaderSync.answered || !followerSync.answered) throw new Error('sync did not complete');
  return { a: leader, b: follower };
}

/** Advances the clock in 50 ms steps until `done` (at most `limitMs`), letting answers settle at each step. */
export async function advanceUntil(h: Harness, done: () => boolean, limitMs = REBALANCE_MS): Promise<number> {
  let elapsedMs = 0;
  while (!done()) {
    if (elapsedMs >= limitMs) throw new Error(`not done after ${limitMs} ms`);
    h.clock.advance(50);
    elapsedMs += 50;
    await settle();
  }
  return elapsedMs;
}
