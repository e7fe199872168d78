/**
 * ListOffsets (key 2), versions 0-9.
 * Authorization: Describe on each topic (else TOPIC_AUTHORIZATION_FAILED).
 * Per partition, through OffsetLookup: timestamp -1 = latest (high watermark), -2 = earliest
 * (log start offset), -3 = the record with the largest timestamp, -4 = the earliest offset
 * in the local log (the log start offset: every record of a partition is on this node), -5 =
 * the latest offset in tiered storage (none: offset, timestamp and leader epoch -1, Kafka's
 * answer without remote storage), otherwise the first record whose timestamp is >= the one
 * asked (storage/timestamp-index.ts; reads the WAL when the answer lies in data offloaded to
 * disk). Nothing found: offset, timestamp and leader epoch -1. Kafka serves every special
 * timestamp at any version; its clients ask for -3, -4 and -5 from v7, v8 and v9 (KIP-734,
 * KIP-405, KIP-1005).
 * v0: old_style_offsets (the one offset found, or none); v1+: one offset and its timestamp, and
 * a partition named twice is INVALID_REQUEST (both times, as Kafka); v2+: isolation level
 * (read_committed: latest = the last stable offset, and a look-up by time finds nothing at or
 * past it), throttle time; v4+: current leader epoch checked (one newer
 * than ours, 0, is UNKNOWN_LEADER_EPOCH) and the leader epoch of the offset found (0);
 * v5+: OFFSET_NOT_AVAILABLE is possible (a leader whose high watermark lags: never here);
 * v6+: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { OffsetLookup } from '../../fetch/offset-lookup.js';
import { isRefusal } from '../../topics/refusal.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  ListOffsetsApi,
  type ListOffsetsRequest,
  type ListOffsetsRequestListOffsetsPartition,
  type ListOffsetsResponse,
  type ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../wire/messages/02-list-offsets.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';
import { READ_COMMITTED } from './01-fetch.handler.js';

const FIRST_SINGLE_OFFSET_VERSION = 1;

@Controller()
export class ListOffsetsHandler {
  constructor(
    private readonly offsets: OffsetLookup,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(ListOffsetsApi, { min: 0, max: 9 })
  async listOffsets(request: KafkaRequest<ListOffsetsRequest>): Promise<ListOffsetsResponse> {
    const { header, body } = request;
    const duplicated = header.apiVersion >= FIRST_SINGLE_OFFSET_VERSION ? duplicatedPartitions(body) : new Set<string>();
    const topics = body.topics.map(async (topic) => {
      const describable = authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name);
      return {
        name: topic.name,
        partitions: await Promise.all(
          topic.partitions.map((p) => {
            if (!describable) return failed(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            if (duplicated.has(`${topic.name}\0${p.partitionIndex}`)) return failed(p.partitionIndex, ErrorCode.INVALID_REQUEST);
            return this.listPartition(topic.name, p, body.isolationLevel === READ_COMMITTED);
          }),
        ),
      };
    });
    return { throttleTimeMs: 0, topics: await Promise.all(topics) };
  }

  private async listPartition(topic: string, p: ListOffsetsRequestListOffsetsPartition, readCommitted: boolean): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
    const found = await this.offsets.offsetFor(topic, p.partitionIndex, p.timestamp, p.currentLeaderEpoch, readCommitted);
    if (isRefusal(found)) return failed(p.partitionIndex, found.errorCode);
    return {
      partitionIndex: p.partitionIndex,
      errorCode: ErrorCode.NONE,
      oldStyleOffsets: found.offset >= 0 ? [found.offset] : [],
      timestamp: found.timestamp,
      offset: found.offset,
      leaderEpoch: found.leaderEpoch,
    };
  }
}

/** Keys (topic NUL partition) of the partitions the request names more than once. */
function duplicatedPartitions(body: ListOffsetsRequest): Set<string> {
  const seen = new Set<string>();
  const duplicated = new Set<string>();
  for (const topic of body.topics) {
    for (const { partitionIndex } of topic.partitions) {
      const key = `${topic.name}\0${partitionIndex}`;
      if (seen.has(key)) duplicated.add(key);
      seen.add(key);
    }
  }
  return duplicated;
}

function failed(partitionIndex: number, errorCode: number): ListOffsetsResponseListOffsetsPartitionResponse {
  return { partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
}
