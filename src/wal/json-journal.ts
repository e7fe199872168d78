/**
 * One small journal of the data directory (committed offsets, transactions, the uplink's
 * state): a file of JSON records (json-records.ts) appended synchronously, so no answer
 * outruns its record (in the page cache before the call returns, which survives the process
 * being killed), synced as the `fsync` policy says, and rewritten atomically with the live
 * state when its owner decides the file has grown too large for what it holds.
 * The owner keeps what the records mean; this class keeps the file: replay with the torn
 * tail cut at boot, appends, the interval fsync, compaction and the last sync at shutdown.
 */
import { dirname } from 'node:path';
import type { Logger } from '@nestjs/common';
import type { Clock, Timer } from '../common/clock.js';
import type { FsyncPolicy } from '../config/settings.js';
import { encodeJsonRecord, JSON_RECORD_HEADER_BYTES, replayJsonRecords } from './json-records.js';
import type { SyncAppendFile, WalFileSystem } from './wal-file-system.js';

export interface JsonJournalOptions {
  readonly path: string;
  /** Largest record body replay accepts and append writes. */
  readonly maxRecordBytes: number;
  readonly fsyncPolicy: FsyncPolicy;
  readonly fsyncIntervalMs: number;
  /** What the journal holds, for log lines ("committed offsets", "uplink state"). */
  readonly what: string;
}

export class JsonJournal<R> {
  private file: SyncAppendFile | null = null;
  /** Between `open` and `close` (the file may be missing for a moment: a failed reopen is retried by the next append). */
  private opened = false;
  private timer: Timer | undefined;
  private unsynced = false;

  constructor(
    private readonly options: JsonJournalOptions,
    private readonly fs: WalFileSystem,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get path(): string {
    return this.options.path;
  }

  /** True between `open` and `close`: appends reach the file. */
  get isOpen(): boolean {
    return this.opened;
  }

  get sizeBytes(): number {
    return this.file?.sizeBytes ?? 0;
  }

  /** Replays the file's whole, valid records into `apply` (cutting a torn or corrupt tail), then opens it for appends. */
  async open(apply: (record: R, recordBytes: number) => void): Promise<void> {
    await this.fs.makeDirectory(dirname(this.path));
    const bytes = (await this.fs.readWhole(this.path)) ?? Buffer.alloc(0);
    const validBytes = replayJsonRecords<R>(bytes, this.options.maxRecordBytes, apply);
    if (validBytes < bytes.length) {
      this.log.warn(`${this.path}: cut ${bytes.length - validBytes} bytes of a torn or corrupt record at byte ${validBytes}`);
      const file = await this.fs.openFile(this.path);
      await file.truncate(validBytes);
      await file.close();
    }
    this.file = this.fs.openSyncAppend(this.path);
    this.opened = true;
    if (this.options.fsyncPolicy === 'interval') this.timer = this.clock.every(this.options.fsyncIntervalMs, () => this.syncIfNeeded());
  }

  /** The framed bytes of one record; throws when it is larger than replay would take back. */
  encode(record: R): Buffer {
    const framed = encodeJsonRecord(record);
    const bodyBytes = framed.length - JSON_RECORD_HEADER_BYTES;
    if (bodyBytes > this.options.maxRecordBytes) {
      throw new Error(`a record of ${bodyBytes} bytes is larger than the ${this.options.what} journal takes (${this.options.maxRecordBytes})`);
    }
    return framed;
  }

  /** Appends one record (nothing before `open`); returns its framed size. Throws when the write fails. */
  append(record: R): number {
    if (!this.opened) return 0;
    const framed = this.encode(record);
    const file = (this.file ??= this.fs.openSyncAppend(this.path));
    file.append(framed);
    if (this.options.fsyncPolicy === 'always') file.sync();
    else this.unsynced = true;
    return framed.length;
  }

  /**
   * Replaces the file, atomically, with these records (the live state) and reopens it for
   * appends — unless the file is not yet `minRatio` times their size (returns false then).
   */
  rewrite(records: readonly R[], minRatio = 0): boolean {
    const data = Buffer.concat(records.map((record) => this.encode(record)));
    if (this.sizeBytes < minRatio * data.length) return false;
    this.file?.close();
    this.file = null;
    try {
      this.fs.replaceSync(this.path, data, this.options.fsyncPolicy !== 'never');
    } finally {
      this.file = this.fs.openSyncAppend(this.path);
    }
    return true;
  }

  /** Stops the interval fsync, syncs what is pending (unless fsync is never) and closes the file. */
  close(): void {
    this.opened = false;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.options.fsyncPolicy !== 'never') this.syncIfNeeded();
    this.file?.close();
    this.file = null;
  }

  private syncIfNeeded(): void {
    if (!this.unsynced || this.file === null) return;
    this.unsynced = false;
    try {
      this.file.sync();
    } catch (error) {
      this.log.error(`${this.options.what} could not be synced: ${(error as Error).message}`);
    }
  }
}
