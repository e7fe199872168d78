/**
 * DeleteTopics (key 20), versions 0-5.
 * Deletes topics by name, with their data in memory and on disk, through the TopicsService:
 * an unknown name is UNKNOWN_TOPIC_OR_PARTITION. Durable mode answers once the deletion is
 * on disk (else KAFKA_STORAGE_ERROR).
 * v1+: throttle time; v4+: flexible; v5+: error messages. (v6 names topics by id; not served.)
 */
import { Controller } from '@nestjs/common';
import { TopicsService } from '../../topics/topics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { DeleteTopicsApi, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../../wire/messages/20-delete-topics.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class DeleteTopicsHandler {
  constructor(private readonly topics: TopicsService) {}

  @KafkaApi(DeleteTopicsApi, { min: 0, max: 5 })
  async deleteTopics({ body }: KafkaRequest<DeleteTopicsRequest>): Promise<DeleteTopicsResponse> {
    const responses = body.topicNames.map(async (name) => {
      const refused = await this.topics.delete(name);
      return refused === null ? { name, errorCode: ErrorCode.NONE } : { name, errorCode: refused.errorCode, errorMessage: refused.errorMessage };
    });
    return { throttleTimeMs: 0, responses: await Promise.all(responses) };
  }
}
