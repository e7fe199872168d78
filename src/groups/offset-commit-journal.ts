/**
 * Durable mode: committed consumer-group offsets survive a restart. Every change the groups'
 * offset store reports (OffsetStore.onChange: a commit or a deletion) is appended to
 * `<record_storage_path>/__consumer_offsets/commits.log` before the listener returns, so
 * the OffsetCommit answer never outruns its write (a synchronous write: it is in the page
 * cache, which survives the process being killed; fsync follows the `fsync` policy).
 *
 * Format: records back to back, each `length u32 | CRC-32C u32 of the payload | payload`,
 * the payload UTF-8 JSON: {"k":"c","g":group,"t":topic,"p":partition,"o":offset,
 * "e":leaderEpoch,"m":metadata,"ts":commitTimestampMs,"x":expireTimestampMs|null} for a
 * commit, {"k":"d","g","t","p"} for a deletion.
 * Recovery replays the records into the offset store in order, stops at the first torn or
 * corrupt record and truncates the file there (logging what was cut).
 * Bounded: when the file is larger than COMPACT_MIN_BYTES and than COMPACT_RATIO times the
 * live offsets it holds, it is rewritten (atomically) with just the live offsets.
 */
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { type CommittedOffset, OFFSET_STORE, type OffsetChange, type OffsetStore } from './offset-store.js';
import { encodeJsonRecord, replayJsonRecords } from '../wal/json-records.js';
import { OFFSETS_DIRECTORY, WalFileSystem, type SyncAppendFile } from '../wal/wal-file-system.js';

const JOURNAL_FILE = 'commits.log';
const RECORD_BYTES_MAX = 1024 * 1024;
export const COMPACT_MIN_BYTES = 4 * 1024 * 1024;
const COMPACT_RATIO = 4;

type Live = Map<string, CommittedOffset & { groupId: string; topic: string; partition: number }>;

interface CommitRecord {
  k: 'c';
  g: string;
  t: string;
  p: number;
  o: number;
  e: number;
  m: string;
  ts: number;
  x: number | null;
}
interface DeleteRecord {
  k: 'd';
  g: string;
  t: string;
  p: number;
}

function encode(payload: CommitRecord | DeleteRecord): Buffer {
  return encodeJsonRecord(payload);
}

function keyOf(groupId: string, topic: string, partition: number): string {
  return JSON.stringify([groupId, topic, partition]);
}

@Injectable()
export class OffsetCommitJournal implements OnApplicationShutdown {
  private readonly log = new Logger('OffsetCommitJournal');
  private file: SyncAppendFile | null = null;
  private started = false;
  private readonly live: Live = new Map();
  private unsubscribe: (() => void) | null = null;
  private timer: Timer | undefined;
  private unsynced = false;
  private failed = false;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
    @Inject(OFFSET_STORE) private readonly store: OffsetStore,
    private readonly clock: Clock,
  ) {}

  private get directory(): string {
    return join(this.config.recordStoragePath, OFFSETS_DIRECTORY);
  }

  private get path(): string {
    return join(this.directory, JOURNAL_FILE);
  }

  /** Replays the journal into the offset store, then records every later change. Returns the offsets restored. */
  async recover(): Promise<number> {
    await this.fs.makeDirectory(this.directory);
    const bytes = (await this.fs.readWhole(this.path)) ?? Buffer.alloc(0);
    const validBytes = this.replay(bytes);
    if (validBytes < bytes.length) {
      this.log.warn(`${this.path}: cut ${bytes.length - validBytes} bytes of a torn or corrupt record at byte ${validBytes}`);
      const file = await this.fs.openFile(this.path);
      await file.truncate(validBytes);
      await file.close();
    }
    for (const entry of this.live.values()) {
      const { groupId, topic, partition, ...committed } = entry;
      this.store.commit(groupId, topic, partition, committed);
    }
    this.file = this.fs.openSyncAppend(this.path);
    this.started = true;
    this.unsubscribe = this.store.onChange((change) => this.record(change));
    if (this.config.fsyncPolicy === 'interval') {
      this.timer = this.clock.every(this.config.fsyncIntervalMs, () => this.syncIfNeeded());
    }
    return this.live.size;
  }

  onApplicationShutdown(): void {
    this.timer?.cancel();
    this.started = false;
    this.unsubscribe?.();
    if (this.config.fsyncPolicy !== 'never') this.syncIfNeeded();
    this.file?.close();
    this.file = null;
  }

  /** The live offsets from a journal's bytes; returns how many bytes held whole, valid records. */
  private replay(bytes: Buffer): number {
    return replayJsonRecords<CommitRecord | DeleteRecord>(bytes, RECORD_BYTES_MAX, (payload) => this.apply(payload));
  }

  private apply(payload: CommitRecord | DeleteRecord): void {
    const key = keyOf(payload.g, payload.t, payload.p);
    if (payload.k === 'd') {
      this.live.delete(key);
      return;
    }
    this.live.set(key, {
      groupId: payload.g,
      topic: payload.t,
      partition: payload.p,
      offset: payload.o,
      leaderEpoch: payload.e,
      metadata: payload.m,
      commitTimestampMs: payload.ts,
      expireTimestampMs: payload.x,
    });
  }

  private record(change: OffsetChange): void {
    const payload: CommitRecord | DeleteRecord =
      change.kind === 'delete'
        ? { k: 'd', g: change.groupId, t: change.topic, p: change.partition }
        : {
            k: 'c',
            g: change.groupId,
            t: change.topic,
            p: change.partition,
            o: change.committed.offset,
            e: change.committed.leaderEpoch,
            m: change.committed.metadata,
            ts: change.committed.commitTimestampMs,
            x: change.committed.expireTimestampMs,
          };
    this.apply(payload);
    if (!this.started) return;
    try {
      this.file ??= this.fs.openSyncAppend(this.path);
      this.file.append(encode(payload));
      if (this.config.fsyncPolicy === 'always') this.file.sync();
      else this.unsynced = true;
      if (this.file.sizeBytes > COMPACT_MIN_BYTES && this.file.sizeBytes > COMPACT_RATIO * this.live.size * 128) this.compact();
      this.failed = false;
    } catch (error) {
      // The offset store already holds the commit; only its durability is at stake, and the client cannot be told.
      if (!this.failed) this.log.error(`committed offsets could not be written to ${this.path}: ${(error as Error).message}`);
      this.failed = true;
    }
  }

  private compact(): void {
    const records = [...this.live.values()].map((entry) =>
      encode({ k: 'c', g: entry.groupId, t: entry.topic, p: entry.partition, o: entry.offset, e: entry.leaderEpoch, m: entry.metadata, ts: entry.commitTimestampMs, x: entry.expireTimestampMs }),
    );
    this.file?.close();
    this.file = null;
    try {
      this.fs.replaceSync(this.path, Buffer.concat(records), this.config.fsyncPolicy !== 'never');
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
      this.log.error(`committed offsets could not be synced: ${(error as Error).message}`);
    }
  }
}
