import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import {
  FSYNC_POLICIES,
  LOG_LEVELS,
  PLUGIN_REJECT_MODES,
  SASL_MECHANISMS,
  SSL_CLIENT_AUTH_MODES,
  STORAGE_MODES,
  type SslClientAuth,
  type FsyncPolicy,
  type LogLevel,
  type PluginRejectMode,
  type StorageMode,
} from './blink-config.js';
import {
  UPLINK_SASL_MECHANISMS,
  UPLINK_SECURITY_PROTOCOLS,
  UPLINK_UNMIRRORED_POLICIES,
  type UplinkSaslMechanism,
  type UplinkSecurityProtocol,
  type UplinkUnmirroredPolicy,
} from './uplink-settings.js';

/** 0: the OS picks a free port (tests, embedded brokers); Metadata advertises the bound one. */
const PORT_MIN = 0;
const PORT_MAX = 65_535;
const PARTITIONS_MAX = 10_000;
/** Kafka sizes are INT32 on the wire (e.g. Produce's record-batch length). */
const INT32_MAX = 2_147_483_647;
/** A segment must hold at least a few batches; Kafka's own floor (14 bytes) is not useful. */
const SEGMENT_BYTES_MIN = 64 * 1024;
const FSYNC_INTERVAL_MAX_MS = 60_000;
const PLUGIN_TIMEOUT_MAX_MS = 60_000;
/** Kafka's group.max.session.timeout.ms: the longest session a consumer group member may have. */
const GROUP_SESSION_TIMEOUT_MAX_MS = 1_800_000;
const MIB = 1024 * 1024;
/** Kafka's sasl.oauthbearer.clock.skew.seconds has no bound; a skew past an hour would hide expired tokens. */
const OAUTHBEARER_CLOCK_SKEW_MAX_SECONDS = 3600;
/** The largest Kafka request frame read (Kafka's socket.request.max.bytes default; the transport's MAX_FRAME_BYTES). */
export const SOCKET_REQUEST_MAX_BYTES = 100 * MIB;
/** A plugin worker needs some JavaScript heap of its own; wasm32 memory ends at 4 GiB. */
const PLUGIN_MEMORY_MIN = 16 * MIB;
const PLUGIN_MEMORY_MAX = 4096 * MIB;
/** Per-topic and per-group series: beyond this Prometheus itself suffers (10,000 topics x partitions x metrics). */
const METRICS_ENTITIES_MAX = 10_000;
/** The cleaner looks for work at least this often (Kafka's log.cleaner.backoff.ms is 15 s). */
const CLEANER_BACKOFF_MAX_MS = 3_600_000;
/** Kafka's quota.window.num has no upper bound; past a few hundred samples a rate stops reacting. */
const QUOTA_WINDOW_NUM_MAX = 1_000;
const QUOTA_WINDOW_SIZE_MIN_MS = 100;
const QUOTA_WINDOW_SIZE_MAX_MS = 3_600_000;
const CLIENT_METRICS_SERIES_MAX = 100_000;
/** A failed login waits this long before the close: long enough to slow guessing, short enough not to hold sockets. */
const FAILED_AUTH_DELAY_MAX_MS = 10_000;
/** A Kafka principal: `<type>:<name>` (KafkaPrincipal.fromString). */
const PRINCIPAL = /^[^:]+:.+$/;
/** A batch the uplink builds must hold a few records and fit Kafka's 32-bit sizes. */
const UPLINK_BATCH_MIN = 16 * 1024;
const UPLINK_IN_FLIGHT_MAX = 256;
const UPLINK_GROUP_SYNC_MIN_MS = 100;
const UPLINK_GROUP_SYNC_MAX_MS = 3_600_000;

/**
 * The merged settings under their settings.yaml names, after unit conversion
 * (`setting-definitions.ts`) and before mapping to `BlinkConfig`. Messages read after the
 * offending value: "70000 must be a port between 1 and 65535".
 */
