import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { validateSync } from 'class-validator';
import { REDACTED, type BlinkConfig, type SaslMechanism, type SaslUser } from './blink-config.js';
import { parseListeners, type ListenerConfig } from './listeners.js';
import { InvalidMappingRules, parsePrincipalMappingRules } from '../common/ssl-principal-mapping.js';
import { parseCommandLine } from './command-line.js';
import { SETTING_DEFINITIONS, SETTING_KEYS } from './setting-definitions.js';
import { readSettingsFile, settingsFromValues, type SettingsFile } from './settings-file.js';
import { SettingsDto, type SettingKey } from './settings.dto.js';
import { InvalidSettingValue, showValue } from './units.js';
import { toUplinkConfig, uplinkProblems } from './uplink-settings.js';

export interface LoadSettingsInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /**
   * Values given by a program (`startBlink({...})`) under their settings.yaml names: they take
   * the place of the YAML file (unknown keys are problems as in a file), and the default file
   * is not read. The environment still applies unless the caller passes an empty `env`.
   */
  readonly values?: { readonly label: string; readonly settings: Readonly<Record<string, unknown>> };
}

/** Every problem found at boot, one per line, so an operator fixes them all in one go. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';

  constructor(
    sourcesLabel: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid settings (${sourcesLabel}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The merged settings, with where each value came from ("default", the file, "env MAX_MEMORY"). */
interface MergedSettings {
  readonly dto: SettingsDto;
  readonly sources: Readonly<Record<SettingKey, string>>;
  readonly problems: readonly string[];
  readonly rejected: ReadonlySet<SettingKey>;
}

/**
 * Built-in defaults < YAML file < environment, converted, validated with `SettingsDto` and
 * cross-field rules, then mapped to a frozen `BlinkConfig`. Reads only the YAML file; throws
 * one `SettingsError` listing every problem.
 */
export function loadSettings(input: LoadSettingsInput): BlinkConfig {
  const commandLine = parseCommandLine(input.argv);
  const file = input.values === undefined ? readSettingsFile(commandLine.settingsPath, input.cwd) : settingsFromValues(input.values.settings, input.values.label);
  const merged = mergeSources(file, input.env);
  const { listeners, problems: listenerProblems } = listenersOf(merged);
  const problems = [
    ...commandLine.problems,
    ...merged.problems,
    ...listenerProblems,
    ...portClashProblems(merged, listeners),
    ...tlsProblems(merged.dto, listeners),
    ...mappingRuleProblems(merged),
    ...heartbeatProblems(merged),
    ...crossUplinkProblems(merged),
    ...jwksUrlProblems(merged),
    ...file.problems,
  ];
  if (problems.length > 0) throw new SettingsError(input.values === undefined ? `${file.label} + environment` : file.label, problems);
  return toBlinkConfig(merged.dto, listeners, file.absolutePath, input.cwd);
}

function mergeSources(file: SettingsFile, env: LoadSettingsInput['env']): MergedSettings {
  const dto = new SettingsDto();
  const sources = {} as Record<SettingKey, string>;
  const rejected = new Set<SettingKey>();
  const problems: string[] = [];
  for (const key of SETTING_KEYS) {
    const { raw, source } = effectiveRawValue(key, file, env);
    sources[key] = source;
    try {
      assignSetting(dto, key, raw);
    } catch (error) {
      if (!(error instanceof InvalidSettingValue)) throw error;
      rejected.add(key);
      problems.push(`${key} (${source}): ${error.message}`);
    }
  }
  for (const failure of validateSync(dto)) {
    const key = failure.property as SettingKey;
    if (rejected.has(key)) continue;
    rejected.add(key);
    const reasons = Object.values(failure.constraints ?? {}).join('; ');
    const shown = SETTING_DEFINITIONS[key].secret === true ? REDACTED : showValue(failure.value);
    problems.push(`${key} (${sources[key]}): ${shown} ${reasons}`);
  }
  return { dto, sources, problems, rejected };
}

function effectiveRawValue(
  key: SettingKey,
  file: SettingsFile,
  env: LoadSettingsInput['env'],
): { raw: unknown; source: string } {
  const { env: envName, defaultValue } = SETTING_DEFINITIONS[key];
  const envValue = env[envName];
  if (envValue !== undefined) return { raw: envValue, source: `env ${envName}` };
  if (Object.hasOwn(file.values, key)) return { raw: file.values[key], source: file.label };
  return { raw: defaultValue, source: 'default' };
}

function assignSetting<K extends SettingKey>(dto: SettingsDto, key: K, raw: unknown): void {
  if (raw === null || raw === undefined) {
    throw new InvalidSettingValue('has no value (remove the key to use the default)');
  }
  dto[key] = SETTING_DEFINITIONS[key].convert(raw);
}

