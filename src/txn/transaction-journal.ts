/**
 * Durable mode: the transaction coordinator's state survives a restart (Kafka keeps it in the
 * __transaction_state topic). Every transition of a transactional id is appended to
 * `<record_storage_path>/__transaction_state/transactions.log` before it takes effect, with a
 * synchronous write (in the page cache, which survives the process being killed; fsync
 * follows the `fsync` policy), so no answer outruns its record.
 *
 * Format: records back to back, each `length u32 | CRC-32C u32 of the payload | payload`, the
 * payload UTF-8 JSON: {"k":"t","t":Transaction} for a state (the whole value, txn/transaction.ts),
 * {"k":"d","id":transactionalId} when an id expires. The last record of an id wins.
 * Recovery reads the records in order, stops at the first torn or corrupt one and truncates
 * the file there (logging what was cut).
 * Bounded: when the file is larger than COMPACT_MIN_BYTES and COMPACT_RATIO times what the
 * live states take, it is rewritten (atomically) with just the live states.
 * Memory mode: nothing is written; the state lives as long as the process (and the data).
 */
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { JsonJournal } from '../wal/json-journal.js';
import { TRANSACTIONS_DIRECTORY, WalFileSystem } from '../wal/wal-file-system.js';
import type { Transaction } from './transaction.js';

const JOURNAL_FILE = 'transactions.log';
const RECORD_BYTES_MAX = 16 * 1024 * 1024;
export const COMPACT_MIN_BYTES = 4 * 1024 * 1024;
const COMPACT_RATIO = 4;

type JournalRecord = { k: 't'; t: Transaction } | { k: 'd'; id: string };

@Injectable()
export class TransactionJournal implements OnApplicationShutdown {
  private readonly log = new Logger('TransactionJournal');
  private readonly journal: JsonJournal<JournalRecord>;
  private readonly live = new Map<string, Transaction>();
  /** Bytes of each live id's last record, and their sum: what a compacted journal would take. */
  private readonly liveRecordBytes = new Map<string, number>();
  private liveBytes = 0;

  constructor(@Inject(BLINK_CONFIG) config: BlinkConfig, fs: WalFileSystem, clock: Clock) {
    const path = join(config.recordStoragePath, TRANSACTIONS_DIRECTORY, JOURNAL_FILE);
    const options = { path, maxRecordBytes: RECORD_BYTES_MAX, fsyncPolicy: config.fsyncPolicy, fsyncIntervalMs: config.fsyncIntervalMs, what: 'transaction state' };
    this.journal = new JsonJournal(options, fs, clock, this.log);
  }

  /** Durable mode at boot: the states on disk (last one per id), then every later change is recorded. */
  async recover(): Promise<Transaction[]> {
    await this.journal.open((payload, recordBytes) => {
      const id = payload.k === 'd' ? payload.id : payload.t.transactionalId;
      if (payload.k === 'd') this.live.delete(id);
      else this.live.set(id, payload.t);
      this.setLiveBytes(id, payload.k === 'd' ? 0 : recordBytes);
    });
    return [...this.live.values()];
  }

  /** Records the new state of a transactional id; throws when it cannot be written (the transition must not happen then). */
  record(txn: Transaction): void {
    this.change(txn.transactionalId, txn, { k: 't', t: txn });
  }

  /** Records that a transactional id expired. */
  remove(transactionalId: string): void {
    this.change(transactionalId, undefined, { k: 'd', id: transactionalId });
  }

  /** The live set changes first (a compaction triggered by this append writes it), and is restored if the write fails. */
  private change(transactionalId: string, next: Transaction | undefined, payload: JournalRecord): void {
    const previous = this.live.get(transactionalId);
    if (next === undefined) this.live.delete(transactionalId);
    else this.live.set(transactionalId, next);
    try {
      const bytes = this.append(payload);
      this.setLiveBytes(transactionalId, next === undefined ? 0 : bytes);
    } catch (error) {
      if (previous === undefined) this.live.delete(transactionalId);
      else this.live.set(transactionalId, previous);
      throw error;
    }
  }

  onApplicationShutdown(): void {
    this.journal.close();
  }

  /** Appends one record (nothing in memory mode, before `recover`); returns its size. */
  private append(payload: JournalRecord): number {
    const bytes = this.journal.append(payload);
    const size = this.journal.sizeBytes;
    if (size > COMPACT_MIN_BYTES && size > COMPACT_RATIO * (this.liveBytes + bytes)) {
      // Rewrites the file with the live states only (the record being appended is already in it).
      this.journal.rewrite([...this.live.values()].map((txn) => ({ k: 't', t: txn })));
    }
    return bytes;
  }

  private setLiveBytes(transactionalId: string, bytes: number): void {
    this.liveBytes += bytes - (this.liveRecordBytes.get(transactionalId) ?? 0);
    if (bytes > 0) this.liveRecordBytes.set(transactionalId, bytes);
    else this.liveRecordBytes.delete(transactionalId);
  }
}