export class SettingsDto {
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1, { message: 'must be at least 1 byte' })
  max_memory!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  retention!: number;

  @IsArray({ message: 'must be a list of ports' })
  @ArrayNotEmpty({ message: 'must list at least one port' })
  @ArrayUnique({ message: 'must not list the same port twice' })
  @IsInt({ each: true, message: 'must list whole port numbers' })
  @Min(PORT_MIN, { each: true, message: `must list ports between ${PORT_MIN} and ${PORT_MAX}` })
  @Max(PORT_MAX, { each: true, message: `must list ports between ${PORT_MIN} and ${PORT_MAX}` })
  broker_ports!: number[];

  @IsInt({ message: 'must be a whole port number' })
  @Min(PORT_MIN, { message: `must be a port between ${PORT_MIN} and ${PORT_MAX}` })
  @Max(PORT_MAX, { message: `must be a port between ${PORT_MIN} and ${PORT_MAX}` })
  rest_port!: number;

  @IsString({ message: 'must be a host name or IP address' })
  @IsNotEmpty({ message: 'must not be empty' })
  kafka_hostname!: string;

  @IsString({ message: 'must be a host name or IP address' })
  @IsNotEmpty({ message: 'must not be empty' })
  advertised_hostname!: string;

  @IsString({ message: 'must be a directory path' })
  @IsNotEmpty({ message: 'must not be empty' })
  record_storage_path!: string;

  @IsBoolean({ message: 'must be true or false' })
  purge_on_fetch!: boolean;

  @IsBoolean({ message: 'must be true or false' })
  enable_consumer_groups!: boolean;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1_000, { message: 'must be at least 1s' })
  @Max(GROUP_SESSION_TIMEOUT_MAX_MS, { message: `must be at most ${GROUP_SESSION_TIMEOUT_MAX_MS / 60_000}m` })
  group_consumer_session_timeout!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(100, { message: 'must be at least 100ms' })
  @Max(GROUP_SESSION_TIMEOUT_MAX_MS, { message: `must be at most ${GROUP_SESSION_TIMEOUT_MAX_MS / 60_000}m` })
  group_consumer_heartbeat_interval!: number;

  @IsArray({ message: 'must be a list of file paths' })
  @IsString({ each: true, message: 'must list file paths' })
  @IsNotEmpty({ each: true, message: 'must not list empty paths' })
  plugin_paths!: string[];

  @IsIn(PLUGIN_REJECT_MODES, { message: `must be one of ${PLUGIN_REJECT_MODES.join(', ')}` })
  plugin_reject_mode!: PluginRejectMode;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  @Max(PLUGIN_TIMEOUT_MAX_MS, { message: `must be at most ${PLUGIN_TIMEOUT_MAX_MS / 1000}s` })
  plugin_timeout!: number;

  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(PLUGIN_MEMORY_MIN, { message: `must be at least ${PLUGIN_MEMORY_MIN / MIB}MB` })
  @Max(PLUGIN_MEMORY_MAX, { message: `must be at most ${PLUGIN_MEMORY_MAX / MIB / 1024}GB (the wasm32 address space)` })
  plugin_max_memory!: number;

  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: `must be between 1 and ${PARTITIONS_MAX}` })
  @Max(PARTITIONS_MAX, { message: `must be between 1 and ${PARTITIONS_MAX}` })
  kafka_cfg_num_partitions!: number;

  @IsBoolean({ message: 'must be true or false' })
  auto_create_topics!: boolean;

  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1, { message: 'must be at least 1 byte' })
  @Max(INT32_MAX, { message: `must be at most ${INT32_MAX} bytes (Kafka sizes are 32-bit)` })
  message_max_bytes!: number;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  log_level!: LogLevel;

  @IsIn(STORAGE_MODES, { message: `must be one of ${STORAGE_MODES.join(', ')}` })
  storage_mode!: StorageMode;

  @IsIn(FSYNC_POLICIES, { message: `must be one of ${FSYNC_POLICIES.join(', ')}` })
  fsync!: FsyncPolicy;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  @Max(FSYNC_INTERVAL_MAX_MS, { message: `must be at most ${FSYNC_INTERVAL_MAX_MS / 1000}s` })
  fsync_interval!: number;

  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(SEGMENT_BYTES_MIN, { message: `must be at least ${SEGMENT_BYTES_MIN / 1024}KB` })
  @Max(INT32_MAX, { message: `must be at most ${INT32_MAX} bytes (Kafka sizes are 32-bit)` })
  segment_bytes!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  segment_ms!: number;

  // Kafka's transaction timeouts are INT32 milliseconds on the wire (InitProducerId).
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  @Max(INT32_MAX, { message: `must be at most ${INT32_MAX}ms (Kafka transaction timeouts are 32-bit)` })
  transaction_max_timeout_ms!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  transactional_id_expiration_ms!: number;

  @Matches(/^(delete|compact|compact,delete|delete,compact)$/, { message: 'must be delete, compact or compact,delete' })
  log_cleanup_policy!: string;

  @IsNumber({}, { message: 'must be a number' })
  @Min(0, { message: 'must be between 0 and 1' })
  @Max(1, { message: 'must be between 0 and 1' })
  log_cleaner_min_cleanable_ratio!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  @Max(CLEANER_BACKOFF_MAX_MS, { message: `must be at most ${CLEANER_BACKOFF_MAX_MS / 60_000}m` })
  log_cleaner_backoff!: number;

  @IsInt({ message: 'must be a whole number' })
  @Min(0, { message: `must be between 0 and ${METRICS_ENTITIES_MAX}` })
  @Max(METRICS_ENTITIES_MAX, { message: `must be between 0 and ${METRICS_ENTITIES_MAX}` })
  metrics_max_entities!: number;

  @IsInt({ message: 'must be a whole number of samples' })
  @Min(1, { message: `must be between 1 and ${QUOTA_WINDOW_NUM_MAX}` })
  @Max(QUOTA_WINDOW_NUM_MAX, { message: `must be between 1 and ${QUOTA_WINDOW_NUM_MAX}` })
  quota_window_num!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(QUOTA_WINDOW_SIZE_MIN_MS, { message: `must be at least ${QUOTA_WINDOW_SIZE_MIN_MS}ms` })
  @Max(QUOTA_WINDOW_SIZE_MAX_MS, { message: 'must be at most 1h' })
  quota_window_size!: number;

  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1, { message: 'must be at least 1 byte' })
  @Max(INT32_MAX, { message: `must be at most ${INT32_MAX} bytes (Kafka sizes are 32-bit)` })
  telemetry_max_bytes!: number;

  @IsInt({ message: 'must be a whole number' })
  @Min(0, { message: `must be between 0 and ${CLIENT_METRICS_SERIES_MAX}` })
  @Max(CLIENT_METRICS_SERIES_MAX, { message: `must be between 0 and ${CLIENT_METRICS_SERIES_MAX}` })
  client_metrics_max_series!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  connections_max_idle_ms!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be at least 1ms' })
  request_timeout_ms!: number;

  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: `must be between 1 and ${INT32_MAX}` })
  @Max(INT32_MAX, { message: `must be between 1 and ${INT32_MAX}` })
  max_connections!: number;

  @IsInt({ message: 'must be a whole number' })
  @Min(0, { message: `must be between 0 and ${INT32_MAX}` })
  @Max(INT32_MAX, { message: `must be between 0 and ${INT32_MAX}` })
  max_connections_per_ip!: number;

  @Matches(/^$|^[^,]+:\d+(?:,[^,]+:\d+)*$/, { message: 'must be address:count pairs separated by commas (example: 10.0.0.1:200,::1:50)' })
  max_connections_per_ip_overrides!: string;

  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(SOCKET_REQUEST_MAX_BYTES, { message: `must be at least ${SOCKET_REQUEST_MAX_BYTES / MIB}MB, the largest request frame (socket.request.max.bytes), or no such frame could ever be read` })
  queued_max_request_bytes!: number;

  // Sent as "Authorization: Bearer <token>": one header token (RFC 6750 b64token characters).
  @IsString({ message: 'must be text' })
  @Matches(/^[A-Za-z0-9._~+/=-]*$/, { message: 'must use only letters, digits and . _ ~ + / = - (it is sent in an Authorization header)' })
  admin_token!: string;

  @IsString({ message: 'must be a comma list of NAME://host:port' })
  listeners!: string;

  @IsString({ message: 'must be a comma list of NAME://host:port' })
  advertised_listeners!: string;

  @IsString({ message: 'must be a comma list of NAME:PROTOCOL' })
  listener_security_protocol_map!: string;

  @IsString({ message: 'must be a file path' })
  ssl_cert_file!: string;

  @IsString({ message: 'must be a file path' })
  ssl_key_file!: string;

  @IsString({ message: 'must be a file path' })
  ssl_ca_file!: string;

  @IsString({ message: 'must be Kafka mapping rules (RULE:regex/replacement/[L|U],…,DEFAULT)' })
  ssl_principal_mapping_rules!: string;

  @IsIn(SSL_CLIENT_AUTH_MODES, { message: `must be one of ${SSL_CLIENT_AUTH_MODES.join(', ')}` })
  ssl_client_auth!: SslClientAuth;

  @IsArray({ message: 'must be a list of SASL mechanisms' })
  @IsIn(SASL_MECHANISMS, { each: true, message: `must list mechanisms among ${SASL_MECHANISMS.join(', ')}` })
  sasl_enabled_mechanisms!: string[];

  @IsString({ message: 'must be text' })
  @Matches(/^(?:\s*[^:,\s]+:[^,]+(?:,\s*[^:,\s]+:[^,]+)*)?\s*$/, { message: 'must be a comma list of name:password' })
  sasl_users!: string;

  @IsString({ message: 'must be a directory path' })
  sasl_users_dir!: string;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(0, { message: 'must be 0 (never) or a duration' })
  @Max(INT32_MAX, { message: `must be at most ${INT32_MAX}ms` })
  connections_max_reauth_ms!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(0, { message: 'must be at least 0ms' })
  @Max(FAILED_AUTH_DELAY_MAX_MS, { message: `must be at most ${FAILED_AUTH_DELAY_MAX_MS / 1000}s` })
  connection_failed_authentication_delay_ms!: number;

  @IsString({ message: 'must be a file: URL' })
  @Matches(/^(?:file:.+)?$/, { message: 'must be a file: URL of a JWKS document (Blink reads the keys from a file)' })
  sasl_oauthbearer_jwks_endpoint_url!: string;

  @IsString({ message: 'must be text' })
  sasl_oauthbearer_expected_issuer!: string;

  @IsArray({ message: 'must be a list of audiences' })
  @IsString({ each: true, message: 'must list audiences' })
  sasl_oauthbearer_expected_audience!: string[];

  @IsString({ message: 'must be a claim name' })
  @IsNotEmpty({ message: 'must be a claim name' })
  sasl_oauthbearer_sub_claim_name!: string;

  @IsString({ message: 'must be a claim name' })
  @IsNotEmpty({ message: 'must be a claim name' })
  sasl_oauthbearer_scope_claim_name!: string;

  @IsInt({ message: 'must be a whole number of seconds' })
  @Min(0, { message: 'must be at least 0' })
  @Max(OAUTHBEARER_CLOCK_SKEW_MAX_SECONDS, { message: `must be at most ${OAUTHBEARER_CLOCK_SKEW_MAX_SECONDS}` })
  sasl_oauthbearer_clock_skew_seconds!: number;

  @IsArray({ message: 'must be a list of scopes' })
  @IsString({ each: true, message: 'must list scopes' })
  sasl_oauthbearer_unsecured_validator_required_scope!: string[];

  @IsString({ message: 'must be text' })
  delegation_token_secret_key!: string;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be a positive duration' })
  delegation_token_max_lifetime_ms!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be a positive duration' })
  delegation_token_expiry_time_ms!: number;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1000, { message: 'must be at least 1s' })
  @Max(INT32_MAX, { message: `must be at most ${INT32_MAX}ms` })
  delegation_token_expiry_check_interval_ms!: number;

  @IsBoolean({ message: 'must be true or false' })
  authorizer_enabled!: boolean;

  @IsArray({ message: 'must be a list of principals' })
  @Matches(PRINCIPAL, { each: true, message: 'must list principals of the form Type:name (User:alice)' })
  super_users!: string[];

  @IsBoolean({ message: 'must be true or false' })
  allow_everyone_if_no_acl_found!: boolean;

  @Matches(PRINCIPAL, { message: 'must be a principal of the form Type:name (User:admin)' })
  admin_token_principal!: string;
  // The uplink (uplink-settings.ts has the rules that join these keys).
  @IsArray({ message: 'must be a list of host:port' })
  @IsString({ each: true, message: 'must list host:port entries' })
  uplink_bootstrap_servers!: string[];

  @IsArray({ message: 'must be a list of topic names or patterns' })
  @IsString({ each: true, message: 'must list topic names or patterns' })
  @IsNotEmpty({ each: true, message: 'must not list empty patterns' })
  uplink_topics!: string[];

  @IsString({ message: 'must be text' })
  uplink_topic_prefix!: string;

  @IsString({ message: 'must be text' })
  @IsNotEmpty({ message: 'must not be empty' })
  uplink_client_id!: string;

  @IsIn(UPLINK_SECURITY_PROTOCOLS, { message: `must be one of ${UPLINK_SECURITY_PROTOCOLS.join(', ')}` })
  uplink_security_protocol!: UplinkSecurityProtocol;

  @IsIn(UPLINK_SASL_MECHANISMS, { message: `must be one of ${UPLINK_SASL_MECHANISMS.join(', ')}` })
  uplink_sasl_mechanism!: UplinkSaslMechanism;

  @IsString({ message: 'must be text' })
  uplink_sasl_username!: string;

  @IsString({ message: 'must be text' })
  uplink_sasl_password!: string;

  @IsString({ message: 'must be a file path' })
  uplink_sasl_password_file!: string;

  @IsString({ message: 'must be a file path' })
  uplink_ssl_ca_file!: string;

  @IsString({ message: 'must be a file path' })
  uplink_ssl_certificate_file!: string;

  @IsString({ message: 'must be a file path' })
  uplink_ssl_key_file!: string;

  @IsBoolean({ message: 'must be true or false' })
  uplink_ssl_verify_hostname!: boolean;

  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(UPLINK_BATCH_MIN, { message: `must be at least ${UPLINK_BATCH_MIN / 1024}KB` })
  @Max(INT32_MAX, { message: `must be at most ${INT32_MAX} bytes (Kafka sizes are 32-bit)` })
  uplink_batch_max_bytes!: number;

  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: `must be between 1 and ${UPLINK_IN_FLIGHT_MAX}` })
  @Max(UPLINK_IN_FLIGHT_MAX, { message: `must be between 1 and ${UPLINK_IN_FLIGHT_MAX}` })
  uplink_max_in_flight!: number;

  @IsIn(UPLINK_UNMIRRORED_POLICIES, { message: `must be one of ${UPLINK_UNMIRRORED_POLICIES.join(', ')}` })
  uplink_unmirrored!: UplinkUnmirroredPolicy;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(UPLINK_GROUP_SYNC_MIN_MS, { message: `must be at least ${UPLINK_GROUP_SYNC_MIN_MS}ms` })
  @Max(UPLINK_GROUP_SYNC_MAX_MS, { message: 'must be at most 1h' })
  uplink_group_sync_interval!: number;
}

export type SettingKey = keyof SettingsDto;
