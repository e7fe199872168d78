/**
 * Removes data from the head of partitions, always through one path: the log start offset
 * moves (PartitionLog.advanceLogStart), memory batches wholly below it are dropped, WAL
 * segments wholly below it are deleted, ListOffsets earliest and Fetch follow. Callers:
 * - the sweep, every RETENTION_SWEEP_INTERVAL_MS and before memory pressure offloads
 *   anything: drops units that are expired (`retention.ms`, default the `retention`
 *   setting), over `retention.bytes`, or fully consumed when purge_on_fetch is on
 *   (retention-policy.ts);
 * - `fetched`: purge_on_fetch right after a Fetch response is built;
 * - `deleteRecordsBefore`: DeleteRecords (and the admin /purge route).
 * Only topics whose cleanup.policy names `delete` are swept (a `compact` topic keeps its
 * records until the log cleaner replaces them, as in Kafka), and purge_on_fetch never purges a
 * compacted topic: its consumers (Connect, schema registries, Streams restores) read it from
 * the beginning again and again. DeleteRecords applies to every topic, as in Kafka.
 * Age is measured from the broker's append time, not the producer's timestamps, so a
 * producer with a skewed clock cannot make data vanish early. The timer is cleared on shutdown.
 *
 * Durable mode, the sweep (as Kafka orders it): the segment files go first and the log start
 * moves once they are gone, so a crash in between can never bring back a log start the broker
 * has reported (the log-start checkpoint is saved up to a second late). A partition whose
 * files are still being deleted is left out of the next sweeps until that is done, or until
 * SEGMENT_DELETE_WAIT_MS has passed (a warning; the deletion still waiting joins the next one).
 * A deletion that fails leaves the log start, and the files, where they were: one error line
 * when the failures start, one when a deletion succeeds again, and each failed attempt counted
 * (blink_segment_deletion_failures_total); the sweeps retry, backing off (DELETE_RETRY_MS,
 * doubling up to DELETE_RETRY_MAX_MS). A refused deletion does not fail the WAL (partition-wal.ts):
 * Kafka 3.9 takes the whole log directory offline on any IOException, deletions included, but
 * here nothing written is at risk (the segment stays whole and readable, appends go to the
 * last one), so produce goes on; a write that fails fails the WAL on its own (wal-health.ts).
 *
 * Holds (RetentionHold): a component that still needs a partition's data (the uplink, before
 * it has copied it to another cluster) names the first offset it needs; the sweep and
 * purge_on_fetch either stop there (`keeps`) or go on and tell the hold what they removed.
 * DeleteRecords is an explicit request and is never held.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { StorageProbe } from '../storage/storage.probe.js';
import type { ColdTier } from '../storage/cold-tier.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { deletesByRetention, isCompacted } from '../storage/topic-config.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { exceedsRetentionBytes, isExpired, isFullyConsumed, retainedBytes, retentionUnits } from './retention-policy.js';

export const RETENTION_SWEEP_INTERVAL_MS = 1_000;
/** How long the sweep waits for a partition's segment files to be deleted before it warns and leaves the partition to the next sweeps. */
export const SEGMENT_DELETE_WAIT_MS = 30_000;
/** After a failed deletion the partition's next attempt waits this long, doubling at each failure up to DELETE_RETRY_MAX_MS. */
export const DELETE_RETRY_MS = 5_000;
export const DELETE_RETRY_MAX_MS = 300_000;

/** Data a component still needs (see the file comment). */
export interface RetentionHold {
  /** The first offset of `log` still needed (Infinity: none). */
  neededFrom(log: PartitionLog): number;
  /** true: retention stops at `neededFrom`; false: it removes the data anyway and calls `removedNeeded`. */
  readonly keeps: boolean;
  /** Retention removed offsets [from, to) of `log` that the hold still needed. */
  removedNeeded(log: PartitionLog, from: number, to: number): void;
}

