/**
 * Durable mode, at boot, once the partitions are recovered (wal/) and the groups' offsets
 * restored: the transaction coordinator comes back as Kafka's does when it loads
 * __transaction_state.
 * - Every transactional id gets its last journaled state; producer ids are reserved so a
 *   new producer never reuses one.
 * - An Ongoing transaction is resumed: its producer may go on and commit it; if it does not,
 *   its timeout (counted from its start) aborts it.
 * - A transaction caught between its decision and its markers (PrepareCommit/PrepareAbort)
 *   is completed: its markers are written, and a commit's offsets reach the groups.
 * - An open transaction found in a partition that no Ongoing transaction claims (its
 *   transactional id's state was lost, or moved on) is aborted there with an ABORT marker
 *   at the epoch it was written with, so no partition is left with a hanging transaction
 *   (nothing a coordinator does not know may stay open: nothing uncommitted becomes
 *   visible, and the last stable offset moves on).
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { BatchAppender } from '../storage/batch-appender.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { ProducerIdAllocator } from '../storage/producer-ids.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { ErrorCode } from '../wire/error-codes.js';
import { COORDINATOR_EPOCH, hasPartition, isCompleting } from './transaction.js';
import { TransactionCompleter } from './transaction-completer.js';
import { TransactionJournal } from './transaction-journal.js';
import { TransactionStore } from './transaction-store.js';

export interface TransactionRecoveryReport {
  readonly transactionalIds: number;
  readonly resumed: number;
  readonly completed: number;
  readonly orphansAborted: number;
}

@Injectable()
export class TransactionRecovery {
  private readonly log = new Logger('TransactionCoordinator');

  constructor(
    private readonly journal: TransactionJournal,
    private readonly store: TransactionStore,
    private readonly completer: TransactionCompleter,
    private readonly topics: TopicRegistry,
    private readonly appender: BatchAppender,
    private readonly producerIds: ProducerIdAllocator,
    private readonly clock: Clock,
  ) {}

  async recover(): Promise<TransactionRecoveryReport> {
    const states = await this.journal.recover();
    this.store.restore(states);
    for (const txn of states) this.producerIds.reserveThrough(Math.max(txn.producerId, txn.previousProducerId));
    const prepared = states.filter(isCompleting);
    await Promise.all(prepared.map((txn) => this.completer.complete(txn.transactionalId)));
    let orphansAborted = 0;
    for (const topic of [...this.topics.all()]) {
      for (const log of topic.partitions) orphansAborted += await this.abortOrphans(log);
    }
    return { transactionalIds: states.length, resumed: states.filter((txn) => txn.state === 'Ongoing').length, completed: prepared.length, orphansAborted };
  }

  /** Aborts the open transactions of `log` that no Ongoing transaction of the coordinator claims; returns how many. */
  private async abortOrphans(log: PartitionLog): Promise<number> {
    let aborted = 0;
    for (const open of log.producers.ongoingTransactions()) {
      const txn = this.store.byProducerId(open.producerId);
      const claimed = txn !== undefined && txn.producerEpoch === open.epoch && (txn.state === 'Ongoing' || isCompleting(txn)) && hasPartition(txn, log.topic, log.partition);
      if (claimed) continue;
      const marker = { producerId: open.producerId, producerEpoch: open.epoch, commit: false, coordinatorEpoch: COORDINATOR_EPOCH };
      const outcome = await this.appender.appendMarker(log, marker, this.clock.nowMs());
      if (outcome.errorCode !== ErrorCode.NONE) throw new Error(`${log.topic}-${log.partition}: could not abort producer ${open.producerId}'s open transaction: ${outcome.errorMessage}`);
      this.log.warn(`${log.topic}-${log.partition}: aborted producer ${open.producerId}'s transaction open since offset ${open.firstOffset}: no transaction of the coordinator claims it`);
      aborted++;
    }
    return aborted;
  }
}
