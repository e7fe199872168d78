/**
 * Runs one fuzz target in a worker thread (worker.ts) and watches it: an input still running
 * after the time bound is a hang (the worker is terminated, which stops even a synchronous
 * endless loop), a worker that dies (an uncaught error, out of memory) is a crash; both
 * with the input read from the memory the worker shares. Used by the CLI (cli.ts) and the
 * CI test (test/unit/fuzz/coverage-fuzz.test.ts).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SHARED_BYTES, SHARED_EXECUTION, SHARED_INPUT_AT, SHARED_LENGTH, SHARED_RUNNING, type EngineOptions, type Finding, type FuzzStats } from './engine.js';
import { targetNamed } from './targets.js';

/** How often the watchdog looks at the running input. */
const WATCH_EVERY_MS = 50;
/** The worker's heap bound: a decoder that allocates without limit is a finding, not a dead machine. */
const WORKER_HEAP_MB = 768;

export interface FuzzReport {
  readonly target: string;
  readonly stats: FuzzStats;
  readonly findings: readonly Finding[];
}

const NO_STATS: FuzzStats = { executions: 0, seconds: 0, blocksCovered: 0, blocksKnown: 0, corpusSize: 0, perFile: {} };

type WorkerMessage = { type: 'progress' | 'done'; stats: FuzzStats } | { type: 'finding'; finding: Finding };

export function runFuzzer(target: string, options: EngineOptions, onProgress: (stats: FuzzStats) => void = () => {}): Promise<FuzzReport> {
  const shared = new SharedArrayBuffer(SHARED_BYTES);
  const slots = new Int32Array(shared, 0, 4);
  const findings: Finding[] = [];
  let stats = NO_STATS;
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: { target, scripts: targetNamed(target).scripts, options, shared },
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  const runningInput = (): Buffer => Buffer.from(new Uint8Array(shared, SHARED_INPUT_AT, Atomics.load(slots, SHARED_LENGTH)));
  return new Promise((resolve) => {
    let watched = { execution: -1, since: Date.now() };
    const finish = (): void => {
      clearInterval(watchdog);
      resolve({ target, stats, findings });
    };
    const watchdog = setInterval(() => {
      const execution = Atomics.load(slots, SHARED_EXECUTION);
      if (Atomics.load(slots, SHARED_RUNNING) === 0 || execution !== watched.execution) {
        watched = { execution, since: Date.now() };
        return;
      }
      if (Date.now() - watched.since <= options.hangMs) return;
      clearInterval(watchdog);
      findings.push({ kind: 'hang', message: `one input ran longer than ${options.hangMs} ms; the worker was stopped`, input: runningInput() });
      void worker.terminate();
    }, WATCH_EVERY_MS);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'finding') findings.push({ ...message.finding, input: Buffer.from(message.finding.input) });
      else stats = message.stats;
      if (message.type === 'progress') onProgress(message.stats);
    });
    worker.on('error', (error) => {
      findings.push({ kind: 'crash', message: `the worker died: ${error.stack ?? error.message}`, input: runningInput() });
    });
    worker.on('exit', finish);
  });
}

/** The committed corpus of `target` (this file runs from dist-test/test/fuzz). */
export function corpusDirOf(target: string): string {
  return fileURLToPath(new URL(`../../../test/fuzz/corpus/${target}/`, import.meta.url));
}

/** One line of counters, as the CLI prints them while it runs and the CI test at the end. */
export function statsLine(target: string, stats: FuzzStats): string {
  const rate = stats.seconds > 0 ? Math.round(stats.executions / stats.seconds) : 0;
  return `${target}: ${stats.executions} executions in ${stats.seconds.toFixed(1)} s (${rate}/s), ${stats.blocksCovered} of ${stats.blocksKnown} blocks covered, corpus ${stats.corpusSize}`;
}
