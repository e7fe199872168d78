/**
 * The views that span both kinds of groups (the GroupTable's one namespace): ListGroups and
 * DeleteGroups answer for classic and consumer-protocol (KIP-848) groups alike, as Kafka 3.9
 * does. ListGroups v5 reports each group's type ("classic" or "consumer") and may filter on it;
 * states and types are compared case-insensitively, an unknown type matches nothing.
 */
import { Injectable } from '@nestjs/common';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.js';
import { GroupCoordinator } from './group-coordinator.js';
import { ModernGroupCoordinator } from './modern-coordinator.js';

export type GroupType = 'classic' | 'consumer';

export interface ListedGroupOfAnyType {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: string;
  readonly groupType: GroupType;
}

@Injectable()
export class GroupDirectory {
  constructor(
    private readonly classic: GroupCoordinator,
    private readonly modern: ModernGroupCoordinator,
  ) {}

  /** Empty filters match every group. */
  list(statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroupOfAnyType[] {
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((t) => t.toLowerCase()));
    const classic = this.classic.list([]).map((g): ListedGroupOfAnyType => ({ ...g, groupType: 'classic' }));
    const modern = this.modern
      .allGroups()
      .map((g): ListedGroupOfAnyType => ({ groupId: g.groupId, protocolType: CONSUMER_PROTOCOL_TYPE, state: g.state, groupType: 'consumer' }));
    return [...classic, ...modern].filter(
      (g) => (states.size === 0 || states.has(g.state.toLowerCase())) && (types.size === 0 || types.has(g.groupType)),
    );
  }

  /** Only Empty groups go, with their committed offsets; GROUP_ID_NOT_FOUND for an unknown id. */
  deleteGroups(groupIds: readonly string[]): { groupId: string; errorCode: number }[] {
    return [...new Set(groupIds)].map((groupId) =>
      this.modern.hasGroup(groupId) ? { groupId, errorCode: this.modern.deleteGroup(groupId) } : this.classic.deleteGroups([groupId])[0]!,
    );
  }
}
