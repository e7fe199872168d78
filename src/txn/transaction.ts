/**
 * One transactional id's state (Kafka 3.9 TransactionMetadata, transactions v1) as an
 * immutable value, and its transitions as pure functions: the coordinator computes the next
 * value, writes it to the journal (durable mode), and only then makes it current, as Kafka
 * appends a transition to __transaction_state before applying it.
 *
 * States and the states each may follow (Kafka's TransactionState.validPreviousStates):
 *   Empty             ← Empty, CompleteCommit, CompleteAbort      (InitProducerId)
 *   Ongoing           ← Ongoing, Empty, CompleteCommit, CompleteAbort   (partitions or a group added)
 *   PrepareCommit     ← Ongoing                                   (EndTxn commit: markers being written)
 *   PrepareAbort      ← Ongoing, PrepareEpochFence                (EndTxn abort, fencing, timeout)
 *   CompleteCommit    ← PrepareCommit                             (every marker written)
 *   CompleteAbort     ← PrepareAbort
 *   Dead              ← Empty, CompleteCommit, CompleteAbort      (transactional id expired)
 *   PrepareEpochFence ← Ongoing                                   (a new producer or a timeout fences the old one)
 * PrepareEpochFence is never journaled: it turns into PrepareAbort with the bumped epoch at once.
 */
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';

export const TRANSACTION_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;
export type TransactionState = (typeof TRANSACTION_STATES)[number];

const VALID_PREVIOUS: Readonly<Record<TransactionState, readonly TransactionState[]>> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareEpochFence: ['Ongoing'],
};

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
/** Kafka's Short.MaxValue: producer epochs are int16. */
export const PRODUCER_EPOCH_MAX = 32_767;
/** Blink's single node is the coordinator of every transaction, in its one and only epoch. */
export const COORDINATOR_EPOCH = 0;

/** Kafka's TransactionMetadata.isEpochExhausted: one bump must stay possible for fencing. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= PRODUCER_EPOCH_MAX - 1;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** An offset a TxnOffsetCommit staged; the group sees it only if the transaction commits. */
export interface PendingOffset {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
}

export interface Transaction {
  readonly transactionalId: string;
  readonly producerId: number;
  /** The producer id before the last rotation (KIP-360: a retried InitProducerId is recognised). */
  readonly previousProducerId: number;
  readonly producerEpoch: number;
  /** The epoch before the last bump, for recognising a retried InitProducerId (-1: none). */
  readonly lastProducerEpoch: number;
  readonly timeoutMs: number;
  readonly state: TransactionState;
  /** Partitions added to the current transaction (AddPartitionsToTxn), in the order added. */
  readonly partitions: readonly TopicPartition[];
  /** Consumer groups added to the current transaction (AddOffsetsToTxn). */
  readonly groups: readonly string[];
  /** Offsets staged by TxnOffsetCommit in the current transaction; the latest per partition wins. */
  readonly pendingOffsets: readonly PendingOffset[];
  /** When the current (or last) transaction began; -1 before the first one. */
  readonly startTimeMs: number;
  readonly lastUpdateTimeMs: number;
}

/** A transactional id seen for the first time: no epoch yet (the first InitProducerId bumps it to 0). */
export function newTransaction(transactionalId: string, producerId: number, timeoutMs: number, nowMs: number): Transaction {
  return {
    transactionalId,
    producerId,
    previousProducerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    timeoutMs,
    state: 'Empty',
    partitions: [],
    groups: [],
    pendingOffsets: [],
    startTimeMs: -1,
    lastUpdateTimeMs: nowMs,
  };
}

function transitTo(txn: Transaction, state: TransactionState, changes: Partial<Transaction>, nowMs: number): Transaction {
  if (!VALID_PREVIOUS[state].includes(txn.state)) {
    throw new Error(`transactional id ${txn.transactionalId}: illegal transition from ${txn.state} to ${state}`);
  }
  return { ...txn, ...changes, state, lastUpdateTimeMs: nowMs };
}

/** Whether the partition is in the current transaction. */
export function hasPartition(txn: Transaction, topic: string, partition: number): boolean {
  return txn.partitions.some((p) => p.topic === topic && p.partition === partition);
}

/**
 * InitProducerId on a transaction at rest (Kafka's prepareIncrementProducerEpoch): bump the
 * epoch; with the client's expected epoch (v3+), a retry of a bump that already happened gets
 * the current epoch again, and any other epoch is fenced.
 */
