#!/usr/bin/env node
// Where the RSS of bench/run.mjs's connections row goes (1,000 idle connections opened on a
// broker that has just run every workload): reads the traces bench/rss-trace-preload.cjs wrote
// and prints, per broker, what grew between the last sample before the connections (fewer than
// 20 active handles just before they pass 100) and the last sample with all of them open (the
// most handles): RSS, anonymous RSS, glibc's main heap ([heap]), V8's heap (physical; its old
// space: used and free), array buffers, external memory, and the GCs in that window by kind
// (1 scavenge, 4 mark-compact, 8 incremental marking); and what the broker held at its start.
//
//   mkdir -p /tmp/rss && RSS_TRACE_DIR=/tmp/rss NODE_OPTIONS="--require $PWD/bench/rss-trace-preload.cjs" \
//     node bench/run.mjs --peer none --baseline DIR --reps 3
//   node bench/rss-trace.mjs /tmp/rss
// Not a timed test: a diagnostic of one bench row.
import fs from 'node:fs';
import path from 'node:path';
import { benchArgs } from './lib.mjs';

const { dir } = benchArgs('usage: node bench/rss-trace.mjs TRACE_DIR', { dir: undefined }, { positional: 'dir' });
if (dir === undefined) {
  console.error('usage: node bench/rss-trace.mjs TRACE_DIR');
  process.exit(64);
}
const MiB = (kib) => (kib / 1024).toFixed(2);
const signed = (kib) => `${kib >= 0 ? '+' : ''}${MiB(kib)}`;
for (const file of fs.readdirSync(dir).filter((f) => /^trace-\d+\.log$/.test(f)).sort()) {
  const [first, ...lines] = fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n');
  const samples = [];
  const gcs = [];
  for (const text of lines) {
    const [t, type, ...rest] = text.split(' ');
    if (type === 'M') samples.push({ t: Number(t), ...Object.fromEntries(rest.map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)])) });
    else gcs.push({ t: Number(t), kind: rest[0].slice('kind='.length) });
  }
  const opened = samples.findIndex((s) => s.handles >= 100);
  if (opened < 0) {
    console.log(`${file}: no connections phase`);
    continue;
  }
  let before = opened - 1;
  while (before > 0 && samples[before].handles >= 20) before--;
  let all = opened;
  for (let i = opened; i < samples.length; i++) if (samples[i].handles >= samples[all].handles) all = i;
  const a = samples[before];
  const b = samples[all];
  const kinds = {};
  for (const gc of gcs) if (gc.t >= a.t && gc.t <= b.t) kinds[gc.kind] = (kinds[gc.kind] ?? 0) + 1;
  const d = (k) => signed(b[k] - a[k]);
  console.log(
    `${path.basename(first.slice(4))} (${file}): RSS ${d('rss')}, anonymous ${d('anon')}, [heap] ${d('brk')}, V8 heap ${d('phys')} (old space ${d('old')}: used ${d('oldUsed')}, free ${d('oldAvail')}), ` +
      `array buffers ${d('ab')}, external ${d('ext')} MiB; GCs ${JSON.stringify(kinds)}; before: [heap] ${MiB(a.brk)}, old space free ${MiB(a.oldAvail)}, array buffers ${MiB(a.ab)} MiB, mark-compacts so far ${gcs.filter((g) => g.kind === '4' && g.t < a.t).length}`,
  );
}
