/**
 * DeleteTopics (key 20), versions 0-6.
 * Authorization: Delete on each topic (else TOPIC_AUTHORIZATION_FAILED).
 * Deletes topics with their data in memory and on disk, through the TopicsService, which
 * applies Kafka's rules for naming them (topics/topic-deletion.ts): a name or id given twice
 * gets one INVALID_REQUEST answer, an unknown name is UNKNOWN_TOPIC_OR_PARTITION, an unknown
 * id UNKNOWN_TOPIC_ID. Durable mode answers once the deletion is on disk (else
 * KAFKA_STORAGE_ERROR).
 * v1+: throttle time; v4+: flexible; v5+: error messages; v6: topics named by name or by id
 * (name null), never both (INVALID_REQUEST), and every answer carries the topic id.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { isRefusal } from '../../topics/refusal.js';
import type { TopicReference } from '../../topics/topic-deletion.js';
import { TopicsService } from '../../topics/topics.service.js';
import { ZERO_UUID } from '../../wire/reader.js';
import { DeleteTopicsApi, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../../wire/messages/20-delete-topics.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

const FIRST_TOPIC_ID_VERSION = 6;

@Controller()
export class DeleteTopicsHandler {
  constructor(
    private readonly topics: TopicsService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DeleteTopicsApi, { min: 0, max: 6 })
  async deleteTopics(request: KafkaRequest<DeleteTopicsRequest>): Promise<DeleteTopicsResponse> {
    const { header, body } = request;
    const references: TopicReference[] =
      header.apiVersion >= FIRST_TOPIC_ID_VERSION ? body.topics.map(({ name, topicId }) => ({ name, id: topicId })) : body.topicNames.map((name) => ({ name, id: ZERO_UUID }));
    const refused = new Set(references.filter((reference) => !this.mayDelete(request, reference)));
    const deleted = await this.topics.deleteTopics(references.filter((reference) => !refused.has(reference)));
    const responses = deleted.map(({ name, id, errorCode, errorMessage }) => ({ name, topicId: id, errorCode, errorMessage }));
    for (const { name, id } of refused) responses.push({ name, topicId: id, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' });
    return { throttleTimeMs: 0, responses };
  }

  /** Delete on the topic; a topic id no topic has is left to the deletion (UNKNOWN_TOPIC_ID). */
  private mayDelete(request: KafkaRequest<unknown>, reference: TopicReference): boolean {
    let name = reference.name;
    if (name === null) {
      const topic = this.topics.findById(reference.id);
      if (isRefusal(topic)) return true;
      name = topic.name;
    }
    return authorized(this.authorizer, request, AclOperation.DELETE, ResourceType.TOPIC, name);
  }
}
