/**
 * ListOffsets (key 2) 0-7, DeleteRecords (key 21) 0-2, OffsetForLeaderEpoch (key 23) 0-4.
 * ListOffsets: timestamp -1 = latest (high watermark), -2 = earliest (log start offset),
 * -3 = the record with the largest timestamp (v7+), otherwise the first record whose
 * timestamp is >= the one asked (see timestamp-index.ts). v0 answers old_style_offsets;
 * v1+ one offset and timestamp; v4+ the leader epoch (always 0).
 * Lookups by time that reach data offloaded to disk read the WAL (the answer is then async).
 * DeleteRecords: moves the log start offset (-1 = high watermark) through the retention path
 * (RetentionService.deleteRecordsBefore): batches wholly below it leave memory, segments
 * wholly below it are deleted. Beyond the high watermark is OFFSET_OUT_OF_RANGE.
 * OffsetForLeaderEpoch: one epoch (0) has ever existed, ending at the high watermark.
 */
import { Controller } from '@nestjs/common';
import { RetentionService } from '../../retention/retention.service.js';
import { LEADER_EPOCH } from '../../storage/batch-appender.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { NOT_FOUND, offsetForTimestamp, offsetOfMaxTimestamp, type OffsetAndTimestamp } from '../../storage/timestamp-index.js';
import { TopicRegistry } from '../../storage/topic-registry.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DeleteRecordsApi,
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
} from '../../wire/messages/21-delete-records.js';
import {
  ListOffsetsApi,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../wire/messages/02-list-offsets.js';
import {
  OffsetForLeaderEpochApi,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
} from '../../wire/messages/23-offset-for-leader-epoch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;

@Controller()
export class OffsetsController {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly retention: RetentionService,
  ) {}

  @KafkaApi(ListOffsetsApi, { min: 0, max: 7 })
  listOffsets({ body }: KafkaRequest<ListOffsetsRequest>): ListOffsetsResponse | Promise<ListOffsetsResponse> {
    let pending = false;
    const topics = body.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => {
        const answer = this.listPartition(this.topics.partition(topic.name, p.partitionIndex), p.partitionIndex, p.timestamp);
        pending ||= answer instanceof Promise;
        return answer;
      }),
    }));
    if (!pending) return { throttleTimeMs: 0, topics: topics as ListOffsetsResponse['topics'] };
    return Promise.all(topics.map(async (topic) => ({ name: topic.name, partitions: await Promise.all(topic.partitions) }))).then((resolved) => ({
      throttleTimeMs: 0,
      topics: resolved,
    }));
  }

  @KafkaApi(DeleteRecordsApi, { min: 0, max: 2 })
  deleteRecords({ body }: KafkaRequest<DeleteRecordsRequest>): DeleteRecordsResponse {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map(({ partitionIndex, offset }) => {
          const log = this.topics.partition(topic.name, partitionIndex);
          if (log === undefined) return { partitionIndex, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          const target = offset === -1 ? log.highWatermark : offset;
          if (target < 0 || target > log.highWatermark) {
            return { partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
          }
          this.retention.deleteRecordsBefore(log, target);
          return { partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
        }),
      })),
    };
  }

  @KafkaApi(OffsetForLeaderEpochApi, { min: 0, max: 4 })
  offsetForLeaderEpoch({ body }: KafkaRequest<OffsetForLeaderEpochRequest>): OffsetForLeaderEpochResponse {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map(({ partition, leaderEpoch }) => {
          const log = this.topics.partition(topic.topic, partition);
          if (log === undefined) return { partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leaderEpoch: -1, endOffset: -1 };
          const known = leaderEpoch <= LEADER_EPOCH;
          return {
            partition,
            errorCode: ErrorCode.NONE,
            leaderEpoch: known ? LEADER_EPOCH : -1,
            endOffset: known ? log.highWatermark : -1,
          };
        }),
      })),
    };
  }

  private listPartition(
    log: PartitionLog | undefined,
    partitionIndex: number,
    timestamp: number,
  ): ListOffsetsResponseListOffsetsPartitionResponse | Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
    if (log === undefined) {
      return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, oldStyleOffsets: [], timestamp: -1, offset: -1 };
    }
    const found = this.lookUp(log, timestamp);
    if (found instanceof Promise) return found.then((settled) => this.answer(partitionIndex, settled));
    return this.answer(partitionIndex, found);
  }

  private answer(partitionIndex: number, found: OffsetAndTimestamp): ListOffsetsResponseListOffsetsPartitionResponse {
    return {
      partitionIndex,
      errorCode: ErrorCode.NONE,
      oldStyleOffsets: found.offset >= 0 ? [found.offset] : [],
      timestamp: found.timestamp,
      offset: found.offset,
      leaderEpoch: LEADER_EPOCH,
    };
  }

  private lookUp(log: PartitionLog, timestamp: number): OffsetAndTimestamp | Promise<OffsetAndTimestamp> {
    if (timestamp === LATEST) return { offset: log.highWatermark, timestamp: -1 };
    if (timestamp === EARLIEST) return { offset: log.logStartOffset, timestamp: -1 };
    if (timestamp === MAX_TIMESTAMP) return offsetOfMaxTimestamp(log);
    if (timestamp < 0) return NOT_FOUND;
    return offsetForTimestamp(log, timestamp);
  }
}
