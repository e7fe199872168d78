/**
 * The Grafana dashboard (deploy/grafana/blink.json) and the operational alert rules
 * (config/prometheus/alerts.yml) against what a real broker exports, evaluated by
 * Prometheus' own engine (promtool, which tools/test-deps/ensure.mjs installs).
 *
 * One broker (MAX_MEMORY=1MB so it offloads to the WAL, two plugins: content-filter and
 * loop) takes real traffic: kcat produces, a kafkajs group consumes and commits, more is
 * produced (lag), the plugins refuse a record and time out on another, REST calls come in.
 * /prometheus is scraped after the first round (A) and at the end (B). promtool's input
 * series are the scraped series: counters rise by their real A→B increase every minute,
 * the group lag goes from its A to its B value every minute, other gauges keep their B value.
 *
 * Dashboard: every query (Grafana variables substituted) parses (`promtool check rules` on
 * the queries as recording rules), every metric it names is in the scrape, and every panel
 * shows data over those series (a panel with several queries, e.g. records rejected and
 * dropped by plugins, needs one of them to). Alerts: `promtool check rules`, then `promtool test rules`
 * with each rule firing or quiet as the real values say, and each firing on series with the
 * real names and labels and a value that crosses its threshold.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { stringify } from 'yaml';

import kafkajs from './clients/kafkajs-lib.js';
import { rest, scrape, series, type Exposition, type Sample } from './admin-support.js';
import { describeRun, REPO_ROOT, run, startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { consumeWithGroup, kcatProduceTo } from './observe-support.js';
import { pluginPath } from './plugins-support.js';

const { Kafka, logLevel } = kafkajs;

const TEST_TIMEOUT_MS = 120_000;
const PROMTOOL_TIMEOUT_MS = 60_000;
const ALERTS_FILE = join(REPO_ROOT, 'config/prometheus/alerts.yml');
const DASHBOARD_FILE = join(REPO_ROOT, 'deploy/grafana/blink.json');
const MAX_MEMORY_BYTES = 1024 * 1024;
const BIG_MESSAGES = 12;
const BIG_MESSAGE_BYTES = 150_000;
const MORE_RECORDS = 3;
/** Labels Prometheus adds to every scraped series (the scrape job is named "blink"). */
const TARGET = { job: 'blink', instance: 'blink:30004' };
/** Minutes of input series (promtool: one sample per minute). */
const SERIES_MINUTES = 100;

let brokerHandle: BrokerHandle | undefined;
let scrapeA: Exposition | undefined;
let scrapeB: Exposition | undefined;
let laggingGroup = '';
let caughtUpGroup = '';

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

function scrapes(): { a: Exposition; b: Exposition } {
  if (scrapeA === undefined || scrapeB === undefined) throw new Error('no scrapes (see the before hook failure)');
  return { a: scrapeA, b: scrapeB };
}

before(async () => {
  brokerHandle = await startBroker({
    env: { MAX_MEMORY: '1MB', PLUGIN_PATHS: `${pluginPath('content-filter')},${pluginPath('loop')}`, PLUGIN_TIMEOUT: '200ms' },
    // Two plugin components are compiled at boot: on a busy machine that takes a while.
    readyTimeoutMs: 60_000,
  });
  const topic = uniqueTopic('promtool');
  laggingGroup = `lagging-${topic}`;
  caughtUpGroup = `caught-up-${topic}`;
  const big = Array.from({ length: BIG_MESSAGES }, (_, i) => `k${i}:${String(i).padStart(BIG_MESSAGE_BYTES, 'x')}`);
  for (const line of big) await kcatProduceTo(broker(), topic, 0, [line]);
  await waitFor('offloads to the WAL', 20_000, async () => (series(await scrape(broker()), 'blink_offload_operations_total')[0]?.value ?? 0) > 0 || undefined);
  await consumeWithGroup(broker(), laggingGroup, topic, BIG_MESSAGES);
  const admin = new Kafka({ clientId: 'e2e-promtool', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId: caughtUpGroup, topic, partitions: [{ partition: 0, offset: String(BIG_MESSAGES + MORE_RECORDS) }] });
  } finally {
    await admin.disconnect();
  }
  scrapeA = await scrape(broker());

  await kcatProduceTo(broker(), topic, 0, Array.from({ length: MORE_RECORDS }, (_, i) => `more${i}:value-${i}`));
  const refused = await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { records: [{ value: 'SSN: 078-05-1120' }] } });
  assert.equal(refused.status, 422, `content-filter refuses the record: ${refused.text}`);
  const stuck = await rest(broker(), 'POST', `/api/v1/topics/${topic}/records`, { json: { records: [{ value: 'LOOP forever' }] } });
  assert.ok(stuck.status >= 400, `the loop plugin times out: ${stuck.status} ${stuck.text}`);
  await waitFor('the loop plugin restarted', 20_000, async () => {
    const now = await scrape(broker());
    const restarted = series(now, 'blink_plugin_restarts_total').some((s) => s.labels.plugin === 'loop' && s.labels.result === 'ok');
    return restarted && series(now, 'blink_plugin_up').every((s) => s.value === 1) ? true : undefined;
  });
  assert.equal((await rest(broker(), 'GET', '/api/v1/overview')).status, 200);
  scrapeB = await scrape(broker());
});

