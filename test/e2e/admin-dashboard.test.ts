/**
 * The live dashboard in a real browser: headless Debian Chromium driven by playwright-core
 * opens `/`, a Kafka client (kcat) produces to a new topic, and the page shows the topic
 * with its offsets without being reloaded; it also shows a consumer group's lag and the
 * plugin's status, and runs under its Content-Security-Policy without a single violation.
 * The charts draw what real clients do (kcat produces, a kafkajs group consumes: the lag
 * chart shows the group's lag fall to zero); the topic browser shows a kcat record with its
 * headers, JSON pretty-printed, a binary value as hex, reads from a time and from the end,
 * and follows new records; an offset reset made on the page is what a kafkajs consumer then
 * reads from; a topic is created from the page; with admin_token set the page asks for it.
 * Swagger UI at /docs renders under the broker's security headers too. Screenshots go to
 * test-artifacts/dashboard/ (git-ignored; the path is printed).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import kafkajs from './clients/kafkajs-lib.js';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { expectStatus, kcatProduce, rest } from './admin-support.js';
import { REPO_ROOT, sleep, startBroker, uniqueTopic, withTimeout, type BrokerHandle } from './harness.js';
import { consumeWithGroup, kcatProduceTo } from './observe-support.js';
import { pluginPath } from './plugins-support.js';

const { Kafka, logLevel } = kafkajs;

const TEST_TIMEOUT_MS = 60_000;
const PAGE_WAIT_MS = 15_000;
const SCREENSHOTS_DIR = join(REPO_ROOT, 'test-artifacts/dashboard');
const ADMIN_TOKEN = 'dashboard-e2e-token';
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
  // A plugin component is compiled at boot: on a busy machine that takes a while.
  brokerHandle = await startBroker({ env: { PLUGIN_PATHS: pluginPath('content-filter'), PLUGIN_TIMEOUT: '2s', MAX_MEMORY: '64MB' }, readyTimeoutMs: 60_000 });
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  console.log(`dashboard screenshots: ${SCREENSHOTS_DIR}`);
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

async function openPage(path: string, on: BrokerHandle = broker(), status = 200): Promise<Page> {
  assert.ok(context !== undefined, 'chromium is running');
  const page = await context.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  page.on('console', (message) => {
    if (message.type() === 'error') browserProblems.push(`${path} console: ${message.text()}`);
  });
  page.on('pageerror', (error) => browserProblems.push(`${path} page error: ${error.message}`));
  const response = await page.goto(`${on.restUrl}${path}`, { waitUntil: 'load', timeout: PAGE_WAIT_MS });
  assert.equal(response?.status(), status, `GET ${path} in the browser`);
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

/** Polls the latest value a chart lists for one of its series until `accept` takes it; fails with what the chart shows. */
async function waitForChartValue(page: Page, chart: string, seriesLabel: string, accept: (value: number) => boolean, what: string): Promise<number> {
  const item = page.locator(`.chart[data-chart="${chart}"] [data-series="${seriesLabel}"]`);
  const deadline = Date.now() + PAGE_WAIT_MS;
  let shown: string | null = null;
  while (Date.now() < deadline) {
    shown = (await item.count()) > 0 ? await item.getAttribute('data-value') : null;
    if (shown !== null && shown !== '' && accept(Number(shown))) return Number(shown);
    await sleep(100);
  }
  const legend = await page.locator(`.chart[data-chart="${chart}"] .now`).innerText().catch(() => '(unreadable)');
  throw new Error(`chart ${chart}, series ${seriesLabel}: never ${what} (last: ${JSON.stringify(shown)}; legend: ${legend})`);
}

/** The part of a browser canvas read here (the tests compile without the DOM types). */
interface BrowserCanvas {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

/** Pixels a chart's canvas has painted (axes, grid and lines). */
async function paintedPixels(page: Page, chart: string): Promise<number> {
  return page.locator(`.chart[data-chart="${chart}"] canvas`).evaluate((canvas: BrowserCanvas) => {
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    return painted;
  });
}

async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  if (selector === undefined) await page.screenshot({ path, fullPage: true });
  else await page.locator(selector).screenshot({ path });
}

