/**
 * Per-topic configuration: the Kafka topic configs Blink understands, their defaults
 * (some derived from the broker settings) and validation of overrides from CreateTopics.
 */
import type { BlinkConfig } from '../config/settings.js';
export interface TopicConfigDefaults {
  readonly retentionMs: number;
  readonly messageMaxBytes: number;
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly cleanupPolicy: string;
  readonly minCleanableRatio: number;
}

/** Kafka's Long.MAX_VALUE default (max.compaction.lag.ms, message.timestamp.*.max.ms): no bound. */
export const LONG_MAX = '9223372036854775807';
/** Kafka's delete.retention.ms default: tombstones stay a day after their first cleaning. */
export const DELETE_RETENTION_MS_DEFAULT = 86_400_000;

/** The defaults the broker settings give. */
export function topicConfigDefaultsOf(config: BlinkConfig): TopicConfigDefaults {
  return {
    retentionMs: config.retentionMs,
    messageMaxBytes: config.messageMaxBytes,
    segmentBytes: config.segmentBytes,
    segmentMs: config.segmentMs,
    cleanupPolicy: config.logCleanupPolicy,
    minCleanableRatio: config.logCleanerMinCleanableRatio,
  };
}

type Validator = (value: string) => boolean;

const isLong: Validator = (v) => /^-?\d+$/.test(v);
const isPositiveLong: Validator = (v) => /^\d+$/.test(v) && Number(v) > 0;
const isRatio: Validator = (v) => /^\d+(\.\d+)?$/.test(v.trim()) && Number(v) >= 0 && Number(v) <= 1;
/** cleanup.policy: a comma list of `compact` and `delete`, at least one (Kafka's ValidList). */
const isCleanupPolicy: Validator = (v) => {
  const items = v.split(',').map((item) => item.trim());
  return items.length > 0 && items.every((item) => item === 'compact' || item === 'delete');
};
const oneOf =
  (...values: string[]): Validator =>
  (v) =>
    values.includes(v);

/** DescribeConfigs v3+ config_type values (Kafka's ConfigDef.Type order). */
export const enum ConfigType {
  Boolean = 1,
  String = 2,
  Int = 3,
  Long = 5,
  Double = 6,
  List = 7,
}

interface TopicConfigDefinition {
  readonly validate: Validator;
  readonly type: ConfigType;
}