after(async () => {
  if (brokerHandle === undefined) return;
  const crashed = brokerHandle.exited();
  await brokerHandle.stop();
  if (crashed) console.error(`--- broker stderr (exited during the tests) ---\n${brokerHandle.stderr().slice(-8000)}`);
});

function selector(sample: Sample, extra: Record<string, string> = {}): string {
  const labels = { ...sample.labels, ...TARGET, ...extra };
  return `${sample.name}{${Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function isCounterSeries(exposition: Exposition, name: string): boolean {
  if (exposition.types.get(name) === 'counter') return true;
  const family = name.replace(/_(bucket|sum|count)$/, '');
  return family !== name && exposition.types.get(family) === 'histogram';
}

/** promtool input series from two scrapes (see the file comment). */
function inputSeries(a: Exposition, b: Exposition): Array<{ series: string; values: string }> {
  return b.samples.filter((s) => Number.isFinite(s.value)).map((sample) => {
    const key = selector(sample);
    const start = a.samples.find((s) => selector(s) === key)?.value ?? 0;
    const moving = isCounterSeries(b, sample.name) || sample.name === 'blink_group_lag';
    const from = moving ? start : sample.value;
    const step = moving ? sample.value - from : 0;
    return { series: key, values: `${from}${step < 0 ? '' : '+'}${step}x${SERIES_MINUTES}` };
  });
}

/** Metric families of a scrape, histogram series included. */
function familyNames(exposition: Exposition): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of exposition.types) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

async function promtool(args: string[], label: string): Promise<void> {
  const result = await run('promtool', args, { timeoutMs: PROMTOOL_TIMEOUT_MS });
  assert.equal(result.code, 0, describeRun(label, result));
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'blink-e2e-promtool-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Dashboard {
  panels: Array<{ title: string; panels?: Dashboard['panels']; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; definition?: string }> };
}

/** Grafana's variables as the dashboard's queries are evaluated here. */
function substitute(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$(instance|topic|group)\b/g, '.*');
}

describe('Grafana dashboard and alert rules over real scrapes (promtool)', () => {
  test('every dashboard query parses, names exported metrics and returns data', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { a, b } = scrapes();
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const queries = panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel: panel.title, expr: substitute(t.expr) })));
    assert.ok(queries.length >= 40, `${queries.length} queries`);

    const exported = familyNames(b);
    const variableQueries = dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : []));
    for (const text of [...queries.map((q) => q.expr), ...variableQueries]) {
      for (const name of text.match(/\b(?:blink|process|nodejs)_[a-z0-9_]+/g) ?? []) assert.ok(exported.has(name), `${name} (in ${text}) is exported by /prometheus`);
    }

    await withTempDir(async (dir) => {
      const rulesFile = join(dir, 'dashboard-rules.yml');
      const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
      await writeFile(rulesFile, stringify({ groups: [{ name: 'dashboard', rules }] }));
      await promtool(['check', 'rules', rulesFile], 'promtool check rules (every dashboard query)');
      const testFile = join(dir, 'dashboard-test.yml');
      const byPanel = new Map<string, string[]>();
      for (const q of queries) byPanel.set(q.panel, [...(byPanel.get(q.panel) ?? []), `(${q.expr})`]);
      // Each check names its panel in a label, so a failure says which panel shows nothing.
      const promqlTests = [...byPanel].map(([panel, exprs]) => ({
        expr: `label_replace(count(${exprs.join(' or ')}) > bool 0, "panel", ${JSON.stringify(panel)}, "", "")`,
        eval_time: '10m',
        exp_samples: [{ labels: `{panel=${JSON.stringify(panel)}}`, value: 1 }],
      }));
      await writeFile(testFile, stringify({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: inputSeries(a, b), promql_expr_test: promqlTests }] }));
      await promtool(['test', 'rules', testFile], 'promtool test rules (each dashboard query returns data)');
    });
  });

  test('the operational alert rules fire exactly when the series say so', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { a, b } = scrapes();
    const real = inputSeries(a, b);
    const one = (name: string, labels: Record<string, string> = {}): Sample => {
      const found = series(b, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      assert.equal(found.length, 1, `${name}${JSON.stringify(labels)} in the scrape: ${JSON.stringify(found)}`);
      return found[0];
    };
    const free = one('blink_wal_disk_free_bytes').value;
    const capacity = one('blink_wal_disk_capacity_bytes').value;
    assert.ok(capacity > 0 && free >= 0 && free <= capacity, `statfs: ${free} of ${capacity}`);
    assert.ok(one('blink_in_memory_queue_size_bytes').value <= one('blink_memory_high_water_bytes').value, 'relief keeps memory under the offload mark');
    assert.equal(one('blink_wal_writable').value, 1);
    assert.ok(one('blink_plugin_errors_total', { plugin: 'loop', kind: 'timeout' }).value >= 1, 'the loop plugin timed out');
    const lagA = series(a, 'blink_group_lag').filter((s) => s.labels.group === laggingGroup).reduce((sum, s) => sum + s.value, 0);
    const lagB = series(b, 'blink_group_lag').filter((s) => s.labels.group === laggingGroup).reduce((sum, s) => sum + s.value, 0);
    assert.deepEqual([lagA, lagB], [0, MORE_RECORDS], 'the lagging group: caught up at A, behind by the new records at B');

    const firing = (alertname: string, labels: Record<string, string>, evalTime: string, fires: boolean) => ({
      expr: `count(ALERTS{${Object.entries({ alertname, alertstate: 'firing', ...labels }).map(([k, v]) => `${k}="${v}"`).join(',')}})`,
      eval_time: evalTime,
      exp_samples: fires ? [{ labels: '{}', value: 1 }] : [],
    });
    /** Real series with some replaced by `values` (same names and labels as scraped). */
    const replacing = (replacements: Record<string, string>) => real.map((s) => {
      const name = s.series.slice(0, s.series.indexOf('{'));
      return name in replacements ? { series: s.series, values: replacements[name] } : s;
    });
    const maxMemory = one('blink_max_memory_bytes').value;
    const tests = [
      {
        name: 'real series',
        input: real,
        checks: [
          firing('BlinkConsumerLagGrowing', { group: laggingGroup }, '40m', true),
          firing('BlinkConsumerLagGrowing', { group: caughtUpGroup }, '40m', false),
          firing('BlinkMemoryAboveOffloadMark', {}, '40m', false),
          firing('BlinkWALDiskAlmostFull', {}, '40m', free / capacity < 0.1),
          firing('BlinkWALDiskFillingUp', {}, '80m', false),
          firing('BlinkWALNotWritable', {}, '40m', false),
          firing('BlinkSegmentDeletionsFailing', {}, '40m', false),
          firing('BlinkPluginDown', {}, '40m', false),
          firing('BlinkPluginFailing', { plugin: 'loop' }, '40m', true),
          firing('BlinkPluginFailing', { plugin: 'content-filter' }, '40m', false),
        ],
      },
      {
        name: 'memory held at max_memory, the WAL disk nearly full, shrinking, failing, segment deletions refused, the plugins down',
        input: replacing({
          blink_in_memory_queue_size_bytes: `${maxMemory}+0x${SERIES_MINUTES}`,
          blink_wal_disk_free_bytes: `${capacity / 2}-${capacity / 100}x${SERIES_MINUTES}`,
          blink_wal_writable: `0+0x${SERIES_MINUTES}`,
          // A directory that refuses every deletion: retention retries (backing off), one failure a minute here.
          blink_segment_deletion_failures_total: `0+1x${SERIES_MINUTES}`,
          blink_plugin_up: `0+0x${SERIES_MINUTES}`,
        }),
        checks: [
          firing('BlinkMemoryAboveOffloadMark', {}, '10m', true),
          firing('BlinkMemoryAboveOffloadMark', {}, '3m', false),
          firing('BlinkWALDiskAlmostFull', {}, '10m', false),
          firing('BlinkWALDiskAlmostFull', {}, '60m', true),
          firing('BlinkWALDiskFillingUp', {}, '80m', true),
          firing('BlinkWALNotWritable', {}, '5m', true),
          firing('BlinkSegmentDeletionsFailing', {}, '10m', false),
          firing('BlinkSegmentDeletionsFailing', {}, '30m', true),
          firing('BlinkPluginDown', { plugin: 'loop' }, '5m', true),
          firing('BlinkPluginDown', { plugin: 'content-filter' }, '5m', true),
        ],
      },
    ];
    await promtool(['check', 'rules', ALERTS_FILE], 'promtool check rules');
    await withTempDir(async (dir) => {
      const testFile = join(dir, 'alerts-test.yml');
      await writeFile(testFile, stringify({
        rule_files: [ALERTS_FILE],
        evaluation_interval: '1m',
        tests: tests.map((t) => ({ name: t.name, interval: '1m', input_series: t.input, promql_expr_test: t.checks })),
      }));
      await promtool(['test', 'rules', testFile], 'promtool test rules (operational alerts)');
    });
  });
});
