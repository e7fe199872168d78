/**
 * Where each mirrored record of one partition went: Blink offsets → remote offsets.
 *
 * Kafka assigns offsets itself, one per record, so the remote offsets match Blink's only
 * where Blink's have no gaps; compaction-like gaps (records a plugin dropped), DeleteRecords
 * and retention before the uplink copied the data, or a remote partition that was not
 * empty make them differ. The map keeps `runs`: stretches of records consecutive on both
 * sides; a gap in Blink starts a new run. Committed consumer-group offsets are translated
 * with it (group-offset-sync.ts), as MirrorMaker 2's offset syncs do, but exactly.
 *
 * Position: every Blink offset below `blinkNext` is mirrored or gone; the next mirrored
 * record gets remote offset `remoteNext`.
 *
 * Bounded: at most RUNS_MAX runs; the oldest go first, and a committed offset below the
 * oldest kept run is then translated conservatively to `originRemote` (the remote offset of
 * the first record this map ever mirrored: the consumer may see records twice, never skips
 * one). Runs wholly below Blink's log start are pruned: an offset there is translated as
 * the log start (where Kafka's auto.offset.reset=earliest would put the consumer).
 */

/** Records consecutive in both logs: Blink offsets blinkStart.. map to remoteStart.. */
export interface OffsetRun {
  readonly blinkStart: number;
  readonly remoteStart: number;
  readonly count: number;
}

/** The map as the journal saves it. */
export interface OffsetMapState {
  readonly blinkNext: number;
  readonly remoteNext: number;
  readonly runs: readonly OffsetRun[];
  readonly originRemote: number | null;
  /** Translations below this Blink offset fall back to `originRemote` (runs were trimmed). */
  readonly trimmedBelow: number;
}

export const RUNS_MAX = 50_000;

export class OffsetMap {
  private runs: OffsetRun[] = [];
  private origin: number | null = null;
  private trimmed = 0;

  constructor(
    private next: number,
    private remote: number,
  ) {}

  static restore(state: OffsetMapState): OffsetMap {
    const map = new OffsetMap(state.blinkNext, state.remoteNext);
    map.runs = [...state.runs];
    map.origin = state.originRemote;
    map.trimmed = state.trimmedBelow;
    return map;
  }

  get blinkNext(): number {
    return this.next;
  }

  get remoteNext(): number {
    return this.remote;
  }

  get runCount(): number {
    return this.runs.length;
  }

  state(): OffsetMapState {
    return { blinkNext: this.next, remoteNext: this.remote, runs: [...this.runs], originRemote: this.origin, trimmedBelow: this.trimmed };
  }

  /**
   * Records were mirrored: `runs` (ascending, at or after `blinkNext`) went to the remote,
   * and the position moves to (`blinkNext`, `remoteNext`).
   */
  advance(runs: readonly OffsetRun[], blinkNext: number, remoteNext: number): void {
    if (blinkNext < this.next) throw new Error(`mirror position moves back from ${this.next} to ${blinkNext}`);
    for (const run of runs) this.append(run);
    this.next = blinkNext;
    this.remote = remoteNext;
    if (this.runs.length > RUNS_MAX) this.trim(this.runs.length - RUNS_MAX);
  }

  /** Nothing to mirror below `blinkOffset` any more (deleted from Blink before it was copied). */
  skipTo(blinkOffset: number): void {
    if (blinkOffset > this.next) this.next = blinkOffset;
  }

  /** Forgets runs wholly below `blinkOffset` (Blink's log start). */
  pruneBelow(blinkOffset: number): void {
    let drop = 0;
    while (drop < this.runs.length - 1 && this.runs[drop].blinkStart + this.runs[drop].count <= blinkOffset) drop++;
    if (drop > 0) this.runs.splice(0, drop);
  }

  /**
   * The remote offset a consumer committed at Blink offset `committed` must resume from, or
   * null while the uplink has not mirrored up to there.
   */
  translate(committed: number, blinkLogStart: number): number | null {
    const offset = Math.max(committed, blinkLogStart);
    if (offset > this.next) return null;
    const index = this.firstRunEndingAfter(offset);
    if (index === this.runs.length) return this.remote;
    const run = this.runs[index];
    if (offset >= run.blinkStart) return run.remoteStart + (offset - run.blinkStart);
    if (index === 0 && offset < this.trimmed && this.origin !== null) return this.origin;
    return run.remoteStart;
  }

  private append(run: OffsetRun): void {
    if (run.count <= 0) return;
    this.origin ??= run.remoteStart;
    const last = this.runs[this.runs.length - 1];
    if (last !== undefined && last.blinkStart + last.count === run.blinkStart && last.remoteStart + last.count === run.remoteStart) {
      this.runs[this.runs.length - 1] = { ...last, count: last.count + run.count };
    } else {
      this.runs.push(run);
    }
  }

  private trim(count: number): void {
    const removed = this.runs.splice(0, count);
    const last = removed[removed.length - 1];
    this.trimmed = Math.max(this.trimmed, last.blinkStart + last.count);
  }

  /** Index of the first run whose last offset is >= `offset` (runs.length if none). */
  private firstRunEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const run = this.runs[mid];
      if (run.blinkStart + run.count <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
