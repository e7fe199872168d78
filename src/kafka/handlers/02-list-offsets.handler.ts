/**
 * ListOffsets (key 2), versions 0-7.
 * Per partition, through OffsetLookup: timestamp -1 = latest (high watermark), -2 = earliest
 * (log start offset), -3 = the record with the largest timestamp (v7+), otherwise the first
 * record whose timestamp is >= the one asked (storage/timestamp-index.ts; reads the WAL when
 * the answer lies in data offloaded to disk). Nothing found: offset and timestamp -1.
 * v0: old_style_offsets (the one offset found, or none); v1+: one offset and its timestamp;
 * v2+: isolation level (read_committed: latest = the last stable offset, and a look-up by
 * time finds nothing at or past it), throttle time; v4+: leader epoch
 * (always 0); v6+: flexible.
 */
import { Controller } from '@nestjs/common';
import { OffsetLookup } from '../../fetch/offset-lookup.js';
import { LEADER_EPOCH } from '../../storage/batch-appender.js';
import { isRefusal } from '../../topics/refusal.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  ListOffsetsApi,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../wire/messages/02-list-offsets.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { READ_COMMITTED } from './01-fetch.handler.js';

@Controller()
export class ListOffsetsHandler {
  constructor(private readonly offsets: OffsetLookup) {}

  @KafkaApi(ListOffsetsApi, { min: 0, max: 7 })
  async listOffsets({ body }: KafkaRequest<ListOffsetsRequest>): Promise<ListOffsetsResponse> {
    const topics = body.topics.map(async (topic) => ({
      name: topic.name,
      partitions: await Promise.all(
        topic.partitions.map((p) => this.listPartition(topic.name, p.partitionIndex, p.timestamp, body.isolationLevel === READ_COMMITTED)),
      ),
    }));
    return { throttleTimeMs: 0, topics: await Promise.all(topics) };
  }

  private async listPartition(topic: string, partitionIndex: number, timestamp: number, readCommitted: boolean): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
    const found = await this.offsets.offsetFor(topic, partitionIndex, timestamp, readCommitted);
    if (isRefusal(found)) return { partitionIndex, errorCode: found.errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1 };
    return {
      partitionIndex,
      errorCode: ErrorCode.NONE,
      oldStyleOffsets: found.offset >= 0 ? [found.offset] : [],
      timestamp: found.timestamp,
      offset: found.offset,
      leaderEpoch: LEADER_EPOCH,
    };
  }
}
