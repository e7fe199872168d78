/**
 * The coordinator's table: transactional id → its current state (txn/transaction.ts), with
 * the look-ups the rest of the broker needs: by producer id (a produce, a marker), and which
 * groups have offsets staged in an unfinished transaction (OffsetFetch require_stable).
 * `put` is the only way a state changes: the journal records it first (durable mode), and a
 * state that cannot be recorded never becomes current.
 * Bounded by the transactional ids clients use; idle ones expire (transactional_id_expiration_ms).
 */
import { Injectable } from '@nestjs/common';
import { TransactionJournal } from './transaction-journal.js';
import { isAtRest, type Transaction } from './transaction.js';
import { TxnProbe } from './txn.probe.js';

@Injectable()
export class TransactionStore {
  private readonly byId = new Map<string, Transaction>();
  private readonly idByProducer = new Map<number, string>();
  /** Group → the transactional ids with offsets staged for it. */
  private readonly stagingByGroup = new Map<string, Set<string>>();
  private openCount = 0;

  constructor(
    private readonly journal: TransactionJournal,
    private readonly probe: TxnProbe,
  ) {}

  get(transactionalId: string): Transaction | undefined {
    return this.byId.get(transactionalId);
  }

  /** The transaction whose current producer id is `producerId`. */
  byProducerId(producerId: number): Transaction | undefined {
    const id = this.idByProducer.get(producerId);
    return id === undefined ? undefined : this.byId.get(id);
  }

  all(): IterableIterator<Transaction> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Makes `next` the current state of its id once the journal holds it; throws (changing nothing) when it cannot be recorded. */
  put(next: Transaction): void {
    this.journal.record(next);
    this.apply(next);
  }

  /** A state that is not journaled: a transactional id seen for the first time, before its first transition. */
  putUnrecorded(next: Transaction): void {
    this.apply(next);
  }

  /** The transactional id expired (Dead): forgotten once the journal holds that. */
  remove(transactionalId: string): void {
    this.journal.remove(transactionalId);
    this.forget(transactionalId);
  }

  /** Recovery: the states the journal holds, made current without writing them again. */
  restore(states: readonly Transaction[]): void {
    for (const txn of states) this.apply(txn);
  }

  /** Whether an unfinished transaction has an offset staged for this group's partition. */
  hasStagedOffset(groupId: string, topic: string, partition: number): boolean {
    for (const id of this.stagingByGroup.get(groupId) ?? []) {
      if (this.byId.get(id)?.pendingOffsets.some((o) => o.groupId === groupId && o.topic === topic && o.partition === partition)) return true;
    }
    return false;
  }

  private apply(next: Transaction): void {
    const previous = this.byId.get(next.transactionalId);
    if (previous !== undefined) this.unindex(previous);
    this.byId.set(next.transactionalId, next);
    this.index(next);
  }

  private forget(transactionalId: string): void {
    const previous = this.byId.get(transactionalId);
    if (previous === undefined) return;
    this.unindex(previous);
    this.byId.delete(transactionalId);
  }

  private index(txn: Transaction): void {
    this.idByProducer.set(txn.producerId, txn.transactionalId);
    for (const { groupId } of txn.pendingOffsets) {
      let ids = this.stagingByGroup.get(groupId);
      if (ids === undefined) this.stagingByGroup.set(groupId, (ids = new Set()));
      ids.add(txn.transactionalId);
    }
    if (!isAtRest(txn)) this.setOpenCount(this.openCount + 1);
  }

  private unindex(txn: Transaction): void {
    if (this.idByProducer.get(txn.producerId) === txn.transactionalId) this.idByProducer.delete(txn.producerId);
    for (const { groupId } of txn.pendingOffsets) {
      const ids = this.stagingByGroup.get(groupId);
      ids?.delete(txn.transactionalId);
      if (ids?.size === 0) this.stagingByGroup.delete(groupId);
    }
    if (!isAtRest(txn)) this.setOpenCount(this.openCount - 1);
  }

  private setOpenCount(count: number): void {
    this.openCount = count;
    this.probe.openTransactionsChanged(count);
  }
}
