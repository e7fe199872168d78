import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { ScrapedCount, ScrapedHistogram } from '../../../src/common/scrape-tallies.js';

const BOUNDS = [1, 10, 100];

/** The exposition text of `metric` alone. */
async function exposition(metric: Counter | Histogram): Promise<string> {
  const registry = new Registry();
  registry.registerMetric(metric);
  return registry.metrics();
}

describe('ScrapedHistogram', () => {
  it('exports exactly what observing each value through prom-client exports, scrape after scrape', async () => {
    const direct = new Histogram({ name: 'unit_tally_histogram', help: 'h', buckets: BOUNDS, registers: [] });
    const tallied = new Histogram({ name: 'unit_tally_histogram', help: 'h', buckets: BOUNDS, registers: [] });
    const tally = new ScrapedHistogram(tallied, BOUNDS);
    const rounds = [[0.5, 1, 7, 10.5, 100, 250], [3, 1_000], []];
    for (const values of rounds) {
      for (const value of values) {
        direct.observe(value);
        tally.observe(value);
      }
      assert.equal(await exposition(tallied), await exposition(direct));
    }
    assert.match(await exposition(tallied), /unit_tally_histogram_bucket\{le="10"\} 4\n/);
    assert.match(await exposition(tallied), /unit_tally_histogram_count 8\n/);
  });

  it('exports no series before the first observation, as prom-client does', async () => {
    const tallied = new Histogram({ name: 'unit_tally_empty', help: 'h', buckets: BOUNDS, registers: [] });
    new ScrapedHistogram(tallied, BOUNDS);
    const direct = new Histogram({ name: 'unit_tally_empty', help: 'h', buckets: BOUNDS, registers: [] });
    assert.equal(await exposition(tallied), await exposition(direct));
  });
});

describe('ScrapedCount', () => {
  it('hands its increments to the counter at each scrape, once', async () => {
    const counter = new Counter({ name: 'unit_tally_count', help: 'h', registers: [] });
    const tally = new ScrapedCount(counter);
    tally.add(3);
    tally.add(4);
    assert.match(await exposition(counter), /unit_tally_count 7\n/);
    assert.match(await exposition(counter), /unit_tally_count 7\n/);
    tally.add(1);
    assert.match(await exposition(counter), /unit_tally_count 8\n/);
  });
});
