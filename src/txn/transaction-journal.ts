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
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { encodeJsonRecord, JSON_RECORD_HEADER_BYTES, replayJsonRecords } from '../wal/json-records.js';
import { TRANSACTIONS_DIRECTORY, WalFileSystem, type SyncAppendFile } from '../wal/wal-file-system.js';
import type { Transaction } from './transaction.js';

const JOURNAL_FILE = 'transactions.log';
const RECORD_BYTES_MAX = 16 * 1024 * 1024;
export const COMPACT_MIN_BYTES = 4 * 1024 * 1024;
const COMPACT_RATIO = 4;

type JournalRecord = { k: 't'; t: Transaction } | { k: 'd'; id: string };

function encode(payload: JournalRecord): Buffer {
  const record = encodeJsonRecord(payload);
  const bodyBytes = record.length - JSON_RECORD_HEADER_BYTES;
  if (bodyBytes > RECORD_BYTES_MAX) throw new Error(`a transaction state of ${bodyBytes} bytes is larger than the journal takes (${RECORD_BYTES_MAX})`);
  return record;
}

@Injectable()
export class TransactionJournal implements OnApplicationShutdown {
  private readonly log = new Logger('TransactionJournal');
  private file: SyncAppendFile | null = null;
  private readonly live = new Map<string, Transaction>();
  /** Bytes of each live id's last record, and their sum: what a compacted journal would take. */
  private readonly liveRecordBytes = new Map<string, number>();
  private liveBytes = 0;
  private timer: Timer | undefined;
  private unsynced = false;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
    private readonly clock: Clock,
  ) {}

  private get path(): string {
    return join(this.config.recordStoragePath, TRANSACTIONS_DIRECTORY, JOURNAL_FILE);
  }

  /** Durable mode at boot: the states on disk (last one per id), then every later change is recorded. */
  async recover(): Promise<Transaction[]> {
    await this.fs.makeDirectory(join(this.config.recordStoragePath, TRANSACTIONS_DIRECTORY));
    const bytes = (await this.fs.readWhole(this.path)) ?? Buffer.alloc(0);
    const validBytes = this.replay(bytes);
    if (validBytes < bytes.length) {
      this.log.warn(`${this.path}: cut ${bytes.length - validBytes} bytes of a torn or corrupt record at byte ${validBytes}`);
      const file = await this.fs.openFile(this.path);
      await file.truncate(validBytes);
      await file.close();
    }
    this.file = this.fs.openSyncAppend(this.path);
    if (this.config.fsyncPolicy === 'interval') this.timer = this.clock.every(this.config.fsyncIntervalMs, () => this.syncIfNeeded());
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
    this.timer?.cancel();
    if (this.config.fsyncPolicy !== 'never') this.syncIfNeeded();
    this.file?.close();
    this.file = null;
  }

  /** Appends one record (nothing in memory mode, before `recover`); returns its size. */
  private append(payload: JournalRecord): number {
    if (this.file === null) return 0;
    const record = encode(payload);
    this.file.append(record);
    if (this.config.fsyncPolicy === 'always') this.file.sync();
    else this.unsynced = true;
    if (this.file.sizeBytes > COMPACT_MIN_BYTES && this.file.sizeBytes > COMPACT_RATIO * (this.liveBytes + record.length)) this.compact();
    return record.length;
  }

  private setLiveBytes(transactionalId: string, bytes: number): void {
    this.liveBytes += bytes - (this.liveRecordBytes.get(transactionalId) ?? 0);
    if (bytes > 0) this.liveRecordBytes.set(transactionalId, bytes);
    else this.liveRecordBytes.delete(transactionalId);
  }

  /** The live states from a journal's bytes; returns how many bytes held whole, valid records. */
  private replay(bytes: Buffer): number {
    return replayJsonRecords<JournalRecord>(bytes, RECORD_BYTES_MAX, (payload, recordBytes) => {
      const id = payload.k === 'd' ? payload.id : payload.t.transactionalId;
      if (payload.k === 'd') this.live.delete(id);
      else this.live.set(id, payload.t);
      this.setLiveBytes(id, payload.k === 'd' ? 0 : recordBytes);
    });
  }

  /** Rewrites the file with the live states only (the record being appended is already in it). */
  private compact(): void {
    const data = Buffer.concat([...this.live.values()].map((txn) => encode({ k: 't', t: txn })));
    this.file?.close();
    this.file = null;
    try {
      this.fs.replaceSync(this.path, data, this.config.fsyncPolicy !== 'never');
    } finally {
      this.file = this.fs.openSyncAppend(this.path);
    }
  }

  private syncIfNeeded(): void {
    if (!this.unsynced || this.file === null) return;
    this.unsynced = false;
    try {
      this.file.sync();
    } catch (error) {
      this.log.error(`the transaction journal could not be synced: ${(error as Error).message}`);
    }
  }
}
