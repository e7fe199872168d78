/**
 * One member of a classic consumer group (Kafka's MemberMetadata) and the answers the
 * coordinator gives to its JoinGroup and SyncGroup requests. A member has at most one parked
 * JoinGroup and one parked SyncGroup; each is answered exactly once.
 */
import { ErrorCode } from '../wire/error-codes.js';
import type { Timer } from '../common/clock.js';

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
/** The member id of a member that has none yet (JoinGroupRequest.UNKNOWN_MEMBER_ID). */
export const UNKNOWN_MEMBER_ID = '';
export const NO_GENERATION = -1;

/** One protocol a member supports (an assignor name and its metadata), in preference order. */
export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

export interface JoinResult {
  readonly errorCode: number;
  readonly memberId: string;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** "" when there is none (an error answer). */
  readonly leaderId: string;
  /** Every member with its metadata for the chosen protocol; only the leader gets them. */
  readonly members: JoinedMember[];
  /** JoinGroup v9+: the leader must not run its assignor (a static leader rejoining a Stable group). */
  readonly skipAssignment: boolean;
}

export interface SyncResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, memberId, generationId: NO_GENERATION, protocolType: null, protocolName: null, leaderId: '', members: [], skipAssignment: false };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export interface MemberSettings {
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
}

export class GroupMember {
  /** Joined but not yet part of a completed generation (Kafka's isNew): expires while still waiting. */
  isNew = false;
  assignment: Buffer = EMPTY_BYTES;
  sessionTimer: Timer | null = null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  protocols: readonly MemberProtocol[];
  private joinWaiter: ((result: JoinResult) => void) | null = null;
  private syncWaiter: ((result: SyncResult) => void) | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    settings: MemberSettings,
  ) {
    this.clientId = settings.clientId;
    this.clientHost = settings.clientHost;
    this.rebalanceTimeoutMs = settings.rebalanceTimeoutMs;
    this.sessionTimeoutMs = settings.sessionTimeoutMs;
    this.protocolType = settings.protocolType;
    this.protocols = settings.protocols;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.joinWaiter !== null;
  }

  get isAwaitingSync(): boolean {
    return this.syncWaiter !== null;
  }

  /**
   * What a session timeout does when no heartbeat came since it was armed (Kafka's
   * hasSatisfiedHeartbeat): a member parked in a rebalance is waiting on the broker, not
   * dead, unless it is a new member whose JoinGroup outlived NEW_MEMBER_JOIN_TIMEOUT_MS.
   */
  get survivesSessionExpiry(): boolean {
    return !this.isNew && (this.isAwaitingJoin || this.isAwaitingSync);
  }

  /** A second JoinGroup from the same member supersedes the first, which is told to rejoin. */
  awaitJoin(waiter: (result: JoinResult) => void): void {
    this.answerJoin(joinError(this.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    this.joinWaiter = waiter;
  }

  awaitSync(waiter: (result: SyncResult) => void): void {
    this.answerSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    this.syncWaiter = waiter;
  }

  /** Answers the parked JoinGroup, if any; returns whether there was one. */
  answerJoin(result: JoinResult): boolean {
    const waiter = this.joinWaiter;
    if (waiter === null) return false;
    this.joinWaiter = null;
    waiter(result);
    return true;
  }

  answerSync(result: SyncResult): boolean {
    const waiter = this.syncWaiter;
    if (waiter === null) return false;
    this.syncWaiter = null;
    waiter(result);
    return true;
  }

  update(settings: MemberSettings): void {
    this.clientId = settings.clientId;
    this.clientHost = settings.clientHost;
    this.rebalanceTimeoutMs = settings.rebalanceTimeoutMs;
    this.sessionTimeoutMs = settings.sessionTimeoutMs;
    this.protocols = settings.protocols;
  }

  supports(protocolName: string): boolean {
    return this.protocols.some((p) => p.name === protocolName);
  }

  /** Same protocols, in the same order, with the same metadata bytes. */
  matches(protocols: readonly MemberProtocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata))
    );
  }

  metadataFor(protocolName: string): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY_BYTES;
  }

  /** The member's most preferred protocol among `candidates` (which the group ensures is non-empty). */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((p) => candidates.has(p.name));
    if (choice === undefined) throw new Error(`member ${this.memberId} supports none of ${[...candidates].join(', ')}`);
    return choice.name;
  }
}
