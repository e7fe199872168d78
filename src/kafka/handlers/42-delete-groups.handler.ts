/**
 * DeleteGroups (key 42), versions 0-2.
 * Authorization: Delete on each group (else GROUP_AUTHORIZATION_FAILED for it).
 * Deletes groups of either kind (classic, consumer-protocol) through the GroupDirectory: only Empty groups (NON_EMPTY_GROUP
 * otherwise, GROUP_ID_NOT_FOUND when unknown), and their committed offsets with them.
 * v2: flexible.
 * With enable_consumer_groups off it is not advertised and each group is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { GroupDirectory } from '../../groups/group-directory.js';
import { DeleteGroupsApi, type DeleteGroupsRequest, type DeleteGroupsResponse } from '../../wire/messages/42-delete-groups.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class DeleteGroupsHandler {
  constructor(
    private readonly groups: GroupDirectory,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DeleteGroupsApi, {
    min: 0,
    max: 2,
    feature: 'consumer-groups',
    whenDisabled: (body, errorCode) => ({ results: body.groupsNames.map((groupId) => ({ groupId, errorCode })) }),
  })
  async deleteGroups(request: KafkaRequest<DeleteGroupsRequest>): Promise<DeleteGroupsResponse> {
    const names = [...new Set(request.body.groupsNames)];
    const mayDelete = (groupId: string) => authorized(this.authorizer, request, AclOperation.DELETE, ResourceType.GROUP, groupId);
    const refused = names.filter((groupId) => !mayDelete(groupId)).map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }));
    return { throttleTimeMs: 0, results: [...this.groups.deleteGroups(names.filter(mayDelete)), ...refused] };
  }
}
