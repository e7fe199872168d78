/**
 * Ends transactions in the partitions: writes a COMMIT or ABORT marker (control batch) into
 * every partition of a transaction the coordinator has prepared (PrepareCommit/PrepareAbort),
 * hands a committed transaction's staged offsets to its groups, then completes it
 * (CompleteCommit/CompleteAbort). Memory mode writes the markers synchronously; durable mode
 * waits until each is in the WAL, so a completed transaction's markers survive a crash.
 * A marker that cannot be written (a failed WAL) leaves the transaction prepared: the
 * sweeper retries it (`retryIncomplete`), skipping the partitions already marked, as Kafka's
 * marker channel retries until every partition has its marker. A partition whose topic was
 * deleted needs no marker.
 * Also writes the markers of WriteTxnMarkers (kafka-transactions abort, KIP-664), which go
 * straight into the partitions, without the coordinator, as in Kafka.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { OffsetManager } from '../groups/offset-manager.js';
import { BatchAppender } from '../storage/batch-appender.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { COORDINATOR_EPOCH, completeEnd, isCompleting, type PendingOffset, type Transaction } from './transaction.js';
import { TransactionStore } from './transaction-store.js';
import { TxnProbe } from './txn.probe.js';

/** A marker WriteTxnMarkers asks for, in one partition. */
export interface RequestedMarker {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly commit: boolean;
  readonly coordinatorEpoch: number;
  readonly topic: string;
  readonly partition: number;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

@Injectable()
export class TransactionCompleter {
  private readonly log = new Logger('TransactionCoordinator');
  /** Transactional id → partitions already marked in a completion that has not finished. */
  private readonly marked = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly topics: TopicRegistry,
    private readonly appender: BatchAppender,
    private readonly offsets: OffsetManager,
    private readonly store: TransactionStore,
    private readonly probe: TxnProbe,
    private readonly clock: Clock,
  ) {}

  /**
   * Ends the prepared transaction of `transactionalId` in its partitions and completes it.
   * Resolves true once it is complete, false when it stays prepared (to be retried).
   */
  complete(transactionalId: string): Promise<boolean> {
    const running = this.inFlight.get(transactionalId);
    if (running !== undefined) return running;
    const completion = this.run(transactionalId).finally(() => this.inFlight.delete(transactionalId));
    this.inFlight.set(transactionalId, completion);
    return completion;
  }

  /** Completions left unfinished (a marker could not be written, or recovery found them prepared): try them again. */
  retryIncomplete(): void {
    for (const txn of [...this.store.all()]) {
      if (isCompleting(txn) && !this.inFlight.has(txn.transactionalId)) void this.complete(txn.transactionalId);
    }
  }

  /** WriteTxnMarkers: one error code per partition asked for, in order. */
  async writeRequested(markers: readonly RequestedMarker[]): Promise<ErrorCodeValue[]> {
    return Promise.all(
      markers.map(async (marker) => {
        const log = this.topics.partition(marker.topic, marker.partition);
        if (log === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        const outcome = await this.appender.appendMarker(log, marker, this.clock.nowMs());
        if (outcome.errorCode === ErrorCode.NONE) this.log.log(`${marker.commit ? 'COMMIT' : 'ABORT'} marker of producer ${marker.producerId} written to ${marker.topic}-${marker.partition} on request`);
        return outcome.errorCode;
      }),
    );
  }

  private async run(transactionalId: string): Promise<boolean> {
    const txn = this.store.get(transactionalId);
    if (txn === undefined || !isCompleting(txn)) return true;
    const commit = txn.state === 'PrepareCommit';
    if (!(await this.writeMarkers(txn, commit))) return false;
    const current = this.store.get(transactionalId);
    if (current === undefined || !isCompleting(current)) return true;
    if (commit) this.applyOffsets(current.pendingOffsets);
    try {
      this.store.put(completeEnd(current, this.clock.nowMs()));
    } catch (error) {
      this.log.error(`transactional id ${transactionalId}: its completion could not be journaled (retried): ${(error as Error).message}`);
      return false;
    }
    this.marked.delete(transactionalId);
    this.probe.transactionEnded(commit);
    return true;
  }

  /** Writes the missing markers; true once every partition of the transaction has one. */
  private async writeMarkers(txn: Transaction, commit: boolean): Promise<boolean> {
    let marked = this.marked.get(txn.transactionalId);
    if (marked === undefined) this.marked.set(txn.transactionalId, (marked = new Set()));
    const done = marked;
    const marker = { producerId: txn.producerId, producerEpoch: txn.producerEpoch, commit, coordinatorEpoch: COORDINATOR_EPOCH };
    const results = await Promise.all(
      txn.partitions
        .filter(({ topic, partition }) => !done.has(partitionKey(topic, partition)))
        .map(async ({ topic, partition }) => {
          const log = this.topics.partition(topic, partition);
          const outcome = log === undefined ? null : await this.appender.appendMarker(log, marker, this.clock.nowMs());
          if (outcome !== null && outcome.errorCode !== ErrorCode.NONE) {
            this.log.warn(`transactional id ${txn.transactionalId}: marker not written to ${topic}-${partition} (retried): ${outcome.errorMessage}`);
            return false;
          }
          done.add(partitionKey(topic, partition));
          return true;
        }),
    );
    return results.every(Boolean);
  }

  private applyOffsets(offsets: readonly PendingOffset[]): void {
    const byGroup = new Map<string, PendingOffset[]>();
    for (const offset of offsets) {
      const list = byGroup.get(offset.groupId);
      if (list === undefined) byGroup.set(offset.groupId, [offset]);
      else list.push(offset);
    }
    for (const [groupId, list] of byGroup) this.offsets.commitTransactional(groupId, list);
  }
}
