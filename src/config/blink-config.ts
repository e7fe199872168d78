import { pathToFileURL } from 'node:url';
import type { ListenerConfig } from './listeners.js';
import { formatDuration, formatSize } from './units.js';
import type { UplinkConfig } from './uplink-settings.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `memory`: the WAL only takes overflow; `durable`: every batch is logged before it is acknowledged. */
export const STORAGE_MODES = ['memory', 'durable'] as const;
export type StorageMode = (typeof STORAGE_MODES)[number];
/** When a durable WAL write is flushed to the device: before the ack, on a timer, or never (the OS decides). */
export const FSYNC_POLICIES = ['always', 'interval', 'never'] as const;
export type FsyncPolicy = (typeof FSYNC_POLICIES)[number];
/** What a plugin's refusal does to its batch: refuse the whole batch, or store the other records. */
export const PLUGIN_REJECT_MODES = ['reject-batch', 'drop-record'] as const;
export type PluginRejectMode = (typeof PLUGIN_REJECT_MODES)[number];

/** Kafka's ssl.client.auth: whether a TLS listener asks for, or demands, a client certificate. */
export const SSL_CLIENT_AUTH_MODES = ['none', 'requested', 'required'] as const;
export type SslClientAuth = (typeof SSL_CLIENT_AUTH_MODES)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface SslConfig {
  /** Absolute PEM paths; null when unset (then no listener may use SSL or SASL_SSL). */
  readonly certFile: string | null;
  readonly keyFile: string | null;
  readonly caFile: string | null;
  readonly clientAuth: SslClientAuth;
  /** Kafka's ssl.principal.mapping.rules, checked at boot (common/ssl-principal-mapping.ts). */
  readonly principalMappingRules: string;
}

export interface SaslUser {
  readonly name: string;
  readonly password: string;
}

export interface SaslConfig {
  readonly enabledMechanisms: readonly SaslMechanism[];
  /** Users provisioned at boot from sasl_users / SASL_USERS (secret: never logged). */
  readonly users: readonly SaslUser[];
  /** Absolute path of a directory of password files named after their users, or null. */
  readonly usersDir: string | null;
  /** Kafka's connections.max.reauth.ms: 0 means a session lasts as long as its connection. */
  readonly maxReauthMs: number;
  readonly failedAuthenticationDelayMs: number;
  readonly oauthBearer: OAuthBearerConfig;
  readonly delegationTokens: DelegationTokenConfig;
}

/** Kafka's sasl.oauthbearer.* settings for the server side of OAUTHBEARER. */
export interface OAuthBearerConfig {
  /** Absolute path of the JWKS file (from a file: URL); null: Kafka's unsecured validator (alg none). */
  readonly jwksFile: string | null;
  readonly expectedIssuer: string | null;
  /** The token's `aud` must name one of these (none listed: not checked). */
  readonly expectedAudience: readonly string[];
  readonly subClaimName: string;
  readonly scopeClaimName: string;
  readonly clockSkewMs: number;
  /** Unsecured validator only: scopes every token must carry. */
  readonly unsecuredRequiredScope: readonly string[];
}

/** Kafka's delegation.token.* settings. */
export interface DelegationTokenConfig {
  /** Null: token authentication is off (the APIs answer DELEGATION_TOKEN_AUTH_DISABLED). Secret: never logged. */
  readonly secretKey: string | null;
  readonly maxLifetimeMs: number;
  readonly expiryTimeMs: number;
  readonly expiryCheckIntervalMs: number;
}

/** Injection token for the validated, frozen `BlinkConfig` (see `SettingsModule.forRoot`). */
export const BLINK_CONFIG = Symbol('BLINK_CONFIG');

/**
 * The effective settings, validated once at boot by `loadSettings` and frozen (arrays too).
 * Units go last in names; paths are absolute (resolved against the working directory at boot).
 */