export function incrementEpoch(txn: Transaction, timeoutMs: number, expectedEpoch: number | undefined, nowMs: number): Transaction | ErrorCodeValue {
  if (isEpochExhausted(txn.producerEpoch)) throw new Error(`transactional id ${txn.transactionalId}: epoch ${txn.producerEpoch} cannot be bumped`);
  const bumped = txn.producerEpoch + 1;
  let epochs: { producerEpoch: number; lastProducerEpoch: number };
  if (expectedEpoch === undefined) epochs = { producerEpoch: bumped, lastProducerEpoch: NO_PRODUCER_EPOCH };
  else if (txn.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === txn.producerEpoch) epochs = { producerEpoch: bumped, lastProducerEpoch: txn.producerEpoch };
  else if (expectedEpoch === txn.lastProducerEpoch) epochs = { producerEpoch: txn.producerEpoch, lastProducerEpoch: txn.lastProducerEpoch };
  else return ErrorCode.PRODUCER_FENCED;
  return transitTo(txn, 'Empty', { ...epochs, timeoutMs, partitions: [], groups: [], pendingOffsets: [], startTimeMs: -1 }, nowMs);
}

/** InitProducerId once the epoch is exhausted (Kafka's prepareProducerIdRotation): a new producer id at epoch 0. */
export function rotateProducerId(txn: Transaction, newProducerId: number, timeoutMs: number, recordLastEpoch: boolean, nowMs: number): Transaction {
  return transitTo(
    txn,
    'Empty',
    {
      producerId: newProducerId,
      previousProducerId: txn.producerId,
      producerEpoch: 0,
      lastProducerEpoch: recordLastEpoch ? txn.producerEpoch : NO_PRODUCER_EPOCH,
      timeoutMs,
      partitions: [],
      groups: [],
      pendingOffsets: [],
      startTimeMs: -1,
    },
    nowMs,
  );
}

/** A new producer or the timeout fences the current one (Kafka's prepareFenceProducerEpoch): the epoch is bumped, the transaction is aborted. */
export function fenceEpoch(txn: Transaction, nowMs: number): Transaction {
  if (txn.producerEpoch >= PRODUCER_EPOCH_MAX) throw new Error(`transactional id ${txn.transactionalId}: epoch ${txn.producerEpoch} cannot be fenced`);
  const fenced = transitTo(txn, 'PrepareEpochFence', { producerEpoch: txn.producerEpoch + 1, lastProducerEpoch: NO_PRODUCER_EPOCH }, nowMs);
  return transitTo(fenced, 'PrepareAbort', {}, nowMs);
}

/** AddPartitionsToTxn / AddOffsetsToTxn: the transaction begins (or goes on) with these added. */
export function addToTransaction(txn: Transaction, partitions: readonly TopicPartition[], groups: readonly string[], nowMs: number): Transaction {
  const atRest = txn.state === 'Empty' || txn.state === 'CompleteCommit' || txn.state === 'CompleteAbort';
  const added = partitions.filter((p, i) => !hasPartition(txn, p.topic, p.partition) && partitions.findIndex((q) => q.topic === p.topic && q.partition === p.partition) === i);
  const newGroups = groups.filter((g, i) => !txn.groups.includes(g) && groups.indexOf(g) === i);
  return transitTo(
    txn,
    'Ongoing',
    {
      partitions: [...txn.partitions, ...added],
      groups: [...txn.groups, ...newGroups],
      startTimeMs: atRest ? nowMs : txn.startTimeMs,
    },
    nowMs,
  );
}

/** TxnOffsetCommit: offsets staged in the ongoing transaction (a retried commit of the same partition replaces the earlier one). */
export function stageOffsets(txn: Transaction, offsets: readonly PendingOffset[], nowMs: number): Transaction {
  const same = (a: PendingOffset, b: PendingOffset) => a.groupId === b.groupId && a.topic === b.topic && a.partition === b.partition;
  const kept = txn.pendingOffsets.filter((old) => !offsets.some((o) => same(o, old)));
  return transitTo(txn, 'Ongoing', { pendingOffsets: [...kept, ...offsets] }, nowMs);
}

/** EndTxn: the decision is taken; the markers are to be written. */
export function prepareEnd(txn: Transaction, commit: boolean, nowMs: number): Transaction {
  return transitTo(txn, commit ? 'PrepareCommit' : 'PrepareAbort', {}, nowMs);
}

/** Every marker is written: the transaction is over (Kafka's prepareComplete). */
export function completeEnd(txn: Transaction, nowMs: number): Transaction {
  const state = txn.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort';
  return transitTo(txn, state, { partitions: [], groups: [], pendingOffsets: [] }, nowMs);
}

/** The transactional id expired. */
export function expire(txn: Transaction, nowMs: number): Transaction {
  return transitTo(txn, 'Dead', { partitions: [], groups: [], pendingOffsets: [] }, nowMs);
}

/** The state a transaction rests in between transactions (it may start one, or expire). */
export function isAtRest(txn: Transaction): boolean {
  return txn.state === 'Empty' || txn.state === 'CompleteCommit' || txn.state === 'CompleteAbort';
}

/** A transaction whose markers are being written (every other change waits: CONCURRENT_TRANSACTIONS). */
export function isCompleting(txn: Transaction): boolean {
  return txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort';
}
