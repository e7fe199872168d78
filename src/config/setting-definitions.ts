import type { FsyncPolicy, LogLevel, PluginRejectMode, SslClientAuth, StorageMode } from './blink-config.js';
import type { UplinkSaslMechanism, UplinkSecurityProtocol, UplinkUnmirroredPolicy } from './uplink-settings.js';
import type { SettingKey, SettingsDto } from './settings.dto.js';
import { InvalidSettingValue, parseDuration, parseSize, showValue } from './units.js';

/**
 * One row per setting: its environment variable, its built-in default (written exactly as
 * in config/settings.yaml, and converted like any other value), and how a raw YAML value or
 * env string becomes the typed value that `SettingsDto` validates. Converters only fix the
 * type; ranges and other rules are the DTO's decorators.
 */
export interface SettingDefinition<K extends SettingKey> {
  readonly env: string;
  readonly defaultValue: unknown;
  readonly convert: (raw: unknown) => SettingsDto[K];
  /** A secret: messages about a rejected value show REDACTED instead of it. */
  readonly secret?: boolean;
}

export const SETTING_DEFINITIONS: { readonly [K in SettingKey]: SettingDefinition<K> } = {
  max_memory: { env: 'MAX_MEMORY', defaultValue: '1GB', convert: parseSize },
  retention: { env: 'RETENTION', defaultValue: '5m', convert: parseDuration },
  broker_ports: { env: 'BROKER_PORTS', defaultValue: [9092, 9094], convert: toNumberList },
  rest_port: { env: 'REST_PORT', defaultValue: 30004, convert: toNumber },
  kafka_hostname: { env: 'KAFKA_HOSTNAME', defaultValue: '0.0.0.0', convert: toText },
  advertised_hostname: { env: 'ADVERTISED_HOSTNAME', defaultValue: 'localhost', convert: toText },
  record_storage_path: { env: 'RECORD_STORAGE_PATH', defaultValue: './records', convert: toText },
  purge_on_fetch: { env: 'PURGE_ON_FETCH', defaultValue: false, convert: toBoolean },
  enable_consumer_groups: { env: 'ENABLE_CONSUMER_GROUPS', defaultValue: true, convert: toBoolean },
  // Kafka 3.9's group.consumer.session.timeout.ms and group.consumer.heartbeat.interval.ms defaults.
  group_consumer_session_timeout: { env: 'GROUP_CONSUMER_SESSION_TIMEOUT', defaultValue: '45s', convert: parseDuration },
  group_consumer_heartbeat_interval: { env: 'GROUP_CONSUMER_HEARTBEAT_INTERVAL', defaultValue: '5s', convert: parseDuration },
  plugin_paths: { env: 'PLUGIN_PATHS', defaultValue: [], convert: toTextList },
  plugin_reject_mode: { env: 'PLUGIN_REJECT_MODE', defaultValue: 'reject-batch', convert: (raw) => toLowerText(raw) as PluginRejectMode },
  plugin_timeout: { env: 'PLUGIN_TIMEOUT', defaultValue: '100ms', convert: parseDuration },
  plugin_max_memory: { env: 'PLUGIN_MAX_MEMORY', defaultValue: '64MB', convert: parseSize },
  kafka_cfg_num_partitions: { env: 'KAFKA_CFG_NUM_PARTITIONS', defaultValue: 1, convert: toNumber },
  auto_create_topics: { env: 'AUTO_CREATE_TOPICS', defaultValue: true, convert: toBoolean },
  // Kafka's message.max.bytes default: 1 MiB of records plus the 12-byte batch overhead.
  message_max_bytes: { env: 'MESSAGE_MAX_BYTES', defaultValue: 1_048_588, convert: parseSize },
  log_level: { env: 'LOG_LEVEL', defaultValue: 'info', convert: toLogLevel },
  storage_mode: { env: 'STORAGE_MODE', defaultValue: 'memory', convert: (raw) => toLowerText(raw) as StorageMode },
  fsync: { env: 'FSYNC', defaultValue: 'interval', convert: (raw) => toLowerText(raw) as FsyncPolicy },
  fsync_interval: { env: 'FSYNC_INTERVAL', defaultValue: '1s', convert: parseDuration },
  // Kafka's log.segment.bytes (1 GiB) and log.roll.ms (7 days) defaults.
  segment_bytes: { env: 'SEGMENT_BYTES', defaultValue: '1GB', convert: parseSize },
  segment_ms: { env: 'SEGMENT_MS', defaultValue: '7d', convert: parseDuration },
  // Kafka's transaction.max.timeout.ms (15 min) and transactional.id.expiration.ms (7 days).
  transaction_max_timeout_ms: { env: 'TRANSACTION_MAX_TIMEOUT_MS', defaultValue: '15m', convert: parseDuration },
  transactional_id_expiration_ms: { env: 'TRANSACTIONAL_ID_EXPIRATION_MS', defaultValue: '7d', convert: parseDuration },
  // Kafka's log.cleanup.policy, log.cleaner.min.cleanable.ratio and log.cleaner.backoff.ms defaults.
  log_cleanup_policy: { env: 'LOG_CLEANUP_POLICY', defaultValue: 'delete', convert: (raw) => toLowerText(raw).replace(/\s+/g, '') },
  log_cleaner_min_cleanable_ratio: { env: 'LOG_CLEANER_MIN_CLEANABLE_RATIO', defaultValue: 0.5, convert: toNumber },
  log_cleaner_backoff: { env: 'LOG_CLEANER_BACKOFF', defaultValue: '15s', convert: parseDuration },
  // Per-topic and per-group Prometheus series: the first N topics and N groups (creation order).
  metrics_max_entities: { env: 'METRICS_MAX_ENTITIES', defaultValue: 100, convert: toNumber },
  // Kafka's quota.window.num and quota.window.size.seconds: client quotas are rates over 11 x 1 s.
  quota_window_num: { env: 'QUOTA_WINDOW_NUM', defaultValue: 11, convert: toNumber },
  quota_window_size: { env: 'QUOTA_WINDOW_SIZE', defaultValue: '1s', convert: parseDuration },
  // Kafka's telemetry.max.bytes: the largest metrics payload a client may push (KIP-714).
  telemetry_max_bytes: { env: 'TELEMETRY_MAX_BYTES', defaultValue: '1MB', convert: parseSize },
  // Series of pushed client metrics on /prometheus, all clients together; the rest are dropped and counted.
  client_metrics_max_series: { env: 'CLIENT_METRICS_MAX_SERIES', defaultValue: 2000, convert: toNumber },
  // Kafka's connections.max.idle.ms default (10 minutes).
  connections_max_idle_ms: { env: 'CONNECTIONS_MAX_IDLE_MS', defaultValue: 600_000, convert: parseDuration },
  // Kafka clients' request.timeout.ms default: a request frame that started must be whole within it.
  request_timeout_ms: { env: 'REQUEST_TIMEOUT_MS', defaultValue: 30_000, convert: parseDuration },
  // Kafka's max.connections is unbounded by default; Blink keeps a bound (every connection has one).
  max_connections: { env: 'MAX_CONNECTIONS', defaultValue: 10_000, convert: toNumber },
  // Kafka's max.connections.per.ip (unbounded) and max.connections.per.ip.overrides defaults.
  max_connections_per_ip: { env: 'MAX_CONNECTIONS_PER_IP', defaultValue: 2_147_483_647, convert: toNumber },
  max_connections_per_ip_overrides: { env: 'MAX_CONNECTIONS_PER_IP_OVERRIDES', defaultValue: '', convert: (raw) => toText(raw).replace(/\s+/g, '') },
  // Kafka's queued.max.request.bytes is unbounded (-1) by default; Blink bounds it (at least one largest frame).
  queued_max_request_bytes: { env: 'QUEUED_MAX_REQUEST_BYTES', defaultValue: '256MB', convert: parseSize },
  // Empty: the REST admin API asks for no token.
  admin_token: { env: 'ADMIN_TOKEN', defaultValue: '', convert: toText, secret: true },
  // Security (Kafka's names): empty `listeners` keeps broker_ports as PLAINTEXT listeners.
  listeners: { env: 'LISTENERS', defaultValue: '', convert: toText },
  advertised_listeners: { env: 'ADVERTISED_LISTENERS', defaultValue: '', convert: toText },
  listener_security_protocol_map: { env: 'LISTENER_SECURITY_PROTOCOL_MAP', defaultValue: '', convert: toText },
  ssl_cert_file: { env: 'SSL_CERT_FILE', defaultValue: '', convert: toText },
  ssl_key_file: { env: 'SSL_KEY_FILE', defaultValue: '', convert: toText },
  ssl_ca_file: { env: 'SSL_CA_FILE', defaultValue: '', convert: toText },
  ssl_principal_mapping_rules: { env: 'SSL_PRINCIPAL_MAPPING_RULES', defaultValue: 'DEFAULT', convert: toText },
  ssl_client_auth: { env: 'SSL_CLIENT_AUTH', defaultValue: 'none', convert: (raw) => toLowerText(raw) as SslClientAuth },
  sasl_enabled_mechanisms: {
    env: 'SASL_ENABLED_MECHANISMS',
    defaultValue: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'],
    convert: (raw) => toTextList(raw).map((mechanism) => mechanism.toUpperCase()),
  },
  // "name:password,name:password"; a password may not contain a comma (use sasl_users_dir for those).
  sasl_users: { env: 'SASL_USERS', defaultValue: '', convert: toText, secret: true },
  // A directory of files named after users holding their passwords (a mounted Kubernetes Secret).
  sasl_users_dir: { env: 'SASL_USERS_DIR', defaultValue: '', convert: toText },
  // Kafka's connections.max.reauth.ms (0: sessions never expire) and connection.failed.authentication.delay.ms.
  connections_max_reauth_ms: { env: 'CONNECTIONS_MAX_REAUTH_MS', defaultValue: 0, convert: parseDuration },
  connection_failed_authentication_delay_ms: { env: 'CONNECTION_FAILED_AUTHENTICATION_DELAY_MS', defaultValue: 100, convert: parseDuration },
  // OAUTHBEARER (Kafka's sasl.oauthbearer.*): with a JWKS file, tokens are checked against its keys,
  // the issuer and the audience; without one, Kafka's unsecured validator (development only).
  sasl_oauthbearer_jwks_endpoint_url: { env: 'SASL_OAUTHBEARER_JWKS_ENDPOINT_URL', defaultValue: '', convert: toText },
  sasl_oauthbearer_expected_issuer: { env: 'SASL_OAUTHBEARER_EXPECTED_ISSUER', defaultValue: '', convert: toText },
  sasl_oauthbearer_expected_audience: { env: 'SASL_OAUTHBEARER_EXPECTED_AUDIENCE', defaultValue: [], convert: toTextList },
  sasl_oauthbearer_sub_claim_name: { env: 'SASL_OAUTHBEARER_SUB_CLAIM_NAME', defaultValue: 'sub', convert: toText },
  sasl_oauthbearer_scope_claim_name: { env: 'SASL_OAUTHBEARER_SCOPE_CLAIM_NAME', defaultValue: 'scope', convert: toText },
  sasl_oauthbearer_clock_skew_seconds: { env: 'SASL_OAUTHBEARER_CLOCK_SKEW_SECONDS', defaultValue: 30, convert: toNumber },
  // Kafka's unsecuredValidatorRequiredScope JAAS option: scopes every unsecured token must carry.
  sasl_oauthbearer_unsecured_validator_required_scope: { env: 'SASL_OAUTHBEARER_UNSECURED_VALIDATOR_REQUIRED_SCOPE', defaultValue: [], convert: toTextList },
  // Kafka's delegation.token.*: tokens are served once a secret key is set (it signs every token's HMAC).
  delegation_token_secret_key: { env: 'DELEGATION_TOKEN_SECRET_KEY', defaultValue: '', convert: toText, secret: true },
  delegation_token_max_lifetime_ms: { env: 'DELEGATION_TOKEN_MAX_LIFETIME_MS', defaultValue: '7d', convert: parseDuration },
  delegation_token_expiry_time_ms: { env: 'DELEGATION_TOKEN_EXPIRY_TIME_MS', defaultValue: '1d', convert: parseDuration },
  delegation_token_expiry_check_interval_ms: { env: 'DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS', defaultValue: '1h', convert: parseDuration },
  // Kafka's authorizer.class.name (on/off), super.users and allow.everyone.if.no.acl.found.
  authorizer_enabled: { env: 'AUTHORIZER_ENABLED', defaultValue: false, convert: toBoolean },
  super_users: { env: 'SUPER_USERS', defaultValue: [], convert: toPrincipalList },
  allow_everyone_if_no_acl_found: { env: 'ALLOW_EVERYONE_IF_NO_ACL_FOUND', defaultValue: false, convert: toBoolean },
  // The principal the REST admin acts as when a request carries the admin token.
  admin_token_principal: { env: 'ADMIN_TOKEN_PRINCIPAL', defaultValue: 'User:admin', convert: toText },
  // The uplink (docs/UPLINK.md): off while no bootstrap server is listed.
  uplink_bootstrap_servers: { env: 'UPLINK_BOOTSTRAP_SERVERS', defaultValue: [], convert: toTextList },
  uplink_topics: { env: 'UPLINK_TOPICS', defaultValue: [], convert: toTextList },
  uplink_topic_prefix: { env: 'UPLINK_TOPIC_PREFIX', defaultValue: '', convert: toText },
  uplink_client_id: { env: 'UPLINK_CLIENT_ID', defaultValue: 'blink-uplink', convert: toText },
  uplink_security_protocol: { env: 'UPLINK_SECURITY_PROTOCOL', defaultValue: 'PLAINTEXT', convert: (raw) => toUpperText(raw) as UplinkSecurityProtocol },
  uplink_sasl_mechanism: { env: 'UPLINK_SASL_MECHANISM', defaultValue: 'PLAIN', convert: (raw) => toUpperText(raw) as UplinkSaslMechanism },
  uplink_sasl_username: { env: 'UPLINK_SASL_USERNAME', defaultValue: '', convert: toText },
  uplink_sasl_password: { env: 'UPLINK_SASL_PASSWORD', defaultValue: '', convert: toText, secret: true },
  uplink_sasl_password_file: { env: 'UPLINK_SASL_PASSWORD_FILE', defaultValue: '', convert: toText },
  uplink_ssl_ca_file: { env: 'UPLINK_SSL_CA_FILE', defaultValue: '', convert: toText },
  uplink_ssl_certificate_file: { env: 'UPLINK_SSL_CERTIFICATE_FILE', defaultValue: '', convert: toText },
  uplink_ssl_key_file: { env: 'UPLINK_SSL_KEY_FILE', defaultValue: '', convert: toText },
  uplink_ssl_verify_hostname: { env: 'UPLINK_SSL_VERIFY_HOSTNAME', defaultValue: true, convert: toBoolean },
  uplink_batch_max_bytes: { env: 'UPLINK_BATCH_MAX_BYTES', defaultValue: '1MB', convert: parseSize },
  uplink_max_in_flight: { env: 'UPLINK_MAX_IN_FLIGHT', defaultValue: 8, convert: toNumber },
  uplink_unmirrored: { env: 'UPLINK_UNMIRRORED', defaultValue: 'keep', convert: (raw) => toLowerText(raw) as UplinkUnmirroredPolicy },
  uplink_group_sync_interval: { env: 'UPLINK_GROUP_SYNC_INTERVAL', defaultValue: '5s', convert: parseDuration },
};