export interface BlinkConfig {
  maxMemoryBytes: number;
  retentionMs: number;
  brokerPorts: number[];
  restPort: number;
  kafkaHostname: string;
  advertisedHostname: string;
  recordStoragePath: string;
  purgeOnFetch: boolean;
  enableConsumerGroups: boolean;
  /** Consumer-protocol (KIP-848) groups: a member missing its heartbeats this long is fenced (Kafka group.consumer.session.timeout.ms). */
  groupConsumerSessionTimeoutMs: number;
  /** The heartbeat interval given to consumer-protocol members (Kafka group.consumer.heartbeat.interval.ms). */
  groupConsumerHeartbeatIntervalMs: number;
  pluginPaths: string[];
  pluginRejectMode: PluginRejectMode;
  /** Deadline of one plugin call (one produce batch). */
  pluginTimeoutMs: number;
  /** Cap of each plugin's WebAssembly memory and of its worker's JavaScript heap. */
  pluginMaxMemoryBytes: number;
  defaultNumPartitions: number;
  autoCreateTopics: boolean;
  messageMaxBytes: number;
  logLevel: LogLevel;
  storageMode: StorageMode;
  fsyncPolicy: FsyncPolicy;
  fsyncIntervalMs: number;
  /** Defaults of the topic configs segment.bytes and segment.ms (when a segment file rolls). */
  segmentBytes: number;
  segmentMs: number;
  /** Longest transaction.timeout.ms a transactional producer may ask for (Kafka's transaction.max.timeout.ms). */
  transactionMaxTimeoutMs: number;
  /** How long an idle transactional id is remembered (Kafka's transactional.id.expiration.ms). */
  transactionalIdExpirationMs: number;
  /** Default of the topic config cleanup.policy: delete, compact or compact,delete (Kafka's log.cleanup.policy). */
  logCleanupPolicy: string;
  /** Default of min.cleanable.dirty.ratio (Kafka's log.cleaner.min.cleanable.ratio). */
  logCleanerMinCleanableRatio: number;
  /** How long the log cleaner sleeps when no partition needs cleaning (Kafka's log.cleaner.backoff.ms). */
  logCleanerBackoffMs: number;
  /**
   * Topics, and separately consumer groups, that get their own Prometheus series (the first
   * ones in creation order); the others are summed into one `__other__` series and counted.
   */
  metricsMaxEntities: number;
  /** Client quotas: rates are measured over this many samples (Kafka quota.window.num) … */
  quotaWindowNum: number;
  /** … of this long each (Kafka quota.window.size.seconds). */
  quotaWindowSizeMs: number;
  /** The largest metrics payload a client may push (Kafka telemetry.max.bytes, KIP-714). */
  telemetryMaxBytes: number;
  /** Series of pushed client metrics on /prometheus, all clients together. */
  clientMetricsMaxSeries: number;
  /** A Kafka connection that neither sends nor receives for this long is closed (Kafka's connections.max.idle.ms). */
  connectionsMaxIdleMs: number;
  /** A request frame that started arriving must be whole within this long, else the connection is closed (a slowloris client). */
  requestTimeoutMs: number;
  /** Kafka connections open at once, over every listener; more are closed at once (Kafka's max.connections). */
  maxConnections: number;
  /** Kafka connections open at once from one address (Kafka's max.connections.per.ip). */
  maxConnectionsPerIp: number;
  /** Per-address replacements of maxConnectionsPerIp (Kafka's max.connections.per.ip.overrides). */
  maxConnectionsPerIpOverrides: Readonly<Record<string, number>>;
  /** Request bytes all Kafka connections may hold together, read and not yet handled (Kafka's queued.max.request.bytes); beyond it they stop reading. */
  queuedMaxRequestBytes: number;
  /** Bearer token the REST admin API requires (health probes and /prometheus excepted); null: none. */
  adminToken: string | null;
  /** Every Kafka listener (from `listeners`, or one PLAINTEXT listener per port of `broker_ports`). */
  listeners: ListenerConfig[];
  /** The raw listener settings, as the operator wrote them (for describeSettings). */
  listenerSettings: { listeners: string; advertisedListeners: string; protocolMap: string };
  ssl: SslConfig;
  sasl: SaslConfig;
  /** Kafka's ACL authorizer: off = every request allowed and the ACL APIs answer SECURITY_DISABLED. */
  authorizerEnabled: boolean;
  /** Principals every authorization allows (Kafka's super.users). */
  superUsers: string[];
  /** A resource no ACL names is open to everyone (Kafka's allow.everyone.if.no.acl.found). */
  allowEveryoneIfNoAclFound: boolean;
  /** The principal REST admin requests carrying the admin token act as, under the authorizer. */
  adminTokenPrincipal: string;
  /** The uplink to an Apache Kafka cluster (docs/UPLINK.md); `enabled` is false by default. */
  uplink: UplinkConfig;
  /** Absolute path of the YAML file that was read, or null when only defaults and env were used. */
  settingsFile: string | null;
}

