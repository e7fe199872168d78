/**
 * A follower whose SyncGroup arrives after the leader has already synced still gets the
 * assignment the leader chose (Kafka keeps it for the generation; no INVALID_REQUEST).
 * Real clients send the follower's SyncGroup right after the JoinGroup response, usually
 * before the leader's, so this order is forced with hand-written frames (JoinGroup v1,
 * SyncGroup v0, Heartbeat v0, LeaveGroup v0) on two connections.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sleep, uniqueTopic } from './harness.js';
import { GROUP_BROKER_ENV } from './groups-support.js';
import { useBroker } from './client-suite.js';
import { RawConnection, rawRequest } from './raw-kafka.js';

const JOIN_GROUP = 11;
const HEARTBEAT = 12;
const LEAVE_GROUP = 13;
const SYNC_GROUP = 14;
const NONE = 0;
const SESSION_TIMEOUT_MS = 6_000;
const REBALANCE_TIMEOUT_MS = 10_000;
/**
 * How long the follower waits after the leader's SyncGroup was answered. A delay on purpose:
 * a slow follower is the scenario, not a wait for something to happen (the order itself is
 * guaranteed by reading the leader's answer first).
 */
const FOLLOWER_DELAY_MS = 1_500;

const int16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const int32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const str = (text: string): Buffer => { const bytes = Buffer.from(text, 'utf8'); return Buffer.concat([int16(bytes.length), bytes]); };
const bytes = (data: Buffer): Buffer => Buffer.concat([int32(data.length), data]);
const array = (items: Buffer[]): Buffer => Buffer.concat([int32(items.length), ...items]);

/** Reads the fields of a classic (non-flexible) response body. */
class Reader {
  private at = 0;
  constructor(private readonly frame: Buffer) {}
  int16(): number { const v = this.frame.readInt16BE(this.at); this.at += 2; return v; }
  int32(): number { const v = this.frame.readInt32BE(this.at); this.at += 4; return v; }
  string(): string { const n = this.int16(); const s = this.frame.subarray(this.at, this.at + n).toString('utf8'); this.at += Math.max(0, n); return s; }
  bytes(): Buffer { const n = this.int32(); const b = this.frame.subarray(this.at, this.at + Math.max(0, n)); this.at += Math.max(0, n); return Buffer.from(b); }
  get remaining(): number { return this.frame.length - this.at; }
}

/** ConsumerProtocolSubscription v0 / ConsumerProtocolAssignment v0 (the broker relays them as opaque bytes). */
const subscription = (topic: string): Buffer => Buffer.concat([int16(0), array([str(topic)]), bytes(Buffer.alloc(0))]);
const assignment = (topic: string, partitions: number[]): Buffer =>
  Buffer.concat([int16(0), array([Buffer.concat([str(topic), array(partitions.map(int32))])]), bytes(Buffer.alloc(0))]);

interface JoinAnswer { correlationId: number; errorCode: number; generation: number; protocol: string; leader: string; memberId: string; members: Array<{ memberId: string; metadata: Buffer }> }

function parseJoinV1(frame: Buffer): JoinAnswer {
  const r = new Reader(frame);
  const correlationId = r.int32();
  const errorCode = r.int16();
  const generation = r.int32();
  const protocol = r.string();
  const leader = r.string();
  const memberId = r.string();
  const count = r.int32();
  const members = Array.from({ length: Math.max(0, count) }, () => ({ memberId: r.string(), metadata: r.bytes() }));
  assert.equal(r.remaining, 0, 'JoinGroup v1 response fully read');
  return { correlationId, errorCode, generation, protocol, leader, memberId, members };
}

const broker = useBroker({ ...GROUP_BROKER_ENV });

