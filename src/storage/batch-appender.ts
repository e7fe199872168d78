/**
 * The produce path's storage step: validate one partition's record batch exactly as Kafka
 * 3.9 does for magic 2 (LogValidator), check idempotent-producer sequences, then assign the
 * offsets in place and append. The producer's bytes are stored as received; only a topic
 * set to LogAppendTime gets its attributes/maxTimestamp rewritten (and a fresh CRC-32C).
 */
import { Injectable } from '@nestjs/common';
import { crc32c } from '../kafka/protocol/crc32c.js';
import { ErrorCode, type ErrorCodeValue } from '../kafka/protocol/error-codes.js';
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_LOG_APPEND,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  batchSizeAt,
  magicAt,
  RecordBatchView,
} from '../kafka/protocol/record-batch.js';
import type { PartitionLog } from './partition-log.js';
import type { Topic } from './topic-registry.js';

/** Single node: the leader epoch never changes. */
export const LEADER_EPOCH = 0;
const NO_PRODUCER_ID = -1;

export interface AppendOutcome {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  readonly logAppendTimeMs: number;
  /** Records stored by this call (0 for a duplicate or an error). */
  readonly recordsAppended: number;
}

function refused(errorCode: ErrorCodeValue, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
}

@Injectable()
export class BatchAppender {
  append(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): AppendOutcome {
    const problem = this.validate(topic, records);
    if (problem !== null) return problem;
    const batch = new RecordBatchView(records as Buffer);
    const sequenced = batch.producerId !== NO_PRODUCER_ID;
    if (sequenced) {
      const check = log.producers.check(batch.producerId, batch.producerEpoch, batch.baseSequence, batch.lastSequence);
      if (check.kind === 'duplicate') {
        return { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: check.baseOffset, logAppendTimeMs: -1, recordsAppended: 0 };
      }
      if (check.kind === 'out-of-order') return refused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, check.message);
      if (check.kind === 'fenced') return refused(ErrorCode.INVALID_PRODUCER_EPOCH, check.message);
    }
    const baseOffset = log.highWatermark;
    batch.assignOffsets(baseOffset, LEADER_EPOCH);
    const logAppendTimeMs = topic.configs.get('message.timestamp.type') === 'LogAppendTime' ? nowMs : -1;
    if (logAppendTimeMs >= 0) stampLogAppendTime(batch.buffer, nowMs);
    log.append({
      baseOffset,
      lastOffset: baseOffset + batch.lastOffsetDelta,
      buffer: batch.buffer,
      appendTimeMs: nowMs,
      maxTimestamp: batch.maxTimestamp,
      recordCount: batch.recordCount,
    });
    if (sequenced) {
      log.producers.record(batch.producerId, batch.producerEpoch, {
        firstSeq: batch.baseSequence,
        lastSeq: batch.lastSequence,
        baseOffset,
      });
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset, logAppendTimeMs, recordsAppended: batch.recordCount };
  }

  private validate(topic: Topic, records: Buffer | null): AppendOutcome | null {
    if (records === null || records.length === 0) {
      return refused(ErrorCode.INVALID_RECORD, 'produce request carries no record batch');
    }
    const maxBytes = Number(topic.configs.get('max.message.bytes'));
    if (records.length > maxBytes) {
      return refused(ErrorCode.MESSAGE_TOO_LARGE, `record batch of ${records.length} bytes exceeds max.message.bytes ${maxBytes}`);
    }
    if (records.length < BATCH_HEADER_BYTES) {
      return refused(ErrorCode.CORRUPT_MESSAGE, `record batch of ${records.length} bytes is shorter than its 61-byte header`);
    }
    const magic = magicAt(records, 0);
    if (magic !== 2) {
      return refused(
        ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
        `message format magic ${magic} is not supported: Blink stores record batches (magic 2, Kafka 0.11+ clients)`,
      );
    }
    const size = batchSizeAt(records, 0);
    if (size > records.length || size < BATCH_HEADER_BYTES) {
      return refused(ErrorCode.CORRUPT_MESSAGE, `record batch length ${size} does not match the ${records.length} bytes sent`);
    }
    if (size < records.length) {
      return refused(ErrorCode.INVALID_RECORD, 'produce requests v3+ must carry exactly one record batch per partition');
    }
    return this.validateHeader(new RecordBatchView(records));
  }

  private validateHeader(batch: RecordBatchView): AppendOutcome | null {
    if (!batch.hasValidCrc()) return refused(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC-32C does not match its contents');
    if (batch.recordCount < 1 || batch.lastOffsetDelta !== batch.recordCount - 1) {
      return refused(
        ErrorCode.INVALID_RECORD,
        `record count ${batch.recordCount} does not match last offset delta ${batch.lastOffsetDelta}`,
      );
    }
    if ((batch.attributes & (ATTR_TRANSACTIONAL | ATTR_CONTROL)) !== 0) {
      return refused(ErrorCode.INVALID_RECORD, 'transactional and control batches are not supported');
    }
    if (batch.producerId !== NO_PRODUCER_ID && batch.baseSequence < 0) {
      return refused(ErrorCode.INVALID_RECORD, `idempotent batch from producer ${batch.producerId} has no sequence`);
    }
    return null;
  }
}

/** LogAppendTime: set the timestamp-type bit and maxTimestamp, then re-checksum (bytes 21..). */
function stampLogAppendTime(buffer: Buffer, nowMs: number): void {
  buffer.writeInt16BE(buffer.readInt16BE(21) | ATTR_TIMESTAMP_LOG_APPEND, 21);
  buffer.writeBigInt64BE(BigInt(nowMs), 35);
  buffer.writeUInt32BE(crc32c(buffer.subarray(21)), 17);
}
