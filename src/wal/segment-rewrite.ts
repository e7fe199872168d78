/**
 * One rewrite of consecutive sealed segments by the log cleaner (compaction/): the cleaned
 * batches are written to a new segment under a temporary name, then swapped in for the old
 * ones so that a crash at any point leaves either the old segments or the new one, never
 * both and never neither (Kafka's .cleaned / .swap protocol).
 *
 * Files, in the partition directory, for a group whose first segment starts at B and whose
 * range ends at E (the next segment's base offset):
 *   `<B>.log.cleaned`       the new segment being written: deleted by recovery (the old
 *                           segments are intact until the swap is committed);
 *   `<B>.<E>.swap`          the commit point (a rename of the .cleaned file once it is whole
 *                           and synced): recovery finishes the swap, deleting the .log and
 *                           .index of every segment based in [B, E) and renaming it to `<B>.log`.
 * The swap then deletes the old segments' files (B's producer snapshot stays: the new segment
 * has B's base offset), renames the .swap file to `<B>.log` and seals it (its .index); a
 * rewrite that kept no batch leaves no segment (an empty .swap file is deleted instead).
 * Batch offsets never change: the new segment has gaps where batches were removed, and its
 * `nextOffset` is where its last batch ends (reads in a gap move on to the next segment).
 */
import { join } from 'node:path';
import type { StoredBatch } from '../storage/stored-batch.js';
import { INDEX_SUFFIX, LOG_SUFFIX, Segment, segmentFileName, SNAPSHOT_SUFFIX, TXN_INDEX_SUFFIX } from './segment.js';
import type { WalFileSystem } from './wal-file-system.js';

export const CLEANED_SUFFIX = '.log.cleaned';
const SWAP_SUFFIX = '.swap';

/** `<B>.<E>.swap`: the committed rewrite of the segments based in [B, E). */
export function swapFileName(baseOffset: number, rangeEnd: number): string {
  return `${segmentFileName(baseOffset, '')}.${segmentFileName(rangeEnd, SWAP_SUFFIX)}`;
}

/** The [base, end) of a swap file name, or null for any other name. */
export function parseSwapFileName(name: string): { baseOffset: number; rangeEnd: number } | null {
  const match = /^(\d{20})\.(\d{20})\.swap$/.exec(name);
  return match ? { baseOffset: Number(match[1]), rangeEnd: Number(match[2]) } : null;
}

/** The base offset of a `<20 digits>.log.cleaned` name, or null. */
export function parseCleanedFileName(name: string): number | null {
  const match = /^(\d{20})\.log\.cleaned$/.exec(name);
  return match ? Number(match[1]) : null;
}

export class SegmentRewrite {
  private constructor(
    /** The old segments, oldest first (consecutive in the WAL when the rewrite began). */
    readonly group: readonly Segment[],
    readonly rangeEnd: number,
    /** The new segment, writable until the swap. */
    readonly segment: Segment,
    private readonly fs: WalFileSystem,
  ) {}

  static async begin(fs: WalFileSystem, directory: string, group: readonly Segment[], rangeEnd: number, nowMs: number): Promise<SegmentRewrite> {
    const base = group[0].baseOffset;
    const segment = await Segment.createAt(fs, directory, base, nowMs, segmentFileName(base, CLEANED_SUFFIX), 0);
    return new SegmentRewrite(group, rangeEnd, segment, fs);
  }

  get directory(): string {
    return this.segment.directory;
  }

  get cleanedPath(): string {
    return join(this.directory, segmentFileName(this.segment.baseOffset, CLEANED_SUFFIX));
  }

  /** Appends cleaned batches, ascending, within [base, rangeEnd). */
  async append(batches: readonly StoredBatch[]): Promise<void> {
    if (batches.length === 0) return;
    if (batches[batches.length - 1].lastOffset >= this.rangeEnd) {
      throw new Error(`cleaned batch at ${batches[batches.length - 1].lastOffset} is past the rewritten range (ends at ${this.rangeEnd})`);
    }
    await this.segment.append(batches, false);
  }

  /**
   * The swap (see the file comment); the caller runs it on the WAL's serial chain after
   * checking that the group is still in place. `sync`: fsync the data and the directory.
   */
  async swap(sync: boolean): Promise<void> {
    if (sync) await this.segment.sync();
    const base = this.segment.baseOffset;
    const swapPath = join(this.directory, swapFileName(base, this.rangeEnd));
    await this.fs.rename(this.cleanedPath, swapPath);
    if (sync) await this.fs.syncDirectory(this.directory);
    const empty = this.segment.isEmpty;
    for (const old of this.group) await old.delete(!empty && old.baseOffset === base);
    if (empty) {
      await this.segment.close();
      await this.fs.deleteFile(swapPath);
    } else {
      await this.fs.rename(swapPath, join(this.directory, segmentFileName(base, LOG_SUFFIX)));
      await this.segment.seal(sync);
    }
    if (sync) await this.fs.syncDirectory(this.directory);
  }

  /** The rewrite is given up: the new file goes, the old segments stay. */
  async abort(): Promise<void> {
    await this.segment.close();
    await this.fs.deleteFile(this.cleanedPath);
  }
}

/**
 * Recovery, before the segments are opened: deletes unfinished rewrites (.cleaned) and
 * finishes committed ones (.swap). Returns the number of swaps finished.
 */
export async function settleRewrites(fs: WalFileSystem, directory: string): Promise<number> {
  let finished = 0;
  const names = await fs.list(directory);
  for (const name of names) if (parseCleanedFileName(name) !== null) await fs.deleteFile(join(directory, name));
  for (const name of names) {
    const swap = parseSwapFileName(name);
    if (swap === null) continue;
    await finishSwap(fs, directory, names, swap, name);
    finished++;
  }
  return finished;
}

async function finishSwap(fs: WalFileSystem, directory: string, names: readonly string[], swap: { baseOffset: number; rangeEnd: number }, swapName: string): Promise<void> {
  const swapPath = join(directory, swapName);
  const file = await fs.openFile(swapPath);
  const empty = (await file.sizeBytes()) === 0;
  await file.close();
  for (const name of names) {
    const base = /^(\d{20})\.log$/.exec(name);
    if (base === null || Number(base[1]) < swap.baseOffset || Number(base[1]) >= swap.rangeEnd) continue;
    const old = Number(base[1]);
    await fs.deleteFile(join(directory, segmentFileName(old, LOG_SUFFIX)));
    await fs.deleteFile(join(directory, segmentFileName(old, INDEX_SUFFIX)));
    if (old !== swap.baseOffset || empty) {
      await fs.deleteFile(join(directory, segmentFileName(old, SNAPSHOT_SUFFIX)));
      await fs.deleteFile(join(directory, segmentFileName(old, TXN_INDEX_SUFFIX)));
    }
  }
  if (empty) await fs.deleteFile(swapPath);
  else await fs.rename(swapPath, join(directory, segmentFileName(swap.baseOffset, LOG_SUFFIX)));
}
