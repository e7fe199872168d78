import assert from 'node:assert/strict';
import { PerformanceObserver } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { GC_DURATION_METRIC, registerProcessMetrics } from '../../../src/common/process-metrics.js';

type Gc = (options?: { type: 'major' | 'minor'; execution: 'sync' }) => void;

/** V8's `gc`, taken from a new context while --expose-gc is on (as idle-trim.ts does). */
function exposedGc(): Gc {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as Gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * Resolves once a `gc` observer made after the metric's has seen `n` entries: Node hands each
 * observer its batch in the order they were made, from one unref'd immediate (a ref'd timer wakes
 * the loop meanwhile).
 */
function gcEntries(n: number): Promise<void> {
  let seen = 0;
  const wake = setInterval(() => undefined, 10);
  return new Promise<void>((resolve) => {
    const observer = new PerformanceObserver((list) => {
      seen += list.getEntries().length;
      if (seen >= n) {
        observer.disconnect();
        resolve();
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  }).finally(() => clearInterval(wake));
}

async function gcCounts(registry: Registry): Promise<Map<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === GC_DURATION_METRIC);
  assert.ok(metric, `${GC_DURATION_METRIC} registered`);
  const counts = new Map<string, number>();
  for (const value of metric.values as { metricName?: string; labels: { kind?: string }; value: number }[]) {
    if (value.metricName === `${GC_DURATION_METRIC}_count`) counts.set(String(value.labels.kind), value.value);
  }
  return counts;
}

describe('registerProcessMetrics', () => {
  it('counts every GC of a batch: two in one event-loop turn count two', { timeout: 10_000 }, async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const gc = exposedGc();
    const before = (await gcCounts(registry)).get('major') ?? 0;
    const delivered = gcEntries(2);
    gc({ type: 'major', execution: 'sync' });
    gc({ type: 'major', execution: 'sync' });
    await delivered;
    assert.equal((await gcCounts(registry)).get('major'), before + 2);
  });

  it('exports every kind at zero before its first collection', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const counts = await gcCounts(registry);
    assert.deepEqual([...counts.keys()].sort(), ['incremental', 'major', 'minor', 'weakcb']);
    for (const [kind, count] of counts) assert.ok(count >= 0 && Number.isInteger(count), `${kind}: ${count}`);
  });

  it("registers prom-client's default metrics, its GC histogram's shape included, once per registry", async () => {
    const ours = new Registry();
    registerProcessMetrics(ours);
    registerProcessMetrics(ours);
    const theirs = new Registry();
    collectDefaultMetrics({ register: theirs });
    const shape = async (registry: Registry) =>
      (await registry.getMetricsAsJSON()).map(({ name, help, type }) => `${name} ${type} ${help}`).sort();
    assert.deepEqual(await shape(ours), await shape(theirs));
    const buckets = (registry: Registry) => (registry.getSingleMetric(GC_DURATION_METRIC) as unknown as { upperBounds: number[]; labelNames: string[] });
    assert.deepEqual(buckets(ours).upperBounds, buckets(theirs).upperBounds);
    assert.deepEqual(buckets(ours).labelNames, buckets(theirs).labelNames);
  });
});
