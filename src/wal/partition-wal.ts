/**
 * The WAL of one partition: its directory `<record_storage_path>/<topic>-<partition>/` and
 * the segments in it (segment.ts), oldest first. Implements the partition's cold tier.
 *
 * Writes: appends queue up and are flushed in order by one flush at a time (group commit:
 * whatever queued while the previous flush ran goes out in one writev, at most
 * FLUSH_BATCHES_MAX batches or FLUSH_BYTES_MAX bytes). The queue is bounded by its callers:
 * a connection has one produce request in flight, and an offload round is bounded
 * (offloader.ts). The last segment takes the writes; it rolls (is sealed, and a new one
 * starts at the next offset) when a write would take it past segment.bytes or when it is older
 * than segment.ms (`shouldRoll`); a batch after a gap (memory mode: data purged or compacted in
 * between) continues the segment. A roll first saves the
 * idempotent-producer state as the new segment's .snapshot (durable mode).
 * Every structural change (flush, roll, segment deletion, close) runs on one serial chain,
 * so none overlaps another; reads run concurrently (bounded by DiskReadLimiter) and keep the
 * segment they read open until they are done.
 *
 * Failure: the first write or file error puts the WAL in a failed state: that append and
 * every one queued behind it fail in order, later appends fail at once, and the failure is
 * reported (WalHealth) until `resume()` truncates whatever the failed write left and
 * accepts appends again. Acknowledged data is never rewritten. A segment file the directory
 * refuses to delete is not a failure (no write is at risk): deleteBelow answers with the error,
 * releaseBelow warns, and the segment stays listed and readable until a later deletion.
 *
 * Transactions (durable mode): sealing a segment first saves the aborted transactions whose
 * ABORT marker lies in it as `<base>.txnindex` (JSON [{producerId, firstOffset, lastOffset,
 * lastStableOffset}], written atomically before the segment's .index, so a sealed segment
 * always has its entries); the .snapshot of the next segment carries each producer's open
 * transaction (storage/producer-state.ts).
 * The log cleaner rewrites sealed segments (segment-rewrite.ts): new files, swapped in on the
 * serial chain; recovery first finishes or discards an interrupted swap.
 * After a crash (`recover`): sealed segments open from their index, the last segment is
 * scanned and its bad tail cut; high watermark = where the last valid batch ends. The
 * producer state is the last segment's snapshot with the last segment replayed on top
 * (sequences, open transactions, markers), and the aborted transactions are the sealed
 * segments' .txnindex entries plus those the replay finds (an unreadable .txnindex is
 * rebuilt by replaying its segment over that segment's own snapshot).
 * Invariants: segments ascend and do not overlap; only the last one is writable; in durable
 * mode there is always a last segment (its name keeps the log end across restarts).
 */
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import type { Clock } from '../common/clock.js';
import type { AbortedTransaction } from '../storage/aborted-transactions.js';
import type { ScratchMemory } from '../storage/batch-memory.js';
import type { ColdSegmentInfo, ColdTier } from '../storage/cold-tier.js';
import type { AppendedSequence } from '../storage/producer-state.js';
import { EMPTY_READ, type ReadResult } from '../storage/partition-log.js';
import { ProducerStateTable, type ProducerSnapshot } from '../storage/producer-state.js';
import type { StoredBatch } from '../storage/stored-batch.js';
import type { DiskReadLimiter } from './disk-read-limiter.js';
import { parseSegmentFileName, Segment, segmentFileName, SNAPSHOT_SUFFIX, TXN_INDEX_SUFFIX, type TailCut } from './segment.js';
import { SegmentRewrite, settleRewrites } from './segment-rewrite.js';
import type { WalFileSystem } from './wal-file-system.js';

export const FLUSH_BATCHES_MAX = 1024;
export const FLUSH_BYTES_MAX = 16 * 1024 * 1024;
/** ListOffsets by time reads this much per step while looking for the batch. */
const TIMESTAMP_SCAN_BYTES = 1024 * 1024;
/** Bytes of a batch header up to maxTimestamp (35..43). */
const TIMESTAMP_HEADER_BYTES = 43;

