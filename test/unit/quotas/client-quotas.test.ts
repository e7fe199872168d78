/**
 * Unit tests of quota enforcement (ClientQuotas, fake clock, in-memory config file):
 * Kafka's precedence of the eight entity levels and who shares a rate, a client over its
 * byte rate throttled by the time that brings it back within, request_percentage in percent
 * of a thread bounded by one window, the fetch allowance per window, no cost and no throttle
 * for a type nobody limits, and the quotas saved and read back in durable mode.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { ClientQuotas, type QuotaClient } from '../../../src/quotas/client-quotas.service.js';
import type { QuotaAlteration } from '../../../src/quotas/quota-table.js';
import type { DynamicConfigFiles } from '../../../src/wal/dynamic-config-file.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { FakeClock } from '../../support/fake-clock.js';

class MemoryFiles {
  readonly saved = new Map<string, unknown[]>();
  failing = false;
  async save(name: string, entries: readonly unknown[]): Promise<void> {
    if (this.failing) throw new Error('disk full');
    this.saved.set(name, JSON.parse(JSON.stringify(entries)) as unknown[]);
  }
  async load(name: string): Promise<unknown[]> {
    return this.saved.get(name) ?? [];
  }
}

function quotasWith(env: Record<string, string> = {}, files = new MemoryFiles()) {
  const config = loadSettings({ argv: [], env, cwd: '/nonexistent-dir-for-tests' });
  const clock = new FakeClock();
  return { quotas: new ClientQuotas(config, clock, files as unknown as DynamicConfigFiles), clock, files };
}

const user = (name: string | null) => ({ entityType: 'user', entityName: name });
const client = (name: string | null) => ({ entityType: 'client-id', entityName: name });
const produceRate = (entity: QuotaAlteration['entity'], value: number): QuotaAlteration => ({ entity, ops: [{ key: 'producer_byte_rate', value, remove: false }] });
const alice: QuotaClient = { user: 'alice', clientId: 'app' };

async function set(quotas: ClientQuotas, ...alterations: QuotaAlteration[]): Promise<void> {
  const results = await quotas.alter(alterations, false);
  assert.deepEqual(results.map((r) => r.errorCode), alterations.map(() => ErrorCode.NONE));
}

/** The limit the metrics report for `client`'s produce rate after one tiny record. */
function appliedLimit(quotas: ClientQuotas, who: QuotaClient): { limit: number | null; user: string; clientId: string } {
  quotas.record('produce', who, 1);
  const readings = quotas.readings().filter((r) => r.type === 'produce' && r.rate > 0);
  assert.equal(readings.length, 1, JSON.stringify(readings));
  const [reading] = readings;
  return { limit: reading.limit, ...reading.shared };
}

describe('ClientQuotas precedence (Kafka DefaultQuotaCallback)', () => {
  const levels: Array<[string, QuotaAlteration['entity'], { user: string; clientId: string }]> = [
    ['user + client-id', [user('alice'), client('app')], { user: 'alice', clientId: 'app' }],
    ['user + default client-id', [user('alice'), client(null)], { user: 'alice', clientId: 'app' }],
    ['user', [user('alice')], { user: 'alice', clientId: '' }],
    ['default user + client-id', [user(null), client('app')], { user: 'alice', clientId: 'app' }],
    ['default user + default client-id', [user(null), client(null)], { user: 'alice', clientId: 'app' }],
    ['default user', [user(null)], { user: 'alice', clientId: '' }],
    ['client-id', [client('app')], { user: '', clientId: 'app' }],
    ['default client-id', [client(null)], { user: '', clientId: 'app' }],
  ];

  it('applies the most specific entity set, and shares its rate as Kafka tags it', async () => {
    for (const [index, [name, , shared]] of levels.entries()) {
      // This level and every less specific one are set (each with its own value); none above it.
      const { quotas } = quotasWith();
      for (const [other, [, entity]] of levels.entries()) if (other >= index) await set(quotas, produceRate(entity, 1000 * (other + 1)));
      assert.deepEqual(appliedLimit(quotas, alice), { limit: 1000 * (index + 1), ...shared }, name);
    }
  });

  it('ignores entities of other users and client ids, and other quota keys', async () => {
    const { quotas } = quotasWith();
    await set(quotas, produceRate([user('bob')], 1), produceRate([client('other')], 2), produceRate([user('alice'), client('other')], 3));
    await quotas.alter([{ entity: [user('alice')], ops: [{ key: 'consumer_byte_rate', value: 4, remove: false }] }], false);
    assert.deepEqual(appliedLimit(quotas, alice), { limit: null, user: '', clientId: 'app' });
  });

  it('does not record anything for a type no entity limits', () => {
    const { quotas } = quotasWith();
    assert.equal(quotas.record('produce', alice, 1_000_000_000), 0);
    assert.deepEqual(quotas.readings(), []);
    assert.equal(quotas.maxBytesInWindow('fetch', alice), Infinity);
  });

  it('records clients without a quota of their own once the type is limited, unthrottled, under their client id', async () => {
    const { quotas } = quotasWith();
    await set(quotas, produceRate([user('bob')], 10));
    assert.equal(quotas.record('produce', alice, 1_000_000), 0);
    const reading = quotas.readings().find((r) => r.shared.clientId === 'app');
    assert.deepEqual(reading && { ...reading.shared, limit: reading.limit, rate: reading.rate }, { user: '', clientId: 'app', limit: null, rate: 100_000 });
  });

  it('makes every client id of a user share one rate under a user quota', async () => {
    const { quotas } = quotasWith();
    await set(quotas, produceRate([user('alice')], 1000));
    assert.equal(quotas.record('produce', { user: 'alice', clientId: 'one' }, 6000), 0);
    assert.ok(quotas.record('produce', { user: 'alice', clientId: 'two' }, 6000) > 0, 'the second client id adds to the same rate');
  });
});

