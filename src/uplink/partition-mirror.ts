/**
 * One Blink partition mirrored to its remote partition: read the stored batches from the
 * position on, build one outgoing batch (mirror-batch.ts), produce it with the uplink's
 * idempotent producer id and the partition's next sequence, and on the acknowledgement move
 * the position and the offset map (offset-map.ts) and journal them. One batch in flight per
 * partition, so the remote receives records in Blink's order.
 *
 * Exactly once per partition:
 * - a retry (remote unreachable, leader moved, timeout) resends the very same bytes with the
 *   same producer id and sequence, so the remote drops a copy it already wrote and answers
 *   with the offset of the first one (Kafka's idempotence, KIP-98); after
 *   KEEP_PENDING_FAILURES_MAX failures in a row the batch is let go and the partition is
 *   reconciled (below) before it sends again;
 * - the producer id, epoch and next sequence are journaled with the position, so after a
 *   restart of Blink the same holds; and every partition is reconciled first: the remote log
 *   end is compared with the journaled position, and records past it are adopted only if
 *   every batch carries this uplink's producer id, epoch and the expected sequences (they
 *   were acknowledged just before a crash); anything else is "diverged" and mirroring stops;
 * - when the remote lost the producer state (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID
 *   ...), the same reconciliation runs (with the old producer id, so batches that did land are
 *   recognised), then, if nothing was left to adopt, a new producer id starts at sequence 0.
 * A batch the remote refuses (too large, invalid, not authorized, a policy) stops the
 * partition at that batch ("blocked"): nothing after it is copied, the refusal is reported,
 * and the same batch is offered again every BLOCKED_RETRY_MS until the remote takes it (a
 * merged batch that is too large is first split back into stored batches).
 */
import type { Logger } from '@nestjs/common';
import type { RecordBatchView } from '../record-format/record-batch.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { ErrorCode } from '../wire/error-codes.js';
import { buildOutgoing, nextSequence, recordOffsets, selectBatches, splitBatches, type OutgoingBatch } from './mirror-batch.js';
import { OffsetMap, type OffsetRun } from './offset-map.js';
import type { RemoteCluster } from './remote/remote-cluster.js';
import { RemoteError } from './remote/remote-errors.js';
import type { PartitionProducer, Progress, SavedPartition } from './uplink-journal.js';

export type MirrorStatus = 'reconciling' | 'mirroring' | 'caught-up' | 'retrying' | 'blocked' | 'diverged';

export const RETRY_BASE_MS = 200;
export const RETRY_MAX_MS = 5_000;
export const BLOCKED_RETRY_MS = 30_000;
/**
 * After this many failures in a row a built batch is not kept for the next retry (memory: a
 * batch per failing partition adds up); the partition is reconciled with the remote log
 * before it sends again, which also tells whether the batch had landed.
 */
export const KEEP_PENDING_FAILURES_MAX = 3;
/** Bytes per Fetch when the reconciliation reads the remote batch headers past the position. */
const RECONCILE_FETCH_BYTES = 1024 * 1024;

/** What a mirror needs from the uplink around it. */
export interface MirrorContext {
  readonly remote: RemoteCluster;
  readonly batchMaxBytes: number;
  readonly logger: Logger;
  progressed(progress: Progress): void;
  mirrored(records: number, bytes: number): void;
  /** A remote call failed for lack of an answer: the uplink pauses until the remote is back. */
  unreachable(error: RemoteError): void;
  newProducer(): Promise<PartitionProducer>;
  nowMs(): number;
}

export interface MirrorSnapshot {
  readonly topic: string;
  readonly partition: number;
  readonly remoteTopic: string;
  readonly status: MirrorStatus;
  readonly blinkNext: number;
  readonly remoteNext: number;
  readonly highWatermark: number;
  readonly lagRecords: number;
  readonly lastError: string | null;
}

export class PartitionMirror {
  private status: MirrorStatus;
  private pending: OutgoingBatch | null = null;
  private producer: PartitionProducer | null;
  private mergeAllowed = true;
  /** The remote refused the producer state: once reconciled (with the old id), start a new one. */
  private renewProducer = false;
  private failures = 0;
  private lastError: string | null = null;
  /** No step before this time (backoff after a failure). */
  notBeforeMs = 0;
  /** The scheduler's bookkeeping: queued or running. */
  queued = false;
  private stopped = false;

