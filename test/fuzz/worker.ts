/**
 * The worker thread of one fuzzing run (started by runner.ts): block coverage starts before
 * the targets are imported, so V8 instruments the target files from their first
 * compilation; then the engine runs and its events go to the runner as messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BlockCoverage } from './coverage.js';
import type { EngineOptions } from './engine.js';

interface WorkerInput {
  readonly target: string;
  /** The target's coverage scripts, known before its modules load. */
  readonly scripts: readonly string[];
  readonly options: EngineOptions;
  readonly shared: SharedArrayBuffer;
}

const input = workerData as WorkerInput;
const port = parentPort;
if (port === null) throw new Error('test/fuzz/worker.js runs as a worker thread');

const coverage = new BlockCoverage(input.scripts);
coverage.start();
const { targetNamed } = await import('./targets.js');
const target = targetNamed(input.target);
const { FuzzEngine } = await import('./engine.js');
const { seedsOf } = await import('./seeds.js');
const engine = new FuzzEngine(target, coverage, input.options, {
  progress: (stats) => port.postMessage({ type: 'progress', stats }),
  finding: (finding) => port.postMessage({ type: 'finding', finding }),
}, input.shared);
const stats = await engine.run(seedsOf(input.target).map((seed) => seed.bytes));
coverage.stop();
port.postMessage({ type: 'done', stats });
