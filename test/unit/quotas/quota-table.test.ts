/**
 * Unit tests of the client quota table (quota-table.ts) against Kafka 3.9's rules for
 * AlterClientQuotas (each entry all or nothing; unknown keys, values not above 0, fractional
 * byte rates, empty names, repeated keys or entities, ip and unknown entity types refused)
 * and DescribeClientQuotas (exact, default and specified-name filters, strict, bad filters).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuotaTable, type QuotaAlteration } from '../../../src/quotas/quota-table.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';

const user = (name: string | null) => ({ entityType: 'user', entityName: name });
const client = (name: string | null) => ({ entityType: 'client-id', entityName: name });
const set = (key: string, value: number) => ({ key, value, remove: false });
const remove = (key: string) => ({ key, value: 0, remove: true });

function table(...alterations: QuotaAlteration[]): QuotaTable {
  const quotas = new QuotaTable();
  const results = quotas.alter(alterations, false);
  assert.deepEqual(results.map((r) => r.errorCode), alterations.map(() => ErrorCode.NONE), JSON.stringify(results));
  return quotas;
}

function listed(quotas: QuotaTable, components: Parameters<QuotaTable['describe']>[0] = [], strict = false): unknown[] {
  const found = quotas.describe(components, strict);
  assert.ok(Array.isArray(found), JSON.stringify(found));
  return found.map(({ entity, values }) => ({ entity, values: Object.fromEntries(values) }));
}

describe('QuotaTable.alter', () => {
  it('sets, changes and removes values; an entity without values is gone', () => {
    const quotas = table({ entity: [user('alice')], ops: [set('producer_byte_rate', 1024), set('request_percentage', 12.5)] });
    assert.equal(quotas.value({ user: 'alice' }, 'producer_byte_rate'), 1024);
    assert.equal(quotas.hasType('request'), true);
    quotas.alter([{ entity: [user('alice')], ops: [remove('request_percentage'), set('producer_byte_rate', 2048)] }], false);
    assert.deepEqual(listed(quotas), [{ entity: { user: 'alice' }, values: { producer_byte_rate: 2048 } }]);
    assert.equal(quotas.hasType('request'), false);
    quotas.alter([{ entity: [user('alice')], ops: [remove('producer_byte_rate')] }], false);
    assert.deepEqual(listed(quotas), []);
    assert.equal(quotas.hasType('produce'), false);
  });

  it('keeps user + client-id, defaults and single parts apart', () => {
    const quotas = table(
      { entity: [user('alice'), client('app')], ops: [set('consumer_byte_rate', 1)] },
      { entity: [user(null)], ops: [set('consumer_byte_rate', 2)] },
      { entity: [client(null)], ops: [set('consumer_byte_rate', 3)] },
      { entity: [client('app')], ops: [set('consumer_byte_rate', 4)] },
    );
    assert.equal(quotas.value({ user: 'alice', clientId: 'app' }, 'consumer_byte_rate'), 1);
    assert.equal(quotas.value({ user: null }, 'consumer_byte_rate'), 2);
    assert.equal(quotas.value({ clientId: null }, 'consumer_byte_rate'), 3);
    assert.equal(quotas.value({ clientId: 'app' }, 'consumer_byte_rate'), 4);
    assert.equal(quotas.value({ user: 'alice' }, 'consumer_byte_rate'), undefined);
  });

  it('refuses a bad entry whole, with Kafka\'s error, and applies the other entries', () => {
    const quotas = new QuotaTable();
    const results = quotas.alter(
      [
        { entity: [user('a')], ops: [set('producer_byte_rate', 100), set('bogus_rate', 5)] },
        { entity: [user('b')], ops: [set('producer_byte_rate', 0)] },
        { entity: [user('c')], ops: [set('consumer_byte_rate', 10.5)] },
        { entity: [user('d')], ops: [set('request_percentage', 10.5)] },
        { entity: [user('')], ops: [set('producer_byte_rate', 1)] },
        { entity: [], ops: [set('producer_byte_rate', 1)] },
        { entity: [user('e'), user('f')], ops: [set('producer_byte_rate', 1)] },
        { entity: [user('g')], ops: [set('producer_byte_rate', 1), set('producer_byte_rate', 2)] },
        { entity: [{ entityType: 'group', entityName: 'x' }], ops: [set('producer_byte_rate', 1)] },
        { entity: [{ entityType: 'ip', entityName: '1.2.3.4' }], ops: [set('connection_creation_rate', 1)] },
        { entity: [user('h')], ops: [set('controller_mutation_rate', 1)] },
        { entity: [user('d')], ops: [set('producer_byte_rate', 1)] },
      ],
      false,
    );
    assert.deepEqual(
      results.map((r) => r.errorCode),
      [42, 42, 42, 0, 42, 42, 42, 42, 35, 42, 42, 42],
    );
    assert.match(results[0].errorMessage ?? '', /Invalid configuration key bogus_rate/);
    assert.match(results[1].errorMessage ?? '', /must be greater than 0/);
    assert.match(results[2].errorMessage ?? '', /cannot be a fractional value/);
    assert.match(results[4].errorMessage ?? '', /Empty user not supported/);
    assert.match(results[7].errorMessage ?? '', /Duplicate quota key producer_byte_rate/);
    assert.match(results[11].errorMessage ?? '', /duplicate entity/);
    assert.deepEqual(listed(quotas), [{ entity: { user: 'd' }, values: { request_percentage: 10.5 } }], 'only the valid entry applied');
  });

  it('changes nothing with validate_only, but still answers each entry', () => {
    const quotas = new QuotaTable();
    const results = quotas.alter([{ entity: [client('x')], ops: [set('producer_byte_rate', 5)] }, { entity: [client('y')], ops: [set('nope', 5)] }], true);
    assert.deepEqual(results.map((r) => r.errorCode), [0, 42]);
    assert.deepEqual(listed(quotas), []);
    assert.equal(quotas.version, 0);
  });
});

describe('QuotaTable.describe', () => {
  const quotas = table(
    { entity: [user('alice')], ops: [set('producer_byte_rate', 1)] },
    { entity: [user(null)], ops: [set('producer_byte_rate', 2)] },
    { entity: [user('alice'), client('app')], ops: [set('producer_byte_rate', 3)] },
    { entity: [client('app')], ops: [set('producer_byte_rate', 4)] },
    { entity: [client(null)], ops: [set('producer_byte_rate', 5)] },
  );
  const value = (entries: unknown[]) => entries.map((e) => (e as { values: { producer_byte_rate: number } }).values.producer_byte_rate).sort();

  it('lists every entity for an empty filter', () => {
    assert.deepEqual(value(listed(quotas)), [1, 2, 3, 4, 5]);
  });

  it('matches an exact name, the default, or any specified name; strict leaves out entities with more parts', () => {
    assert.deepEqual(value(listed(quotas, [{ entityType: 'user', matchType: 0, match: 'alice' }])), [1, 3]);
    assert.deepEqual(value(listed(quotas, [{ entityType: 'user', matchType: 0, match: 'alice' }], true)), [1]);
    assert.deepEqual(value(listed(quotas, [{ entityType: 'user', matchType: 1, match: null }])), [2]);
    assert.deepEqual(value(listed(quotas, [{ entityType: 'client-id', matchType: 2, match: null }])), [3, 4]);
    assert.deepEqual(value(listed(quotas, [{ entityType: 'client-id', matchType: 2, match: null }], true)), [4]);
    assert.deepEqual(value(listed(quotas, [{ entityType: 'user', matchType: 0, match: 'alice' }, { entityType: 'client-id', matchType: 0, match: 'app' }])), [3]);
  });

  it('refuses a bad filter for the whole request, as Kafka does', () => {
    const errorOf = (components: Parameters<QuotaTable['describe']>[0]) => {
      const found = quotas.describe(components, false);
      return Array.isArray(found) ? 0 : found.errorCode;
    };
    assert.equal(errorOf([{ entityType: 'user', matchType: 0, match: null }]), 42);
    assert.equal(errorOf([{ entityType: 'user', matchType: 1, match: 'x' }]), 42);
    assert.equal(errorOf([{ entityType: 'user', matchType: 2, match: 'x' }]), 42);
    assert.equal(errorOf([{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }]), 42);
    assert.equal(errorOf([{ entityType: '', matchType: 2, match: null }]), 42);
    assert.equal(errorOf([{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }]), 42);
    assert.equal(errorOf([{ entityType: 'topic', matchType: 2, match: null }]), 35);
    assert.equal(errorOf([{ entityType: 'user', matchType: 7, match: null }]), 35);
  });
});
