/**
 * Where a consumer can start or resume reading: ListOffsets (by time, or the special
 * timestamps -1 latest = high watermark, -2 earliest = log start offset, -3 the record with
 * the largest timestamp, -4 the earliest offset in the local log = the log start offset (all
 * of a partition's data is on this node: memory and its own WAL), -5 the latest offset in
 * tiered storage = none (-1, as Kafka answers without remote storage); other negative values
 * find nothing) and OffsetForLeaderEpoch (one leader epoch, 0, has ever existed, ending at the
 * high watermark). A ListOffsets naming a leader epoch other than ours is refused
 * (leader-epoch.ts). Look-ups by time that reach data offloaded to disk read the WAL
 * (storage/timestamp-index.ts).
 * With read_committed isolation (ListOffsets v2+), "latest" is the last stable offset and a
 * look-up by time finds nothing at or past it, as Kafka answers.
 */
import { Injectable } from '@nestjs/common';
import { LEADER_EPOCH } from '../storage/batch-appender.js';

/** A request that names no leader epoch (Kafka's UNDEFINED_EPOCH). */
const UNDEFINED_EPOCH = -1;
import type { PartitionLog } from '../storage/partition-log.js';
import { NOT_FOUND, offsetForTimestamp, offsetOfMaxTimestamp, type OffsetAndTimestamp } from '../storage/timestamp-index.js';
import { isRefusal, type Refusal } from '../topics/refusal.js';
import { TopicsService } from '../topics/topics.service.js';
import { currentLeaderEpochRefusal } from './leader-epoch.js';

/** ListOffsets' special timestamps (Kafka's ListOffsetsRequest constants). */
export const ListOffsetsTimestamp = { LATEST: -1, EARLIEST: -2, MAX_TIMESTAMP: -3, EARLIEST_LOCAL: -4, LATEST_TIERED: -5 } as const;

/** A ListOffsets answer: the offset and timestamp found, and the leader epoch of that offset (-1 when none was found). */
export interface ListedOffset extends OffsetAndTimestamp {
  readonly leaderEpoch: number;
}

export interface EpochEnd {
  /** The epoch asked for when it exists, else -1 (UNDEFINED_EPOCH). */
  readonly leaderEpoch: number;
  /** Where that epoch ends: the high watermark, or -1 for an epoch that never existed. */
  readonly endOffset: number;
}

@Injectable()
export class OffsetLookup {
  constructor(private readonly topics: TopicsService) {}

  /**
   * ListOffsets for one partition: the offset and timestamp found, (-1, -1) when none is;
   * `currentLeaderEpoch` < 0 is not checked.
   */
  async offsetFor(topic: string, partition: number, timestamp: number, currentLeaderEpoch = -1, readCommitted = false): Promise<ListedOffset | Refusal> {
    const log = this.topics.findPartition(topic, partition);
    if (isRefusal(log)) return log;
    const fenced = currentLeaderEpochRefusal(log, currentLeaderEpoch);
    if (fenced !== null) return fenced;
    const found = await this.lookUp(log, timestamp, readCommitted ? log.lastStableOffset : log.highWatermark);
    return { ...found, leaderEpoch: found.offset >= 0 ? LEADER_EPOCH : -1 };
  }

  /** The look-up itself; `fetchableEnd` is where the isolation level stops reading. */
  private async lookUp(log: PartitionLog, timestamp: number, fetchableEnd: number): Promise<OffsetAndTimestamp> {
    switch (timestamp) {
      case ListOffsetsTimestamp.LATEST:
        return { offset: fetchableEnd, timestamp: -1 };
      case ListOffsetsTimestamp.EARLIEST:
      case ListOffsetsTimestamp.EARLIEST_LOCAL:
        return { offset: log.logStartOffset, timestamp: -1 };
      case ListOffsetsTimestamp.MAX_TIMESTAMP:
        return below(fetchableEnd, await offsetOfMaxTimestamp(log));
      case ListOffsetsTimestamp.LATEST_TIERED:
        return NOT_FOUND;
      default:
        return timestamp < 0 ? NOT_FOUND : below(fetchableEnd, await offsetForTimestamp(log, timestamp));
    }
  }

  /** OffsetForLeaderEpoch for one partition. */
  epochEnd(topic: string, partition: number, leaderEpoch: number): EpochEnd | Refusal {
    const log = this.topics.findPartition(topic, partition);
    if (isRefusal(log)) return log;
    // As Kafka's leader-epoch cache: no epoch asked (-1), or one after the only epoch, is
    // unknown; the only epoch ends at the log end; an earlier one ends where it starts.
    if (leaderEpoch === UNDEFINED_EPOCH || leaderEpoch > LEADER_EPOCH) return { leaderEpoch: -1, endOffset: -1 };
    if (leaderEpoch < LEADER_EPOCH) return { leaderEpoch, endOffset: log.logStartOffset };
    return { leaderEpoch: LEADER_EPOCH, endOffset: log.highWatermark };
  }
}

/** What a look-up by time found, unless it lies at or past what the isolation level may read. */
function below(fetchableEnd: number, found: OffsetAndTimestamp): OffsetAndTimestamp {
  return found.offset < fetchableEnd ? found : NOT_FOUND;
}
