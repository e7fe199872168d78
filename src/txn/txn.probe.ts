/**
 * Metrics of the transaction coordinator: open transactions (a gauge), and transactions
 * committed, aborted and aborted by their timeout (counters). The coordinator calls
 * intent-named methods; only this class touches prom-client. The same numbers are kept as
 * plain values for the REST admin overview (`counts`).
 */
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '../common/metric-providers.js';
import type { Counter, Gauge } from 'prom-client';

export const txnMetricProviders = [
  makeGaugeProvider({ name: 'blink_transactions_open', help: 'Transactions begun and not yet ended (Ongoing, PrepareCommit, PrepareAbort)' }),
  makeCounterProvider({ name: 'blink_transactions_committed_total', help: 'Transactions committed (every marker written)' }),
  makeCounterProvider({ name: 'blink_transactions_aborted_total', help: 'Transactions aborted: by the producer, by fencing, or by their timeout' }),
  makeCounterProvider({ name: 'blink_transactions_timed_out_total', help: 'Transactions the broker aborted because they outlived transaction.timeout.ms' }),
];

export interface TransactionCounts {
  readonly open: number;
  readonly committed: number;
  readonly aborted: number;
  readonly timedOut: number;
}

@Injectable()
export class TxnProbe {
  private current: TransactionCounts = { open: 0, committed: 0, aborted: 0, timedOut: 0 };

  constructor(
    @InjectMetric('blink_transactions_open') private readonly open: Gauge,
    @InjectMetric('blink_transactions_committed_total') private readonly committed: Counter,
    @InjectMetric('blink_transactions_aborted_total') private readonly aborted: Counter,
    @InjectMetric('blink_transactions_timed_out_total') private readonly timedOut: Counter,
  ) {}

  get counts(): TransactionCounts {
    return this.current;
  }

  openTransactionsChanged(count: number): void {
    this.open.set(count);
    this.current = { ...this.current, open: count };
  }

  transactionEnded(committed: boolean): void {
    if (committed) this.committed.inc();
    else this.aborted.inc();
    this.current = committed ? { ...this.current, committed: this.current.committed + 1 } : { ...this.current, aborted: this.current.aborted + 1 };
  }

  transactionTimedOut(): void {
    this.timedOut.inc();
    this.current = { ...this.current, timedOut: this.current.timedOut + 1 };
  }
}
