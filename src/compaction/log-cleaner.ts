/**
 * The log cleaner: keeps compacted topics (cleanup.policy compact or compact,delete) down to
 * the latest record of each key, off the request path (Kafka's LogCleaner, one thread).
 *
 * It wakes every log_cleaner_backoff (on the Clock), picks the compacted partition that most
 * needs it (cleaner-rules.ts: dirty ratio over min.cleanable.dirty.ratio, max.compaction.lag.ms
 * overdue, or a delete horizon passed; the dirtiest first), cleans it in one pass of bounded
 * steps (partition-cleaner.ts), and goes on with the next at once while there is work.
 * One pass at a time. A pass that fails (an unreadable batch, a WAL error) is logged and its
 * partition left alone for FAILED_BACKOFF_MULTIPLE backoffs. Shutdown stops a pass between two
 * steps (a rewrite in progress is dropped: its .cleaned file goes at the next recovery).
 * What the cleaner knows of a partition lives beside it in a WeakMap: a deleted topic takes it along.
 */
import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { isCompacted } from '../storage/topic-config.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { CleanerProbe } from './cleaner.probe.js';
import { cleanableEndOffset, compactionConfigOf, dirtyStats, isOverdue, needsCleaning, type CleanerState, type CompactionConfig } from './cleaner-rules.js';
import { PartitionCleaner, PassStopped, Stepper } from './partition-cleaner.js';
import { PARTITION_TRANSACTIONS, type TransactionView } from './transaction-cleaning.js';

const FAILED_BACKOFF_MULTIPLE = 10;

/** The DI token of the transactions the cleaner consults (transaction-cleaning.ts); absent: none. */
export const CLEANER_TRANSACTIONS = Symbol('CLEANER_TRANSACTIONS');

interface Candidate {
  readonly log: PartitionLog;
  readonly config: CompactionConfig;
  readonly ratio: number;
  readonly overdue: boolean;
}

@Injectable()
export class LogCleaner implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('LogCleaner');
  private readonly states = new WeakMap<PartitionLog, CleanerState>();
  private readonly cleaner: PartitionCleaner;
  private readonly transactions: TransactionView<PartitionLog>;
  private timer: Timer | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly topics: TopicRegistry,
    private readonly probe: CleanerProbe,
    private readonly clock: Clock,
    @Optional() @Inject(CLEANER_TRANSACTIONS) transactions: TransactionView<PartitionLog> | null = null,
  ) {
    this.transactions = transactions ?? PARTITION_TRANSACTIONS;
    this.cleaner = new PartitionCleaner(this.transactions);
  }

  onModuleInit(): void {
    this.probe.watch({ dirtyRatio: (log) => this.dirtyRatio(log), lastCleanMs: (log) => this.stateOf(log).lastCleanMs });
    this.later(this.config.logCleanerBackoffMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  /** What the cleaner knows of `log` (a fresh state: everything from the log start is dirty). */
  stateOf(log: PartitionLog): CleanerState {
    let state = this.states.get(log);
    if (state === undefined) {
      state = { cleanedUpTo: log.logStartOffset, lastCleanMs: null, earliestHorizonMs: null, failedUntilMs: 0 };
      this.states.set(log, state);
    }
    return state;
  }

  /** The partition's dirty share of its cleanable bytes now (0 for a topic that is not compacted). */
  dirtyRatio(log: PartitionLog): number {
    const topic = this.topics.get(log.topic);
    if (topic === undefined || !isCompacted(topic.configs)) return 0;
    const end = cleanableEndOffset(log, this.transactions.firstUnstableOffset(log), compactionConfigOf(topic.configs).minCompactionLagMs, this.clock.nowMs());
    return dirtyStats(log, this.stateOf(log).cleanedUpTo, end).ratio;
  }

  /** Cleans partitions while any needs it; resolves when none does (tests and the timer call it). */
  runUntilIdle(): Promise<void> {
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private later(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.clock.schedule(delayMs, () => {
      void this.runUntilIdle().then(() => this.later(this.config.logCleanerBackoffMs));
    });
  }

  private async loop(): Promise<void> {
    for (let candidate = this.pick(); candidate !== null && !this.stopped; candidate = this.pick()) await this.pass(candidate);
  }

  /** The compacted partition that most needs a pass, or null. */
  private pick(): Candidate | null {
    const now = this.clock.nowMs();
    let best: Candidate | null = null;
    for (const topic of this.topics.all()) {
      if (!isCompacted(topic.configs)) continue;
      const config = compactionConfigOf(topic.configs);
      for (const log of topic.partitions) {
        const state = this.stateOf(log);
        const end = cleanableEndOffset(log, this.transactions.firstUnstableOffset(log), config.minCompactionLagMs, now);
        const stats = dirtyStats(log, state.cleanedUpTo, end);
        const overdue = stats.dirtyBytes > 0 && isOverdue(log, Math.max(state.cleanedUpTo, log.logStartOffset), config.maxCompactionLagMs, now);
        if (!needsCleaning(stats, overdue, state, config.minCleanableRatio, now)) continue;
        if (best === null || (overdue && !best.overdue) || (overdue === best.overdue && stats.ratio > best.ratio)) best = { log, config, ratio: stats.ratio, overdue };
      }
    }
    return best;
  }

  private async pass({ log, config }: Candidate): Promise<void> {
    const state = this.stateOf(log);
    const now = this.clock.nowMs();
    const startedAt = performance.now();
    try {
      const stats = await this.cleaner.clean(log, config, state, now, new Stepper(() => this.stopped));
      state.cleanedUpTo = stats.cleanedUpTo;
      state.lastCleanMs = now;
      state.earliestHorizonMs = stats.earliestHorizonMs;
      this.probe.passDone(stats, (performance.now() - startedAt) / 1000);
    } catch (error) {
      if (error instanceof PassStopped) return;
      state.failedUntilMs = now + FAILED_BACKOFF_MULTIPLE * this.config.logCleanerBackoffMs;
      this.probe.passFailed();
      this.log.warn(`cleaning ${log.topic}-${log.partition} failed: ${(error as Error).message}`);
    }
  }
}