/** How a partition's WAL behaves; segment sizes are read at each roll (AlterConfigs may change them). */
export interface WalPolicy {
  segmentBytes(): number;
  segmentMs(): number;
  /** fsync every write before it counts as done (durable, fsync: always). */
  readonly syncEachWrite: boolean;
  /** fsync sealed segments, snapshots and directories (durable with always/interval). */
  readonly syncStructure: boolean;
  /** Durable mode: never delete the last segment, roll past it instead. */
  readonly keepLastSegment: boolean;
}

export interface PartitionWalHooks {
  /** Producer state to save with a new segment (JSON), or null for none (memory mode). */
  producerSnapshot(): Buffer | null;
  /** The aborted transactions whose marker lies in [fromOffset, toOffset), to save with a sealed segment; null for none (memory mode). */
  abortedTransactions?(fromOffset: number, toOffset: number): readonly AbortedTransaction[] | null;
  /** A write or file operation failed: report it (WalHealth). */
  failed(error: Error, wal: PartitionWal): void;
}

export interface WalDependencies {
  readonly fs: WalFileSystem;
  readonly limiter: DiskReadLimiter;
  readonly log: Logger;
  readonly clock: Clock;
}

/** What recovery found in a partition directory. */
export interface RecoveredPartition {
  readonly wal: PartitionWal;
  /** Log end after recovery (where the last valid batch ends). */
  readonly highWatermark: number;
  /** The first offset still on disk. */
  readonly firstOffset: number;
  readonly cut: TailCut | null;
  /** Producer state: the last segment's snapshot plus the batches after it, and the aborted transactions on disk. */
  readonly producers: ProducerStateTable;
}

interface PendingAppend {
  readonly batch: StoredBatch;
  readonly done: (error: Error | null) => void;
}

/** A sealed segment the log cleaner may rewrite, and where its range ends (the next segment's base offset). */
export interface CleanableSegment {
  readonly segment: Segment;
  readonly rangeEnd: number;
}

/** Named rule: the active segment must roll before taking `incomingBytes` more at `nowMs`. */
export function shouldRoll(segment: Segment, incomingBytes: number, segmentBytes: number, segmentMs: number, nowMs: number): boolean {
  if (segment.isEmpty) return false;
  return segment.sizeBytes + incomingBytes > segmentBytes || nowMs - segment.createdAtMs >= segmentMs;
}

export class PartitionWal implements ColdTier {
  private segmentList: Segment[] = [];
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private work: Promise<void>;
  private failure: Error | null = null;
  private closed = false;
  private directoryReady = false;
  private prepared = false;
  /** The partition's log start as last released (recovery sets it from the checkpoint); durable mode saves it. */
  logStartOffset = 0;
  /** The last releaseBelow found a segment file the directory would not delete (one warning until one deletes again). */
  private releaseRefused = false;
  /** deleteBelow's deletion waiting in the queue (not begun), if any. */
  private queuedDeletion: { offset: number; done: Promise<Error | null> } | null = null;

  constructor(
    readonly directory: string,
    private readonly policy: WalPolicy,
    private readonly hooks: PartitionWalHooks,
    private readonly deps: WalDependencies,
    /**
     * Resolves when this WAL may write: a deleted predecessor of the same name is gone and
     * (durable mode) the topic metadata is saved. If it rejects, the WAL starts failed, and
     * `resume()` calls it again before taking writes.
     */
    private readonly prepare: () => Promise<void>,
  ) {
    this.work = this.runPrepare().catch((error: unknown) => this.reportFailure(error));
  }

  private async runPrepare(): Promise<void> {
    if (this.prepared) return;
    await this.prepare();
    this.prepared = true;
  }

  get failed(): Error | null {
    return this.failure;
  }

  get sizeBytes(): number {
    let bytes = 0;
    for (const segment of this.segmentList) bytes += segment.sizeBytes;
    return bytes;
  }