/** What `describeSettings` shows instead of a secret that is set. */
export const REDACTED = '[redacted]';

/** The effective settings under their seed (settings.yaml) names, in human units, for logs and /version; secrets redacted. */
export function describeSettings(config: BlinkConfig): Record<string, unknown> {
  return {
    max_memory: formatSize(config.maxMemoryBytes),
    retention: formatDuration(config.retentionMs),
    broker_ports: [...config.brokerPorts],
    rest_port: config.restPort,
    kafka_hostname: config.kafkaHostname,
    advertised_hostname: config.advertisedHostname,
    record_storage_path: config.recordStoragePath,
    purge_on_fetch: config.purgeOnFetch,
    enable_consumer_groups: config.enableConsumerGroups,
    group_consumer_session_timeout: formatDuration(config.groupConsumerSessionTimeoutMs),
    group_consumer_heartbeat_interval: formatDuration(config.groupConsumerHeartbeatIntervalMs),
    plugin_paths: [...config.pluginPaths],
    plugin_reject_mode: config.pluginRejectMode,
    plugin_timeout: formatDuration(config.pluginTimeoutMs),
    plugin_max_memory: formatSize(config.pluginMaxMemoryBytes),
    kafka_cfg_num_partitions: config.defaultNumPartitions,
    auto_create_topics: config.autoCreateTopics,
    message_max_bytes: config.messageMaxBytes,
    log_level: config.logLevel,
    storage_mode: config.storageMode,
    fsync: config.fsyncPolicy,
    fsync_interval: formatDuration(config.fsyncIntervalMs),
    segment_bytes: formatSize(config.segmentBytes),
    segment_ms: formatDuration(config.segmentMs),
    transaction_max_timeout_ms: formatDuration(config.transactionMaxTimeoutMs),
    transactional_id_expiration_ms: formatDuration(config.transactionalIdExpirationMs),
    log_cleanup_policy: config.logCleanupPolicy,
    log_cleaner_min_cleanable_ratio: config.logCleanerMinCleanableRatio,
    log_cleaner_backoff: formatDuration(config.logCleanerBackoffMs),
    metrics_max_entities: config.metricsMaxEntities,
    quota_window_num: config.quotaWindowNum,
    quota_window_size: formatDuration(config.quotaWindowSizeMs),
    telemetry_max_bytes: formatSize(config.telemetryMaxBytes),
    client_metrics_max_series: config.clientMetricsMaxSeries,
    connections_max_idle_ms: config.connectionsMaxIdleMs,
    request_timeout_ms: config.requestTimeoutMs,
    max_connections: config.maxConnections,
    max_connections_per_ip: config.maxConnectionsPerIp,
    max_connections_per_ip_overrides: Object.entries(config.maxConnectionsPerIpOverrides).map(([address, count]) => `${address}:${count}`).join(','),
    queued_max_request_bytes: formatSize(config.queuedMaxRequestBytes),
    admin_token: config.adminToken === null ? null : REDACTED,
    listeners: config.listenerSettings.listeners,
    advertised_listeners: config.listenerSettings.advertisedListeners,
    listener_security_protocol_map: config.listenerSettings.protocolMap,
    ssl_cert_file: config.ssl.certFile,
    ssl_key_file: config.ssl.keyFile,
    ssl_ca_file: config.ssl.caFile,
    ssl_client_auth: config.ssl.clientAuth,
    ssl_principal_mapping_rules: config.ssl.principalMappingRules,
    sasl_enabled_mechanisms: [...config.sasl.enabledMechanisms],
    sasl_users: config.sasl.users.length === 0 ? null : REDACTED,
    sasl_users_dir: config.sasl.usersDir,
    connections_max_reauth_ms: config.sasl.maxReauthMs,
    connection_failed_authentication_delay_ms: config.sasl.failedAuthenticationDelayMs,
    sasl_oauthbearer_jwks_endpoint_url: config.sasl.oauthBearer.jwksFile === null ? null : pathToFileURL(config.sasl.oauthBearer.jwksFile).href,
    sasl_oauthbearer_expected_issuer: config.sasl.oauthBearer.expectedIssuer,
    sasl_oauthbearer_expected_audience: [...config.sasl.oauthBearer.expectedAudience],
    sasl_oauthbearer_sub_claim_name: config.sasl.oauthBearer.subClaimName,
    sasl_oauthbearer_scope_claim_name: config.sasl.oauthBearer.scopeClaimName,
    sasl_oauthbearer_clock_skew_seconds: config.sasl.oauthBearer.clockSkewMs / 1000,
    sasl_oauthbearer_unsecured_validator_required_scope: [...config.sasl.oauthBearer.unsecuredRequiredScope],
    delegation_token_secret_key: config.sasl.delegationTokens.secretKey === null ? null : REDACTED,
    delegation_token_max_lifetime_ms: config.sasl.delegationTokens.maxLifetimeMs,
    delegation_token_expiry_time_ms: config.sasl.delegationTokens.expiryTimeMs,
    delegation_token_expiry_check_interval_ms: config.sasl.delegationTokens.expiryCheckIntervalMs,
    authorizer_enabled: config.authorizerEnabled,
    super_users: [...config.superUsers],
    allow_everyone_if_no_acl_found: config.allowEveryoneIfNoAclFound,
    admin_token_principal: config.adminTokenPrincipal,
    ...describeUplink(config.uplink),
    settings_file: config.settingsFile,
  };
}