export const SETTING_KEYS = Object.keys(SETTING_DEFINITIONS) as SettingKey[];

const DECIMAL = /^[+-]?\d+(?:\.\d+)?$/;
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  '1': true,
  '0': false,
};

/** Numbers pass through (the DTO checks they are whole and in range); strings must be decimal. */
function toNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && DECIMAL.test(raw.trim())) return Number(raw.trim());
  throw new InvalidSettingValue(`${showValue(raw)} is not a number`);
}

/** A YAML list, or a comma list as env gives it ("9092,9094"). */
function toNumberList(raw: unknown): number[] {
  if (Array.isArray(raw)) return raw.map(toNumber);
  if (typeof raw === 'string') return raw.split(',').map(toNumber);
  throw new InvalidSettingValue(`${showValue(raw)} is not a list (examples: [9092, 9094] or "9092,9094")`);
}

function toBoolean(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const word = typeof raw === 'string' || typeof raw === 'number' ? BOOLEAN_WORDS[String(raw).trim().toLowerCase()] : undefined;
  if (word === undefined) throw new InvalidSettingValue(`${showValue(raw)} is not a boolean (true/false, yes/no, 1/0)`);
  return word;
}

function toText(raw: unknown): string {
  if (typeof raw === 'string') return raw.trim();
  throw new InvalidSettingValue(`${showValue(raw)} is not text`);
}

