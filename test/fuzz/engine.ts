/**
 * The coverage-guided fuzzing loop, run in a worker thread (test/fuzz/worker.ts) so the
 * main thread (runner.ts) can stop an input that never returns. It keeps a corpus (the
 * committed seeds, then every input that reached a new block or hit count), picks an entry,
 * mutates it (mutator.ts), runs the target, reads the target files' block coverage
 * (coverage.ts) and keeps the input when it found something new. A finding is an exception
 * that is not the target's documented refusal, or an input slower than the time bound; the
 * input of each distinct finding (message and first stack frame) is reported once. Before
 * each execution the input is copied into memory shared with the runner: when the worker
 * dies or hangs, the runner still knows what killed it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BlockCoverage } from './coverage.js';
import { INPUT_BYTES_MAX, Mutator, seededRandom } from './mutator.js';
import type { FuzzTarget } from './targets.js';

/** Shared memory layout: int32 slots, then the input being run. */
export const SHARED_RUNNING = 0;
export const SHARED_LENGTH = 1;
export const SHARED_EXECUTION = 2;
export const SHARED_INPUT_AT = 16;
export const SHARED_BYTES = SHARED_INPUT_AT + INPUT_BYTES_MAX;
/**
 * Inputs run between two coverage reads: a read costs milliseconds (V8 walks every function
 * it has compiled), a decoder run microseconds, and most inputs find nothing new; so a batch
 * is read once and halved down to the inputs that found something (attribute). The batch doubles while
 * nothing is found and starts small again after a find.
 */
const BATCH_INPUTS_MIN = 8;
const BATCH_INPUTS_MAX = 1_024;
/** How many of the latest corpus entries are favoured as parents. */
const RECENT_ENTRIES = 8;
/** How often the worker reports its counters. */
const PROGRESS_EVERY_MS = 1_000;

export interface Finding {
  readonly kind: 'crash' | 'hang';
  readonly message: string;
  readonly input: Buffer;
}

export interface FuzzStats {
  readonly executions: number;
  readonly seconds: number;
  readonly blocksCovered: number;
  readonly blocksKnown: number;
  readonly corpusSize: number;
  readonly perFile: Record<string, { covered: number; known: number }>;
}

export interface EngineOptions {
  readonly seconds: number;
  readonly seed: number;
  readonly hangMs: number;
  /** The committed corpus folder of the target; its files are the first inputs. */
  readonly corpusDir: string;
  /** Write each newly kept input into corpusDir (only when asked: `--save-corpus`). */
  readonly saveCorpus: boolean;
  /** Stop at the first finding (the planted-bug test). */
  readonly stopAtFinding: boolean;
}

export interface EngineEvents {
  progress(stats: FuzzStats): void;
  finding(finding: Finding): void;
}

function signature(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const lines = text.split('\n');
  const frame = lines.find((line) => line.trimStart().startsWith('at ')) ?? '';
  return `${lines[0].replace(/\d+/g, 'N')} ${frame.trim()}`;
}

function loadCorpus(dir: string, fallback: readonly Buffer[]): Buffer[] {
  if (!fs.existsSync(dir)) return [...fallback];
  const files = fs.readdirSync(dir).filter((name) => name.endsWith('.bin')).sort();
  return files.map((name) => fs.readFileSync(path.join(dir, name))).filter((input) => input.length <= INPUT_BYTES_MAX);
}

export class FuzzEngine {
  private readonly mutator: Mutator;
  private readonly corpus: Buffer[] = [];
  private readonly seen = new Set<string>();
  private readonly slots: Int32Array;
  private readonly inputBytes: Uint8Array;
  private executions = 0;
  private startedAt = 0;
  private batchInputs = BATCH_INPUTS_MIN;

  constructor(
    private readonly target: FuzzTarget,
    private readonly coverage: BlockCoverage,
    private readonly options: EngineOptions,
    private readonly events: EngineEvents,
    shared: SharedArrayBuffer,
  ) {
    this.mutator = new Mutator(seededRandom(options.seed));
    this.slots = new Int32Array(shared, 0, 4);
    this.inputBytes = new Uint8Array(shared, SHARED_INPUT_AT);
  }