/** As Kafka requires: a member must be able to heartbeat several times within its session. */
function heartbeatProblems({ dto, sources, rejected }: MergedSettings): string[] {
  if (rejected.has('group_consumer_session_timeout') || rejected.has('group_consumer_heartbeat_interval')) return [];
  if (dto.group_consumer_heartbeat_interval < dto.group_consumer_session_timeout) return [];
  return [
    `group_consumer_heartbeat_interval (${sources.group_consumer_heartbeat_interval}): ${dto.group_consumer_heartbeat_interval} must be shorter than ` +
      `group_consumer_session_timeout (${sources.group_consumer_session_timeout}): ${dto.group_consumer_session_timeout}`,
  ];
}

const LISTENER_KEYS: readonly SettingKey[] = ['listeners', 'advertised_listeners', 'listener_security_protocol_map', 'broker_ports'];

function listenersOf({ dto, rejected }: MergedSettings): { listeners: ListenerConfig[]; problems: string[] } {
  if (LISTENER_KEYS.some((key) => rejected.has(key))) return { listeners: [], problems: [] };
  return parseListeners({
    listeners: dto.listeners,
    advertisedListeners: dto.advertised_listeners,
    protocolMap: dto.listener_security_protocol_map,
    brokerPorts: dto.broker_ports,
    kafkaHostname: dto.kafka_hostname,
    advertisedHostname: dto.advertised_hostname,
  });
}

/** The REST listener and a Kafka listener cannot bind the same port (0 is not a port: the OS picks one per listener). */
function portClashProblems({ dto, sources, rejected }: MergedSettings, listeners: readonly ListenerConfig[]): string[] {
  if (rejected.has('rest_port') || dto.rest_port === 0 || !listeners.some((listener) => listener.port === dto.rest_port)) return [];
  const kafkaSource = dto.listeners === '' ? `broker_ports (${sources.broker_ports})` : `listeners (${sources.listeners})`;
  return [`rest_port (${sources.rest_port}): ${dto.rest_port} clashes with ${kafkaSource}`];
}

/** A TLS listener needs a certificate and its key; client authentication needs the CA to check against. */
function tlsProblems(dto: SettingsDto, listeners: readonly ListenerConfig[]): string[] {
  const tls = listeners.filter((listener) => listener.securityProtocol === 'SSL' || listener.securityProtocol === 'SASL_SSL');
  if (tls.length === 0) return [];
  const problems: string[] = [];
  if (dto.ssl_cert_file === '' || dto.ssl_key_file === '') {
    problems.push(`listeners: ${tls.map((l) => l.name).join(', ')} use TLS, which needs ssl_cert_file and ssl_key_file`);
  }
  if (dto.ssl_client_auth !== 'none' && dto.ssl_ca_file === '') problems.push(`ssl_client_auth: ${dto.ssl_client_auth} needs ssl_ca_file`);
  return problems;
}

function mappingRuleProblems({ dto, rejected }: MergedSettings): string[] {
  if (rejected.has('ssl_principal_mapping_rules')) return [];
  try {
    parsePrincipalMappingRules(dto.ssl_principal_mapping_rules);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidMappingRules)) throw error;
    return [`ssl_principal_mapping_rules: ${error.message}`];
  }
}

/** `name:password,…` into users; the DTO has already checked the form. */
function saslUsers(text: string): SaslUser[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const colon = entry.indexOf(':');
      return { name: entry.slice(0, colon), password: entry.slice(colon + 1) };
    });
}

function optionalPath(cwd: string, path: string): string | null {
  return path === '' ? null : resolve(cwd, path);
}

/** A file: URL that names no local file (a remote host, a bad escape) is refused at boot, not when the JWKS is read. */
function jwksUrlProblems({ dto, rejected }: MergedSettings): string[] {
  if (rejected.has('sasl_oauthbearer_jwks_endpoint_url') || dto.sasl_oauthbearer_jwks_endpoint_url === '') return [];
  try {
    fileURLToPath(dto.sasl_oauthbearer_jwks_endpoint_url);
    return [];
  } catch (error) {
    return [`sasl_oauthbearer_jwks_endpoint_url: ${(error as Error).message}`];
  }
}

/** The uplink's rules that join several keys, once each key is valid on its own. */
function crossUplinkProblems({ dto, rejected }: MergedSettings): string[] {
  if ([...rejected].some((key) => key.startsWith('uplink_'))) return [];
  return uplinkProblems(dto);
}

