/**
 * What the transaction e2e tests ask of a client family (test/e2e/transactions-support.ts):
 * transactions committed and aborted by one producer, reads at both isolation levels,
 * consume-transform-produce with the consumed offsets in the transaction, a zombie producer
 * fenced by a new one, and a transaction abandoned without its end. Each client family
 * implements it once: the Python, Go and Java drivers as the JSON ops txn_run, txn_consume,
 * txn_copy, txn_zombie and txn_abandon (`transactionalOverCalls`), the Node clients in
 * process (kafkajs-txn.ts, platformatic-txn.ts). Values are UTF-8 text.
 */
import type { OpCall } from './json-driver.js';

export type Isolation = 'read_committed' | 'read_uncommitted';

export interface TxnMessage {
  readonly partition: number;
  readonly value: string;
}

export interface TxnRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

export interface PlannedTransaction {
  readonly commit: boolean;
  readonly messages: readonly TxnMessage[];
}

export interface TransactionalClient {
  readonly name: string;
  /** One producer of `transactionalId` runs the transactions in order; an aborted one's records reach the log first. */
  runTransactions(topic: string, transactionalId: string, transactions: readonly PlannedTransaction[]): Promise<void>;
  /**
   * Reads partitions 0..partitions-1 of `topic` from offset 0 at `isolation` until `count`
   * records arrived (then a little longer, so an extra one would show) or `waitMs` passed.
   */
  consume(topic: string, partitions: number, count: number, isolation: Isolation, waitMs: number): Promise<TxnRecord[]>;
  /**
   * Consume-transform-produce: group `group` consumes `count` records of `input` at
   * read_committed, and one transaction writes each value + "!" to the same partition of
   * `output` and commits the consumed offsets (sendOffsetsToTransaction).
   */
  copy(input: string, output: string, group: string, transactionalId: string, count: number): Promise<void>;
  /**
   * A producer writes "zombie" to partition 0 in a transaction; a second producer of the
   * same transactional id starts (fencing the first), writes "fresh" and commits; then the
   * first tries to commit. Resolves with the error it got (null: it was not fenced).
   */
  zombie(topic: string, transactionalId: string): Promise<string | null>;
  /** Begins a transaction with transaction.timeout.ms = `timeoutMs`, writes `messages`, and goes away without ending it. */
  abandon(topic: string, transactionalId: string, timeoutMs: number, messages: readonly TxnMessage[]): Promise<void>;
}

/** Time a driver gets for one transactional op (the abandoned-transaction wait is the longest). */
export const TXN_OP_TIMEOUT_MS = 45_000;

/** The TransactionalClient of a driver that speaks the txn_* JSON ops through `call`. */
export function transactionalOverCalls(name: string, call: OpCall): TransactionalClient {
  return {
    name,
    async runTransactions(topic, transactionalId, transactions) {
      await call('txn_run', { topic, transactional_id: transactionalId, transactions });
    },
    async consume(topic, partitions, count, isolation, waitMs) {
      return (await call<{ records: TxnRecord[] }>('txn_consume', { topic, partitions, count, isolation, wait_ms: waitMs })).records;
    },
    async copy(input, output, group, transactionalId, count) {
      await call('txn_copy', { input, output, group, transactional_id: transactionalId, count });
    },
    async zombie(topic, transactionalId) {
      return (await call<{ error: string | null }>('txn_zombie', { topic, transactional_id: transactionalId })).error;
    },
    async abandon(topic, transactionalId, timeoutMs, messages) {
      await call('txn_abandon', { topic, transactional_id: transactionalId, transaction_timeout_ms: timeoutMs, records: messages });
    },
  };
}
