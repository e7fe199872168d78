// src/common/metric-providers.ts: the probes' metric providers inject no PROMETHEUS_OPTIONS (which
// Nest looked for in vain through every import of a probe's module, once per metric, at each boot).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Counter, Gauge, Histogram, register, Summary } from 'prom-client';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider, makeSummaryProvider } from '../../../src/common/metric-providers.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('metric providers without PROMETHEUS_OPTIONS', () => {
  it('inject only what the probe asks for, and make the metric under its own name', () => {
    const kinds = [
      [makeCounterProvider, Counter],
      [makeGaugeProvider, Gauge],
      [makeHistogramProvider, Histogram],
      [makeSummaryProvider, Summary],
    ] as const;
    for (const [make, kind] of kinds) {
      const name = `metric_providers_test_${kind.name.toLowerCase()}`;
      const provider = make({ name, help: 'test' });
      assert.deepEqual(provider.inject, []);
      assert.equal(provider.provide, `PROM_METRIC_${name.toUpperCase()}`);
      const metric = provider.useFactory() as { name?: string };
      assert.ok(metric instanceof kind);
      assert.equal(register.getSingleMetric(name), metric);
      register.removeSingleMetric(name);
    }
  });

  it("hand a gauge's collect the probe's own injections, and nothing in their place", async () => {
    const seen: unknown[][] = [];
    const provider = makeGaugeProvider({
      name: 'metric_providers_test_collect',
      help: 'test',
      inject: ['SOURCE'],
      collect(this: Gauge, ...deps: unknown[]) {
        seen.push(deps);
        this.set(7);
      },
    });
    assert.deepEqual(provider.inject, ['SOURCE']);
    const gauge = provider.useFactory('the source') as Gauge;
    assert.equal((await gauge.get()).values[0]?.value, 7);
    assert.deepEqual(seen, [['the source']]);
    register.removeSingleMetric('metric_providers_test_collect');
  });

  it('are the only ones src/ uses (the library\'s own would look PROMETHEUS_OPTIONS up again)', () => {
    const direct = sourceFiles(SRC).filter((file) => /import\s*\{[^}]*\bmake(Counter|Gauge|Histogram|Summary)Provider\b[^}]*\}\s*from\s*'@willsoto\/nestjs-prometheus'/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(
      direct.map((file) => file.slice(SRC.length + 1)),
      ['common/metric-providers.ts'],
    );
  });
});
