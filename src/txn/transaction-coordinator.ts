/**
 * The transaction coordinator (Kafka 3.9 TransactionCoordinator, transactions v1) of the
 * single node, which coordinates every transactional id: InitProducerId, AddPartitionsToTxn
 * (and its v4+ verification), AddOffsetsToTxn, EndTxn, the produce-side check that keeps a
 * partition from getting a transaction no coordinator knows (KIP-890 part 1), the timeout
 * abort, transactional id expiry, and the admin views (DescribeTransactions,
 * ListTransactions). TxnOffsetCommit is in transactional-offsets.ts.
 *
 * Differences from Kafka, all invisible to clients:
 * - EndTxn answers once every marker is written (Kafka answers once PrepareCommit/Abort is
 *   logged and writes the markers after), so a read_committed consumer sees a committed
 *   transaction as soon as its producer does. A marker that cannot be written (a failed
 *   WAL) leaves the transaction prepared and the answer is still NONE: the decision is
 *   journaled and the sweeper completes it, as Kafka's marker channel would.
 * - InitProducerId on an ongoing transaction aborts it (fencing the old producer with a
 *   bumped epoch) and then answers the new epoch, where Kafka answers
 *   CONCURRENT_TRANSACTIONS and lets the client retry into the same result.
 * Errors: PRODUCER_FENCED for an old epoch (handlers answer INVALID_PRODUCER_EPOCH to the
 * versions before KIP-588), INVALID_PRODUCER_ID_MAPPING for an unknown transactional id or
 * producer id, CONCURRENT_TRANSACTIONS while markers are being written, INVALID_TXN_STATE for
 * an EndTxn that does not fit the state, COORDINATOR_NOT_AVAILABLE (retriable) when the
 * journal cannot record a transition.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { ATTR_CONTROL, BATCH_HEADER_BYTES, magicAt, RecordBatchView } from '../record-format/record-batch.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { ProducerIdAllocator, type ProducerIdAndEpoch } from '../storage/producer-ids.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import {
  addToTransaction,
  fenceEpoch,
  hasPartition,
  incrementEpoch,
  isAtRest,
  isCompleting,
  isEpochExhausted,
  newTransaction,
  NO_PRODUCER_EPOCH,
  prepareEnd,
  rotateProducerId,
  type TopicPartition,
  type Transaction,
  TRANSACTION_STATES,
} from './transaction.js';
import { FAILPOINT_ENV, prepareCommitFailpoint } from './failpoint.js';
import { TransactionCompleter } from './transaction-completer.js';
import { TransactionStore } from './transaction-store.js';
import { TxnProbe } from './txn.probe.js';

/** Where Kafka keeps a transaction's consumer-group offsets; DescribeTransactions lists each group's share as this topic. */
export const OFFSETS_TOPIC = '__consumer_offsets';

export interface InitProducerIdResult extends ProducerIdAndEpoch {
  readonly errorCode: ErrorCodeValue;
}

export interface PartitionResult extends TopicPartition {
  readonly errorCode: ErrorCodeValue;
}

/** A refused produce of a transactional batch. */
export interface AppendRefusal {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string;
}

export interface TransactionDescription {
  readonly errorCode: ErrorCodeValue;
  readonly transactionalId: string;
  readonly state: string;
  readonly timeoutMs: number;
  readonly startTimeMs: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly number[] }[];
}

export interface TransactionListing {
  readonly unknownStateFilters: string[];
  readonly transactions: { readonly transactionalId: string; readonly producerId: number; readonly transactionState: string }[];
}

const failedInit = (errorCode: ErrorCodeValue): InitProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: NO_PRODUCER_EPOCH });

