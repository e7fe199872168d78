/**
 * OffsetDelete (key 47), version 0.
 * Deletes a group's committed offsets of the topics named, through the OffsetManager:
 * GROUP_SUBSCRIBED_TO_TOPIC for topics an active "consumer" group subscribes to.
 */
import { Controller } from '@nestjs/common';
import { OffsetManager } from '../../groups/offset-manager.js';
import { OffsetDeleteApi, type OffsetDeleteRequest, type OffsetDeleteResponse } from '../../wire/messages/47-offset-delete.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class OffsetDeleteHandler {
  constructor(private readonly offsets: OffsetManager) {}

  @KafkaApi(OffsetDeleteApi, { min: 0, max: 0 })
  async offsetDelete({ body }: KafkaRequest<OffsetDeleteRequest>): Promise<OffsetDeleteResponse> {
    return { throttleTimeMs: 0, ...this.offsets.deleteOffsets(body.groupId, body.topics) };
  }
}
