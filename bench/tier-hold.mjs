#!/usr/bin/env node
// Does V8 still strand a function that got hot while its compiling tiers were off? src/start.ts
// holds Sparkplug, Maglev and TurboFan off during the boot and switches them back on before the
// Kafka listeners bind, so that no request is answered under the hold (bench/README.md, tput14
// and tier14). For each set of tiers held, a function is
// called N times from the event loop with them off, then 50,000 times with them on; its tier at
// the end is printed beside a function first called after the release. Re-run it on a Node.js
// upgrade: `node bench/tier-hold.mjs` (it starts itself again with --allow-natives-syntax).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HOLDS = ['sparkplug,maglev,turbofan', 'maglev', 'sparkplug,turbofan'];
const CALLS = [0, 10, 100, 1000];
const AFTER = 50_000;

if (process.argv[2] !== '--child') {
  console.log(`tiers held      calls held  then ${AFTER} calls: tier of the function / of one first called after`);
  for (const hold of HOLDS) {
    for (const calls of CALLS) {
      const child = spawnSync(process.execPath, ['--allow-natives-syntax', fileURLToPath(import.meta.url), '--child', hold, String(calls)], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      console.log(`${hold.padEnd(24)} ${String(calls).padStart(5)}  ${child.stdout.trim()}`);
    }
  }
} else {
  const { setFlagsFromString } = await import('node:v8');
  const [hold, calls] = [process.argv[3].split(','), Number(process.argv[4])];
  // %GetOptimizationStatus, through new Function: this module must parse without the flag too.
  const status = new Function('f', 'return %GetOptimizationStatus(f)');
  const tier = (f) => {
    const bits = status(f);
    if (bits & (1 << 6)) return 'TurboFan';
    if (bits & (1 << 5)) return 'Maglev';
    if (bits & (1 << 15)) return 'Sparkplug';
    return bits & (1 << 7) ? 'interpreter' : `status ${bits.toString(2)}`;
  };
  // Two copies of the same code (nothing shared, nothing inlined from one into the other).
  function held(a) {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * 2;
    return s;
  }
  function fresh(a) {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * 2;
    return s;
  }
  const data = [1, 2, 3, 4, 5, 6, 7, 8];
  for (const t of hold) setFlagsFromString(`--no-${t}`);
  let n = 0;
  const underHold = () => {
    if (n++ < calls) {
      held(data);
      setImmediate(underHold);
      return;
    }
    for (const t of hold) setFlagsFromString(`--${t}`);
    n = 0;
    setImmediate(afterHold);
  };
  const afterHold = () => {
    if (n++ < AFTER) {
      held(data);
      fresh(data);
      setImmediate(afterHold);
    } else console.log(`${tier(held)} / ${tier(fresh)}`);
  };
  underHold();
}