function describeUplink(uplink: UplinkConfig): Record<string, unknown> {
  return {
    uplink_bootstrap_servers: [...uplink.bootstrapServers],
    uplink_topics: [...uplink.topics],
    uplink_topic_prefix: uplink.topicPrefix,
    uplink_client_id: uplink.clientId,
    uplink_security_protocol: uplink.securityProtocol,
    uplink_sasl_mechanism: uplink.sasl?.mechanism ?? null,
    uplink_sasl_username: uplink.sasl?.username ?? null,
    uplink_sasl_password: uplink.sasl?.password ? REDACTED : null,
    uplink_sasl_password_file: uplink.sasl?.passwordFile ?? null,
    uplink_ssl_ca_file: uplink.tls?.caFile ?? null,
    uplink_ssl_certificate_file: uplink.tls?.certificateFile ?? null,
    uplink_ssl_key_file: uplink.tls?.keyFile ?? null,
    uplink_ssl_verify_hostname: uplink.tls?.verifyHostname ?? null,
    uplink_batch_max_bytes: formatSize(uplink.batchMaxBytes),
    uplink_max_in_flight: uplink.maxInFlight,
    uplink_unmirrored: uplink.unmirrored,
    uplink_group_sync_interval: formatDuration(uplink.groupSyncIntervalMs),
  };
}
