/**
 * The seed README's three alert rules (config/prometheus/alerts.yml) evaluated against what
 * the broker really exports. A broker with a small max_memory takes enough Kafka produces
 * (kcat) to offload to the WAL; /prometheus is scraped before and after. Each rule's
 * expression is read from alerts.yml and evaluated here from the exposition text (ratio,
 * rate, histogram_quantile as Prometheus computes them), which fails if a metric is missing,
 * has the wrong type or labels, or counts the wrong thing. The real PromQL engine (promtool,
 * which tools/test-deps/ensure.mjs installs before the e2e tests) then evaluates the same rule
 * file over series built from the two scrapes (one scrape interval = one minute) and must agree.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { parse, stringify } from 'yaml';

import { kcatProduce, rest, scrape, series, total, type Exposition, type Sample } from './admin-support.js';
import { describeRun, REPO_ROOT, run, startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';

const TEST_TIMEOUT_MS = 90_000;
const ALERTS_FILE = join(REPO_ROOT, 'config/prometheus/alerts.yml');
const MAX_MEMORY_BYTES = 1024 * 1024;
const MESSAGES = 16;
const MESSAGE_BYTES = 150_000;
/** Labels Prometheus adds to every scraped series (the scrape job is named "blink"). */
const TARGET = { job: 'blink', instance: 'blink:30004' };
/** Samples per input series in the promtool test (one per minute), and when it evaluates. */
const SERIES_POINTS = 15;
const EVAL_TIME = '10m';

let brokerHandle: BrokerHandle | undefined;

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

before(async () => {
  brokerHandle = await startBroker({ env: { MAX_MEMORY: '1MB' } });
});

after(async () => {
  if (brokerHandle === undefined) return;
  const crashed = brokerHandle.exited();
  await brokerHandle.stop();
  if (crashed) console.error(`--- broker stderr (exited during the tests) ---\n${brokerHandle.stderr().slice(-8000)}`);
});

interface AlertRule {
  alert: string;
  expr: string;
}

function seedRule(name: string): AlertRule {
  const file = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  const rule = file.groups.flatMap((g) => g.rules).find((r) => r.alert === name);
  assert.ok(rule !== undefined, `${name} is in ${ALERTS_FILE}`);
  return { alert: rule.alert, expr: rule.expr.trim() };
}

function parts(rule: AlertRule, shape: RegExp): string[] {
  const match = shape.exec(rule.expr);
  assert.ok(match !== null, `${rule.alert}: the expression "${rule.expr}" no longer has the shape this test evaluates (${shape})`);
  return match.slice(1);
}

/** The one sample of an unlabelled metric. */
function single(exposition: Exposition, name: string): number {
  const samples = series(exposition, name);
  assert.equal(samples.length, 1, `${name}: one series without labels, got ${JSON.stringify(samples)}`);
  assert.deepEqual(samples[0].labels, {}, `${name} has no labels (the rule divides it by another unlabelled gauge)`);
  return samples[0].value;
}

/** Cumulative bucket counts by upper bound (summed over other labels, as `sum by (le)`). */
function buckets(exposition: Exposition, name: string): Map<string, number> {
  const byLe = new Map<string, number>();
  for (const sample of series(exposition, `${name}_bucket`)) byLe.set(sample.labels.le, (byLe.get(sample.labels.le) ?? 0) + sample.value);
  return byLe;
}

/** Prometheus's bucketQuantile (promql/quantile.go) over cumulative counts. */
function histogramQuantile(q: number, counts: ReadonlyMap<string, number>): number {
  const sorted = [...counts].map(([le, count]) => ({ upper: le === '+Inf' ? Infinity : Number(le), count })).sort((a, b) => a.upper - b.upper);
  assert.equal(sorted.at(-1)?.upper, Infinity, 'the histogram has a +Inf bucket');
  const observations = sorted.at(-1)!.count;
  if (sorted.length < 2 || observations === 0) return NaN;
  let rank = q * observations;
  const b = sorted.findIndex((bucket) => bucket.count >= rank);
  if (b === sorted.length - 1) return sorted[sorted.length - 2].upper;
  if (b === 0 && sorted[0].upper <= 0) return sorted[0].upper;
  let start = 0;
  let count = sorted[b].count;
  if (b > 0) {
    start = sorted[b - 1].upper;
    count -= sorted[b - 1].count;
    rank -= sorted[b - 1].count;
  }
  return start + (sorted[b].upper - start) * (rank / count);
}

