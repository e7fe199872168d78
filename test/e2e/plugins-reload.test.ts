/**
 * Hot reload against the real broker: the file named in plugin_paths is replaced while the
 * broker runs (same process, data kept), and the new plugin's behaviour shows up; a broken
 * replacement is refused and the running plugin stays.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TEST_TIMEOUT_MS } from './client-suite.js';
import { startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { kcatConsume, kcatProduce, metric, pluginPath } from './plugins-support.js';

/** File watching is debounced by 250 ms and a reload compiles the component (~0.5 s). */
const RELOAD_WAIT_MS = 15_000;

let dir: string;
let policy: string;
let broker: BrokerHandle;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'blink-e2e-plugins-'));
  policy = join(dir, 'policy.wasm');
  await copyFile(pluginPath('key-enforcer'), policy);
  broker = await startBroker({ env: { PLUGIN_PATHS: policy, PLUGIN_TIMEOUT: '2s' } });
});

after(async () => {
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
});

const sensitive = (label: string): string => uniqueTopic(label).replace(/^e2e-/, 'sensitive.e2e-');
const accepted = async (topic: string, line: string, keyed = false): Promise<boolean> =>
  (await kcatProduce(broker.bootstrap, topic, [line], { keyed })).code === 0;

describe('hot reload', { timeout: TEST_TIMEOUT_MS }, () => {
  test('a replaced plugin file changes behaviour without a restart', async () => {
    const topic = sensitive('reload');
    assert.equal(await accepted(topic, 'keyless'), false, 'key-enforcer refuses keyless records');
    assert.equal(await accepted(topic, 'k:my password', true), true, 'key-enforcer does not look at values');

    await copyFile(pluginPath('content-filter'), policy);
    await waitFor('the content filter to take over', RELOAD_WAIT_MS, async () => ((await accepted(topic, 'keyless now')) ? true : undefined), 500);
    assert.equal(await accepted(topic, 'k:another password', true), false, 'content-filter refuses "password"');

    assert.equal(broker.exited(), false);
    assert.deepEqual((await kcatConsume(broker.bootstrap, topic)).map((m) => [m.offset, m.payload]), [[0, 'my password'], [1, 'keyless now']]);
    assert.equal(await metric(broker.restUrl, 'blink_plugin_reloads_total', { plugin: 'policy', result: 'ok' }), 1);
  });

  test('a broken replacement is refused, logged, and the running plugin keeps running', async () => {
    await writeFile(policy, 'this is not a component');
    await waitFor('the refused reload in the log', RELOAD_WAIT_MS, async () => (/new version of \S*policy\.wasm refused/.test(broker.stdout()) ? true : undefined));
    assert.match(broker.stdout(), /the running version stays: it is not a WebAssembly component/);
    const topic = sensitive('after-broken');
    assert.equal(await accepted(topic, 'k:password', true), false, 'the content filter still runs');
    assert.equal(await accepted(topic, 'k:fine', true), true);
    assert.equal(await metric(broker.restUrl, 'blink_plugin_reloads_total', { plugin: 'policy', result: 'refused' }), 1);
  });
});
