/**
 * `npm run fuzz -- [--seconds N] [--target request|batch|legacy|planted-crash|planted-hang]
 * [--seed S] [--hang-ms MS] [--save-corpus] [--crashes DIR] [--write-seeds]`: long fuzzing
 * runs outside CI (the CI test runs each target a few seconds). Prints executions, execs/s,
 * blocks covered and corpus size every second, then the covered blocks per file; saves each
 * finding's input to the crashes folder (default .fuzz/crashes/<target>/) and, with
 * --save-corpus, every newly kept input to the committed corpus (test/fuzz/corpus/<target>/).
 * --write-seeds (re)writes the seeds of test/fuzz/seeds.ts into the committed corpus, beside the
 * regression inputs kept there (a finding, once fixed, stays in the corpus). Exits 1 on findings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { corpusDirOf, runFuzzer, statsLine } from './runner.js';
import { seedsOf } from './seeds.js';

const FORMAT_TARGETS = ['request', 'batch', 'legacy'];

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    target: { type: 'string', multiple: true },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    'hang-ms': { type: 'string', default: '2000' },
    'save-corpus': { type: 'boolean', default: false },
    crashes: { type: 'string', default: '.fuzz/crashes' },
    'write-seeds': { type: 'boolean', default: false },
  },
});

const targets = args.target ?? FORMAT_TARGETS;

function writeSeeds(): void {
  for (const target of FORMAT_TARGETS) {
    const dir = corpusDirOf(target);
    fs.mkdirSync(dir, { recursive: true });
    const seeds = seedsOf(target);
    for (const seed of seeds) fs.writeFileSync(path.join(dir, `${seed.name}.bin`), seed.bytes);
    console.log(`${target}: ${seeds.length} seeds written to ${dir}`);
  }
}

async function fuzz(): Promise<number> {
  let findings = 0;
  for (const target of targets) {
    console.log(`fuzzing ${target} for ${args.seconds} s, seed ${args.seed}`);
    const report = await runFuzzer(target, {
      seconds: Number(args.seconds),
      seed: Number(args.seed),
      hangMs: Number(args['hang-ms']),
      corpusDir: corpusDirOf(target),
      saveCorpus: args['save-corpus'],
      stopAtFinding: false,
    }, (stats) => console.log(statsLine(target, stats)));
    console.log(statsLine(target, report.stats));
    for (const [file, blocks] of Object.entries(report.stats.perFile).sort()) console.log(`  ${file}: ${blocks.covered}/${blocks.known}`);
    const dir = path.join(args.crashes, target);
    for (const [i, finding] of report.findings.entries()) {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${finding.kind}-${Date.now()}-${i}.bin`);
      fs.writeFileSync(file, finding.input);
      console.log(`${finding.kind} (input saved to ${file}, hex ${finding.input.toString('hex')}):\n${finding.message}`);
    }
    findings += report.findings.length;
  }
  return findings;
}

if (args['write-seeds']) writeSeeds();
else process.exitCode = (await fuzz()) > 0 ? 1 : 0;