function seriesSelector(sample: Sample): string {
  const labels = { ...sample.labels, ...TARGET };
  return `${sample.name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

describe('the seed alert rules against real /prometheus output', () => {
  test('memory pressure, produce latency and WAL activity evaluate on the exported metrics', { timeout: TEST_TIMEOUT_MS }, async () => {
    const memoryRule = seedRule('BlinkMemoryPressure');
    const latencyRule = seedRule('BlinkHighLatency');
    const walRule = seedRule('BlinkWALActivity');
    const [memoryUsed, memoryMax, memoryThreshold] = parts(memoryRule, /^(\w+) \/ (\w+) > ([\d.]+)$/);
    const [quantile, latencyGrouping, latencyMetric, , latencyThreshold] = parts(latencyRule, /^histogram_quantile\(([\d.]+), sum by \(([^)]*)\) \(rate\((\w+)_bucket\[(\w+)\]\)\)\) > (\d+)$/);
    const [walMetric, , walThreshold] = parts(walRule, /^rate\((\w+)\[(\w+)\]\) > (\d+)$/);
    assert.deepEqual(latencyGrouping.split(',').map((l) => l.trim()).sort(), ['instance', 'job', 'le']);

    const first = await scrape(broker());
    const startedAt = Date.now();
    const topic = uniqueTopic('alerts');
    const lines = Array.from({ length: MESSAGES }, (_, i) => `k${i}:${String(i).padStart(MESSAGE_BYTES, 'x')}`);
    const offsets = await kcatProduce(broker(), topic, lines, ['-X', 'batch.num.messages=1', '-X', 'linger.ms=0']);
    assert.equal(offsets.length, MESSAGES);
    // Memory pressure relief offloads to the WAL and settles under its low-water mark.
    const second = await waitFor('offloads counted and memory relieved', 20_000, async () => {
      const now = await scrape(broker());
      const offloaded = total(now, walMetric) > total(first, walMetric);
      return offloaded && single(now, memoryUsed) <= 0.8 * MAX_MEMORY_BYTES ? now : undefined;
    });
    const elapsedSeconds = (Date.now() - startedAt) / 1000;

    // BlinkMemoryPressure: two unlabelled gauges; max_memory as set; used bytes as /allocated reports them.
    assert.equal(first.types.get(memoryUsed), 'gauge');
    assert.equal(single(second, memoryMax), MAX_MEMORY_BYTES, `${memoryMax} is max_memory`);
    // The gauge and /allocated are two reads of a value relief may still be moving (it goes on
    // offloading towards the low-water mark; a scrape of 5 batches of 150 KB and an /allocated
    // read of 4 right after it disagreed on a loaded machine): compared when an /allocated read
    // before the scrape and one after it agree.
    const tier = await waitFor('the memory tier unchanged across a scrape', 20_000, async () => {
      const before = (await rest(broker(), 'GET', '/allocated')).json.memoryTier.storedBytes as number;
      const scraped = single(await scrape(broker()), memoryUsed);
      const after = (await rest(broker(), 'GET', '/allocated')).json.memoryTier.storedBytes as number;
      return before === after ? { scraped, storedBytes: after } : undefined;
    });
    assert.equal(tier.scraped, tier.storedBytes, `${memoryUsed} is the memory tier's bytes`);
    const memoryRatio = single(second, memoryUsed) / single(second, memoryMax);
    assert.ok(memoryRatio > 0 && memoryRatio <= 0.8, `ratio ${memoryRatio}: data in memory, kept under the offload threshold`);
    const memoryFires = memoryRatio > Number(memoryThreshold);
    assert.equal(memoryFires, false, 'relief keeps the memory alert quiet');

    // BlinkHighLatency: a histogram (microseconds) whose new observations are exactly the Kafka Produce requests.
    assert.equal(first.types.get(latencyMetric), 'histogram');
    const before = buckets(first, latencyMetric);
    const afterwards = buckets(second, latencyMetric);
    const deltas = new Map([...afterwards].map(([le, count]) => [le, count - (before.get(le) ?? 0)]));
    const produceRequests = total(second, 'blink_produce_count') - total(first, 'blink_produce_count');
    assert.ok(produceRequests >= MESSAGES, `${produceRequests} Produce requests for ${MESSAGES} single-message batches`);
    assert.equal(deltas.get('+Inf'), produceRequests, 'one latency observation per Produce request');
    assert.equal(total(second, `${latencyMetric}_count`) - total(first, `${latencyMetric}_count`), produceRequests);
    assert.ok(afterwards.has(latencyThreshold), `${latencyThreshold} µs is a bucket bound, so the alert threshold is exact`);
    const p95 = histogramQuantile(Number(quantile), deltas);
    assert.ok(Number.isFinite(p95) && p95 > 0, `p95 ${p95} µs`);
    const latencyFires = p95 > Number(latencyThreshold);

    // BlinkWALActivity: a counter of offloads that moved.
    assert.equal(first.types.get(walMetric), 'counter');
    const offloads = total(second, walMetric) - total(first, walMetric);
    assert.ok(offloads >= 1, `${offloads} offloads`);
    const walRate = offloads / elapsedSeconds;
    assert.ok(walRate > 0);

    await checkWithPromtool(first, second, [
      { expr: memoryRule.expr, fires: memoryFires, lhs: memoryRule.expr.replace(/ > [\d.]+$/, ''), value: memoryRatio },
      { expr: latencyRule.expr, fires: latencyFires, lhs: latencyRule.expr.replace(/ > \d+$/, ''), value: p95 },
      // One scrape interval is one minute in the promtool series.
      { expr: walRule.expr, fires: offloads / 60 > Number(walThreshold), lhs: walRule.expr.replace(/ > \d+$/, ''), value: offloads / 60 },
    ]);
  });
});

