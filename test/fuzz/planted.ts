/**
 * Targets with a planted bug behind a deep branch, so the fuzzer itself can fail its test
 * (test/unit/fuzz/coverage-fuzz.test.ts): the bug needs a magic byte ('K'), then a big-endian
 * length field equal to the bytes that follow it (a Kafka-aware mutation's job).
 * Blind mutation of the seed ('AAAAAAAA') almost never gets there in a few thousand
 * executions; coverage feedback keeps each step once reached. One target throws there,
 * the other loops forever (the per-input time bound must report it).
 */
import type { FuzzTarget } from './targets.js';

const SCRIPTS = ['/test/fuzz/planted.js'];

/** True when `input` reaches the planted bug. */
function deepBranch(input: Buffer): boolean {
  if (input.length < 4) return false;
  if (input[0] !== 0x4b) return false;
  const length = input.readInt16BE(2);
  if (length !== input.length - 4) return false;
  return true;
}

export const plantedCrash: FuzzTarget = {
  name: 'planted-crash',
  scripts: SCRIPTS,
  run(input) {
    if (deepBranch(input)) throw new TypeError('the planted bug');
  },
};

export const plantedHang: FuzzTarget = {
  name: 'planted-hang',
  scripts: SCRIPTS,
  run(input) {
    if (!deepBranch(input)) return;
    for (let spins = 0; spins >= 0; spins = (spins + 1) % 1_000) {
      // the planted hang: never ends
    }
  },
};