/** A YAML list, or a comma list as env gives it (blank entries dropped, so PLUGIN_PATHS="" means none). Patterns with commas need the YAML list. */
function toTextList(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(toText);
  if (typeof raw === 'string') return raw.split(',').map(toText).filter((entry) => entry !== '');
  throw new InvalidSettingValue(`${showValue(raw)} is not a list`);
}

/**
 * Principals as Kafka's super.users lists them: a YAML list, or one string separated by
 * semicolons ("User:alice;User:bob"); not commas, which an mTLS principal's DN contains.
 */
function toPrincipalList(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(toText);
  if (typeof raw === 'string') return raw.split(';').map(toText).filter((entry) => entry !== '');
  throw new InvalidSettingValue(`${showValue(raw)} is not a list of principals (example: "User:alice;User:bob")`);
}

/** Case-insensitive because the seed README uses LOG_LEVEL=DEBUG / INFO; `SettingsDto` checks the name. */
function toLogLevel(raw: unknown): LogLevel {
  return toLowerText(raw) as LogLevel;
}

/** Kafka's own upper-case words (security.protocol, sasl.mechanism), in any case; the DTO checks the word. */
function toUpperText(raw: unknown): string {
  return toText(raw).toUpperCase();
}

/** Enumerated words (log level, storage mode, fsync policy) are case-insensitive; the DTO checks the word. */
function toLowerText(raw: unknown): string {
  return toText(raw).toLowerCase();
}
