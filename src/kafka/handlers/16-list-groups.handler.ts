/**
 * ListGroups (key 16), versions 0-5.
 * Every consumer group the GroupCoordinator knows, with its protocol type.
 * v1+: throttle time; v3+: flexible; v4+: states filter (empty = all) and each group's state;
 * v5+: types filter (KIP-848; empty = all) and each group's type: every group here is
 * "classic", so a filter naming only other types ("consumer", "share") lists nothing.
 * With enable_consumer_groups off it is not advertised and is refused with
 * GROUP_AUTHORIZATION_FAILED (see FEATURE_REFUSAL_ERRORS).
 */
import { Controller } from '@nestjs/common';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ListGroupsApi, type ListGroupsRequest, type ListGroupsResponse } from '../../wire/messages/16-list-groups.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class ListGroupsHandler {
  constructor(private readonly coordinator: GroupCoordinator) {}

  @KafkaApi(ListGroupsApi, { min: 0, max: 5, feature: 'consumer-groups' })
  async listGroups({ body }: KafkaRequest<ListGroupsRequest>): Promise<ListGroupsResponse> {
    const groups = this.coordinator.list(body.statesFilter, body.typesFilter);
    const listed = groups.map(({ groupId, protocolType, state, type }) => ({ groupId, protocolType, groupState: state, groupType: type }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: listed };
  }
}