  get batchCount(): number {
    let batches = 0;
    for (const segment of this.segmentList) batches += segment.batchCount;
    return batches;
  }

  get segmentCount(): number {
    return this.segmentList.length;
  }

  /** Where the next append continues (the log end in durable mode). */
  get nextOffset(): number {
    return this.segmentList.at(-1)?.nextOffset ?? 0;
  }

  get hasUnsyncedWrites(): boolean {
    return this.segmentList.at(-1)?.hasUnsyncedWrites ?? false;
  }

  segments(): readonly ColdSegmentInfo[] {
    return this.segmentList;
  }

  append(batch: StoredBatch, done: (error: Error | null) => void): void {
    if (this.closed) return done(new Error(`${this.directory}: partition is closed`));
    if (this.failure !== null) return done(this.failure);
    this.pending.push({ batch, done });
    this.scheduleFlush();
  }

  async read(offset: number, maxBytes: number, includeOversizedFirst: boolean, scratch?: ScratchMemory): Promise<ReadResult> {
    const found = this.segmentHolding(offset);
    if (found === null) return EMPTY_READ(offset);
    const { segment, from } = found;
    segment.retain();
    try {
      return await this.deps.limiter.run(() => segment.read(from, maxBytes, includeOversizedFirst, scratch));
    } finally {
      await segment.release();
    }
  }

  async findBatchByTimestamp(timestamp: number): Promise<Buffer | null> {
    for (const segment of [...this.segmentList]) {
      if (segment.maxTimestamp < timestamp || segment.isEmpty) continue;
      segment.retain();
      try {
        const found = await this.deps.limiter.run(() => this.scanForTimestamp(segment, timestamp));
        if (found !== null) return found;
      } finally {
        await segment.release();
      }
    }
    return null;
  }

  /** The log cleaner: sealed, non-empty segments (oldest first) whose range ends at or before `endOffset`. */
  cleanableSegments(endOffset: number): CleanableSegment[] {
    const found: CleanableSegment[] = [];
    for (let i = 0; i + 1 < this.segmentList.length; i++) {
      const rangeEnd = this.segmentList[i + 1].baseOffset;
      if (rangeEnd > endOffset) break;
      const segment = this.segmentList[i];
      if (!segment.isWritable && !segment.isEmpty) found.push({ segment, rangeEnd });
    }
    return found;
  }

  /** The log cleaner: a new segment file to write `group`'s cleaned batches into (segment-rewrite.ts). */
  beginRewrite(group: readonly Segment[], rangeEnd: number): Promise<SegmentRewrite> {
    if (this.closed) return Promise.reject(new Error(`${this.directory}: partition is closed`));
    return SegmentRewrite.begin(this.deps.fs, this.directory, group, rangeEnd, this.deps.clock.nowMs());
  }

  /**
   * The log cleaner: swaps the rewritten segment in for its group, on the serial chain, if the
   * group is still in place (retention or a topic deletion may have removed it meanwhile);
   * otherwise the rewrite is dropped. Resolves true once swapped. A file error during the swap
   * fails the WAL (recovery finishes the swap after a restart).
   */
  commitRewrite(rewrite: SegmentRewrite): Promise<boolean> {
    return this.enqueue(async () => {
      const at = this.segmentList.indexOf(rewrite.group[0]);
      const inPlace =
        !this.closed &&
        this.failure === null &&
        at >= 0 &&
        rewrite.group.every((segment, i) => this.segmentList[at + i] === segment) &&
        this.segmentList[at + rewrite.group.length]?.baseOffset === rewrite.rangeEnd;
      if (!inPlace) {
        await rewrite.abort();
        return false;
      }
      try {
        await rewrite.swap(this.policy.syncStructure);
      } catch (error) {
        this.reportFailure(error);
        throw error;
      }
      this.segmentList.splice(at, rewrite.group.length, ...(rewrite.segment.isEmpty ? [] : [rewrite.segment]));
      return true;
    });
  }

  /** Resolves once every flush and file operation queued so far has run. */
  settled(): Promise<void> {
    return this.work;
  }

