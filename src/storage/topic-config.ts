/**
 * Per-topic configuration: the Kafka topic configs Blink understands, their defaults
 * (some derived from the broker settings) and validation of overrides from CreateTopics.
 */
export interface TopicConfigDefaults {
  readonly retentionMs: number;
  readonly messageMaxBytes: number;
  readonly segmentBytes: number;
  readonly segmentMs: number;
}

type Validator = (value: string) => boolean;

/** Kafka's Long.MAX_VALUE default: no bound. */
const LONG_MAX = '9223372036854775807';

const isLong: Validator = (v) => /^-?\d+$/.test(v);
const isPositiveLong: Validator = (v) => /^\d+$/.test(v) && Number(v) > 0;
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
  List = 7,
}

interface TopicConfigDefinition {
  readonly validate: Validator;
  readonly type: ConfigType;
}

/** Kafka topic configs accepted by CreateTopics, with how their values are checked. */
const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDefinition>> = {
  'cleanup.policy': { validate: oneOf('delete'), type: ConfigType.List },
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
    ['cleanup.policy', 'delete'],
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

/** Returns a reason when the override is not acceptable, or null. */
export function validateTopicConfig(name: string, value: string | null): string | null {
  const definition = TOPIC_CONFIGS[name];
  if (definition === undefined) return `unknown topic config '${name}'`;
  if (value === null || !definition.validate(value)) return `invalid value '${value}' for topic config '${name}'`;
  return null;
}
