/**
 * OffsetDelete (key 47), version 0.
 * Authorization: Delete on the group (else GROUP_AUTHORIZATION_FAILED) and Read on each
 * topic (else TOPIC_AUTHORIZATION_FAILED for its partitions).
 * Deletes a group's committed offsets of the topics named, through the OffsetManager:
 * GROUP_SUBSCRIBED_TO_TOPIC for topics an active "consumer" group subscribes to.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { OffsetManager } from '../../groups/offset-manager.js';
import { OffsetDeleteApi, type OffsetDeleteRequest, type OffsetDeleteResponse } from '../../wire/messages/47-offset-delete.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class OffsetDeleteHandler {
  constructor(
    private readonly offsets: OffsetManager,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(OffsetDeleteApi, { min: 0, max: 0 })
  async offsetDelete(request: KafkaRequest<OffsetDeleteRequest>): Promise<OffsetDeleteResponse> {
    const { body } = request;
    if (!authorized(this.authorizer, request, AclOperation.DELETE, ResourceType.GROUP, body.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
    }
    const readable = (name: string) => authorized(this.authorizer, request, AclOperation.READ, ResourceType.TOPIC, name);
    const deleted = this.offsets.deleteOffsets(body.groupId, body.topics.filter((topic) => readable(topic.name)));
    const refused = body.topics
      .filter((topic) => !readable(topic.name))
      .map((topic) => ({ name: topic.name, partitions: topic.partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) }));
    return { throttleTimeMs: 0, errorCode: deleted.errorCode, topics: [...deleted.topics, ...refused] };
  }
}
