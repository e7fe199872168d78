import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Gauge } from 'prom-client';
import { onScrape, splitEntities } from '../../../src/common/metric-entities.js';

describe('splitEntities (metrics_max_entities)', () => {
  it('keeps the first ones in the given order and sums the rest', () => {
    assert.deepEqual(splitEntities(['a', 'b', 'c', 'd'], 2), { own: ['a', 'b'], other: ['c', 'd'] });
  });

  it('0 sends everything to the summed series; a large bound keeps everything', () => {
    assert.deepEqual(splitEntities(['a', 'b'], 0), { own: [], other: ['a', 'b'] });
    assert.deepEqual(splitEntities(new Set(['a', 'b']), 100), { own: ['a', 'b'], other: [] });
  });
});

describe('onScrape', () => {
  it('recomputes a labelled gauge on every read, dropping series that went away', async () => {
    const gauge = new Gauge({ name: 'unit_scrape_gauge', help: 'h', labelNames: ['topic'], registers: [] });
    let topics = new Map([['a', 1], ['b', 2]]);
    onScrape(gauge, (g) => {
      for (const [topic, value] of topics) g.set({ topic }, value);
    });
    assert.deepEqual((await gauge.get()).values.map((v) => [v.labels.topic, v.value]), [['a', 1], ['b', 2]]);
    topics = new Map([['b', 5]]);
    assert.deepEqual((await gauge.get()).values.map((v) => [v.labels.topic, v.value]), [['b', 5]]);
  });

  it('sets counters from tallies kept elsewhere, and may be asynchronous', async () => {
    const counter = new Counter({ name: 'unit_scrape_counter', help: 'h', labelNames: ['topic'], registers: [] });
    let total = 3;
    onScrape(counter, async (c) => {
      await Promise.resolve();
      c.inc({ topic: 't' }, total);
    });
    assert.equal((await counter.get()).values[0].value, 3);
    total = 7;
    assert.equal((await counter.get()).values[0].value, 7);
  });
});
