/**
 * A REST flood: 1,000 concurrent produces of ~500 kB each (POST /api/v1/topics/{topic}/records,
 * 100 records of 5 kB) against a broker with MAX_MEMORY=64MB. Before the bound on bodies held
 * at once (src/admin/http/body-budget.ts) every body was read and parsed together and waited
 * for the full memory tier, hundreds of them then refused 503 (each logged with its stack):
 * the broker's RSS grew by ~1.4 GiB. Checked: each request is answered 201 or 429 with
 * Retry-After and a JSON message; some of each; GET /health/ready answers 200 all along (or, on
 * a loaded machine, late); the
 * peak RSS grows by less than 512 MiB; every record of every 201 is stored (the partition's
 * end offset), none of a 429.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startBroker, uniqueTopic } from './harness.js';
import { createTopic, offsetsOf, rssBytes, sampleRss } from './storage-support.js';

const MIB = 1024 * 1024;
const REQUESTS = 1_000;
const RECORDS_PER_REQUEST = 100;
const RSS_GROWTH_BOUND_BYTES = 512 * MIB;
/** Generous: the flood keeps both cores busy, and other tests may share them. */
const PROBE_TIMEOUT_MS = 10_000;

describe('REST flood: 1,000 concurrent 500 kB produces (MAX_MEMORY=64MB)', () => {
  test('201 or 429 with a message; readiness answers throughout; RSS grows < 512 MiB; every 201 is stored', { timeout: 120_000 }, async () => {
    const broker = await startBroker({ env: { MAX_MEMORY: '64MB' } });
    try {
      const topic = uniqueTopic('rest-flood');
      await createTopic(broker.bootstrap, topic, 1);
      const body = Buffer.from(JSON.stringify({ partition: 0, records: Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => ({ value: `${i}-${'x'.repeat(5_000)}` })) }));
      const rssBefore = await rssBytes(broker.pid);
      const rss = sampleRss(broker.pid, 50);
      let flooding = true;
      const readiness: string[] = [];
      const probing = (async () => {
        while (flooding) {
          try {
            const response = await fetch(`${broker.restUrl}/health/ready`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
            await response.arrayBuffer();
            readiness.push(String(response.status));
          } catch (error) {
            readiness.push((error as Error).name);
          }
        }
      })();
      const answers = await Promise.all(
        Array.from({ length: REQUESTS }, async () => {
          const response = await fetch(`${broker.restUrl}/api/v1/topics/${topic}/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) });
          return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { message?: string } };
        }),
      );
      flooding = false;
      await probing;
      const growth = rss.stop() - rssBefore;
      const count = (status: number): number => answers.filter((a) => a.status === status).length;
      console.log(`REST flood: ${count(201)} x 201, ${count(429)} x 429 of ${REQUESTS}; peak RSS growth ${(growth / MIB).toFixed(1)} MiB; readiness probes meanwhile: ${readiness.filter((s) => s === '200').length} x 200 of ${readiness.length}`);

      assert.deepEqual(answers.filter((a) => a.status !== 201 && a.status !== 429).map((a) => `${a.status} ${a.body.message}`), [], 'every answer is 201 or 429');
      assert.ok(count(201) > 0 && count(429) > 0, 'some taken, some refused');
      for (const refused of answers.filter((a) => a.status === 429)) {
        assert.equal(refused.retryAfter, '1');
        assert.match(refused.body.message ?? '', /too many request bodies at once/);
      }
      // On a loaded machine a probe may wait past its timeout behind the flood's reads: slow is not down.
      assert.ok(readiness.includes('200') && readiness.every((status) => status === '200' || status === 'TimeoutError'), `readiness answered 200 throughout: ${readiness.join(',')}`);
      assert.ok(growth < RSS_GROWTH_BOUND_BYTES, `peak RSS growth ${(growth / MIB).toFixed(1)} MiB < ${RSS_GROWTH_BOUND_BYTES / MIB} MiB`);
      const [{ latest }] = await offsetsOf(broker.bootstrap, topic);
      assert.equal(latest, count(201) * RECORDS_PER_REQUEST, 'the records of every 201, and only those, are stored');
    } finally {
      await broker.stop();
    }
  });
});