function toBlinkConfig(dto: SettingsDto, listeners: ListenerConfig[], settingsFile: string | null, cwd: string): BlinkConfig {
  const config: BlinkConfig = {
    maxMemoryBytes: dto.max_memory,
    retentionMs: dto.retention,
    brokerPorts: frozen(listeners.map((listener) => listener.port)),
    restPort: dto.rest_port,
    kafkaHostname: dto.kafka_hostname,
    advertisedHostname: dto.advertised_hostname,
    recordStoragePath: resolve(cwd, dto.record_storage_path),
    purgeOnFetch: dto.purge_on_fetch,
    enableConsumerGroups: dto.enable_consumer_groups,
    groupConsumerSessionTimeoutMs: dto.group_consumer_session_timeout,
    groupConsumerHeartbeatIntervalMs: dto.group_consumer_heartbeat_interval,
    pluginPaths: frozen(dto.plugin_paths.map((pluginPath) => resolve(cwd, pluginPath))),
    pluginRejectMode: dto.plugin_reject_mode,
    pluginTimeoutMs: dto.plugin_timeout,
    pluginMaxMemoryBytes: dto.plugin_max_memory,
    defaultNumPartitions: dto.kafka_cfg_num_partitions,
    autoCreateTopics: dto.auto_create_topics,
    messageMaxBytes: dto.message_max_bytes,
    logLevel: dto.log_level,
    storageMode: dto.storage_mode,
    fsyncPolicy: dto.fsync,
    fsyncIntervalMs: dto.fsync_interval,
    segmentBytes: dto.segment_bytes,
    segmentMs: dto.segment_ms,
    transactionMaxTimeoutMs: dto.transaction_max_timeout_ms,
    transactionalIdExpirationMs: dto.transactional_id_expiration_ms,
    logCleanupPolicy: dto.log_cleanup_policy,
    logCleanerMinCleanableRatio: dto.log_cleaner_min_cleanable_ratio,
    logCleanerBackoffMs: dto.log_cleaner_backoff,
    metricsMaxEntities: dto.metrics_max_entities,
    quotaWindowNum: dto.quota_window_num,
    quotaWindowSizeMs: dto.quota_window_size,
    telemetryMaxBytes: dto.telemetry_max_bytes,
    clientMetricsMaxSeries: dto.client_metrics_max_series,
    connectionsMaxIdleMs: dto.connections_max_idle_ms,
    requestTimeoutMs: dto.request_timeout_ms,
    maxConnections: dto.max_connections,
    maxConnectionsPerIp: dto.max_connections_per_ip,
    maxConnectionsPerIpOverrides: Object.freeze(parseConnectionOverrides(dto.max_connections_per_ip_overrides)),
    queuedMaxRequestBytes: dto.queued_max_request_bytes,
    adminToken: dto.admin_token === '' ? null : dto.admin_token,
    listeners: frozen(listeners.map((listener) => Object.freeze(listener))),
    listenerSettings: Object.freeze({
      listeners: dto.listeners,
      advertisedListeners: dto.advertised_listeners,
      protocolMap: dto.listener_security_protocol_map,
    }),
    ssl: Object.freeze({
      certFile: optionalPath(cwd, dto.ssl_cert_file),
      keyFile: optionalPath(cwd, dto.ssl_key_file),
      caFile: optionalPath(cwd, dto.ssl_ca_file),
      clientAuth: dto.ssl_client_auth,
      principalMappingRules: dto.ssl_principal_mapping_rules,
    }),
    sasl: Object.freeze({
      enabledMechanisms: frozen(dto.sasl_enabled_mechanisms as SaslMechanism[]),
      users: frozen(saslUsers(dto.sasl_users)),
      usersDir: optionalPath(cwd, dto.sasl_users_dir),
      maxReauthMs: dto.connections_max_reauth_ms,
      failedAuthenticationDelayMs: dto.connection_failed_authentication_delay_ms,
      oauthBearer: Object.freeze({
        jwksFile: dto.sasl_oauthbearer_jwks_endpoint_url === '' ? null : fileURLToPath(dto.sasl_oauthbearer_jwks_endpoint_url),
        expectedIssuer: dto.sasl_oauthbearer_expected_issuer === '' ? null : dto.sasl_oauthbearer_expected_issuer,
        expectedAudience: frozen(dto.sasl_oauthbearer_expected_audience),
        subClaimName: dto.sasl_oauthbearer_sub_claim_name,
        scopeClaimName: dto.sasl_oauthbearer_scope_claim_name,
        clockSkewMs: dto.sasl_oauthbearer_clock_skew_seconds * 1000,
        unsecuredRequiredScope: frozen(dto.sasl_oauthbearer_unsecured_validator_required_scope),
      }),
      delegationTokens: Object.freeze({
        secretKey: dto.delegation_token_secret_key === '' ? null : dto.delegation_token_secret_key,
        maxLifetimeMs: dto.delegation_token_max_lifetime_ms,
        expiryTimeMs: dto.delegation_token_expiry_time_ms,
        expiryCheckIntervalMs: dto.delegation_token_expiry_check_interval_ms,
      }),
    }),
    authorizerEnabled: dto.authorizer_enabled,
    superUsers: frozen(dto.super_users),
    allowEveryoneIfNoAclFound: dto.allow_everyone_if_no_acl_found,
    adminTokenPrincipal: dto.admin_token_principal,
    uplink: toUplinkConfig(dto, cwd),
    settingsFile,
  };
  return Object.freeze(config);
}

/** "10.0.0.1:200,::1:50" as { '10.0.0.1': 200, '::1': 50 }: the count follows the last colon (IPv6 addresses have colons). */
function parseConnectionOverrides(text: string): Record<string, number> {
  const entries = text.split(',').filter((entry) => entry !== '');
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.lastIndexOf(':')), Number(entry.slice(entry.lastIndexOf(':') + 1))]));
}

function frozen<T>(items: T[]): T[] {
  Object.freeze(items);
  return items;
}
