/**
 * The REST admin API with `admin_token` set (ADMIN_TOKEN) and the content-filter plugin
 * loaded: every route but the probes and /prometheus answers 401 without the right bearer
 * token and changes nothing; with it, everything works and the token is never shown. The
 * plugin routes (list, reload) and a produce refused by the plugin are tested here too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, expectStatus, rest, type RestOptions } from './admin-support.js';
import { startBroker, uniqueTopic, type BrokerHandle } from './harness.js';
import { pluginPath } from './plugins-support.js';

const TEST_TIMEOUT_MS = 60_000;
const TOKEN = 'e2e-Admin.Token_0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** Routes that answer without the token. */
/** Open without the token: probes, the scrape, and the dashboard's script and style files (no data). */
const OPEN_ROUTES = new Set(['GET /health', 'GET /health/live', 'GET /health/ready', 'GET /prometheus', 'GET /dashboard/:asset']);

let brokerHandle: BrokerHandle | undefined;

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

before(async () => {
  brokerHandle = await startBroker({ env: { ADMIN_TOKEN: TOKEN, PLUGIN_PATHS: pluginPath('content-filter'), PLUGIN_TIMEOUT: '2s' } });
});

after(async () => {
  if (brokerHandle === undefined) return;
  const crashed = brokerHandle.exited();
  await brokerHandle.stop();
  if (crashed) console.error(`--- broker stderr (exited during the tests) ---\n${brokerHandle.stderr().slice(-8000)}`);
});

/** A request each route would carry out with the token (state-changing ones on a real topic and group). */
function sampleRequest(method: string, url: string, topic: string, groupId: string): { path: string; options: RestOptions } {
  const path = url
    .replace(':topic', topic)
    .replace(':partition', '0')
    .replace(':groupId', groupId)
    .replace(':name', 'content-filter')
    .replace(':asset', 'uplot.js')
    .replace('/*', '/index.html');
  const bodies: Record<string, unknown> = {
    'POST /produce': { topic, value: 'unauthorized' },
    'POST /purge': { topic },
    'POST /api/v1/topics': { name: `${topic}-new` },
    'POST /api/v1/topics/:topic/partitions': { count: 5 },
    'PATCH /api/v1/topics/:topic/configs': { set: { 'retention.ms': '600000' } },
    'POST /api/v1/topics/:topic/records': { records: [{ value: 'unauthorized' }] },
    'POST /api/v1/groups/:groupId/offsets/reset': { to: 'earliest', topics: [topic] },
  };
  const body = bodies[`${method} ${url}`];
  const query = url.endsWith('/records') && method === 'DELETE' ? '?beforeOffset=1' : url === '/fetch' ? `?topic=${topic}` : '';
  return { path: `${path}${query}`, options: body === undefined ? {} : { json: body } };
}

