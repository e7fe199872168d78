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
 *
 * Growth (issue 14): the table is bounded (MAX_GROUPS) and so is what one client holds of it
 * (MAX_GROUPS_PER_CLIENT): `admit` decides whether a client may create a group. A full table
 * makes room by evicting the least recently active group without members (a group kept only
 * for its committed offsets, usually simple commits), so a flood of made-up group ids from
 * many clients still cannot lock a new consumer group out; only a table whose every group has
 * members refuses. Activity (creation, commits, joins) orders the groups for eviction.
 */
import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '../wire/error-codes.js';
import type { ConsumerGroup } from './consumer-group.js';
import { MAX_GROUPS, MAX_GROUPS_PER_CLIENT } from './group-limits.js';
import type { ModernGroup } from './modern-group.js';

/** Who asks for a new group: Kafka's client id and the connection's host (null: the broker itself, e.g. a REST offset reset). */
export interface GroupClient {
  readonly clientId: string;
  readonly clientHost: string;
}

/** `admit`'s answer: NONE, THROTTLING_QUOTA_EXCEEDED or COORDINATOR_NOT_AVAILABLE, and the group evicted to make room. */
export interface Admission {
  readonly errorCode: number;
  readonly evicted: string | null;
}

const clientKey = (client: GroupClient): string => `${client.clientId}\u0000${client.clientHost}`;
/** At most one log line per this long about refused creations and evictions (a flood must not flood the log). */
const ADMISSION_LOG_INTERVAL_MS = 10_000;

@Injectable()
export class GroupTable {
  readonly classic = new Map<string, ConsumerGroup>();
  readonly modern = new Map<string, ModernGroup>();
  /** Every live group id → the key of the client that created it (null: unknown), least recently active first. */
  private readonly activity = new Map<string, string | null>();
  /** Client key → live groups it created (no entry at 0, so this is bounded by MAX_GROUPS). */
  private readonly createdBy = new Map<string, number>();
  private readonly log = new Logger('GroupTable');
  private readonly unreported = { quota: 0, full: 0, evicted: 0 };
  private lastReportMs = Number.NEGATIVE_INFINITY;

  /** Live groups of both kinds. */
  get size(): number {
    return this.classic.size + this.modern.size;
  }

  /** No group of either kind may be created (MAX_GROUPS). */
  get isFull(): boolean {
    return this.size >= MAX_GROUPS;
  }

  /**
   * May `client` create a group now? THROTTLING_QUOTA_EXCEEDED when it holds
   * MAX_GROUPS_PER_CLIENT groups already; when the table is full, the least recently active
   * group without members is evicted (named in the answer: its caller drops its offsets), and
   * only a table of groups that all have members answers COORDINATOR_NOT_AVAILABLE.
   */
  admit(client: GroupClient | null, nowMs: number): Admission {
    if (client !== null && (this.createdBy.get(clientKey(client)) ?? 0) >= MAX_GROUPS_PER_CLIENT) {
      this.report('quota', nowMs, client);
      return { errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, evicted: null };
    }
    if (!this.isFull) return { errorCode: ErrorCode.NONE, evicted: null };
    const evicted = this.evictIdle(nowMs);
    this.report(evicted === null ? 'full' : 'evicted', nowMs, client);
    return { errorCode: evicted === null ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE, evicted };
  }

  /** Counts an admission event and, at most once per ADMISSION_LOG_INTERVAL_MS, logs the counts since the last line. */
  private report(event: keyof GroupTable['unreported'], nowMs: number, client: GroupClient | null): void {
    this.unreported[event]++;
    if (nowMs - this.lastReportMs < ADMISSION_LOG_INTERVAL_MS) return;
    const { quota, full, evicted } = this.unreported;
    const who = client === null ? 'the broker' : `client '${client.clientId}' from ${client.clientHost}`;
    this.log.warn(
      `group table (${this.size} of ${MAX_GROUPS} groups): ${quota} creation(s) refused for a client holding ${MAX_GROUPS_PER_CLIENT} groups (THROTTLING_QUOTA_EXCEEDED), ` +
        `${evicted} memberless group(s) evicted with their offsets, ${full} creation(s) refused with every group in use; latest: ${who}`,
    );
    this.unreported.quota = this.unreported.full = this.unreported.evicted = 0;
    this.lastReportMs = nowMs;
  }

  /** A group of either kind was just created for `client`. */
  register(groupId: string, client: GroupClient | null): void {
    const key = client === null ? null : clientKey(client);
    this.activity.set(groupId, key);
    if (key !== null) this.createdBy.set(key, (this.createdBy.get(key) ?? 0) + 1);
  }

  /** Activity on a group (a commit, a join): it moves to the end of the eviction order. */
  touch(groupId: string): void {
    if (!this.activity.has(groupId)) return;
    const key = this.activity.get(groupId) as string | null;
    this.activity.delete(groupId);
    this.activity.set(groupId, key);
  }

  /** A group left the table (deleted, emptied, expired, converted): its creator gets the slot back. */
  unregister(groupId: string): void {
    if (!this.activity.has(groupId)) return;
    const key = this.activity.get(groupId) as string | null;
    this.activity.delete(groupId);
    if (key === null) return;
    const count = (this.createdBy.get(key) ?? 1) - 1;
    if (count > 0) this.createdBy.set(key, count);
    else this.createdBy.delete(key);
  }

  /** Drops the least recently active group without members, pending members or timers; its id, or null when every group has members. */
  private evictIdle(nowMs: number): string | null {
    for (const groupId of this.activity.keys()) {
      const classic = this.classic.get(groupId);
      if (classic !== undefined && classic.state === 'Empty' && classic.pendingMembers.size === 0) {
        classic.transitionTo('Dead', nowMs);
        this.classic.delete(groupId);
      } else if (this.modern.get(groupId)?.isEmpty === true) {
        this.modern.get(groupId)!.markDead();
        this.modern.delete(groupId);
      } else {
        continue;
      }
      this.unregister(groupId);
      return groupId;
    }
    return null;
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
    this.unregister(groupId);
    return true;
  }
}
