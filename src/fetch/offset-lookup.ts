/**
 * Where a consumer can start or resume reading: ListOffsets (by time, or the special
 * timestamps -1 latest = high watermark, -2 earliest = log start offset, -3 the record with
 * the largest timestamp; other negative values find nothing) and OffsetForLeaderEpoch (one
 * leader epoch, 0, has ever existed, ending at the high watermark). Look-ups by time that
 * reach data offloaded to disk read the WAL (storage/timestamp-index.ts).
 * With read_committed isolation (ListOffsets v2+), "latest" is the last stable offset and a
 * look-up by time finds nothing at or past it, as Kafka answers.
 */
import { Injectable } from '@nestjs/common';
import { LEADER_EPOCH } from '../storage/batch-appender.js';
import { NOT_FOUND, offsetForTimestamp, offsetOfMaxTimestamp, type OffsetAndTimestamp } from '../storage/timestamp-index.js';
import { isRefusal, type Refusal } from '../topics/refusal.js';
import { TopicsService } from '../topics/topics.service.js';

/** ListOffsets' special timestamps (Kafka's ListOffsetsRequest constants). */
export const ListOffsetsTimestamp = { LATEST: -1, EARLIEST: -2, MAX_TIMESTAMP: -3 } as const;

export interface EpochEnd {
  /** The epoch asked for when it exists, else -1 (UNDEFINED_EPOCH). */
  readonly leaderEpoch: number;
  /** Where that epoch ends: the high watermark, or -1 for an epoch that never existed. */
  readonly endOffset: number;
}

@Injectable()
export class OffsetLookup {
  constructor(private readonly topics: TopicsService) {}

  /** ListOffsets for one partition: the offset and timestamp found, (-1, -1) when none is. */
  async offsetFor(topic: string, partition: number, timestamp: number, readCommitted = false): Promise<OffsetAndTimestamp | Refusal> {
    const log = this.topics.findPartition(topic, partition);
    if (isRefusal(log)) return log;
    const fetchableEnd = readCommitted ? log.lastStableOffset : log.highWatermark;
    switch (timestamp) {
      case ListOffsetsTimestamp.LATEST:
        return { offset: fetchableEnd, timestamp: -1 };
      case ListOffsetsTimestamp.EARLIEST:
        return { offset: log.logStartOffset, timestamp: -1 };
      case ListOffsetsTimestamp.MAX_TIMESTAMP:
        return below(fetchableEnd, await offsetOfMaxTimestamp(log));
      default:
        return timestamp < 0 ? NOT_FOUND : below(fetchableEnd, await offsetForTimestamp(log, timestamp));
    }
  }

  /** OffsetForLeaderEpoch for one partition. */
  epochEnd(topic: string, partition: number, leaderEpoch: number): EpochEnd | Refusal {
    const log = this.topics.findPartition(topic, partition);
    if (isRefusal(log)) return log;
    const known = leaderEpoch <= LEADER_EPOCH;
    return { leaderEpoch: known ? LEADER_EPOCH : -1, endOffset: known ? log.highWatermark : -1 };
  }
}

/** What a look-up by time found, unless it lies at or past what the isolation level may read. */
function below(fetchableEnd: number, found: OffsetAndTimestamp): OffsetAndTimestamp {
  return found.offset < fetchableEnd ? found : NOT_FOUND;
}
