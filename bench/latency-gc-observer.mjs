#!/usr/bin/env node
// The heap a GC metric's observer allocates per GC (issue 13): `node bench/latency-gc-observer.mjs
// [--gcs N] [--reps R]`. In one process per variant (none: no `gc` observer; prom-client: its
// nodejs_gc_duration_seconds module, prom-client/lib/metrics/gc.js; blink: dist/common/process-metrics.js's,
// from `npm run build`), N forced scavenges, each in its own event-loop turn, with the observer's
// batch delivered between them; V8's used heap is read right after each scavenge and right before
// the next: the difference is what the turn allocated (the loop's own share is the same in every
// variant: `none` shows it). Prints the median bytes per GC of R runs per variant, alternated.
// Node's own `gc` entry (~4.3 KB of old-generation objects, bench/README) is in both observers' figures.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { benchArgs, median } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const opt = benchArgs('usage: node bench/latency-gc-observer.mjs [--gcs N] [--reps R]', { gcs: 2000, reps: 5, variant: '' }, { numbers: ['gcs', 'reps'], strings: ['variant'] });

if (opt.variant !== '') {
  const { getHeapStatistics } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  const { createRequire } = await import('node:module');
  const { Registry } = await import('prom-client');
  const registry = new Registry();
  if (opt.variant === 'prom-client') createRequire(import.meta.url)('prom-client/lib/metrics/gc.js')(registry);
  else if (opt.variant === 'blink') (await import(path.join(HERE, '..', 'dist', 'common', 'process-metrics.js'))).registerProcessMetrics(registry);
  const gc = runInNewContext('gc');
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const used = () => getHeapStatistics().used_heap_size;
  let allocated = 0;
  const gcs = Number(opt.gcs);
  for (let i = 0; i < 100; i++) { gc({ type: 'minor', execution: 'sync' }); await turn(); await turn(); }
  for (let i = 0; i < gcs; i++) {
    gc({ type: 'minor', execution: 'sync' });
    const after = used();
    await turn();
    await turn();
    allocated += used() - after;
  }
  process.stdout.write(`${allocated / gcs}\n`);
} else {
  const variants = ['none', 'prom-client', 'blink'];
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < opt.reps; r++) {
    for (const v of variants) {
      const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--variant', v, '--gcs', String(opt.gcs)], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${v}: ${child.stderr}`);
      runs[v].push(Number(child.stdout));
    }
  }
  for (const v of variants) console.log(`${v.padEnd(12)} ${median(runs[v]).toFixed(0).padStart(6)} B per GC (runs ${runs[v].map((x) => x.toFixed(0)).join(', ')})`);
}