  async run(seeds: readonly Buffer[]): Promise<FuzzStats> {
    this.startedAt = performance.now();
    const deadline = this.startedAt + this.options.seconds * 1_000;
    let reportAt = this.startedAt + PROGRESS_EVERY_MS;
    this.corpus.push(...loadCorpus(this.options.corpusDir, seeds));
    if (!(await this.executeAll(this.corpus)) && this.options.stopAtFinding) return this.stats();
    this.coverage.takeNew(true);
    while (performance.now() < deadline) {
      const batch = Array.from({ length: this.batchInputs }, () => this.mutator.mutate(this.parent(), this.mutator.pick(this.corpus)));
      if (!(await this.runBatch(batch)) && this.options.stopAtFinding) break;
      if (performance.now() >= reportAt) {
        this.events.progress(this.stats());
        reportAt += PROGRESS_EVERY_MS;
      }
    }
    return this.stats();
  }

  /** The entry to mutate: half the time one of the latest kept, which reached the newest code. */
  private parent(): Buffer {
    if (this.mutator.int(2) === 0) return this.mutator.pick(this.corpus);
    return this.corpus[this.corpus.length - 1 - this.mutator.int(Math.min(RECENT_ENTRIES, this.corpus.length))];
  }

  stats(): FuzzStats {
    return {
      executions: this.executions,
      seconds: (performance.now() - this.startedAt) / 1_000,
      blocksCovered: this.coverage.coveredBlocks,
      blocksKnown: this.coverage.knownBlocks,
      corpusSize: this.corpus.length,
      perFile: Object.fromEntries(this.coverage.perFile()),
    };
  }

  /** Runs `batch`, then keeps each of its inputs that reached new coverage; false when one was a finding. */
  private async runBatch(batch: readonly Buffer[]): Promise<boolean> {
    if (!(await this.executeAll(batch))) return false;
    if (!this.coverage.takeNew(false)) {
      this.batchInputs = Math.min(BATCH_INPUTS_MAX, this.batchInputs * 2);
      return true;
    }
    this.batchInputs = BATCH_INPUTS_MIN;
    await this.attribute(batch);
    return true;
  }

  /** Finds the inputs of a batch that brought new coverage by halving it: a few coverage reads per input kept, not one per input run. */
  private async attribute(batch: readonly Buffer[]): Promise<void> {
    if (batch.length === 1) {
      await this.execute(batch[0]);
      if (this.coverage.takeNew(true)) this.keep(batch[0]);
      return;
    }
    const half = batch.length >> 1;
    for (const part of [batch.slice(0, half), batch.slice(half)]) {
      await this.executeAll(part);
      if (this.coverage.takeNew(false)) await this.attribute(part);
    }
  }

  private async executeAll(batch: readonly Buffer[]): Promise<boolean> {
    for (const input of batch) if (!(await this.execute(input))) return false;
    return true;
  }

  /** One execution; false when it crashed or was too slow (reported once per distinct finding). */
  private async execute(input: Buffer): Promise<boolean> {
    this.share(input);
    const started = performance.now();
    let failure: unknown = null;
    try {
      const result = this.target.run(input);
      if (result instanceof Promise) await result;
    } catch (error) {
      failure = error ?? new Error('a falsy value was thrown');
    }
    Atomics.store(this.slots, SHARED_RUNNING, 0);
    this.executions++;
    const elapsed = performance.now() - started;
    if (failure !== null) return this.report('crash', failure, input);
    if (elapsed > this.options.hangMs) return this.report('hang', new Error(`one input took ${Math.round(elapsed)} ms (bound ${this.options.hangMs} ms)`), input);
    return true;
  }

  private share(input: Buffer): void {
    this.inputBytes.set(input.subarray(0, INPUT_BYTES_MAX));
    Atomics.store(this.slots, SHARED_LENGTH, Math.min(input.length, INPUT_BYTES_MAX));
    Atomics.add(this.slots, SHARED_EXECUTION, 1);
    Atomics.store(this.slots, SHARED_RUNNING, 1);
  }

  private report(kind: Finding['kind'], error: unknown, input: Buffer): false {
    const key = kind === 'hang' ? 'hang' : signature(error);
    if (!this.seen.has(key)) {
      this.seen.add(key);
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.events.finding({ kind, message, input: Buffer.from(input) });
    }
    return false;
  }

  private keep(input: Buffer): void {
    this.corpus.push(input);
    if (!this.options.saveCorpus) return;
    fs.mkdirSync(this.options.corpusDir, { recursive: true });
    const name = createHash('sha1').update(input).digest('hex');
    fs.writeFileSync(path.join(this.options.corpusDir, `${name}.bin`), input);
  }
}
