/**
 * Timeouts and bounds of the group coordinator, named after the Kafka broker settings they
 * stand for. They are constants until the config issue gives them settings.
 */

/** Kafka group.min.session.timeout.ms: a JoinGroup asking for less gets INVALID_SESSION_TIMEOUT. */
export const GROUP_MIN_SESSION_TIMEOUT_MS = 6_000;
/** Kafka group.max.session.timeout.ms. */
export const GROUP_MAX_SESSION_TIMEOUT_MS = 1_800_000;
/**
 * Upper bound on how long a rebalance waits for members to rejoin or sync. Kafka takes the
 * client's rebalance timeout (max.poll.interval.ms, 5 min by default) as is; Blink clamps it so
 * no parked JoinGroup/SyncGroup can wait longer than this.
 */
export const GROUP_MAX_REBALANCE_TIMEOUT_MS = 1_800_000;
/**
 * Kafka group.initial.rebalance.delay.ms (3 s in Kafka, 0 in its development config): how long
 * the first rebalance of an Empty group waits for more members, extended by the same delay
 * for each member that arrives meanwhile, up to the rebalance timeout. Short enough that a
 * lone consumer starts at once, long enough that consumers started together share the
 * first generation instead of rebalancing again right after it.
 */
export const GROUP_INITIAL_REBALANCE_DELAY_MS = 300;
/**
 * Kafka's NewMemberJoinTimeoutMs: a new member whose JoinGroup is still parked after this is
 * dropped (answered UNKNOWN_MEMBER_ID); it has no member id yet, so it cannot heartbeat.
 */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 300_000;

/**
 * Bound on live groups (both kinds). A join or simple commit that would create one more first
 * evicts the least recently active group without members (its committed offsets go with it);
 * only when every group has members is it refused, COORDINATOR_NOT_AVAILABLE (group-table.ts).
 */
export const MAX_GROUPS = 10_000;
/**
 * Groups one client (Kafka client id + host; a principal once there is authentication) may
 * have created and still hold: one more is THROTTLING_QUOTA_EXCEEDED. So one client cannot
 * fill the table with simple commits under made-up group ids; its slots come back as its
 * groups go (deleted, emptied without offsets, expired, evicted).
 */
export const MAX_GROUPS_PER_CLIENT = 1_000;
/** Kafka group.max.size (unbounded in Kafka): members plus members awaiting their id. */
export const MAX_MEMBERS_PER_GROUP = 1_000;

/** Kafka offsets.retention.minutes (7 days): how long offsets of an Empty group are kept. */
export const OFFSETS_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Kafka offsets.retention.check.interval.ms: period of the expiry sweep. */
export const OFFSETS_RETENTION_CHECK_INTERVAL_MS = 600_000;
/** Kafka offset.metadata.max.bytes (counted in UTF-16 units, like Java's String.length()). */
export const OFFSET_METADATA_MAX_CHARS = 4_096;
