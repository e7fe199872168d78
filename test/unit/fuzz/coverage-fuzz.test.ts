/**
 * The coverage-guided fuzzer (test/fuzz) in CI: each target (every request decoder at every
 * version, the batch validator with compressed batches, the legacy up-conversion) runs a few
 * seconds from the committed corpus and must find nothing; the counters are printed. Then
 * the fuzzer must find the planted bugs (test/fuzz/planted.ts) behind a deep branch, a
 * throw and an endless loop, so a fuzzer that stopped finding things fails here.
 * FUZZ_SEED (printed) replays a run; `npm run fuzz` runs longer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineOptions } from '../../fuzz/engine.js';
import { corpusDirOf, runFuzzer, statsLine, type FuzzReport } from '../../fuzz/runner.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
/** Per format target; the three together stay well under a minute on a loaded 2-core machine. */
const SECONDS_PER_TARGET = 8;
/** Generous: the machine is shared, and a real hang is an endless loop, not a slow input. */
const HANG_MS = 5_000;
/** The planted bugs take a few seconds on a loaded machine; this bounds a fuzzer that lost its way. */
const PLANTED_SECONDS = 30;

function options(target: string, overrides: Partial<EngineOptions> = {}): EngineOptions {
  return { seconds: SECONDS_PER_TARGET, seed: SEED, hangMs: HANG_MS, corpusDir: corpusDirOf(target), saveCorpus: false, stopAtFinding: false, ...overrides };
}

function described(report: FuzzReport): string[] {
  return report.findings.map((f) => `${report.target} ${f.kind}, input ${f.input.toString('hex')}:\n${f.message}`);
}

describe(`coverage-guided fuzzing (FUZZ_SEED=${SEED} replays it)`, () => {
  for (const target of ['request', 'batch', 'legacy']) {
    it(`${target}: no crash or hang in ${SECONDS_PER_TARGET} s from the committed corpus`, async () => {
      const report = await runFuzzer(target, options(target));
      console.log(statsLine(target, report.stats));
      assert.deepEqual(described(report), []);
      assert.ok(report.stats.executions > report.stats.corpusSize, 'mutated inputs ran, not only the corpus');
      assert.ok(report.stats.blocksCovered > 0, 'coverage of the target files was read');
    });
  }

  it('finds a planted exception behind a deep branch', async () => {
    const report = await runFuzzer('planted-crash', options('planted-crash', { seconds: PLANTED_SECONDS, stopAtFinding: true }));
    console.log(statsLine('planted-crash', report.stats));
    assert.equal(report.findings.length, 1, 'the planted bug was found');
    const [finding] = report.findings;
    assert.equal(finding.kind, 'crash');
    assert.match(finding.message, /the planted bug/);
    assert.equal(finding.input.subarray(0, 1).toString('latin1'), 'K');
  });

  it('stops an input that never returns and reports it as a hang', async () => {
    const report = await runFuzzer('planted-hang', options('planted-hang', { seconds: PLANTED_SECONDS, hangMs: 500 }));
    console.log(statsLine('planted-hang', report.stats));
    assert.equal(report.findings.length, 1, 'the planted hang was found');
    const [finding] = report.findings;
    assert.equal(finding.kind, 'hang');
    assert.equal(finding.input.subarray(0, 1).toString('latin1'), 'K');
  });
});
