import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { holdTiersUntil } from '../../../src/common/boot-tiers.js';

/** %GetOptimizationStatus's bits (V8's runtime-test.cc): optimized by Maglev or TurboFan, run by the interpreter. */
const OPTIMIZED = 1 << 4;
const INTERPRETED = 1 << 7;

/** V8's optimization status of a function, read with natives syntax switched on just to compile the reader. */
function statusReader(): (fn: () => unknown) => number {
  setFlagsFromString('--allow-natives-syntax');
  try {
    return new Function('fn', 'return %GetOptimizationStatus(fn)') as (fn: () => unknown) => number;
  } finally {
    setFlagsFromString('--no-allow-natives-syntax');
  }
}

/** A new function each call (a fresh closure of new source: no feedback or code shared with another). */
function hotFunction(seed: number): () => number {
  return new Function(`let s = 0; for (let i = 0; i < 200; i++) s += (i * ${seed}) % 7; return s;`) as () => number;
}

/** Calls `fn` in rounds (yielding between them, so concurrent compiles install) until `done(status)` or the rounds run out. */
async function runHot(fn: () => number, status: (fn: () => unknown) => number, done: (status: number) => boolean, rounds: number): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 2_000; i++) fn();
    if (done(status(fn))) break;
    await sleep(5);
  }
  return status(fn);
}

describe('holdTiersUntil', () => {
  // One test: V8's flags are process-wide, so the steps run in this order.
  it('keeps a hot function in the interpreter until the event, then lets it be optimized; skipped when the command line chooses tier flags', { timeout: 30_000 }, async () => {
    const status = statusReader();
    // Control: without the hold, the same kind of function is optimized.
    const control = await runHot(hotFunction(3), status, (s) => (s & OPTIMIZED) !== 0, 200);
    assert.ok((control & OPTIMIZED) !== 0, `control not optimized: status ${control.toString(2)}`);

    const boot = new EventEmitter();
    assert.equal(holdTiersUntil(boot, 'done', ''), true);
    const held = hotFunction(5);
    const whileHeld = await runHot(held, status, (s) => (s & OPTIMIZED) !== 0, 40);
    assert.equal(whileHeld & OPTIMIZED, 0, `optimized during the hold: status ${whileHeld.toString(2)}`);
    assert.ok((whileHeld & INTERPRETED) !== 0, `not interpreted during the hold: status ${whileHeld.toString(2)}`);

    let otherListenerSaw = -1;
    boot.once('done', () => (otherListenerSaw = status(hotFunction(11))));
    boot.emit('done');
    assert.equal(otherListenerSaw & 2, 0, 'the tiers were still off for a listener of the event (kNeverOptimize set)');
    const released = await runHot(held, status, (s) => (s & OPTIMIZED) !== 0, 200);
    assert.ok((released & OPTIMIZED) !== 0, `not optimized after the event: status ${released.toString(2)}`);

    // An operator's choice of tier flags stands: nothing is switched.
    for (const commandLine of ['--no-turbofan', '--max-semi-space-size=4 --jitless', '--no_maglev', '--no-opt', '--always-sparkplug']) {
      assert.equal(holdTiersUntil(boot, 'done', commandLine), false, commandLine);
    }
    assert.equal(boot.listenerCount('done'), 0);
    assert.equal(holdTiersUntil(boot, 'done', '--max-semi-space-size=4 --expose-gc'), true);
    boot.emit('done');
  });
});
