#!/usr/bin/env node
// Reliability loop for start.ts's run-time V8 flag changes (Node documents setFlagsFromString
// after start-up as undefined behaviour): V8's compiling tiers switched off, a code cache taken
// (createCachedData), the tiers switched back on, while concurrent Maglev and TurboFan jobs are
// in flight, as a boot that writes the code cache does at its ready line. Not a timing: it counts
// how the processes end.
//
//   ulimit -c unlimited; nice -n 19 node bench/tier-flip-stress.mjs [--procs N] [--rounds R]
//
// Runs N processes (default 20) one after another, each R rounds (default 1000; memory grows
// with the rounds, ~0.6 GB at 1000, hence processes rather than one long run). A round compiles
// 20 new functions, calls each 400 times (V8 marks them for Maglev, concurrently compiled on its
// worker threads), then at once: --no-sparkplug --no-maglev --no-turbofan, createCachedData() of
// their script, the tiers back on. Prints a JSON line: processes by exit (code or signal), rounds
// (flips) in all. Exit 1 when a process did not exit 0; its output is printed, and with core
// files on, `gdb -batch -ex bt <node> core` in the working directory shows where it died.
import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { benchArgs } from './lib.mjs';

const TIERS = ['sparkplug', 'maglev', 'turbofan'];
const FUNCTIONS_PER_ROUND = 20;
const CALLS_PER_FUNCTION = 400;
const PROCESS_TIMEOUT_MS = 300_000;

const opts = benchArgs(
  'usage: node bench/tier-flip-stress.mjs [--procs N] [--rounds R]',
  { procs: 20, rounds: 1000, child: false },
  { flags: ['child'], numbers: ['procs', 'rounds'], integers: { procs: [1, 100_000], rounds: [1, 1_000_000] } },
);
const { rounds } = opts;

if (opts.child) {
  const input = [1, 2, 3, 4, 5, 6, 7, 8];
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    let source = '(() => { const fns = [];\n';
    for (let i = 0; i < FUNCTIONS_PER_ROUND; i++) {
      // Distinct constants: every function is new to V8, so every round queues new compile jobs.
      source += `fns.push(function r${round}f${i}(a, b) { let s = ${round * FUNCTIONS_PER_ROUND + i}; for (let k = 0; k < (a & 7); k++) { s = (s * 31 + b[k % b.length] + k) | 0; if (s & 1) s ^= ${i}; } return { s, t: String(s).length + ${i} }; });\n`;
    }
    source += 'return fns; })();';
    const script = new Script(source, { filename: `round-${round}.js` });
    const fns = script.runInThisContext();
    for (let call = 0; call < CALLS_PER_FUNCTION; call++) for (const fn of fns) sink += fn(call, input).t;
    for (const tier of TIERS) setFlagsFromString(`--no-${tier}`);
    try {
      sink += script.createCachedData().length;
    } finally {
      for (const tier of TIERS) setFlagsFromString(`--${tier}`);
    }
  }
  process.stdout.write(`${sink & 0xff}\n`);
} else {
  const { procs } = opts;
  const exits = {};
  let failed = 0;
  for (let n = 0; n < procs; n++) {
    const run = spawnSync(process.execPath, [process.argv[1], '--child', '--rounds', String(rounds)], { encoding: 'utf8', timeout: PROCESS_TIMEOUT_MS });
    const end = run.error !== undefined ? `error ${run.error.code ?? run.error.message}` : run.signal ?? `code ${run.status}`;
    exits[end] = (exits[end] ?? 0) + 1;
    if (end !== 'code 0') {
      failed++;
      process.stdout.write(`process ${n + 1}: ${end}\n--- stderr ---\n${run.stderr.slice(-2000)}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify({ procs, rounds, flips: procs * rounds, exits })}\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}