test('a follower syncing after the leader has synced gets the leader\'s assignment for it', { timeout: 60_000 }, async () => {
  const group = `grp-${uniqueTopic('late-sync')}`;
  const topic = 'late-sync-topic';
  const connections = await Promise.all([RawConnection.open(broker().kafkaPort), RawConnection.open(broker().kafkaPort)]);
  try {
    const join = (c: RawConnection, correlationId: number): void => c.write(rawRequest(JOIN_GROUP, 1, correlationId, false, Buffer.concat([
      str(group), int32(SESSION_TIMEOUT_MS), int32(REBALANCE_TIMEOUT_MS), str(''), str('consumer'),
      array([Buffer.concat([str('range'), bytes(subscription(topic))])]),
    ])));
    // Both join the new group within its initial-rebalance delay: one generation with both.
    join(connections[0]!, 1);
    join(connections[1]!, 1);
    const joins = await Promise.all(connections.map(async (c) => parseJoinV1(await c.readFrame(REBALANCE_TIMEOUT_MS + 5_000))));
    for (const j of joins) {
      assert.deepEqual({ errorCode: j.errorCode, protocol: j.protocol, correlationId: j.correlationId }, { errorCode: NONE, protocol: 'range', correlationId: 1 });
    }
    assert.equal(joins[0]!.generation, joins[1]!.generation, 'one generation');
    assert.equal(joins[0]!.leader, joins[1]!.leader, 'one leader');
    assert.notEqual(joins[0]!.memberId, joins[1]!.memberId);
    const leaderIndex = joins.findIndex((j) => j.memberId === j.leader);
    assert.ok(leaderIndex >= 0, `the leader ${joins[0]!.leader} is one of the members ${joins.map((j) => j.memberId)}`);
    const followerIndex = 1 - leaderIndex;
    const leader = joins[leaderIndex]!;
    const follower = joins[followerIndex]!;
    assert.deepEqual(leader.members.map((m) => m.memberId).sort(), [leader.memberId, follower.memberId].sort(), 'the leader gets every member');
    for (const m of leader.members) assert.deepEqual(m.metadata, subscription(topic), 'member metadata relayed unchanged');
    assert.deepEqual(follower.members, [], 'followers get no member list');

    const generation = leader.generation;
    const leaderAssignment = assignment(topic, [0, 1]);
    const followerAssignment = assignment(topic, [2]);
    const sync = (index: number, correlationId: number, assignments: Buffer[]): void => connections[index]!.write(rawRequest(SYNC_GROUP, 0, correlationId, false, Buffer.concat([
      str(group), int32(generation), str(joins[index]!.memberId), array(assignments),
    ])));
    const readSync = async (index: number) => {
      const r = new Reader(await connections[index]!.readFrame(REBALANCE_TIMEOUT_MS + 5_000));
      return { correlationId: r.int32(), errorCode: r.int16(), assignment: r.bytes() };
    };

    sync(leaderIndex, 2, [
      Buffer.concat([str(leader.memberId), bytes(leaderAssignment)]),
      Buffer.concat([str(follower.memberId), bytes(followerAssignment)]),
    ]);
    assert.deepEqual(await readSync(leaderIndex), { correlationId: 2, errorCode: NONE, assignment: leaderAssignment });

    await sleep(FOLLOWER_DELAY_MS);
    sync(followerIndex, 2, []);
    assert.deepEqual(await readSync(followerIndex), { correlationId: 2, errorCode: NONE, assignment: followerAssignment },
      'the late follower gets its assignment');

    // Both are members of a stable generation: heartbeats succeed, then both leave.
    for (const [index, j] of joins.entries()) {
      connections[index]!.write(rawRequest(HEARTBEAT, 0, 3, false, Buffer.concat([str(group), int32(generation), str(j.memberId)])));
      const r = new Reader(await connections[index]!.readFrame());
      assert.deepEqual({ correlationId: r.int32(), errorCode: r.int16() }, { correlationId: 3, errorCode: NONE }, `heartbeat of member ${index}`);
    }
    for (const [index, j] of joins.entries()) {
      connections[index]!.write(rawRequest(LEAVE_GROUP, 0, 4, false, Buffer.concat([str(group), str(j.memberId)])));
      const r = new Reader(await connections[index]!.readFrame());
      assert.deepEqual({ correlationId: r.int32(), errorCode: r.int16() }, { correlationId: 4, errorCode: NONE }, `leave of member ${index}`);
    }
  } finally {
    for (const c of connections) c.close();
  }
});