describe('admin_token set', () => {
  test('without the token every route but /health*, /prometheus and the dashboard files is 401 and nothing changes; with it they work', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('guarded');
    const groupId = uniqueTopic('guarded-group');
    expectStatus(await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { partition: 0, records: [{ value: 'a' }, { value: 'b' }] }, headers: AUTH }), 201, 'seed data');

    const routes = (await rest(broker(), 'GET', '/api/v1/broker/routes', { headers: AUTH })).json as Array<{ method: string; url: string }>;
    assert.ok(routes.length >= 30, `${routes.length} routes`);
    const before = (await rest(broker(), 'GET', '/dump', { headers: AUTH })).text;
    for (const { method, url } of routes) {
      const { path, options } = sampleRequest(method, url, topic, groupId);
      const label = `${method} ${path}`;
      if (OPEN_ROUTES.has(`${method} ${url}`)) {
        expectStatus(await rest(broker(), method, path, options), 200, `${label} needs no token`);
        continue;
      }
      const refusedHeaders: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${TOKEN}` }, { authorization: TOKEN }];
      for (const headers of refusedHeaders) {
        const answer = await rest(broker(), method, path, { ...options, headers });
        expectError(answer, 401, /requires "Authorization: Bearer <admin_token>"/, `${label} with ${JSON.stringify(headers)}`);
        assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="blink"');
      }
    }
    assert.equal((await rest(broker(), 'GET', '/dump', { headers: AUTH })).text, before, 'no refused request changed the storage');
    expectError(await rest(broker(), 'GET', `/api/v1/topics/${topic}-new`, { headers: AUTH }), 404, /does not exist/, 'no topic was created');
    expectError(await rest(broker(), 'GET', '/no/such/route'), 401, /Bearer/, 'an unknown route does not reveal itself without the token');

    const produced = await rest(broker(), 'POST', '/produce', { form: { topic, value: 'with token' }, headers: AUTH });
    expectStatus(produced, 200, 'produce with the token');
    assert.equal(produced.json.baseOffset, 2);
    expectStatus(await rest(broker(), 'GET', '/docs-json', { headers: AUTH }), 200, 'the OpenAPI document with the token');
  });

  test('the token is never shown: /version and the broker config say [redacted]; the broker says a token is required', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const path of ['/version', '/api/v1/broker/config', '/api/v1/broker', '/dump', '/']) {
      const answer = await rest(broker(), 'GET', path, { headers: AUTH });
      expectStatus(answer, 200, path);
      assert.equal(answer.text.includes(TOKEN), false, `${path} does not contain the token`);
    }
    assert.equal((await rest(broker(), 'GET', '/version', { headers: AUTH })).json.settings.admin_token, '[redacted]');
    assert.equal((await rest(broker(), 'GET', '/api/v1/broker', { headers: AUTH })).json.adminTokenRequired, true);
    assert.equal((await rest(broker(), 'GET', '/prometheus')).text.includes(TOKEN), false);
    assert.equal(broker().stdout().includes(TOKEN) || broker().stderr().includes(TOKEN), false, 'nor in the logs');
  });

  test('a browser without the token gets the dashboard page (which asks for it) with status 401, and no data', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await rest(broker(), 'GET', '/', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expectStatus(page, 401, 'dashboard without token');
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /<form id="login"/);
    assert.doesNotMatch(page.text, /e2e-guarded/, 'no topic names in the page itself');
  });
});

describe('plugins through /api/v1 (content-filter loaded)', () => {
  test('list with status and counters, reload, unknown plugin 404; a refused record is 422 and nothing is stored', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('plugin');
    expectStatus(await rest(broker(), 'POST', '/produce', { form: { topic, value: 'fine' }, headers: AUTH }), 200, 'accepted record');
    const refused = await rest(broker(), 'POST', '/produce', { form: { topic, value: 'my password is 1234' }, headers: AUTH });
    expectError(refused, 422, /refused by plugin content-filter/, 'refused record');
    assert.deepEqual(refused.json.details, ['record 0: refused by plugin content-filter']);
    const described = await rest(broker(), 'GET', `/api/v1/topics/${topic}`, { headers: AUTH });
    assert.equal(described.json.partitions[0].highWatermark, 1, 'the refused record was not stored');

    const listed = await rest(broker(), 'GET', '/api/v1/plugins', { headers: AUTH });
    expectStatus(listed, 200, 'list plugins');
    assert.deepEqual(listed.json.map((p: { name: string; status: string; world: string }) => [p.name, p.status, p.world]), [['content-filter', 'running', 'record-plugin']]);
    assert.equal(listed.json[0].path, pluginPath('content-filter'));
    assert.ok(listed.json[0].counters.calls >= 2 && listed.json[0].counters.rejected >= 1, JSON.stringify(listed.json[0].counters));

    const reloaded = await rest(broker(), 'POST', '/api/v1/plugins/content-filter/reload', { headers: AUTH });
    expectStatus(reloaded, 200, 'reload');
    assert.deepEqual([reloaded.json.outcome, reloaded.json.plugin.status], ['unchanged', 'running'], 'same file: nothing to load');
    expectError(await rest(broker(), 'POST', '/api/v1/plugins/nope/reload', { headers: AUTH }), 404, /no plugin named 'nope'/, 'unknown plugin');

    const ready = await rest(broker(), 'GET', '/health/ready');
    assert.deepEqual(ready.json.details.plugins, { status: 'up', plugins: [{ name: 'content-filter', status: 'running' }] });
  });
});
