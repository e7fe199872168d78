// Loaded into the broker by bench/batch-heap.mjs and bench/conn-memory.mjs (NODE_OPTIONS=--require):
// on SIGUSR2, two full collections, then the heap figures written as JSON to BATCH_HEAP_OUT (the
// probe waits for the file); with BATCH_HEAP_SNAPSHOT=1, a heap snapshot is written first to
// BATCH_HEAP_OUT.heapsnapshot. `gc` is taken as src/common/idle-trim.ts takes it: --expose-gc just
// long enough to get it from a new context, so V8's flags stay those the bundle's code cache was
// made with.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const vm = require('node:vm');

const out = process.env.BATCH_HEAP_OUT;
const snapshot = process.env.BATCH_HEAP_SNAPSHOT === '1';
process.on('SIGUSR2', () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  v8.setFlagsFromString('--no-expose-gc');
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  const usage = process.memoryUsage();
  if (snapshot) v8.writeHeapSnapshot(`${out}.heapsnapshot`);
  const tmp = `${out}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external, arrayBuffers: usage.arrayBuffers }));
  fs.renameSync(tmp, out);
});