describe('ClientQuotas throttling', () => {
  it('throttles a producer over its byte rate by (O - T) / T x W, until the burst leaves the window', async () => {
    const { quotas, clock } = quotasWith();
    await set(quotas, produceRate([client('app')], 1000));
    assert.equal(quotas.record('produce', alice, 10_000), 0, '10000 B over the 10 s minimum window: exactly the quota');
    assert.equal(quotas.record('produce', alice, 10_000), 10_000, '2000 B/s over 10 s: 10 s more brings it to 1000 B/s');
    clock.advance(5_000);
    assert.equal(quotas.record('produce', alice, 0), 10_000, 'a rate is measured over at least 10 s: still 2000 B/s');
    clock.advance(6_000);
    assert.equal(quotas.record('produce', alice, 0), 0, 'the burst has left the whole 11 s window');
  });

  it('bounds a byte-rate throttle by the whole quota window', async () => {
    const { quotas } = quotasWith({ QUOTA_WINDOW_NUM: '5', QUOTA_WINDOW_SIZE: '2s' });
    await set(quotas, produceRate([client('app')], 1));
    assert.equal(quotas.record('produce', alice, 10_000_000), 10_000);
  });

  it('counts request time in percent of a thread, throttled at most one window', async () => {
    const { quotas } = quotasWith();
    await quotas.alter([{ entity: [client('app')], ops: [{ key: 'request_percentage', value: 1, remove: false }] }], false);
    // 100 ms of handling = 10 percent-seconds; over the 10 s minimum window: 1 %.
    assert.equal(quotas.record('request', alice, 100), 0);
    assert.equal(quotas.record('request', alice, 500), 1000, '6 % against 1 %: (6 - 1) / 1 x 10 s, bounded by one 1 s window');
  });

  it('gives fetch its allowance per window and takes back what a throttled fetch did not send', async () => {
    const { quotas } = quotasWith();
    await quotas.alter([{ entity: [user(null)], ops: [{ key: 'consumer_byte_rate', value: 500, remove: false }] }], false);
    assert.equal(quotas.maxBytesInWindow('fetch', alice), 5000);
    assert.ok(quotas.record('fetch', alice, 8000) > 0);
    quotas.unrecord('fetch', alice, 8000);
    assert.equal(quotas.record('fetch', alice, 5000), 0, 'the unrecorded bytes no longer count');
  });

  it('counts the throttles given, per shared rate, for the metrics', async () => {
    const { quotas } = quotasWith();
    await set(quotas, produceRate([client('app')], 1000));
    quotas.throttled('produce', alice, 250);
    quotas.throttled('produce', alice, 750);
    const reading = quotas.readings().find((r) => r.type === 'produce');
    assert.deepEqual(reading && [reading.throttleMsTotal, reading.throttledResponses, reading.limit], [1000, 2, 1000]);
  });

  it('drops a rate unused for an hour', async () => {
    const { quotas, clock } = quotasWith();
    await set(quotas, produceRate([client('app')], 1000));
    quotas.record('produce', alice, 1);
    clock.advance(3_600_000);
    assert.deepEqual(quotas.readings(), []);
  });
});

describe('ClientQuotas persistence', () => {
  it('saves every change in durable mode and reads the quotas back at boot', async () => {
    const first = quotasWith({ STORAGE_MODE: 'durable' });
    await set(first.quotas, produceRate([user('alice'), client(null)], 4096), { entity: [client('x')], ops: [{ key: 'request_percentage', value: 25.5, remove: false }] });
    const second = quotasWith({ STORAGE_MODE: 'durable' }, first.files);
    assert.equal(await second.quotas.recover(), 2);
    const described = second.quotas.describe([], false);
    assert.ok(Array.isArray(described));
    assert.deepEqual(
      described.map((e) => [e.entity, Object.fromEntries(e.values)]),
      [
        [{ user: 'alice', clientId: null }, { producer_byte_rate: 4096 }],
        [{ clientId: 'x' }, { request_percentage: 25.5 }],
      ],
    );
  });

  it('writes nothing in memory mode', async () => {
    const { quotas, files } = quotasWith();
    await set(quotas, produceRate([user('alice')], 1));
    assert.equal(files.saved.size, 0);
  });

  it('answers KAFKA_STORAGE_ERROR when the quotas cannot be saved', async () => {
    const { quotas, files } = quotasWith({ STORAGE_MODE: 'durable' });
    files.failing = true;
    const [result] = await quotas.alter([produceRate([user('alice')], 1)], false);
    assert.equal(result.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  });

  it('stops the boot on a saved entry AlterClientQuotas would refuse', async () => {
    const files = new MemoryFiles();
    files.saved.set('client-quotas', [{ entity: [{ entityType: 'user', entityName: 'a' }], values: { producer_byte_rate: -1 } }]);
    const { quotas } = quotasWith({ STORAGE_MODE: 'durable' }, files);
    await assert.rejects(quotas.recover(), /must be greater than 0/);
  });
});
