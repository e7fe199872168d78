import { resolve } from 'node:path';
import { validateSync } from 'class-validator';
import { REDACTED, type BlinkConfig } from './blink-config.js';
import { parseCommandLine } from './command-line.js';
import { SETTING_DEFINITIONS, SETTING_KEYS } from './setting-definitions.js';
import { readSettingsFile, type SettingsFile } from './settings-file.js';
import { SettingsDto, type SettingKey } from './settings.dto.js';
import { InvalidSettingValue, showValue } from './units.js';
import { toUplinkConfig, uplinkProblems } from './uplink-settings.js';

export interface LoadSettingsInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** Every problem found at boot, one per line, so an operator fixes them all in one go. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';

  constructor(
    sourcesLabel: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid settings (${sourcesLabel} + environment):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
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
  const file = readSettingsFile(commandLine.settingsPath, input.cwd);
  const merged = mergeSources(file, input.env);
  const problems = [
    ...commandLine.problems,
    ...merged.problems,
    ...portClashProblems(merged),
    ...heartbeatProblems(merged),
    ...crossUplinkProblems(merged),
    ...file.problems,
  ];
  if (problems.length > 0) throw new SettingsError(file.label, problems);
  return toBlinkConfig(merged.dto, file.absolutePath, input.cwd);
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

/** The REST listener and a Kafka listener cannot bind the same port. */
function portClashProblems({ dto, sources, rejected }: MergedSettings): string[] {
  if (rejected.has('rest_port') || rejected.has('broker_ports')) return [];
  if (!dto.broker_ports.includes(dto.rest_port)) return [];
  return [
    `rest_port (${sources.rest_port}): ${dto.rest_port} clashes with broker_ports (${sources.broker_ports})`,
  ];
}

/** The uplink's rules that join several keys, once each key is valid on its own. */
function crossUplinkProblems({ dto, rejected }: MergedSettings): string[] {
  if ([...rejected].some((key) => key.startsWith('uplink_'))) return [];
  return uplinkProblems(dto);
}

function toBlinkConfig(dto: SettingsDto, settingsFile: string | null, cwd: string): BlinkConfig {
  const config: BlinkConfig = {
    maxMemoryBytes: dto.max_memory,
    retentionMs: dto.retention,
    brokerPorts: frozen([...dto.broker_ports]),
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
    adminToken: dto.admin_token === '' ? null : dto.admin_token,
    uplink: toUplinkConfig(dto, cwd),
    settingsFile,
  };
  return Object.freeze(config);
}

function frozen<T>(items: T[]): T[] {
  Object.freeze(items);
  return items;
}