  /**
   * The log start moved (memory mode's retention, purge_on_fetch, DeleteRecords): deletes the
   * segments wholly below it. One the directory refuses to delete stays, with a warning when the
   * refusals start and a line when a later release deletes it (they are not a failed WAL: see deleteBelow).
   */
  releaseBelow(offset: number): Promise<void> {
    if (offset > this.logStartOffset) this.logStartOffset = offset;
    return this.enqueue(() => this.deleteSegmentsBelow(offset)).then(
      () => {
        if (!this.releaseRefused) return;
        this.releaseRefused = false;
        this.deps.log.log(`${this.directory}: the segment files below offset ${offset} are deleted now`);
      },
      (error: unknown) => {
        if (!(error instanceof RefusedDeletion)) return this.reportFailure(error);
        if (this.releaseRefused) return;
        this.releaseRefused = true;
        this.deps.log.warn(`${this.directory}: could not delete a segment file below offset ${offset} (${error.message}): it stays, and the next move of the log start retries`);
      },
    );
  }

  /**
   * Durable retention, before it moves the log start: deletes the segments wholly below `offset`
   * (see ColdTier). A failed WAL deletes nothing. A call while another waits in the queue joins it
   * (its offset raised), so a queue that does not move holds one at most. A segment file the
   * directory refuses to delete (RefusedDeletion) only answers with its error: the segment stays
   * listed and readable, and the WAL keeps taking appends, since no write is at risk (a roll
   * that fails here is a failed write: that fails the WAL).
   */
  deleteBelow(offset: number): Promise<Error | null> {
    const queued = this.queuedDeletion;
    if (queued !== null) {
      queued.offset = Math.max(queued.offset, offset);
      return queued.done;
    }
    const deletion = { offset, done: Promise.resolve<Error | null>(null) };
    deletion.done = this.enqueue(async () => {
      this.queuedDeletion = null;
      if (this.failure !== null) return this.failure;
      await this.deleteSegmentsBelow(deletion.offset);
      return null;
    }).catch((error: unknown) => {
      if (error instanceof RefusedDeletion) return error.refusal;
      this.reportFailure(error);
      return error instanceof Error ? error : new Error(String(error));
    });
    this.queuedDeletion = deletion;
    return deletion.done;
  }

  /** fsync the active segment if it took writes since the last sync (fsync: interval). */
  async syncNow(): Promise<void> {
    try {
      await this.segmentList.at(-1)?.sync();
    } catch (error) {
      this.reportFailure(error);
    }
  }

  /** After a failure, once the directory takes writes again: cut the failed write's leftovers and accept appends. */
  resume(): Promise<void> {
    return this.enqueue(async () => {
      if (this.failure === null || this.closed) return;
      await this.runPrepare();
      await this.segmentList.at(-1)?.discardUnacknowledgedTail();
      this.failure = null;
      this.deps.log.log(`${this.directory}: writable again`);
    }).catch((error: unknown) => this.reportFailure(error));
  }

  /** Topic deleted: fail what is queued, close the files, remove the directory (idempotent). */
  deleteFiles(): Promise<void> {
    if (this.closed) return this.work;
    this.closed = true;
    this.failQueued(new Error(`${this.directory}: partition deleted`));
    return this.enqueue(async () => {
      for (const segment of this.segmentList) await segment.close();
      this.segmentList = [];
      await this.deps.fs.deleteTree(this.directory);
    }).catch((error: unknown) => this.deps.log.warn(`${this.directory}: could not remove: ${(error as Error).message}`));
  }

  /** Clean shutdown: wait for queued writes, seal the last segment (saving its index), close the files (they stay). */
  shutdown(): Promise<void> {
    return this.enqueue(async () => {
      this.closed = true;
      const last = this.segmentList.at(-1);
      if (last !== undefined && this.failure === null && this.directoryReady) await last.seal(this.policy.syncStructure || this.policy.syncEachWrite);
      for (const segment of this.segmentList) await segment.close();
    }).catch((error: unknown) => this.deps.log.warn(`${this.directory}: shutdown: ${(error as Error).message}`));
  }

