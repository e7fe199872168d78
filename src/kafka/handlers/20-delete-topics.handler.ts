/**
 * DeleteTopics (key 20), versions 0-6.
 * Deletes topics with their data in memory and on disk, through the TopicsService, which
 * applies Kafka's rules for naming them (topics/topic-deletion.ts): a name or id given twice
 * gets one INVALID_REQUEST answer, an unknown name is UNKNOWN_TOPIC_OR_PARTITION, an unknown
 * id UNKNOWN_TOPIC_ID. Durable mode answers once the deletion is on disk (else
 * KAFKA_STORAGE_ERROR).
 * v1+: throttle time; v4+: flexible; v5+: error messages; v6: topics named by name or by id
 * (name null), never both (INVALID_REQUEST), and every answer carries the topic id.
 */
import { Controller } from '@nestjs/common';
import type { TopicReference } from '../../topics/topic-deletion.js';
import { TopicsService } from '../../topics/topics.service.js';
import { ZERO_UUID } from '../../wire/reader.js';
import { DeleteTopicsApi, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../../wire/messages/20-delete-topics.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const FIRST_TOPIC_ID_VERSION = 6;

@Controller()
export class DeleteTopicsHandler {
  constructor(private readonly topics: TopicsService) {}

  @KafkaApi(DeleteTopicsApi, { min: 0, max: 6 })
  async deleteTopics({ header, body }: KafkaRequest<DeleteTopicsRequest>): Promise<DeleteTopicsResponse> {
    const references: TopicReference[] =
      header.apiVersion >= FIRST_TOPIC_ID_VERSION ? body.topics.map(({ name, topicId }) => ({ name, id: topicId })) : body.topicNames.map((name) => ({ name, id: ZERO_UUID }));
    const deleted = await this.topics.deleteTopics(references);
    return { throttleTimeMs: 0, responses: deleted.map(({ name, id, errorCode, errorMessage }) => ({ name, topicId: id, errorCode, errorMessage })) };
  }
}
