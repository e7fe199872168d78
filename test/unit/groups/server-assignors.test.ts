/**
 * The broker-side assignors (uniform, range) and incremental reconciliation as pure
 * functions: balance, stickiness, ranges, heterogeneous subscriptions, and the revoke-before-
 * assign rule of reconciliation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEW_MEMBER_ASSIGNMENT, type MemberAssignment } from '../../../src/groups/modern-member.js';
import { reconcile } from '../../../src/groups/modern-reconciliation.js';
import { rangeAssignor, uniformAssignor, type AssignorMember, type AssignorTopic } from '../../../src/groups/server-assignors.js';
import { fromEntries, NO_PARTITIONS, partitionCount, type TopicPartitionSet } from '../../../src/groups/topic-partitions.js';

const topics = (...list: [string, number][]): Map<string, AssignorTopic> => new Map(list.map(([name, partitionCount]) => [`id-${name}`, { id: `id-${name}`, name, partitionCount }]));
const member = (memberId: string, subscribed: string[], current: TopicPartitionSet = NO_PARTITIONS): AssignorMember => ({
  memberId,
  subscribedTopicIds: new Set(subscribed.map((t) => `id-${t}`)),
  current,
});
const set = (entries: Record<string, number[]>): TopicPartitionSet => fromEntries(Object.entries(entries).map(([t, ps]) => [`id-${t}`, ps] as const));
const flat = (assignment: TopicPartitionSet): string[] =>
  [...assignment].flatMap(([topicId, ps]) => [...ps].map((p) => `${topicId.slice(3)}-${p}`)).sort();

function assertDisjointAndComplete(result: Map<string, TopicPartitionSet>, expected: number): void {
  const all = [...result.values()].flatMap(flat);
  assert.equal(new Set(all).size, all.length, 'no partition assigned twice');
  assert.equal(all.length, expected, 'every partition assigned');
}

describe('uniform assignor', () => {
  it('balances partitions within one of each other', () => {
    const result = uniformAssignor.assign([member('a', ['t']), member('b', ['t']), member('c', ['t'])], topics(['t', 7]));
    assertDisjointAndComplete(result, 7);
    assert.deepEqual([...result.values()].map(partitionCount).sort(), [2, 2, 3]);
  });

  it('is sticky: a new member takes from the others, who keep the rest', () => {
    const before = { a: set({ t: [0, 1, 2] }), b: set({ t: [3, 4, 5] }) };
    const result = uniformAssignor.assign([member('a', ['t'], before.a), member('b', ['t'], before.b), member('c', ['t'])], topics(['t', 6]));
    assertDisjointAndComplete(result, 6);
    for (const id of ['a', 'b'] as const) {
      const kept = flat(result.get(id)!).filter((p) => flat(before[id]).includes(p));
      assert.equal(kept.length, 2, `${id} keeps two of its three`);
    }
  });

  it('balances heterogeneous subscriptions among the members that can take each topic', () => {
    const result = uniformAssignor.assign(
      [member('a', ['x', 'y']), member('b', ['x']), member('c', ['y'])],
      topics(['x', 4], ['y', 4]),
    );
    assertDisjointAndComplete(result, 8);
    assert.ok(flat(result.get('b')!).every((p) => p.startsWith('x')));
    assert.ok(flat(result.get('c')!).every((p) => p.startsWith('y')));
    const counts = [...result.values()].map(partitionCount);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced: ${counts}`);
  });

  it('drops partitions that no longer exist or are no longer subscribed', () => {
    const result = uniformAssignor.assign([member('a', ['t'], set({ t: [0, 5], gone: [0] }))], topics(['t', 2]));
    assert.deepEqual(flat(result.get('a')!), ['t-0', 't-1']);
  });
});

describe('range assignor', () => {
  it('splits each topic in ranges in member id order, the first ones taking the remainder', () => {
    const result = rangeAssignor.assign([member('b', ['x', 'y']), member('a', ['x', 'y'])], topics(['x', 3], ['y', 3]));
    assert.deepEqual(flat(result.get('a')!), ['x-0', 'x-1', 'y-0', 'y-1']);
    assert.deepEqual(flat(result.get('b')!), ['x-2', 'y-2']);
  });

  it('gives each topic only to its subscribers', () => {
    const result = rangeAssignor.assign([member('a', ['x']), member('b', ['x', 'y'])], topics(['x', 2], ['y', 2]));
    assert.deepEqual([flat(result.get('a')!), flat(result.get('b')!)], [['x-0'], ['x-1', 'y-0', 'y-1']]);
  });
});

describe('reconciliation', () => {
  const target = set({ t: [0, 1] });
  const at = (epoch: number, assigned: TopicPartitionSet, state: MemberAssignment['state'] = 'stable'): MemberAssignment => ({
    state,
    memberEpoch: epoch,
    previousMemberEpoch: epoch - 1,
    assigned,
    pendingRevocation: NO_PARTITIONS,
  });

  it('revokes first: the member keeps its epoch and the revoked partitions stay pending until it stops owning them', () => {
    const current = at(3, set({ t: [0, 1, 2] }));
    const owned = [{ topicId: 'id-t', partitions: [0, 1, 2] }];
    const next = reconcile({ current, targetEpoch: 4, target, heldByOther: () => false, owned });
    assert.deepEqual([next.state, next.memberEpoch, flat(next.assigned), flat(next.pendingRevocation)], ['unrevoked_partitions', 3, ['t-0', 't-1'], ['t-2']]);
    assert.equal(reconcile({ current: next, targetEpoch: 4, target, heldByOther: () => false, owned }), next, 'still owned: nothing moves');
    assert.equal(reconcile({ current: next, targetEpoch: 4, target, heldByOther: () => false, owned: null }), next, 'not reported: still owned');
    const acked = reconcile({ current: next, targetEpoch: 4, target, heldByOther: () => false, owned: [{ topicId: 'id-t', partitions: [0, 1] }] });
    assert.deepEqual([acked.state, acked.memberEpoch, flat(acked.pendingRevocation)], ['stable', 4, []]);
  });

  it('waits for partitions another member still holds (unreleased_partitions), then takes them', () => {
    const current = NEW_MEMBER_ASSIGNMENT;
    const waiting = reconcile({ current, targetEpoch: 2, target, heldByOther: (_t, p) => p === 1, owned: [] });
    assert.deepEqual([waiting.state, waiting.memberEpoch, flat(waiting.assigned)], ['unreleased_partitions', 2, ['t-0']]);
    const done = reconcile({ current: waiting, targetEpoch: 2, target, heldByOther: () => false, owned: [{ topicId: 'id-t', partitions: [0] }] });
    assert.deepEqual([done.state, flat(done.assigned)], ['stable', ['t-0', 't-1']]);
  });

  it('leaves a member already at the target epoch alone', () => {
    const current = at(4, target);
    assert.equal(reconcile({ current, targetEpoch: 4, target, heldByOther: () => false, owned: null }), current);
  });
});