interface Expectation {
  expr: string;
  fires: boolean;
  lhs: string;
  value: number;
}

/**
 * promtool test rules over the real metrics: every counter and bucket goes from its first
 * scraped value up by its real increase each minute, gauges keep their second value. The
 * engine must find each rule's left-hand side equal to this test's value (to 1e-9) and the
 * rule firing exactly when this test says it does.
 */
async function checkWithPromtool(first: Exposition, second: Exposition, expectations: readonly Expectation[]): Promise<void> {
  const wanted = /^blink_(in_memory_queue_size_bytes|max_memory_bytes|produce_duration_bucket|offload_operations_total)$/;
  const inputSeries = second.samples.filter((s) => wanted.test(s.name)).map((sample) => {
    const counter = first.types.get(sample.name) === 'counter' || sample.name.endsWith('_bucket');
    const start = counter ? (first.samples.find((f) => seriesSelector(f) === seriesSelector(sample))?.value ?? 0) : sample.value;
    return { series: seriesSelector(sample), values: `${start}+${sample.value - start}x${SERIES_POINTS}` };
  });
  const target = `{instance="${TARGET.instance}",job="${TARGET.job}"}`;
  const promqlTests = expectations.flatMap(({ expr, fires, lhs, value }) => [
    { expr: `count(${expr})`, eval_time: EVAL_TIME, exp_samples: fires ? [{ labels: '{}', value: 1 }] : [] },
    { expr: `abs((${lhs}) - ${value}) <= bool ${1e-9 * Math.max(1, Math.abs(value))}`, eval_time: EVAL_TIME, exp_samples: [{ labels: target, value: 1 }] },
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'blink-e2e-promtool-'));
  try {
    const testFile = join(dir, 'alerts-test.yml');
    await writeFile(testFile, stringify({ rule_files: [ALERTS_FILE], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: inputSeries, promql_expr_test: promqlTests }] }));
    const checked = await run('promtool', ['check', 'rules', ALERTS_FILE], { timeoutMs: 30_000 });
    assert.equal(checked.code, 0, describeRun('promtool check rules', checked));
    const tested = await run('promtool', ['test', 'rules', testFile], { timeoutMs: 30_000 });
    assert.equal(tested.code, 0, describeRun(`promtool test rules (${JSON.stringify(expectations)})`, tested));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
