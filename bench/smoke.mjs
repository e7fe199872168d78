#!/usr/bin/env node
// Does every benchmark still run? Not a timing: each script of bench/ runs once at its smallest
// size, and passes when it exits 0 and prints at least one figure. Benchmarks are not tests, so
// nothing else runs them; a script that no longer starts (a constructor that grew an argument, an
// option renamed) would otherwise go unseen until someone needs its numbers.
//
//   npm run check:bench        (after `npm run build && npx tsc -p tsconfig.json && npm run build:plugins`)
//   node bench/smoke.mjs [--only NAME,...] [--timeout SECS]
//
// Needs what the benches need: a C compiler and librdkafka's headers for the load generator
// (bench/loadgen.c), kcat and the Kafka jars of tools/test-deps/jvm.sh for the Apache Kafka and
// uplink rows. Prints a line per script (seconds, exit, the last line of its output when it
// failed), then exits 1 when any failed. Every script runs with a bound on its time.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Each bench script at its smallest: the arguments, and why a script is left out. */
const RUNS = [
  ['run.mjs', '--quick', '--peer', 'none', '--reps', '1'],
  ['boot.mjs', '--boots', '1', '--idle'],
  ['boot-stress.mjs', '--boots', '2', '--cache', 'shared'],
  ['storage.mjs', '--quick', '--only', 'fetch'],
  ['transactions.mjs', '--quick'],
  ['compaction.mjs', '--quick'],
  ['security.mjs', '--quick'],
  ['plugins.mjs', '--batches', '10', '--requests', '10'],
  ['rest-validation.mjs', '--reps', '2'],
  ['embedded.mjs', '--reps', '1'],
  ['walks.mjs', '--reps', '1', '--batches', '10000', '--walk-reps', '1'],
  ['crc32c.mjs', '--reps', '1', '--sizes', '1024', '--ms', '5'],
  ['batch-heap.mjs', '--reps', '1', '--batches', '2000'],
  ['column-growth.mjs', '--reps', '1', '--partitions', '2', '--batches', '2000', '--rounds', '1'],
  ['large-frames-rss.mjs', '--reps', '1', '--messages', '5'],
  ['offload-rss.mjs', '--reps', '1', '--codecs', 'none,lz4'],
  ['conn-memory.mjs', '--reps', '1', '--conns', '50', '--modes', 'plaintext'],
  ['alloc.mjs', '--reps', '1', '--trips', '500', '--warm', '100'],
  ['latency-gc.mjs', '--rates', '1000', '--secs', '2'],
  ['latency-stamps.mjs', '--rate', '1000', '--secs', '2', '--runs', '1', '--warm', '0'],
  ['latency-gc-observer.mjs', '--gcs', '50', '--reps', '1'],
  ['gc-profiler-drain.mjs', '--secs', '2'],
  ['row-profile.mjs', '--row', 'produce100', '--n', '20000'],
  ['tier-hold.mjs'],
  ['tier-flip-stress.mjs', '--procs', '1', '--rounds', '5'],
  ['apache-kafka.mjs', '--version', '3.9', '--reps', '1'],
  ['uplink.mjs', '--reps', '1', '--records', '2000', '--rate', '500', '--seconds', '2', '--version', '3.9'],
];
// Left out: rss-trace.mjs reads the traces a run under rss-trace-preload.cjs writes (a diagnostic of
// a run, not a run); consume-cpu-ab.sh needs two checkouts and perf.

const opts = benchArgs('usage: node bench/smoke.mjs [--only NAME,...] [--timeout SECS]', { only: '', timeout: 300 }, { numbers: ['timeout'], strings: ['only'] });
const only = opts.only === '' ? null : new Set(opts.only.split(',').map((name) => (name.endsWith('.mjs') ? name : `${name}.mjs`)));
const runs = RUNS.filter(([script]) => only === null || only.has(script));
if (only !== null && runs.length !== only.size) {
  process.stderr.write(`bench: --only names a script this smoke does not run (${[...only].filter((name) => !RUNS.some(([script]) => script === name)).join(', ')})\n`);
  process.exit(64);
}

/** Runs one script; resolves with how it ended and its output's last lines. */
function runOne(script, args) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(HERE, script), ...args], { cwd: path.join(HERE, '..'), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (chunk) => (output = (output + chunk).slice(-16_384));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, 'SIGKILL');
    }, opts.timeout * 1000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, output, seconds: (performance.now() - started) / 1000 });
    });
  });
}

let failed = 0;
for (const [script, ...args] of runs) {
  const run = await runOne(script, args);
  // Every bench prints figures (tier-hold.mjs's are call counts): no digit at all is a bench that printed none.
  const printedFigures = /\d/.test(run.output);
  const ok = run.code === 0 && printedFigures;
  if (!ok) failed++;
  const how = run.timedOut ? `killed after ${opts.timeout} s` : run.signal !== null ? `signal ${run.signal}` : `exit ${run.code}`;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${script.padEnd(24)} ${run.seconds.toFixed(1).padStart(6)} s  ${how}${run.code === 0 && !printedFigures ? ', no figure printed' : ''}`);
  if (!ok) console.log(run.output.trim().split('\n').slice(-15).map((line) => `     | ${line}`).join('\n'));
}
console.log(`${runs.length - failed} of ${runs.length} bench scripts ran`);
process.exitCode = failed === 0 ? 0 : 1;
