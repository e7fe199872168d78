/**
 * Durable mode: the uplink's state survives a restart, in
 * `<record_storage_path>/__uplink/state.log`, so mirroring resumes exactly where it stopped
 * and committed offsets keep translating after a restart.
 *
 * Format: records back to back, each `length u32 | CRC-32C u32 of the payload | payload`,
 * the payload UTF-8 JSON, one of:
 *   {"k":"m","t":topic,"p":partition,"b":blinkNext,"r":remoteNext,"id":producerId,"ep":epoch,
 *    "sq":nextSequence,"runs":[[blinkStart,remoteStart,count],...]}   progress of a partition
 *        (runs added since the previous record; `id` -1 when no producer id is held);
 *   the same with "k":"s" and "o" (origin remote offset), "tb" (trimmed below): a whole
 *        partition's state (written when the file is compacted);
 *   {"k":"x","t":topic}          the topic is no longer mirrored (deleted in Blink);
 *   {"k":"c","id":clusterId}     the remote cluster the state belongs to;
 *   {"k":"f","on":bool}          produce on the mirrored topics is closed (cut-over) or open.
 * Each record is written synchronously (in the page cache before the call returns, which
 * survives the process being killed); fsync follows the `fsync` policy. Recovery replays the
 * records in order and cuts a torn or corrupt tail. Bounded: past COMPACT_MIN_BYTES and
 * COMPACT_RATIO times the size of the live state, the file is rewritten (atomically) with
 * one "s" record per partition.
 *
 * Losing the last records (a failed write, fsync=never and a power cut) is safe: the
 * uplink reconciles every partition with the remote log at start (partition-mirror.ts).
 * Memory mode keeps the state in memory only (the data is gone after a restart anyway).
 */
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { JsonJournal } from '../wal/json-journal.js';
import { UPLINK_DIRECTORY, WalFileSystem } from '../wal/wal-file-system.js';
import { OffsetMap, type OffsetMapState, type OffsetRun } from './offset-map.js';

const JOURNAL_FILE = 'state.log';
const RECORD_BYTES_MAX = 64 * 1024 * 1024;
export const COMPACT_MIN_BYTES = 8 * 1024 * 1024;
const COMPACT_RATIO = 4;

/** The uplink's idempotent producer on one remote partition. */
export interface PartitionProducer {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly nextSequence: number;
}

/** One partition's state as saved. */
export interface SavedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly map: OffsetMapState;
  readonly producer: PartitionProducer | null;
}

export interface JournalState {
  readonly clusterId: string | null;
  readonly fenced: boolean;
  readonly partitions: readonly SavedPartition[];
}

/** One partition's progress since its previous record. */
export interface Progress {
  readonly topic: string;
  readonly partition: number;
  readonly newRuns: readonly OffsetRun[];
  readonly blinkNext: number;
  readonly remoteNext: number;
  readonly producer: PartitionProducer | null;
}

type Run = [number, number, number];
interface PositionRecord {
  k: 'm' | 's';
  t: string;
  p: number;
  b: number;
  r: number;
  id: number;
  ep: number;
  sq: number;
  runs: Run[];
  o?: number | null;
  tb?: number;
}
type JournalRecord = PositionRecord | { k: 'x'; t: string } | { k: 'c'; id: string } | { k: 'f'; on: boolean };

const keyOf = (topic: string, partition: number): string => `${partition}:${topic}`;

/** The state being rebuilt from the records (runs merged and bounded as the live map does). */
class Replay {
  clusterId: string | null = null;
  fenced = false;
  private readonly partitions = new Map<string, { topic: string; partition: number; map: OffsetMap; producer: PartitionProducer | null }>();

  apply(record: JournalRecord): void {
    if (record.k === 'c') {
      this.clusterId = record.id;
    } else if (record.k === 'f') {
      this.fenced = record.on;
    } else if (record.k === 'x') {
      for (const [key, saved] of this.partitions) if (saved.topic === record.t) this.partitions.delete(key);
    } else {
      this.position(record);
    }
  }

  private position(record: PositionRecord): void {
    const key = keyOf(record.t, record.p);
    const runs = record.runs.map(([blinkStart, remoteStart, count]) => ({ blinkStart, remoteStart, count }));
    const existing = record.k === 'm' ? this.partitions.get(key)?.map : undefined;
    let map: OffsetMap;
    if (existing !== undefined) {
      map = existing;
      map.advance(runs, Math.max(record.b, map.blinkNext), record.r);
    } else {
      map = OffsetMap.restore({ blinkNext: record.b, remoteNext: record.r, runs, originRemote: record.o ?? runs[0]?.remoteStart ?? null, trimmedBelow: record.tb ?? 0 });
    }
    const producer = record.id < 0 ? null : { producerId: record.id, producerEpoch: record.ep, nextSequence: record.sq };
    this.partitions.set(key, { topic: record.t, partition: record.p, map, producer });
  }