@Injectable()
export class RetentionService implements OnModuleInit, OnApplicationShutdown {
  private timer: Timer | undefined;
  private readonly holds = new Set<RetentionHold>();
  /** Durable partitions whose segment files the sweep is deleting before it moves their log start. */
  private readonly deleting = new Set<PartitionLog>();
  /** Durable partitions whose last deletion failed or was late: which, the wait it set, and when the next deletion may start. */
  private readonly trouble = new WeakMap<PartitionLog, { kind: 'failed' | 'late'; waitMs: number; notBeforeMs: number }>();
  private readonly logger = new Logger('Retention');

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly topics: TopicRegistry,
    private readonly probe: StorageProbe,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = this.clock.every(RETENTION_SWEEP_INTERVAL_MS, () => void this.sweep(this.clock.nowMs()));
  }

  onApplicationShutdown(): void {
    this.timer?.cancel();
  }

  /** Registers `hold`; returns the function that removes it. */
  addHold(hold: RetentionHold): () => void {
    this.holds.add(hold);
    return () => this.holds.delete(hold);
  }

  /**
   * Applies every retention rule to every partition: memory-mode partitions at once, durable
   * ones once their segment files are deleted (see the file comment). Resolves to the number
   * of records removed, once the durable partitions' log starts have moved too.
   */
  sweep(nowMs: number): Promise<number> {
    let purged = 0;
    const deletions: Array<Promise<number>> = [];
    for (const topic of this.topics.all()) {
      if (!deletesByRetention(topic.configs)) continue;
      const retentionMs = Number(topic.configs.get('retention.ms'));
      const retentionBytes = Number(topic.configs.get('retention.bytes'));
      const purgeConsumed = this.config.purgeOnFetch && !isCompacted(topic.configs);
      for (const log of topic.partitions) {
        if (this.deleting.has(log) || nowMs < (this.trouble.get(log)?.notBeforeMs ?? 0)) continue;
        const start = this.heldStart(log, this.sweptStart(log, retentionMs, retentionBytes, purgeConsumed, nowMs));
        const cold = log.cold;
        if (log.isDurable && cold !== null && start > log.logStartOffset) deletions.push(this.deleteThenAdvance(log, cold, start));
        else purged += log.advanceLogStart(start);
      }
    }
    this.probe.recordsPurged(purged);
    return Promise.all(deletions).then((counts) => counts.reduce((sum, count) => sum + count, purged));
  }

  private async deleteThenAdvance(log: PartitionLog, cold: ColdTier, start: number): Promise<number> {
    this.deleting.add(log);
    try {
      const outcome = await this.withinWait(cold.deleteBelow(start));
      if (outcome !== null) {
        if (outcome !== 'late') this.probe.segmentDeletionFailed();
        this.troubleAfter(log, start, outcome);
        return 0;
      }
      if (this.trouble.delete(log)) this.logger.log(`${log.topic}-${log.partition}: the segment files below offset ${start} are deleted now; the log start moves on`);
      const purged = log.advanceLogStart(start);
      this.probe.recordsPurged(purged);
      return purged;
    } finally {
      this.deleting.delete(log);
    }
  }

  /** The deletion's outcome, or 'late' once SEGMENT_DELETE_WAIT_MS has passed (the deletion goes on; the next sweep asks again). */
  private withinWait(deletion: Promise<Error | null>): Promise<Error | null | 'late'> {
    let timer: Timer | undefined;
    const late = new Promise<'late'>((resolve) => (timer = this.clock.schedule(SEGMENT_DELETE_WAIT_MS, () => resolve('late'))));
    return Promise.race([deletion, late]).finally(() => timer?.cancel());
  }

  /**
   * A deletion that failed or is late: the log start stays. A failure holds the partition's next
   * deletion back DELETE_RETRY_MS, doubling while failures repeat (up to DELETE_RETRY_MAX_MS); a
   * late one is asked again at the next sweep. One line each time a partition's trouble starts or changes.
   */
  private troubleAfter(log: PartitionLog, start: number, outcome: Error | 'late'): void {
    const previous = this.trouble.get(log);
    const kind = outcome === 'late' ? 'late' : 'failed';
    const waitMs = kind === 'late' ? 0 : previous?.kind === 'failed' ? Math.min(previous.waitMs * 2, DELETE_RETRY_MAX_MS) : DELETE_RETRY_MS;
    this.trouble.set(log, { kind, waitMs, notBeforeMs: this.clock.nowMs() + waitMs });
    if (previous?.kind === kind) return;
    const partition = `${log.topic}-${log.partition}`;
    if (outcome === 'late') {
      this.logger.warn(`${partition}: the segment files below offset ${start} are not deleted after ${SEGMENT_DELETE_WAIT_MS} ms (the write-ahead log's queue is not moving): the log start stays at ${log.logStartOffset}; the next sweeps retry`);
    } else {
      this.logger.error(`${partition}: could not delete the segment files below offset ${start} (${outcome.message}): the log start stays at ${log.logStartOffset}; the sweeps retry, backing off from ${DELETE_RETRY_MS} ms up to ${DELETE_RETRY_MAX_MS} ms (blink_segment_deletion_failures_total counts the attempts)`);
    }
  }

  /** purge_on_fetch: a Fetch response carries whole batches of `log` up to `nextOffset`. */
  fetched(log: PartitionLog, nextOffset: number): void {
    log.recordFetched(nextOffset);
    if (this.config.purgeOnFetch && !this.isCompacted(log)) this.probe.recordsPurged(log.advanceLogStart(this.heldStart(log, nextOffset)));
  }

  private isCompacted(log: PartitionLog): boolean {
    const topic = this.topics.get(log.topic);
    return topic !== undefined && isCompacted(topic.configs);
  }

  /** DeleteRecords: the log start moves to `offset` (at most the high watermark). */
  deleteRecordsBefore(log: PartitionLog, offset: number): void {
    this.probe.recordsPurged(log.advanceLogStart(offset));
  }

  /** Where the retention rules would move the log start of `log` (before the holds). */
  private sweptStart(log: PartitionLog, retentionMs: number, retentionBytes: number, purgeConsumed: boolean, nowMs: number): number {
    let retained = retentionBytes >= 0 ? retainedBytes(log) : 0;
    let newStart = log.logStartOffset;
    for (const unit of retentionUnits(log)) {
      const drop =
        isExpired(unit, retentionMs, nowMs) ||
        exceedsRetentionBytes(retained, retentionBytes) ||
        (purgeConsumed && isFullyConsumed(unit, log.fetchedUpTo));
      if (!drop) break;
      newStart = unit.lastOffset + 1;
      retained -= unit.sizeBytes;
    }
    return newStart;
  }

  /** Where retention may move the log start of `log`, wanting `wanted`, given the holds. */
  private heldStart(log: PartitionLog, wanted: number): number {
    let start = Math.min(wanted, log.highWatermark);
    if (start <= log.logStartOffset || this.holds.size === 0) return start;
    const neededFrom = (hold: RetentionHold): number => Math.max(hold.neededFrom(log), log.logStartOffset);
    for (const hold of this.holds) if (hold.keeps) start = Math.min(start, neededFrom(hold));
    for (const hold of this.holds) {
      const needed = neededFrom(hold);
      if (!hold.keeps && needed < start) hold.removedNeeded(log, needed, start);
    }
    return start;
  }
}
