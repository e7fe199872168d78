import { formatDuration, formatSize } from './units.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  pluginPaths: string[];
  defaultNumPartitions: number;
  autoCreateTopics: boolean;
  messageMaxBytes: number;
  logLevel: LogLevel;
  /** Absolute path of the YAML file that was read, or null when only defaults and env were used. */
  settingsFile: string | null;
}

/** The effective settings under their seed (settings.yaml) names, in human units, for logs and /version. */
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
    plugin_paths: [...config.pluginPaths],
    kafka_cfg_num_partitions: config.defaultNumPartitions,
    auto_create_topics: config.autoCreateTopics,
    message_max_bytes: config.messageMaxBytes,
    log_level: config.logLevel,
    settings_file: config.settingsFile,
  };
}
