// Loaded into a test broker by test/e2e/memory-bound.test.ts (NODE_OPTIONS=--require, as
// bench/batch-heap-preload.cjs): on SIGUSR2, two full collections, then the heap in use written
// as JSON to HEAP_PROBE_OUT (renamed into place: the test waits for the file). `gc` is taken as
// src/common/idle-trim.ts takes it (--expose-gc just long enough to get it from a new context),
// so V8's flags stay those the bundle's code cache was made with. Measurement only: the broker
// runs its own code unchanged.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const vm = require('node:vm');

const out = process.env.HEAP_PROBE_OUT;
if (out) {
  process.on('SIGUSR2', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    v8.setFlagsFromString('--no-expose-gc');
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    const tmp = `${out}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ heapUsed: process.memoryUsage().heapUsed }));
    fs.renameSync(tmp, out);
  });
}
