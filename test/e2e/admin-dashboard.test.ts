/**
 * The live dashboard in a real browser: headless Debian Chromium driven by playwright-core
 * opens `/`, a Kafka client (kcat) produces to a new topic, and the page shows the topic
 * with its offsets without being reloaded; it also shows a consumer group's lag and the
 * plugin's status, and runs under its Content-Security-Policy without a single violation.
 * Swagger UI at /docs renders under the broker's security headers too.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import kafkajs from './clients/kafkajs-lib.js';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { kcatProduce } from './admin-support.js';
import { sleep, startBroker, uniqueTopic, withTimeout, type BrokerHandle } from './harness.js';
import { pluginPath } from './plugins-support.js';

const { Kafka, logLevel } = kafkajs;

const TEST_TIMEOUT_MS = 60_000;
const PAGE_WAIT_MS = 15_000;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let brokerHandle: BrokerHandle | undefined;
let profileDir: string | undefined;
let context: BrowserContext | undefined;
const browserProblems: string[] = [];

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

before(async () => {
  brokerHandle = await startBroker({ env: { PLUGIN_PATHS: pluginPath('content-filter'), PLUGIN_TIMEOUT: '2s', MAX_MEMORY: '64MB' } });
  profileDir = await mkdtemp(join(tmpdir(), 'blink-e2e-chromium-'));
  context = await withTimeout(
    chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true }),
    30_000,
    'launch chromium',
  );
});

after(async () => {
  await context?.close().catch(() => undefined);
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
  if (brokerHandle === undefined) return;
  const crashed = brokerHandle.exited();
  await brokerHandle.stop();
  if (crashed) console.error(`--- broker stderr (exited during the tests) ---\n${brokerHandle.stderr().slice(-8000)}`);
});

async function openPage(path: string): Promise<Page> {
  assert.ok(context !== undefined, 'chromium is running');
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') browserProblems.push(`${path} console: ${message.text()}`);
  });
  page.on('pageerror', (error) => browserProblems.push(`${path} page error: ${error.message}`));
  const response = await page.goto(`${broker().restUrl}${path}`, { waitUntil: 'load', timeout: PAGE_WAIT_MS });
  assert.equal(response?.status(), 200, `GET ${path} in the browser`);
  return page;
}

/** Waits until the first element matching `selector` shows text matching `expected`; fails with what the page shows. */
async function waitForText(page: Page, selector: string, expected: string | RegExp): Promise<void> {
  const matches = (text: string | null) => (typeof expected === 'string' ? text === expected : expected.test(text ?? ''));
  const deadline = Date.now() + PAGE_WAIT_MS;
  let shown: string | null = null;
  while (Date.now() < deadline) {
    const element = page.locator(selector).first();
    shown = (await element.count()) > 0 ? await element.textContent() : null;
    if (matches(shown)) return;
    await sleep(100);
  }
  const body = await page.locator('body').innerText().catch(() => '(unreadable)');
  throw new Error(`${selector} never showed ${String(expected)} (last: ${JSON.stringify(shown)})\n--- page ---\n${body.slice(0, 3000)}`);
}

describe('the dashboard in headless Chromium', () => {
  test('shows a topic produced by kcat with its offsets, a group with its lag, the plugin, memory and the WAL tier, live', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openPage('/');
    await waitForText(page, '#status', /^Updated /);
    assert.match(await page.locator('#memory').innerText(), /^\d.* of 64\.0 MiB$/, 'memory against max_memory');
    assert.match(await page.locator('#wal-detail').innerText(), /batches on disk/);
    await waitForText(page, 'tr[data-plugin="content-filter"] td.status', 'running');

    const topic = uniqueTopic('dashboard');
    const offsets = await kcatProduce(broker(), topic, ['k0:v0', 'k1:v1', 'k2:v2']);
    assert.deepEqual(offsets, [0, 1, 2]);
    const row = `tr[data-topic="${topic}"][data-partition="0"]`;
    await waitForText(page, `${row} td.hw`, '3');
    await waitForText(page, `${row} td.start`, '0');
    await waitForText(page, `${row} td.records`, '3');
    assert.match(await page.locator('#totals').innerText(), /^[1-9]\d* produce · /, 'the produce counter moved');

    const groupId = uniqueTopic('dashboard-group');
    const admin = new Kafka({ clientId: 'e2e-dashboard', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
    } finally {
      await admin.disconnect();
    }
    await waitForText(page, `tr[data-group="${groupId}"] td.lag`, '2');
    assert.deepEqual(browserProblems, [], 'no script error or CSP violation');
  });

  test('Swagger UI renders the API document at /docs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openPage('/docs');
    await waitForText(page, '.swagger-ui .info .title', /Blink admin API/);
    await waitForText(page, '.opblock-summary-path', /^\/api\/v1\/|^\/$|^\/[a-z]/);
    assert.ok((await page.locator('.opblock').count()) >= 30, 'an operation block per route');
    assert.deepEqual(browserProblems.filter((p) => p.startsWith('/docs')), [], 'Swagger UI runs under the security headers');
  });
});