  private constructor(
    readonly log: PartitionLog,
    readonly remoteTopic: string,
    readonly map: OffsetMap,
    producer: PartitionProducer | null,
    private needsReconcile: boolean,
    private readonly context: MirrorContext,
  ) {
    this.producer = producer;
    this.status = needsReconcile ? 'reconciling' : 'mirroring';
  }

  /** A partition with no saved state: from Blink's log start, appended after whatever the remote partition holds. */
  static fresh(log: PartitionLog, remoteTopic: string, remoteEnd: number, context: MirrorContext): PartitionMirror {
    return new PartitionMirror(log, remoteTopic, new OffsetMap(log.logStartOffset, remoteEnd), null, false, context);
  }

  /** A partition with journaled state: reconciled with the remote log before anything is sent. */
  static restored(log: PartitionLog, remoteTopic: string, saved: SavedPartition, context: MirrorContext): PartitionMirror {
    return new PartitionMirror(log, remoteTopic, OffsetMap.restore(saved.map), saved.producer, true, context);
  }

  get topic(): string {
    return this.log.topic;
  }

  get partition(): number {
    return this.log.partition;
  }

  get producerState(): PartitionProducer | null {
    return this.producer;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Offsets Blink holds that the remote does not have yet. */
  get lagRecords(): number {
    return Math.max(0, this.log.highWatermark - this.map.blinkNext);
  }

  /** Caught up with everything Blink has assigned (in-flight durable appends included) and nothing pending. */
  get drained(): boolean {
    return this.pending === null && !this.needsReconcile && this.map.blinkNext >= this.log.logEndOffset;
  }

  get isStuck(): boolean {
    return this.status === 'blocked' || this.status === 'diverged';
  }

  stop(): void {
    this.stopped = true;
  }

  hasWork(): boolean {
    return !this.stopped && (this.needsReconcile || this.pending !== null || this.map.blinkNext < this.log.highWatermark);
  }

  snapshot(): MirrorSnapshot {
    return {
      topic: this.topic,
      partition: this.partition,
      remoteTopic: this.remoteTopic,
      status: this.status,
      blinkNext: this.map.blinkNext,
      remoteNext: this.map.remoteNext,
      highWatermark: this.log.highWatermark,
      lagRecords: this.lagRecords,
      lastError: this.lastError,
    };
  }

  saved(): SavedPartition {
    return { topic: this.topic, partition: this.partition, map: this.map.state(), producer: this.producer };
  }

  /** One unit of work (reconcile, or send one batch); failures set the status and the backoff, never throw. */
  async step(): Promise<void> {
    try {
      if (this.needsReconcile) await this.reconcile();
      else await this.sendNext();
    } catch (error) {
      this.failed(error);
    }
  }

  private async sendNext(): Promise<void> {
    this.pending ??= await this.nextBatch();
    const batch = this.pending;
    if (batch === null) {
      this.settled();
      return;
    }
    const base = await this.context.remote.produce(this.remoteTopic, this.partition, batch.bytes);
    this.acknowledged(batch, base);
  }

  private async nextBatch(): Promise<OutgoingBatch | null> {
    for (;;) {
      if (this.map.blinkNext < this.log.logStartOffset) this.moveTo(this.log.logStartOffset);
      if (this.map.blinkNext >= this.log.highWatermark) return null;
      if (this.producer === null) {
        this.producer = await this.context.newProducer();
        // Journaled before its first batch: a restart can then tell this uplink's batches on the remote from others'.
        this.journal([]);
      }
      const stamp = { producerId: this.producer.producerId, producerEpoch: this.producer.producerEpoch, baseSequence: this.producer.nextSequence };
      // The batches read are views of the memory tier until buildOutgoing has copied them: held by a pin, so a batch
      // dropped meanwhile (offloaded, expired) is not overwritten or given back under the copy.
      const pin = this.log.pinMemory();
      let selected: RecordBatchView[];
      let outgoing: OutgoingBatch | null;
      try {
        const read = await this.log.read(this.map.blinkNext, this.context.batchMaxBytes, true, Infinity, pin);
        selected = selectBatches(splitBatches(read.chunks), this.context.batchMaxBytes, this.mergeAllowed);
        if (selected.length === 0) return null;
        outgoing = await buildOutgoing(selected, this.map.blinkNext, stamp);
      } finally {
        pin.release();
      }
      if (outgoing !== null) return outgoing;
      // Every record of these batches lies below the position (deleted): step over them.
      const last = selected[selected.length - 1];
      this.moveTo(last.baseOffset + last.lastOffsetDelta + 1);
    }
  }

  private acknowledged(batch: OutgoingBatch, base: number): void {
    if (base !== this.map.remoteNext) {
      this.context.logger.warn(`${this.remoteTopic}-${this.partition}: the remote wrote the batch at ${base}, the uplink expected ${this.map.remoteNext} (something else writes to this partition)`);
    }
    const runs = batch.runs.map((run) => ({ ...run, remoteStart: base + run.remoteStart }));
    this.map.advance(runs, batch.blinkNext, base + batch.recordCount);
    const producer = this.producer as PartitionProducer;
    this.producer = { ...producer, nextSequence: nextSequence(producer.nextSequence, batch.recordCount) };
    this.pending = null;
    this.mergeAllowed = true;
    this.journal(runs);
    this.context.mirrored(batch.recordCount, batch.bytes.length);
    this.settled();
  }

  /** The position jumps over offsets that no longer exist in Blink (journaled, no records). */
  private moveTo(blinkOffset: number): void {
    this.map.skipTo(blinkOffset);
    this.journal([]);
  }

  private journal(newRuns: readonly OffsetRun[]): void {
    this.context.progressed({
      topic: this.topic,
      partition: this.partition,
      newRuns,
      blinkNext: this.map.blinkNext,
      remoteNext: this.map.remoteNext,
      producer: this.producer,
    });
  }

  private settled(): void {
    this.failures = 0;
    this.lastError = null;
    this.notBeforeMs = 0;
    this.status = this.lagRecords > 0 ? 'mirroring' : 'caught-up';
  }

  // ---- reconciliation ----------------------------------------------------------------------

  /** Compares the remote log end with the position (see the file comment). */
  private async reconcile(): Promise<void> {
    this.status = 'reconciling';
    this.pending = null;
    const remoteEnd = (await this.context.remote.offsets(this.remoteTopic, [this.partition])).get(this.partition)?.latest ?? -1;
    const expected = this.map.remoteNext;
    if (remoteEnd === expected) {
      this.needsReconcile = false;
      if (this.renewProducer) this.producer = null;
      this.renewProducer = false;
      this.settled();
      return;
    }
    if (remoteEnd < expected) {
      this.diverged(`the remote partition ends at ${remoteEnd} but the uplink had written up to ${expected} (records lost on the remote, or the topic was recreated)`);
      return;
    }
    const ours = await this.countOwnRecords(expected, remoteEnd);
    if (ours === null) {
      this.diverged(`the remote partition holds ${remoteEnd - expected} records after offset ${expected} that this uplink did not write`);
      return;
    }
    await this.adoptOwnRecords(ours, remoteEnd);
    this.renewProducer = false;
  }

  /** Records in [from, to) on the remote, if every batch there is this uplink's, in sequence; else null. */
  private async countOwnRecords(from: number, to: number): Promise<number | null> {
    const producer = this.producer;
    if (producer === null) return null;
    let offset = from;
    let sequence = producer.nextSequence;
    while (offset < to) {
      const batches = (await this.context.remote.batchesFrom(this.remoteTopic, this.partition, offset, RECONCILE_FETCH_BYTES)).filter((b) => b.baseOffset < to);
      if (batches.length === 0) return null;
      for (const batch of batches) {
        const ours = batch.producerId === producer.producerId && batch.producerEpoch === producer.producerEpoch && batch.baseSequence === sequence;
        if (!ours || batch.baseOffset !== offset) return null;
        offset += batch.recordCount;
        sequence = nextSequence(sequence, batch.recordCount);
      }
    }
    return offset === to ? to - from : null;
  }

  /**
   * The remote acknowledged `count` more records than the journal says (a crash between the
   * acknowledgement and the journal write): they are the next `count` Blink records from the
   * position; the map and sequence move over them.
   */
  private async adoptOwnRecords(count: number, remoteEnd: number): Promise<void> {
    const from = this.map.remoteNext;
    if (this.map.blinkNext < this.log.logStartOffset) {
      // Some of those records were deleted from Blink since: their Blink offsets are unknown, so
      // the position goes to the log start (at worst a record is copied twice, none is skipped).
      this.map.skipTo(this.log.logStartOffset);
      this.map.advance([], this.map.blinkNext, remoteEnd);
    } else {
      const { runs, blinkNext } = await this.walkRecords(count, from);
      this.map.advance(runs, blinkNext, remoteEnd);
    }
    const producer = this.producer as PartitionProducer;
    this.producer = { ...producer, nextSequence: nextSequence(producer.nextSequence, count) };
    this.context.logger.warn(`${this.remoteTopic}-${this.partition}: adopted ${count} records the remote acknowledged before a restart`);
    this.journal(this.map.state().runs.filter((run) => run.remoteStart >= from));
    this.needsReconcile = false;
    this.settled();
  }

  /** The runs of the next `count` Blink records from the position (remote offsets from `remoteFrom`). */
  private async walkRecords(count: number, remoteFrom: number): Promise<{ runs: OffsetRun[]; blinkNext: number }> {
    const offsets: number[] = [];
    let position = this.map.blinkNext;
    while (offsets.length < count && position < this.log.highWatermark) {
      // Views of the memory tier read across awaits: held by a pin (see nextBatch).
      const pin = this.log.pinMemory();
      try {
        const read = await this.log.read(position, this.context.batchMaxBytes, true, Infinity, pin);
        const batches = splitBatches(read.chunks);
        if (batches.length === 0) break;
        for (const batch of batches) {
          for (const offset of await recordOffsets(batch)) if (offset >= position && offsets.length < count) offsets.push(offset);
          position = offsets.length < count ? batch.baseOffset + batch.lastOffsetDelta + 1 : offsets[offsets.length - 1] + 1;
          if (offsets.length === count) break;
        }
      } finally {
        pin.release();
      }
    }
    if (offsets.length < count) throw new Error(`the remote holds ${count} records of this uplink past the position, Blink only ${offsets.length}`);
    const runs: OffsetRun[] = [];
    offsets.forEach((offset, index) => {
      const last = runs[runs.length - 1];
      if (last !== undefined && last.blinkStart + last.count === offset) runs[runs.length - 1] = { ...last, count: last.count + 1 };
      else runs.push({ blinkStart: offset, remoteStart: remoteFrom + index, count: 1 });
    });
    return { runs, blinkNext: position };
  }

  // ---- failures ----------------------------------------------------------------------------

  private failed(error: unknown): void {
    const remote = error instanceof RemoteError ? error : null;
    this.lastError = error instanceof Error ? error.message : String(error);
    if (remote?.kind === 'unreachable' || remote?.kind === 'retriable') {
      this.retryLater(remote);
      return;
    }
    if (remote?.kind === 'producer-state') {
      // The remote forgot or refused the producer id: reconcile (its batches tell what landed), then start a new one.
      this.needsReconcile = true;
      this.renewProducer = true;
      this.pending = null;
      this.retryLater(remote);
      return;
    }
    if (this.pending !== null && !this.pending.copied && isTooLarge(remote)) {
      this.pending = null;
      this.mergeAllowed = false;
      this.notBeforeMs = 0;
      return;
    }
    this.status = 'blocked';
    this.notBeforeMs = this.context.nowMs() + BLOCKED_RETRY_MS;
    this.context.logger.error(`${this.topic}-${this.partition} → ${this.remoteTopic}: mirroring stopped at offset ${this.map.blinkNext}: ${this.lastError} (retried every ${BLOCKED_RETRY_MS / 1000} s)`);
  }

  private retryLater(error: RemoteError): void {
    this.failures++;
    if (this.failures >= KEEP_PENDING_FAILURES_MAX && this.pending !== null) {
      this.pending = null;
      this.needsReconcile = true;
    }
    this.status = 'retrying';
    this.notBeforeMs = this.context.nowMs() + Math.min(RETRY_BASE_MS * 2 ** Math.min(this.failures - 1, 10), RETRY_MAX_MS);
    if (error.kind === 'unreachable') this.context.unreachable(error);
  }

  private diverged(message: string): void {
    this.status = 'diverged';
    this.lastError = message;
    this.notBeforeMs = this.context.nowMs() + BLOCKED_RETRY_MS;
    this.context.logger.error(`${this.topic}-${this.partition} → ${this.remoteTopic}: ${message}; mirroring stopped (docs/UPLINK.md: "diverged")`);
  }
}

function isTooLarge(error: RemoteError | null): boolean {
  return error?.errorCode === ErrorCode.MESSAGE_TOO_LARGE || error?.errorCode === ErrorCode.RECORD_LIST_TOO_LARGE;
}
