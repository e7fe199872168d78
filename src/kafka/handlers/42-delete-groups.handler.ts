/**
 * DeleteGroups (key 42), versions 0-2.
 * Deletes groups of either kind (classic, consumer-protocol) through the GroupDirectory: only Empty groups (NON_EMPTY_GROUP
 * otherwise, GROUP_ID_NOT_FOUND when unknown), and their committed offsets with them.
 * v2: flexible.
 * With enable_consumer_groups off it is not advertised and each group is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { GroupDirectory } from '../../groups/group-directory.js';
import { DeleteGroupsApi, type DeleteGroupsRequest, type DeleteGroupsResponse } from '../../wire/messages/42-delete-groups.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class DeleteGroupsHandler {
  constructor(private readonly groups: GroupDirectory) {}

  @KafkaApi(DeleteGroupsApi, {
    min: 0,
    max: 2,
    feature: 'consumer-groups',
    whenDisabled: (body, errorCode) => ({ results: body.groupsNames.map((groupId) => ({ groupId, errorCode })) }),
  })
  async deleteGroups({ body }: KafkaRequest<DeleteGroupsRequest>): Promise<DeleteGroupsResponse> {
    return { throttleTimeMs: 0, results: this.groups.deleteGroups(body.groupsNames) };
  }
}
