/**
 * DeleteRecords (key 21), versions 0-2.
 * Authorization: Delete on each topic (else TOPIC_AUTHORIZATION_FAILED).
 * Moves each partition's log start offset (-1 = to the high watermark) through the
 * TopicsService and the retention path: batches wholly below it leave memory, WAL segments
 * wholly below it are deleted, and ListOffsets earliest and Fetch follow at once. An offset
 * beyond the high watermark (or negative) is OFFSET_OUT_OF_RANGE; low_watermark is the log
 * start offset after the call (-1 for an unknown partition).
 * v1+: no change on the wire; v2: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { isRefusal } from '../../topics/refusal.js';
import { TopicsService } from '../../topics/topics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DeleteRecordsApi,
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
  type DeleteRecordsResponseDeleteRecordsPartitionResult,
} from '../../wire/messages/21-delete-records.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class DeleteRecordsHandler {
  constructor(
    private readonly topics: TopicsService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DeleteRecordsApi, { min: 0, max: 2 })
  async deleteRecords(request: KafkaRequest<DeleteRecordsRequest>): Promise<DeleteRecordsResponse> {
    return {
      throttleTimeMs: 0,
      topics: request.body.topics.map((topic) => {
        const mayDelete = authorized(this.authorizer, request, AclOperation.DELETE, ResourceType.TOPIC, topic.name);
        return {
          name: topic.name,
          partitions: topic.partitions.map(({ partitionIndex, offset }) =>
            mayDelete ? this.deletePartition(topic.name, partitionIndex, offset) : { partitionIndex, lowWatermark: -1, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED },
          ),
        };
      }),
    };
  }

  private deletePartition(topic: string, partitionIndex: number, offset: number): DeleteRecordsResponseDeleteRecordsPartitionResult {
    const log = this.topics.findPartition(topic, partitionIndex);
    if (isRefusal(log)) return { partitionIndex, lowWatermark: -1, errorCode: log.errorCode };
    const deleted = this.topics.deleteRecords(log, offset);
    if (isRefusal(deleted)) return { partitionIndex, lowWatermark: log.logStartOffset, errorCode: deleted.errorCode };
    return { partitionIndex, lowWatermark: deleted.lowWatermark, errorCode: ErrorCode.NONE };
  }
}
