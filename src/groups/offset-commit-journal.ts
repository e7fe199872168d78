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
import { Clock } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { type CommittedOffset, OFFSET_STORE, type OffsetChange, type OffsetStore } from './offset-store.js';
import { JsonJournal } from '../wal/json-journal.js';
import { OFFSETS_DIRECTORY, WalFileSystem } from '../wal/wal-file-system.js';

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
type JournalRecord = CommitRecord | DeleteRecord;

function keyOf(groupId: string, topic: string, partition: number): string {
  return JSON.stringify([groupId, topic, partition]);
}

@Injectable()
export class OffsetCommitJournal implements OnApplicationShutdown {
  private readonly log = new Logger('OffsetCommitJournal');
  private readonly journal: JsonJournal<JournalRecord>;
  private readonly live: Live = new Map();
  private unsubscribe: (() => void) | null = null;
  private failed = false;

  constructor(
    @Inject(BLINK_CONFIG) config: BlinkConfig,
    fs: WalFileSystem,
    @Inject(OFFSET_STORE) private readonly store: OffsetStore,
    clock: Clock,
  ) {
    const path = join(config.recordStoragePath, OFFSETS_DIRECTORY, JOURNAL_FILE);
    const options = { path, maxRecordBytes: RECORD_BYTES_MAX, fsyncPolicy: config.fsyncPolicy, fsyncIntervalMs: config.fsyncIntervalMs, what: 'committed offsets' };
    this.journal = new JsonJournal(options, fs, clock, this.log);
  }

  /** Replays the journal into the offset store, then records every later change. Returns the offsets restored. */
  async recover(): Promise<number> {
    await this.journal.open((record) => this.apply(record));
    for (const entry of this.live.values()) {
      const { groupId, topic, partition, ...committed } = entry;
      this.store.commit(groupId, topic, partition, committed);
    }
    this.unsubscribe = this.store.onChange((change) => this.record(change));
    return this.live.size;
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.journal.close();
  }

  private apply(payload: JournalRecord): void {
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
    const payload: JournalRecord =
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
    if (!this.journal.isOpen) return;
    try {
      this.journal.append(payload);
      const size = this.journal.sizeBytes;
      if (size > COMPACT_MIN_BYTES && size > COMPACT_RATIO * this.live.size * 128) this.compact();
      this.failed = false;
    } catch (error) {
      // The offset store already holds the commit; only its durability is at stake, and the client cannot be told.
      if (!this.failed) this.log.error(`committed offsets could not be written to ${this.journal.path}: ${(error as Error).message}`);
      this.failed = true;
    }
  }

  private compact(): void {
    this.journal.rewrite(
      [...this.live.values()].map((entry) => ({
        k: 'c',
        g: entry.groupId,
        t: entry.topic,
        p: entry.partition,
        o: entry.offset,
        e: entry.leaderEpoch,
        m: entry.metadata,
        ts: entry.commitTimestampMs,
        x: entry.expireTimestampMs,
      })),
    );
  }
}