/** Kafka topic configs accepted by CreateTopics, with how their values are checked. */
const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDefinition>> = {
  'cleanup.policy': { validate: isCleanupPolicy, type: ConfigType.List },
  'min.cleanable.dirty.ratio': { validate: isRatio, type: ConfigType.Double },
  'min.compaction.lag.ms': { validate: (v) => isLong(v) && Number(v) >= 0, type: ConfigType.Long },
  'max.compaction.lag.ms': { validate: (v) => isLong(v) && Number(v) >= 1, type: ConfigType.Long },
  'delete.retention.ms': { validate: (v) => isLong(v) && Number(v) >= 0, type: ConfigType.Long },
  'retention.ms': { validate: (v) => isLong(v) && Number(v) >= -1, type: ConfigType.Long },
  'retention.bytes': { validate: (v) => isLong(v) && Number(v) >= -1, type: ConfigType.Long },
  'max.message.bytes': { validate: isPositiveLong, type: ConfigType.Int },
  'message.timestamp.type': { validate: oneOf('CreateTime', 'LogAppendTime'), type: ConfigType.String },
  // KIP-937 (Kafka 3.6+): how far a CreateTime record's timestamp may lie before / after the broker's clock.
  'message.timestamp.before.max.ms': { validate: (v) => isLong(v) && Number(v) >= 0, type: ConfigType.Long },
  'message.timestamp.after.max.ms': { validate: (v) => isLong(v) && Number(v) >= 0, type: ConfigType.Long },
  // Kafka's floor for segment.bytes is 14 bytes; a segment of one small batch is pointless, 1 KiB is ours.
  'segment.bytes': { validate: (v) => isPositiveLong(v) && Number(v) >= 1024 && Number(v) <= 2_147_483_647, type: ConfigType.Int },
  'segment.ms': { validate: isPositiveLong, type: ConfigType.Long },
  'compression.type': { validate: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'), type: ConfigType.String },
  'min.insync.replicas': { validate: (v) => v === '1', type: ConfigType.Int },
  // false: Fetch v0-3 (clients that read only legacy message sets) get UNSUPPORTED_VERSION.
  // Kafka parses booleans case-insensitively.
  'message.downconversion.enable': { validate: (v) => /^(true|false)$/i.test(v.trim()), type: ConfigType.Boolean },
};

export function isKnownTopicConfig(name: string): boolean {
  return Object.hasOwn(TOPIC_CONFIGS, name);
}

/** List-typed configs (IncrementalAlterConfigs APPEND/SUBTRACT apply only to these). */
export function isListConfig(name: string): boolean {
  return TOPIC_CONFIGS[name]?.type === ConfigType.List;
}

export function topicConfigType(name: string): ConfigType {
  return TOPIC_CONFIGS[name]?.type ?? ConfigType.String;
}

export function defaultTopicConfigs(defaults: TopicConfigDefaults): Map<string, string> {
  return new Map([
    ['cleanup.policy', defaults.cleanupPolicy],
    ['min.cleanable.dirty.ratio', String(defaults.minCleanableRatio)],
    ['min.compaction.lag.ms', '0'],
    ['max.compaction.lag.ms', LONG_MAX],
    ['delete.retention.ms', String(DELETE_RETENTION_MS_DEFAULT)],
    ['retention.ms', String(defaults.retentionMs)],
    ['retention.bytes', '-1'],
    ['max.message.bytes', String(defaults.messageMaxBytes)],
    ['message.timestamp.type', 'CreateTime'],
    ['message.timestamp.before.max.ms', LONG_MAX],
    ['message.timestamp.after.max.ms', LONG_MAX],
    ['segment.bytes', String(defaults.segmentBytes)],
    ['segment.ms', String(defaults.segmentMs)],
    ['compression.type', 'producer'],
    ['min.insync.replicas', '1'],
    ['message.downconversion.enable', 'true'],
  ]);
}

/** cleanup.policy names `compact`: the log cleaner keeps the latest record of each key, and records need a key. */
export function isCompacted(configs: ReadonlyMap<string, string>): boolean {
  return hasPolicy(configs, 'compact');
}

/** cleanup.policy names `delete`: time and size retention (retention.ms, retention.bytes) and purge_on_fetch apply. */
export function deletesByRetention(configs: ReadonlyMap<string, string>): boolean {
  return hasPolicy(configs, 'delete');
}

/**
 * How old a segment (or the memory tier's head) may get before it rolls: segment.ms, and for a
 * compacted topic at most max.compaction.lag.ms, so that no record stays uncleanable in the
 * head longer than that (KIP-354).
 */
export function rollAfterMs(configs: ReadonlyMap<string, string>): number {
  const segmentMs = Number(configs.get('segment.ms'));
  return isCompacted(configs) ? Math.min(segmentMs, Number(configs.get('max.compaction.lag.ms'))) : segmentMs;
}

/** Whether cleanup.policy lists `item`; asked at every append, so a one-item policy is answered without splitting it. */
function hasPolicy(configs: ReadonlyMap<string, string>, item: string): boolean {
  const policy = configs.get('cleanup.policy') ?? 'delete';
  if (policy === item) return true;
  if (!policy.includes(item)) return false;
  return policy.split(',').some((listed) => listed.trim() === item);
}

/** Returns a reason when the override is not acceptable, or null. */
export function validateTopicConfig(name: string, value: string | null): string | null {
  const definition = TOPIC_CONFIGS[name];
  if (definition === undefined) return `unknown topic config '${name}'`;
  if (value === null || !definition.validate(value)) return `invalid value '${value}' for topic config '${name}'`;
  return null;
}
