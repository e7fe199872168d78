/**
 * The fuzzer's feedback: V8's precise block coverage read through node:inspector in the
 * thread that runs the target (Profiler.startPreciseCoverage with callCount and detailed;
 * each takePreciseCoverage returns the counts since the previous one and resets them, so a
 * take after one execution is that execution's coverage). Only the target's own source
 * files count (scripts whose URL contains one of `scriptParts`). A block is a range V8
 * reports (a function body or a block inside it), known by its start; an execution's features are its covered
 * blocks, each with its hit count bucketed as AFL does (1, 2, 3, 4-7, 8-15, ...), so an
 * input that runs a loop a new number of times is kept too.
 */
import { Session } from 'node:inspector';

interface CoverageRange {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}

interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly { readonly ranges: readonly CoverageRange[] }[];
}

/** Hit count bucket (0..8): distinguishes 1, 2, 3, then powers of two up to 128+. */
function bucket(count: number): number {
  if (count <= 3) return count;
  return Math.min(8, 31 - Math.clz32(count) + 2);
}

export class BlockCoverage {
  private readonly session = new Session();
  /** Every block V8 reported in the target files, covered or not: its id. */
  private readonly blockIds = new Map<string, number>();
  private readonly covered = new Set<number>();
  /** Block id × 16 + bucket: the features seen so far. */
  private readonly features = new Set<number>();
  /** Block start offsets per target file, sorted. */
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly scriptParts: readonly string[]) {}

  start(): void {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  stop(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }

  /** Blocks of the target files covered so far, and blocks V8 has reported in them (uncalled functions count as one). */
  get coveredBlocks(): number {
    return this.covered.size;
  }

  get knownBlocks(): number {
    return this.blockIds.size;
  }

  /** Covered blocks per target file (path from the repository root), for the report. */
  perFile(): Map<string, { covered: number; known: number }> {
    const files = new Map<string, { covered: number; known: number }>();
    for (const [key, id] of this.blockIds) {
      const file = key.slice(0, key.indexOf('#'));
      const entry = files.get(file) ?? { covered: 0, known: 0 };
      entry.known++;
      if (this.covered.has(id)) entry.covered++;
      files.set(file, entry);
    }
    return files;
  }

  /**
   * Reads (and resets) the counts since the last call; true when they hold a feature never
   * seen before. `commit` false only looks, at the counts of several executions summed:
   * there only a block never covered counts as new (summed hit counts say nothing of one
   * input); the engine then re-runs the batch one by one to learn which input brought what.
   */
  takeNew(commit: boolean): boolean {
    let fresh = false;
    for (const script of this.take()) {
      if (!this.scriptParts.some((part) => script.url.includes(part))) continue;
      const file = script.url.slice(script.url.indexOf('/dist-test/') + '/dist-test/'.length);
      for (const [id, count] of this.blockCounts(file, script)) {
        if (count === 0) continue;
        if (!commit) {
          fresh ||= !this.covered.has(id);
          continue;
        }
        this.covered.add(id);
        const feature = id * 16 + bucket(count);
        if (this.features.has(feature)) continue;
        this.features.add(feature);
        fresh = true;
      }
    }
    return fresh;
  }

  /**
   * The count of every block of `file` known so far, in this take. V8 leaves out a nested
   * range whose count equals its parent's, so a block is identified by its start offset
   * (learnt from any take that reported it) and its count is that of the innermost range
   * of this take that holds the offset.
   */
  private blockCounts(file: string, script: ScriptCoverage): Map<number, number> {
    const ranges = script.functions.flatMap((fn) => fn.ranges).sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
    let starts = this.starts.get(file);
    if (starts === undefined) this.starts.set(file, (starts = []));
    for (const range of ranges) this.blockId(file, starts, range.startOffset);
    starts.sort((a, b) => a - b);
    const counts = new Map<number, number>();
    const open: CoverageRange[] = [];
    let next = 0;
    for (const offset of starts) {
      while (next < ranges.length && ranges[next].startOffset <= offset) {
        while (open.length > 0 && open[open.length - 1].endOffset <= ranges[next].startOffset) open.pop();
        open.push(ranges[next++]);
      }
      while (open.length > 0 && open[open.length - 1].endOffset <= offset) open.pop();
      if (open.length > 0) counts.set(this.blockIds.get(`${file}#${offset}`) as number, open[open.length - 1].count);
    }
    return counts;
  }

  private blockId(file: string, starts: number[], offset: number): number {
    const key = `${file}#${offset}`;
    let id = this.blockIds.get(key);
    if (id === undefined) {
      id = this.blockIds.size;
      this.blockIds.set(key, id);
      starts.push(offset);
    }
    return id;
  }

  private take(): readonly ScriptCoverage[] {
    return (this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] }).result;
  }

  /** An in-thread session answers synchronously: the callback has run when post returns. */
  private post(method: string, params?: object): unknown {
    let answer: unknown;
    let failure: Error | null = null;
    this.session.post(method, params, (error, result) => {
      failure = error;
      answer = result;
    });
    if (failure !== null) throw failure;
    return answer;
  }
}