  /**
   * Opens an existing partition directory after a restart (see the file comment), filling
   * `producers`. Files that are not segments of this partition's layout are left alone.
   */
  static async recover(
    directory: string,
    policy: WalPolicy,
    hooks: PartitionWalHooks,
    deps: WalDependencies,
    producers = new ProducerStateTable(),
  ): Promise<RecoveredPartition> {
    const wal = new PartitionWal(directory, policy, hooks, deps, () => Promise.resolve());
    const swaps = await settleRewrites(deps.fs, directory);
    if (swaps > 0) deps.log.warn(`${directory}: finished ${swaps} segment swap(s) of the log cleaner interrupted by a crash`);
    const names = await deps.fs.list(directory);
    const bases = names.map(parseSegmentFileName).filter((base): base is number => base !== null).sort((a, b) => a - b);
    const now = deps.clock.nowMs();
    const aborted: AbortedTransaction[] = [];
    for (const base of bases.slice(0, -1)) {
      const segment = await Segment.openSealed(deps.fs, directory, base, now, deps.log);
      wal.segmentList.push(segment);
      aborted.push(...(await wal.sealedAbortedTransactions(segment)));
    }
    const lastBase = bases.at(-1);
    producers.restore(lastBase === undefined ? [] : await readSnapshot(deps.fs, directory, lastBase));
    producers.aborted.restore(aborted);
    let cut: TailCut | null = null;
    if (lastBase !== undefined) {
      const recovered = await Segment.recoverLast(deps.fs, directory, lastBase, now, (batch) => producers.replay(batch.view));
      wal.segmentList.push(recovered.segment);
      cut = recovered.cut;
    }
    wal.directoryReady = true;
    wal.checkContiguity();
    return { wal, highWatermark: wal.nextOffset, firstOffset: wal.segmentList[0]?.baseOffset ?? 0, cut, producers };
  }

  /** A sealed segment's aborted transactions: its .txnindex, or rebuilt from the segment when that cannot be read. */
  private async sealedAbortedTransactions(segment: Segment): Promise<AbortedTransaction[]> {
    const saved = await this.deps.fs.readWhole(join(this.directory, segmentFileName(segment.baseOffset, TXN_INDEX_SUFFIX)));
    if (saved === null) return [];
    const parsed = parseAbortedTransactions(saved);
    if (parsed !== null) return parsed;
    this.deps.log.warn(`${this.directory}/${segmentFileName(segment.baseOffset, TXN_INDEX_SUFFIX)} is unreadable: rebuilding it from its segment`);
    const replayed = new ProducerStateTable();
    replayed.restore(await readSnapshot(this.deps.fs, this.directory, segment.baseOffset));
    segment.retain();
    try {
      await segment.scan((batch) => replayed.replay(batch.view));
    } finally {
      await segment.release();
    }
    return replayed.aborted.between(segment.baseOffset, segment.nextOffset);
  }

  /** A new durable partition: create its directory and first segment now, so its log end is on disk. */
  async createFirstSegment(baseOffset: number): Promise<void> {
    await this.enqueue(async () => {
      if (this.segmentList.length === 0 && this.failure === null) await this.roll(baseOffset, this.deps.clock.nowMs());
    }).catch((error: unknown) => this.reportFailure(error));
  }

