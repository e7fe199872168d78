/**
 * ListGroups (key 16), versions 0-5.
 * Authorization: Describe on the cluster lists every group; otherwise only the groups the
 * caller may Describe are listed (never an error, as in Kafka).
 * Every group of either kind (classic, consumer-protocol) through the GroupDirectory, with its
 * protocol type ("consumer" for consumer-protocol groups).
 * v1+: throttle time; v3+: flexible; v4+: states filter (empty = all) and each group's state;
 * v5+: types filter ("classic", "consumer"; empty = all) and each group's type (KIP-848).
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { GroupDirectory } from '../../groups/group-directory.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ListGroupsApi, type ListGroupsRequest, type ListGroupsResponse } from '../../wire/messages/16-list-groups.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized, sessionOf } from '../transport/kafka-session.js';

@Controller()
export class ListGroupsHandler {
  constructor(
    private readonly groups: GroupDirectory,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(ListGroupsApi, { min: 0, max: 5, feature: 'consumer-groups' })
  async listGroups(request: KafkaRequest<ListGroupsRequest>): Promise<ListGroupsResponse> {
    const { body } = request;
    const everyGroup = this.authorizer.authorizeCluster(sessionOf(request), AclOperation.DESCRIBE);
    const groups = this.groups
      .list(body.statesFilter, body.typesFilter)
      .filter((g) => everyGroup || authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: groups.map((g) => ({ ...g, groupState: g.state })) };
  }
}
