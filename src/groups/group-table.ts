/**
 * The one namespace of group ids. A group id names either a classic group (JoinGroup /
 * SyncGroup, GroupCoordinator) or a consumer-protocol group (KIP-848, ConsumerGroupHeartbeat,
 * ModernGroupCoordinator), never both, as in Kafka 3.9 where one map holds both kinds. Both
 * coordinators keep their groups here, so the bound on live groups counts both kinds, and
 * each can see the other kind's group under an id it is asked about.
 *
 * A group of one kind gives way to the other kind only while it has no members (Kafka 3.9:
 * "conversions of empty groups in both directions are always enabled");
 * `group.consumer.migration.policy` is `disabled` by default in 3.9, so a group with members
 * is never converted: see each coordinator for the answer it gives instead.
 */
import { Injectable } from '@nestjs/common';
import type { ConsumerGroup } from './consumer-group.js';
import { MAX_GROUPS } from './group-limits.js';
import type { ModernGroup } from './modern-group.js';

@Injectable()
export class GroupTable {
  readonly classic = new Map<string, ConsumerGroup>();
  readonly modern = new Map<string, ModernGroup>();

  /** Live groups of both kinds. */
  get size(): number {
    return this.classic.size + this.modern.size;
  }

  /** No group of either kind may be created (MAX_GROUPS). */
  get isFull(): boolean {
    return this.size >= MAX_GROUPS;
  }

  /**
   * A classic JoinGroup for `groupId`: false while a consumer-protocol group with members holds
   * the id; a memberless one is dropped (it holds no timers: those belong to members), its
   * committed offsets stay for the classic group.
   */
  claimForClassic(groupId: string): boolean {
    const modern = this.modern.get(groupId);
    if (modern === undefined) return true;
    if (!modern.isEmpty) return false;
    modern.markDead();
    this.modern.delete(groupId);
    return true;
  }
}