/** Sets a datetime-local input to `ms` in the browser's own time zone. */
async function setTime(page: Page, selector: string, ms: number): Promise<void> {
  await page.locator(selector).evaluate((input: { value: string }, at: number) => {
    const local = new Date(at - new Date(at).getTimezoneOffset() * 60_000);
    input.value = local.toISOString().slice(0, 19);
  }, ms);
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

  test('the charts draw real traffic: kcat produces, a kafkajs group consumes, its lag falls to zero', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openPage('/');
    await waitForText(page, '#status', /^Updated /);
    const topic = uniqueTopic('charts');
    const groupId = `group-${topic}`;
    const records = 20;
    await kcatProduceTo(broker(), topic, 0, Array.from({ length: records }, (_, i) => `k${i}:chart-${i}`));
    await waitForChartValue(page, 'throughput', 'records in', (v) => v > 0, 'showed records coming in');
    await waitForChartValue(page, 'memory', 'in memory', (v) => v > 0, 'showed bytes in memory');
    await waitForChartValue(page, 'memory', 'max_memory', (v) => v === 64 * 1024 * 1024, 'showed max_memory (64MB)');
    await waitForChartValue(page, 'wal', 'WAL on disk', (v) => v >= 0, 'showed the WAL size');

    const admin = new Kafka({ clientId: 'e2e-dashboard-charts', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] });
    } finally {
      await admin.disconnect();
    }
    await waitForChartValue(page, 'lag', groupId, (v) => v === records, `showed the group's lag of ${records}`);
    await consumeWithGroup(broker(), groupId, topic, records);
    await waitForChartValue(page, 'lag', groupId, (v) => v === 0, 'showed the lag fall to zero');
    await waitForChartValue(page, 'throughput', 'records out', (v) => v >= 0, 'showed records going out');
    const points = Number(await page.locator('.chart[data-chart="lag"]').getAttribute('data-points'));
    assert.ok(points >= 3, `the lag chart holds ${points} readings`);
    for (const chart of ['throughput', 'memory', 'wal', 'lag']) assert.ok((await paintedPixels(page, chart)) > 1000, `the ${chart} chart painted its canvas`);
    await screenshot(page, 'charts', '.charts');
    await screenshot(page, 'overview');
    await page.close();
    assert.deepEqual(browserProblems, [], 'no script error or CSP violation');
  });

  test('the topic browser shows a kcat record with headers, JSON pretty-printed, binary as hex, from a time and the end, and follows new records', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('browse');
    await kcatProduceTo(broker(), topic, 0, ['user-42:{"amount":12,"currency":"EUR"}'], ['trace-id=abc123', 'source=kcat']);
    // Control bytes: binary to a reader, yet UTF-8, so the content-filter plugin (which sees only UTF-8) lets it through.
    const binary = await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { partition: 0, encoding: 'base64', records: [{ key: 'AAE=', value: Buffer.from([0x00, 0x01, 0x1f, 0x7f, 0x41]).toString('base64') }] } });
    expectStatus(binary, 201, 'a binary record');
    const later = Date.now() + 3_600_000;
    expectStatus(await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { partition: 0, records: [{ key: 'later', value: 'from the future', timestamp: later }] } }), 201, 'a record stamped an hour ahead');

    const page = await openPage('/');
    await waitForText(page, `#browse-topic option[value="${topic}"]`, topic);
    await page.selectOption('#browse-topic', topic);
    await page.selectOption('#browse-partition', '0');
    await page.fill('#browse-offset', '0');
    await page.click('#browse-form button[type="submit"]');
    await waitForText(page, '#browse-result', '3 record(s)');
    await waitForText(page, '#records tr[data-offset="0"] td.key pre', 'user-42');
    assert.equal(await page.locator('#records tr[data-offset="0"] td.value').getAttribute('data-kind'), 'json');
    assert.equal(await page.locator('#records tr[data-offset="0"] td.value pre').innerText(), JSON.stringify({ amount: 12, currency: 'EUR' }, null, 2));
    assert.deepEqual(await page.locator('#records tr[data-offset="0"] td.headers div').allInnerTexts(), ['trace-id = abc123', 'source = kcat']);
    assert.equal(await page.locator('#records tr[data-offset="1"] td.value').getAttribute('data-kind'), 'binary');
    assert.match(await page.locator('#records tr[data-offset="1"] td.value pre').innerText(), /^00000000 {2}00 01 1f 7f 41 +\|\.\.\.\.A\|$/);
    assert.match(await page.locator('#records tr[data-offset="1"] td.key pre').innerText(), /00 01/);
    await screenshot(page, 'topic-browser', '#records');

    await page.selectOption('#browse-from', 'timestamp');
    await setTime(page, '#browse-time', later - 1_800_000);
    await page.click('#browse-form button[type="submit"]');
    await waitForText(page, '#browse-result', '1 record(s)');
    assert.equal(await page.locator('#records tr').count(), 1, 'only the record stamped after that time');
    await waitForText(page, '#records tr[data-offset="2"] td.value pre', 'from the future');

    await page.selectOption('#browse-from', 'end');
    await page.fill('#browse-limit', '2');
    await page.check('#browse-follow');
    await page.click('#browse-form button[type="submit"]');
    await waitForText(page, '#browse-result', '2 record(s)');
    assert.deepEqual(await page.locator('#records tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-offset'))), ['1', '2'], 'the last two records');
    await kcatProduceTo(broker(), topic, 0, ['follow:followed live'], ['trace-id=live']);
    await waitForText(page, '#records tr[data-offset="3"] td.value pre', 'followed live');
    assert.deepEqual(await page.locator('#records tr[data-offset="3"] td.headers div').allInnerTexts(), ['trace-id = live']);
    await page.uncheck('#browse-follow');
    await page.close();
    assert.deepEqual(browserProblems, [], 'no script error or CSP violation');
  });

  test('an offset reset made on the page is what a kafkajs consumer reads from; a topic is created from the page', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('reset');
    const groupId = `group-${topic}`;
    await kcatProduceTo(broker(), topic, 0, Array.from({ length: 5 }, (_, i) => `k${i}:reset-${i}`));
    await consumeWithGroup(broker(), groupId, topic, 5);

    const page = await openPage('/');
    await waitForText(page, `tr[data-group="${groupId}"] td.state`, 'Empty');
    await page.click(`tr[data-group="${groupId}"] button.reset`);
    assert.equal(await page.inputValue('#reset-group'), groupId, 'the row fills the form');
    await page.selectOption('#reset-to', 'earliest');
    await page.fill('#reset-topics', topic);
    await page.click('#reset-offsets button[type="submit"]');
    await waitForText(page, '#reset-result', `Reset ${topic}-0 to 0`);
    await waitForText(page, `tr[data-group="${groupId}"] td.lag`, '5');
    const reread = await consumeWithGroup(broker(), groupId, topic, 5);
    assert.deepEqual(reread.map((r) => r.offset), [0, 1, 2, 3, 4], 'the consumer starts again from the earliest offset');

    const created = uniqueTopic('from-page');
    await page.fill('#create-name', created);
    await page.fill('#create-partitions', '2');
    await page.fill('#create-retention', '600000');
    await page.click('#create-topic button[type="submit"]');
    await waitForText(page, '#create-result', `Created ${created} with 2 partition(s)`);
    const detail = await rest(broker(), 'GET', `/api/v1/topics/${created}`);
    expectStatus(detail, 200, 'the created topic');
    assert.equal(detail.json.partitions.length, 2);
    await page.click('#create-topic button[type="submit"]');
    await waitForText(page, '#create-result', /already exists/);
    await page.close();
    const conflict = /status of 409 \(Conflict\)/;
    assert.deepEqual(browserProblems.filter((problem) => !conflict.test(problem)), [], 'no script error or CSP violation (the 409 of the second create was asked for)');
  });

  test('with admin_token set the page asks for the token and then reads and writes with it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const guarded = await startBroker({ env: { ADMIN_TOKEN } });
    try {
      const page = await openPage('/', guarded, 401);
      await waitForText(page, '#status', 'This broker asks for its admin token.');
      assert.equal(await page.locator('#login').isVisible(), true, 'the token form is shown');
      const refused = uniqueTopic('guarded-refused');
      await page.fill('#create-name', refused);
      await page.click('#create-topic button[type="submit"]');
      await waitForText(page, '#create-result', /Authorization: Bearer/);
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('#login button[type="submit"]');
      await waitForText(page, '#status', /^Updated /);
      const created = uniqueTopic('guarded');
      await page.fill('#create-name', created);
      await page.click('#create-topic button[type="submit"]');
      await waitForText(page, '#create-result', `Created ${created} with 1 partition(s)`);
      const listed = await rest(guarded, 'GET', '/api/v1/topics', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.deepEqual((listed.json as Array<{ name: string }>).map((t) => t.name), [created], 'only the topic created with the token');
      await page.close();
    } finally {
      await guarded.stop();
    }
  });

  test('Swagger UI renders the API document at /docs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await openPage('/docs');
    await waitForText(page, '.swagger-ui .info .title', /Blink admin API/);
    await waitForText(page, '.opblock-summary-path', /^\/api\/v1\/|^\/$|^\/[a-z]/);
    assert.ok((await page.locator('.opblock').count()) >= 30, 'an operation block per route');
    assert.deepEqual(browserProblems.filter((p) => p.startsWith('/docs')), [], 'Swagger UI runs under the security headers');
  });
});
