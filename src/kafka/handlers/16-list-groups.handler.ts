/**
 * ListGroups (key 16), versions 0-5.
 * Every group of either kind (classic, consumer-protocol) through the GroupDirectory, with its
 * protocol type ("consumer" for consumer-protocol groups).
 * v1+: throttle time; v3+: flexible; v4+: states filter (empty = all) and each group's state;
 * v5+: types filter ("classic", "consumer"; empty = all) and each group's type (KIP-848).
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { GroupDirectory } from '../../groups/group-directory.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ListGroupsApi, type ListGroupsRequest, type ListGroupsResponse } from '../../wire/messages/16-list-groups.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class ListGroupsHandler {
  constructor(private readonly groups: GroupDirectory) {}

  @KafkaApi(ListGroupsApi, { min: 0, max: 5, feature: 'consumer-groups' })
  async listGroups({ body }: KafkaRequest<ListGroupsRequest>): Promise<ListGroupsResponse> {
    const groups = this.groups.list(body.statesFilter, body.typesFilter);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: groups.map((g) => ({ ...g, groupState: g.state })) };
  }
}