  private checkContiguity(): void {
    for (let i = 1; i < this.segmentList.length; i++) {
      const previous = this.segmentList[i - 1];
      if (previous.nextOffset > this.segmentList[i].baseOffset) {
        throw new Error(`${this.directory}: segment ${previous.baseOffset} ends at ${previous.nextOffset}, after the next one starts (${this.segmentList[i].baseOffset})`);
      }
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    void this.enqueue(() => this.flush());
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.work.then(operation);
    this.work = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const taken = this.takePending();
    if (this.pending.length > 0) this.scheduleFlush();
    if (taken.length === 0) return;
    let written = 0;
    try {
      if (this.failure !== null) throw this.failure;
      await this.ensureDirectory();
      while (written < taken.length) {
        const segment = await this.segmentFor(taken[written].batch);
        const end = this.runEnd(taken, written, segment);
        await segment.append(taken.slice(written, end).map((entry) => entry.batch), this.policy.syncEachWrite);
        for (let i = written; i < end; i++) taken[i].done(null);
        written = end;
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      const victims = [...taken.slice(written), ...this.pending];
      this.pending = [];
      this.hooks.failed(this.failure, this);
      for (const victim of victims) victim.done(this.failure);
    }
  }

  private takePending(): PendingAppend[] {
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length && count < FLUSH_BATCHES_MAX && (count === 0 || bytes + this.pending[count].batch.buffer.length <= FLUSH_BYTES_MAX)) {
      bytes += this.pending[count].batch.buffer.length;
      count++;
    }
    return this.pending.splice(0, count);
  }

  /** Entries from `start` that go into `segment` in one write: ascending, within segment.bytes (one at least). */
  private runEnd(taken: readonly PendingAppend[], start: number, segment: Segment): number {
    const room = Math.max(this.policy.segmentBytes() - segment.sizeBytes, taken[start].batch.buffer.length);
    let bytes = 0;
    let expected = taken[start].batch.baseOffset;
    let end = start;
    while (end < taken.length && taken[end].batch.baseOffset >= expected && bytes + taken[end].batch.buffer.length <= room) {
      bytes += taken[end].batch.buffer.length;
      expected = taken[end].batch.lastOffset + 1;
      end++;
    }
    return end;
  }

  /** The segment that takes `batch` next, rolling first when needed. */
  private async segmentFor(batch: StoredBatch): Promise<Segment> {
    const active = this.segmentList.at(-1);
    const now = this.deps.clock.nowMs();
    if (active !== undefined && batch.baseOffset < active.nextOffset) {
      throw new Error(`${this.directory}: batch at offset ${batch.baseOffset} is already in the WAL (log end ${active.nextOffset})`);
    }
    const continues = active !== undefined && active.isWritable && batch.baseOffset >= active.nextOffset;
    if (continues && !shouldRoll(active, batch.buffer.length, this.policy.segmentBytes(), this.policy.segmentMs(), now)) return active;
    return this.roll(batch.baseOffset, now);
  }

  /** Seals the active segment (an empty one is deleted instead) and starts one at `baseOffset`. */
  private async roll(baseOffset: number, nowMs: number): Promise<Segment> {
    const previous = this.segmentList.at(-1);
    const sync = this.policy.syncStructure;
    if (previous !== undefined) {
      if (previous.isEmpty) {
        this.segmentList.pop();
        await previous.delete();
      } else if (previous.isWritable) {
        await this.saveAbortedTransactions(previous, sync);
        await previous.seal(sync);
      }
    }
    await this.ensureDirectory();
    const snapshot = this.hooks.producerSnapshot();
    if (snapshot !== null) await this.deps.fs.writeAtomically(join(this.directory, segmentFileName(baseOffset, SNAPSHOT_SUFFIX)), snapshot, sync);
    const segment = await Segment.create(this.deps.fs, this.directory, baseOffset, nowMs);
    if (sync) await this.deps.fs.syncDirectory(this.directory);
    this.segmentList.push(segment);
    return segment;
  }

  /** Before a segment is sealed: its aborted transactions beside it, when it has any (durable mode). */
  private async saveAbortedTransactions(segment: Segment, sync: boolean): Promise<void> {
    const entries = this.hooks.abortedTransactions?.(segment.baseOffset, segment.nextOffset) ?? null;
    if (entries === null || entries.length === 0) return;
    await this.deps.fs.writeAtomically(join(this.directory, segmentFileName(segment.baseOffset, TXN_INDEX_SUFFIX)), Buffer.from(JSON.stringify(entries)), sync);
  }

  private async deleteSegmentsBelow(offset: number): Promise<void> {
    while (this.segmentList.length > 0 && !this.closed) {
      const oldest = this.segmentList[0];
      if (oldest.nextOffset > offset || oldest.isEmpty) return;
      if (this.segmentList.length === 1) {
        if (!this.policy.keepLastSegment) {
          await this.deleteOldest();
          return;
        }
        if (this.failure !== null) return;
        await this.roll(oldest.nextOffset, this.deps.clock.nowMs());
        continue;
      }
      await this.deleteOldest();
    }
  }

  /** Takes the oldest segment out and deletes it; one whose data file could not be deleted goes back, whole, for a later deletion. */
  private async deleteOldest(): Promise<void> {
    const oldest = this.segmentList.shift()!;
    try {
      await oldest.delete();
    } catch (error) {
      if (!oldest.isDeleted) this.segmentList.unshift(oldest);
      throw new RefusedDeletion(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async ensureDirectory(): Promise<void> {
    if (this.directoryReady) return;
    await this.deps.fs.makeDirectory(this.directory);
    this.directoryReady = true;
  }

  /** The segment holding `offset`, or the next one when `offset` falls in a gap. */
  private segmentHolding(offset: number): { segment: Segment; from: number } | null {
    let lo = 0;
    let hi = this.segmentList.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segmentList[mid].baseOffset <= offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = Math.max(0, lo - 1); i < this.segmentList.length; i++) {
      const segment = this.segmentList[i];
      if (segment.isEmpty || segment.nextOffset <= offset) continue;
      return { segment, from: Math.max(offset, segment.baseOffset) };
    }
    return null;
  }

  private async scanForTimestamp(segment: Segment, timestamp: number): Promise<Buffer | null> {
    let position = segment.timestampScanStart(timestamp);
    while (position < segment.sizeBytes) {
      const chunk = await segment.readRange(position, TIMESTAMP_SCAN_BYTES);
      let at = 0;
      while (chunk.length - at >= TIMESTAMP_HEADER_BYTES) {
        const sizeBytes = 12 + chunk.readInt32BE(at + 8);
        const maxTimestamp = Number(chunk.readBigInt64BE(at + 35));
        if (maxTimestamp >= timestamp) return at + sizeBytes <= chunk.length ? chunk.subarray(at, at + sizeBytes) : segment.readRange(position + at, sizeBytes);
        at += sizeBytes;
      }
      if (at === 0) return null;
      position += at;
    }
    return null;
  }

  private failQueued(error: Error): void {
    const victims = this.pending;
    this.pending = [];
    for (const victim of victims) victim.done(error);
  }

  private reportFailure(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    if (this.failure === null) this.failure = failure;
    if (!this.closed) this.hooks.failed(failure, this);
  }
}

/** A segment file the directory would not delete (deleteOldest): `refusal` is the file system's error. */
class RefusedDeletion extends Error {
  constructor(readonly refusal: Error) {
    super(refusal.message);
  }
}

/** A segment's producer snapshot (empty when missing or torn: that only costs duplicate detection across the restart). */
async function readSnapshot(fs: WalFileSystem, directory: string, baseOffset: number): Promise<ProducerSnapshot[]> {
  const bytes = await fs.readWhole(join(directory, segmentFileName(baseOffset, SNAPSHOT_SUFFIX)));
  if (bytes === null) return [];
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return Array.isArray(parsed) ? (parsed as ProducerSnapshot[]) : [];
  } catch {
    return [];
  }
}

/** A .txnindex file's entries, or null when it does not hold a well-formed list. */
function parseAbortedTransactions(bytes: Buffer): AbortedTransaction[] | null {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (!Array.isArray(parsed)) return null;
    const wellFormed = parsed.every(
      (entry: Partial<AbortedTransaction> | null) =>
        entry !== null && [entry.producerId, entry.firstOffset, entry.lastOffset, entry.lastStableOffset].every((n) => Number.isSafeInteger(n)),
    );
    return wellFormed ? (parsed as AbortedTransaction[]) : null;
  } catch {
    return null;
  }
}
