/**
 * The leader-epoch rules of Fetch and ListOffsets (KIP-320), for a single node that has led
 * every partition since its creation in one epoch, LEADER_EPOCH (0), ending at the high
 * watermark:
 * - a client's current leader epoch (Fetch v9+, ListOffsets v4+) newer than ours is unknown
 *   here (UNKNOWN_LEADER_EPOCH); a negative one asks for no check, as in Kafka
 *   (Partition.checkCurrentLeaderEpoch). An older one (FENCED_LEADER_EPOCH) cannot exist: 0
 *   is the first epoch;
 * - a fetch's last fetched epoch (Fetch v12+; negative: no check) is checked as Kafka's
 *   Partition.readRecords does: an epoch this node never had has no end offset, and a fetch
 *   offset below the log start is out of range (OFFSET_OUT_OF_RANGE either way); a fetch
 *   offset beyond where the epoch ends diverges from the log: the answer is that epoch and end
 *   offset (the client truncates to it), with no records.
 */
import { LEADER_EPOCH } from '../storage/batch-appender.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { refusal, type Refusal } from '../topics/refusal.js';
import { ErrorCode } from '../wire/error-codes.js';

/** Where a leader epoch ends in a log: Kafka's EpochEndOffset. */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

/** Null when `currentLeaderEpoch` agrees with this node (or is negative: no check asked). */
export function currentLeaderEpochRefusal(log: PartitionLog, currentLeaderEpoch: number): Refusal | null {
  if (currentLeaderEpoch <= LEADER_EPOCH) return null;
  return refusal(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} of ${log.topic}-${log.partition} is newer than the leader's ${LEADER_EPOCH}`);
}

/** The refusal, or the epoch end to truncate to when the client's log diverges from ours; null when the fetch reads on. */
export function lastFetchedEpochCheck(log: PartitionLog, lastFetchedEpoch: number, fetchOffset: number): Refusal | EpochEndOffset | null {
  if (lastFetchedEpoch < 0) return null;
  const where = `${log.topic}-${log.partition}`;
  if (lastFetchedEpoch !== LEADER_EPOCH) {
    return refusal(ErrorCode.OFFSET_OUT_OF_RANGE, `could not determine the end offset of the last fetched epoch ${lastFetchedEpoch} of ${where}: the only epoch is ${LEADER_EPOCH}`);
  }
  if (fetchOffset < log.logStartOffset) {
    return refusal(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetchOffset} is below the log start offset ${log.logStartOffset} of ${where}`);
  }
  return fetchOffset > log.highWatermark ? { epoch: LEADER_EPOCH, endOffset: log.highWatermark } : null;
}