  state(): JournalState {
    const partitions = [...this.partitions.values()].map(({ topic, partition, map, producer }) => ({ topic, partition, map: map.state(), producer }));
    return { clusterId: this.clusterId, fenced: this.fenced, partitions };
  }
}

const EMPTY: JournalState = { clusterId: null, fenced: false, partitions: [] };

@Injectable()
export class UplinkJournal implements OnApplicationShutdown {
  private readonly log = new Logger('UplinkJournal');
  private readonly journal: JsonJournal<JournalRecord>;
  private readonly durable: boolean;
  private failed = false;
  /** The file size at which compaction is considered next (each look costs a pass over the live state). */
  private nextCompactCheckBytes = COMPACT_MIN_BYTES;
  private liveState: () => { clusterId: string | null; fenced: boolean; partitions: SavedPartition[] } = () => ({ ...EMPTY, partitions: [] });

  constructor(@Inject(BLINK_CONFIG) config: BlinkConfig, fs: WalFileSystem, clock: Clock) {
    this.durable = config.storageMode === 'durable';
    const path = join(config.recordStoragePath, UPLINK_DIRECTORY, JOURNAL_FILE);
    const options = { path, maxRecordBytes: RECORD_BYTES_MAX, fsyncPolicy: config.fsyncPolicy, fsyncIntervalMs: config.fsyncIntervalMs, what: 'uplink state' };
    this.journal = new JsonJournal(options, fs, clock, this.log);
  }

  /** Replays the journal (durable mode; memory mode starts empty) and opens it for appends. */
  async load(): Promise<JournalState> {
    if (!this.durable) return EMPTY;
    const replay = new Replay();
    await this.journal.open((record) => replay.apply(record));
    return replay.state();
  }

  /** What compaction writes: the uplink's whole live state. */
  describeLiveState(provider: () => { clusterId: string | null; fenced: boolean; partitions: SavedPartition[] }): void {
    this.liveState = provider;
  }

  progressed(progress: Progress): void {
    this.write(positionRecord('m', progress, progress.newRuns));
  }

  clusterBound(clusterId: string): void {
    this.write({ k: 'c', id: clusterId });
  }

  fenceChanged(on: boolean): void {
    this.write({ k: 'f', on });
  }

  topicForgotten(topic: string): void {
    this.write({ k: 'x', t: topic });
  }

  onApplicationShutdown(): void {
    this.journal.close();
  }

  private write(record: JournalRecord): void {
    if (!this.journal.isOpen) return;
    try {
      this.journal.append(record);
      if (this.journal.sizeBytes > this.nextCompactCheckBytes) {
        this.compactIfWorth();
        this.nextCompactCheckBytes = this.journal.sizeBytes + COMPACT_MIN_BYTES;
      }
      this.failed = false;
    } catch (error) {
      // Mirroring goes on: a restart reconciles with the remote log (see the file comment).
      if (!this.failed) this.log.error(`uplink state could not be written to ${this.journal.path}: ${(error as Error).message}`);
      this.failed = true;
    }
  }

  private compactIfWorth(): void {
    const live = this.liveState();
    const records: JournalRecord[] = [
      ...(live.clusterId === null ? [] : [{ k: 'c' as const, id: live.clusterId }]),
      { k: 'f', on: live.fenced },
      ...live.partitions.map((saved) => snapshotRecord(saved)),
    ];
    this.journal.rewrite(records, COMPACT_RATIO);
  }
}

/** A move ('m': `runs` are those new since the partition's last record) or the start of a snapshot ('s': all of them). */
function positionRecord(k: 'm' | 's', at: Omit<Progress, 'newRuns'>, runs: readonly OffsetRun[]): PositionRecord {
  const producer = at.producer;
  return {
    k,
    t: at.topic,
    p: at.partition,
    b: at.blinkNext,
    r: at.remoteNext,
    id: producer?.producerId ?? -1,
    ep: producer?.producerEpoch ?? -1,
    sq: producer?.nextSequence ?? 0,
    runs: runs.map((run) => [run.blinkStart, run.remoteStart, run.count]),
  };
}

function snapshotRecord(saved: SavedPartition): PositionRecord {
  const { map } = saved;
  const at = { topic: saved.topic, partition: saved.partition, blinkNext: map.blinkNext, remoteNext: map.remoteNext, producer: saved.producer };
  return { ...positionRecord('s', at, map.runs), o: map.originRemote, tb: map.trimmedBelow };
}