@Injectable()
export class TransactionCoordinator {
  private readonly log = new Logger('TransactionCoordinator');

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly store: TransactionStore,
    private readonly completer: TransactionCompleter,
    private readonly producerIds: ProducerIdAllocator,
    private readonly topics: TopicRegistry,
    private readonly probe: TxnProbe,
    private readonly clock: Clock,
  ) {}

  /** Test-only (failpoint.ts): unset outside the kill-during-commit test. */
  private readonly failpoint = prepareCommitFailpoint(process.env[FAILPOINT_ENV]);

  // ---- InitProducerId ----------------------------------------------------------------------

  /**
   * A producer id and epoch: a fresh id at epoch 0 without a transactional id (idempotent
   * producers; Kafka ignores the expected id and epoch then), else the transactional id's
   * id with its epoch bumped (which fences every older producer of that id).
   * `expected`: InitProducerId v3+ (KIP-360), the producer's current id and epoch, or null.
   */
  async initProducerId(transactionalId: string | null, timeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitProducerIdResult> {
    if (transactionalId === null) return { errorCode: ErrorCode.NONE, ...this.producerIds.allocate() };
    if (transactionalId === '') return failedInit(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.config.transactionMaxTimeoutMs) return failedInit(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    let txn = this.store.get(transactionalId);
    if (txn === undefined) {
      txn = newTransaction(transactionalId, this.producerIds.allocate().producerId, timeoutMs, this.clock.nowMs());
      this.store.putUnrecorded(txn);
    }
    return this.initExisting(txn, timeoutMs, expected, true);
  }

  private async initExisting(txn: Transaction, timeoutMs: number, expected: ProducerIdAndEpoch | null, mayFence: boolean): Promise<InitProducerIdResult> {
    if (expected !== null && !isValidProducerId(txn, expected)) return failedInit(ErrorCode.PRODUCER_FENCED);
    if (isCompleting(txn) || (txn.state === 'Ongoing' && !mayFence)) return failedInit(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (txn.state === 'Ongoing') {
      if (!(await this.fenceAndAbort(txn, 'a new producer initialised its transactional id'))) return failedInit(ErrorCode.CONCURRENT_TRANSACTIONS);
      return this.initExisting(this.store.get(txn.transactionalId) as Transaction, timeoutMs, expected, false);
    }
    const nowMs = this.clock.nowMs();
    const next =
      isEpochExhausted(txn.producerEpoch) && (expected === null || expected.producerEpoch === txn.producerEpoch)
        ? rotateProducerId(txn, this.producerIds.allocate().producerId, timeoutMs, expected !== null, nowMs)
        : incrementEpoch(txn, timeoutMs, expected?.producerEpoch, nowMs);
    if (typeof next === 'number') return failedInit(next);
    const recorded = this.record(next);
    return recorded === ErrorCode.NONE ? { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch } : failedInit(recorded);
  }

  // ---- AddPartitionsToTxn, AddOffsetsToTxn ----------------------------------------------------

  /** AddPartitionsToTxn: the partitions join the transaction (which begins if it was at rest); one code per partition. */
  addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): PartitionResult[] {
    const unknown = partitions.filter((p) => this.topics.partition(p.topic, p.partition) === undefined);
    if (unknown.length > 0) {
      // Kafka attempts nothing when a partition does not exist.
      return partitions.map((p) => ({ ...p, errorCode: unknown.includes(p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED }));
    }
    const errorCode = this.addToTransaction(transactionalId, producerId, producerEpoch, partitions, []);
    return partitions.map((p) => ({ ...p, errorCode }));
  }

  /** AddOffsetsToTxn: the group's offsets join the transaction (TxnOffsetCommit may then stage them). */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): ErrorCodeValue {
    return this.addToTransaction(transactionalId, producerId, producerEpoch, [], [groupId]);
  }

  /**
   * AddPartitionsToTxn v4+ with verify_only (KIP-890, broker to coordinator): per partition,
   * NONE when it is in the ongoing transaction, TRANSACTION_ABORTABLE when it is not.
   */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): PartitionResult[] {
    const problem = this.currentTransaction(transactionalId, producerId, producerEpoch);
    if (typeof problem === 'number') return partitions.map((p) => ({ ...p, errorCode: problem }));
    const txn = problem;
    return partitions.map((p) => ({
      ...p,
      errorCode: isCompleting(txn) ? ErrorCode.CONCURRENT_TRANSACTIONS : hasPartition(txn, p.topic, p.partition) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE,
    }));
  }

  private addToTransaction(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[], groups: readonly string[]): ErrorCodeValue {
    const txn = this.currentTransaction(transactionalId, producerId, producerEpoch);
    if (typeof txn === 'number') return txn;
    if (isCompleting(txn)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    const known = partitions.every((p) => hasPartition(txn, p.topic, p.partition)) && groups.every((g) => txn.groups.includes(g));
    if (txn.state === 'Ongoing' && known) return ErrorCode.NONE;
    return this.record(addToTransaction(txn, partitions, groups, this.clock.nowMs()));
  }

  // ---- EndTxn ----------------------------------------------------------------------------------

  /** EndTxn: commits or aborts the ongoing transaction; a retry of an EndTxn that completed is answered NONE. */
  async endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<ErrorCodeValue> {
    const txn = this.currentTransaction(transactionalId, producerId, producerEpoch);
    if (typeof txn === 'number') return txn;
    switch (txn.state) {
      case 'Ongoing': {
        const recorded = this.record(prepareEnd(txn, commit, this.clock.nowMs()));
        if (recorded !== ErrorCode.NONE) return recorded;
        if (commit && this.failpoint?.prepared() === true) {
          process.stderr.write(`${FAILPOINT_ENV}: ${transactionalId} journaled PrepareCommit (commit ${this.failpoint.stopAt}): stopping before its markers\n`);
          process.kill(process.pid, 'SIGSTOP');
        }
        await this.completer.complete(transactionalId);
        return ErrorCode.NONE;
      }
      case 'CompleteCommit':
        return commit ? ErrorCode.NONE : this.invalidEnd(txn, commit);
      case 'CompleteAbort':
        return commit ? this.invalidEnd(txn, commit) : ErrorCode.NONE;
      case 'PrepareCommit':
        return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : this.invalidEnd(txn, commit);
      case 'PrepareAbort':
        return commit ? this.invalidEnd(txn, commit) : ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return this.invalidEnd(txn, commit);
    }
  }

  private invalidEnd(txn: Transaction, commit: boolean): ErrorCodeValue {
    this.log.warn(`transactional id ${txn.transactionalId} is ${txn.state}, but an EndTxn asked to ${commit ? 'commit' : 'abort'}`);
    return ErrorCode.INVALID_TXN_STATE;
  }

  // ---- Produce ------------------------------------------------------------------------------

  /**
   * The coordinator's check of a transactional batch about to be appended (Kafka's
   * transaction verification): its producer must be the current one of an ongoing
   * transaction that holds the partition. Only the first batch of a transaction in a
   * partition is checked; later ones are held to the epoch of the transaction already open
   * there. Must run synchronously right before the append. Null: append it.
   */
  verifyAppend(topic: string, log: PartitionLog, records: Buffer | null): AppendRefusal | null {
    if (records === null || records.length < BATCH_HEADER_BYTES || magicAt(records, 0) !== 2) return null;
    const batch = new RecordBatchView(records);
    if (!batch.isTransactional || (batch.attributes & ATTR_CONTROL) !== 0 || batch.producerId < 0) return null;
    if (log.producers.ongoingTransaction(batch.producerId)?.epoch === batch.producerEpoch) return null;
    const txn = this.store.byProducerId(batch.producerId);
    if (txn === undefined) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING, errorMessage: `producer ${batch.producerId} has no transactional id` };
    if (txn.producerEpoch !== batch.producerEpoch) {
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, errorMessage: `producer epoch ${batch.producerEpoch} is not the current epoch ${txn.producerEpoch}` };
    }
    // Older clients do not retry CONCURRENT_TRANSACTIONS on Produce: Kafka answers NOT_ENOUGH_REPLICAS, which they do retry.
    if (isCompleting(txn)) return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, errorMessage: `the transaction of ${txn.transactionalId} is being completed` };
    if (txn.state !== 'Ongoing' || !hasPartition(txn, topic, log.partition)) {
      return { errorCode: ErrorCode.INVALID_TXN_STATE, errorMessage: `partition ${topic}-${log.partition} was not added to the transaction` };
    }
    return null;
  }

  // ---- Admin views --------------------------------------------------------------------------

  describe(transactionalId: string): TransactionDescription {
    const txn = this.store.get(transactionalId);
    const base = { transactionalId, state: '', timeoutMs: 0, startTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
    if (transactionalId === '') return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
    if (txn === undefined) return { ...base, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of txn.partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    if (txn.groups.length > 0) byTopic.set(OFFSETS_TOPIC, [0]);
    return {
      errorCode: ErrorCode.NONE,
      transactionalId,
      state: txn.state,
      timeoutMs: txn.timeoutMs,
      startTimeMs: txn.startTimeMs,
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    };
  }

  /** ListTransactions: filters by state names, producer ids, and (v1) transactions running longer than `durationMs` (-1: any). */
  list(stateFilters: readonly string[], producerIdFilters: readonly number[], durationMs: number): TransactionListing {
    const nowMs = this.clock.nowMs();
    const known: readonly string[] = TRANSACTION_STATES;
    const included = (txn: Transaction): boolean =>
      (stateFilters.length === 0 || stateFilters.includes(txn.state)) &&
      (producerIdFilters.length === 0 || producerIdFilters.includes(txn.producerId)) &&
      (durationMs < 0 || nowMs - txn.startTimeMs > durationMs);
    return {
      unknownStateFilters: stateFilters.filter((state) => !known.includes(state)),
      transactions: [...this.store.all()].filter(included).map((txn) => ({ transactionalId: txn.transactionalId, producerId: txn.producerId, transactionState: txn.state })),
    };
  }

  /** Whether an unfinished transaction has an offset staged for this partition of the group (OffsetFetch require_stable). */
  hasStagedOffset(groupId: string, topic: string, partition: number): boolean {
    return this.store.hasStagedOffset(groupId, topic, partition);
  }

  // ---- Timeouts and expiry (the sweeper calls these) ----------------------------------------

  /** Aborts every ongoing transaction older than its timeout, fencing its producer (Kafka's abortTimedOutTransactions). */
  abortTimedOut(): void {
    const nowMs = this.clock.nowMs();
    for (const txn of [...this.store.all()]) {
      if (txn.state !== 'Ongoing' || txn.startTimeMs + txn.timeoutMs >= nowMs) continue;
      this.probe.transactionTimedOut();
      void this.fenceAndAbort(txn, `it outlived its timeout of ${txn.timeoutMs} ms`);
    }
  }

  /** Forgets transactional ids at rest and idle for transactional_id_expiration_ms. */
  expireIdle(): void {
    const nowMs = this.clock.nowMs();
    for (const txn of [...this.store.all()]) {
      if (!isAtRest(txn) || nowMs - txn.lastUpdateTimeMs < this.config.transactionalIdExpirationMs) continue;
      try {
        this.store.remove(txn.transactionalId);
      } catch (error) {
        this.log.error(`transactional id ${txn.transactionalId} could not expire: ${(error as Error).message}`);
      }
    }
  }

  // ---- Internals ----------------------------------------------------------------------------

  /** The transaction of `transactionalId` if the producer id and epoch are its current ones, else the error to answer. */
  private currentTransaction(transactionalId: string, producerId: number, producerEpoch: number): Transaction | ErrorCodeValue {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const txn = this.store.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return txn;
  }

  /** Bumps the epoch and aborts the ongoing transaction; true once it is aborted everywhere. */
  private async fenceAndAbort(txn: Transaction, why: string): Promise<boolean> {
    if (this.record(fenceEpoch(txn, this.clock.nowMs())) !== ErrorCode.NONE) return false;
    this.log.log(`aborting the transaction of ${txn.transactionalId} (producer ${txn.producerId}, epoch ${txn.producerEpoch} fenced): ${why}`);
    return this.completer.complete(txn.transactionalId);
  }

  /** Journals and applies a transition; COORDINATOR_NOT_AVAILABLE (retriable) when the journal cannot take it. */
  private record(next: Transaction): ErrorCodeValue {
    try {
      this.store.put(next);
      return ErrorCode.NONE;
    } catch (error) {
      this.log.error(`transactional id ${next.transactionalId}: could not journal ${next.state}: ${(error as Error).message}`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }
}

/**
 * KIP-360: an InitProducerId that names the producer's current id and epoch is honoured only
 * for the transactional id's current producer id, or for its previous one when that one's
 * epoch ran out (a retry of the rotation); anything else is a fenced producer.
 */
function isValidProducerId(txn: Transaction, expected: ProducerIdAndEpoch): boolean {
  return (
    txn.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === txn.producerId ||
    (expected.producerId === txn.previousProducerId && isEpochExhausted(expected.producerEpoch))
  );
}
