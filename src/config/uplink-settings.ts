/**
 * The uplink's settings (docs/UPLINK.md): the Kafka cluster it mirrors into, which topics,
 * its own client security, its bounds, and what retention does with data not yet mirrored.
 * Off unless `uplink_bootstrap_servers` lists at least one broker. The single-key rules are
 * SettingsDto's decorators; the rules that join keys (topics needed once the uplink is on,
 * SASL credentials, certificate and key together, patterns that compile) are here, so the
 * loader reports them with every other problem in one message.
 *
 * Secrets: `uplink_sasl_password` (redacted everywhere), or `uplink_sasl_password_file`,
 * which the uplink reads on every authentication, so a rotated secret is picked up without
 * a restart. Certificate and key files are read when the uplink connects.
 */
import { resolve } from 'node:path';

/** Kafka's `security.protocol` values. */
export const UPLINK_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type UplinkSecurityProtocol = (typeof UPLINK_SECURITY_PROTOCOLS)[number];
/** SASL mechanisms the uplink's client (@platformatic/kafka) speaks with a user name and password. */
export const UPLINK_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type UplinkSaslMechanism = (typeof UPLINK_SASL_MECHANISMS)[number];
/**
 * When retention would remove data the uplink has not copied yet: `keep` holds retention at
 * the uplink's position (memory pressure offloads to the WAL; with the disk full, producers
 * get back-pressure), `drop` lets retention go on and counts what was lost
 * (blink_uplink_unmirrored_dropped_records_total).
 */
export const UPLINK_UNMIRRORED_POLICIES = ['keep', 'drop'] as const;
export type UplinkUnmirroredPolicy = (typeof UPLINK_UNMIRRORED_POLICIES)[number];

export interface UplinkSasl {
  readonly mechanism: UplinkSaslMechanism;
  readonly username: string;
  /** Set when the password is given inline; otherwise `passwordFile` is. */
  readonly password: string | null;
  readonly passwordFile: string | null;
}

export interface UplinkTls {
  /** PEM files, absolute; null: the system's trusted CAs / no client certificate. */
  readonly caFile: string | null;
  readonly certificateFile: string | null;
  readonly keyFile: string | null;
  readonly verifyHostname: boolean;
}

export interface UplinkConfig {
  /** True when `uplink_bootstrap_servers` lists a broker. */
  readonly enabled: boolean;
  /** 'host:port' entries. */
  readonly bootstrapServers: readonly string[];
  /** Names and patterns as configured; each is a regular expression that must match a whole topic name (MirrorMaker 2's rule). */
  readonly topics: readonly string[];
  /** Prepended to each topic name on the remote cluster ('' keeps the names). */
  readonly topicPrefix: string;
  readonly clientId: string;
  readonly securityProtocol: UplinkSecurityProtocol;
  /** Null unless the protocol is SASL_PLAINTEXT or SASL_SSL. */
  readonly sasl: UplinkSasl | null;
  /** Null unless the protocol is SSL or SASL_SSL. */
  readonly tls: UplinkTls | null;
  /** Largest record batch the uplink builds from small stored batches (a larger stored batch is copied alone). */
  readonly batchMaxBytes: number;
  /** Produce requests in flight to the remote cluster at once (one per partition at most). */
  readonly maxInFlight: number;
  readonly unmirrored: UplinkUnmirroredPolicy;
  /** How often committed consumer-group offsets are translated and written to the remote cluster. */
  readonly groupSyncIntervalMs: number;
}

/** The uplink settings under their settings.yaml names, as SettingsDto holds them. */
export interface UplinkSettingValues {
  readonly uplink_bootstrap_servers: readonly string[];
  readonly uplink_topics: readonly string[];
  readonly uplink_topic_prefix: string;
  readonly uplink_client_id: string;
  readonly uplink_security_protocol: UplinkSecurityProtocol;
  readonly uplink_sasl_mechanism: UplinkSaslMechanism;
  readonly uplink_sasl_username: string;
  readonly uplink_sasl_password: string;
  readonly uplink_sasl_password_file: string;
  readonly uplink_ssl_ca_file: string;
  readonly uplink_ssl_certificate_file: string;
  readonly uplink_ssl_key_file: string;
  readonly uplink_ssl_verify_hostname: boolean;
  readonly uplink_batch_max_bytes: number;
  readonly uplink_max_in_flight: number;
  readonly uplink_unmirrored: UplinkUnmirroredPolicy;
  readonly uplink_group_sync_interval: number;
}

const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
/** Kafka's topic-name limit, which a prefixed name must still meet. */
const TOPIC_NAME_MAX = 249;
const LEGAL_PREFIX = /^[a-zA-Z0-9._-]*$/;

/** The problems of settings that depend on each other (empty when the uplink is off or all is well). */
export function uplinkProblems(values: UplinkSettingValues): string[] {
  if (values.uplink_bootstrap_servers.length === 0) return [];
  return [...serverProblems(values), ...topicProblems(values), ...saslProblems(values), ...tlsProblems(values)];
}

function serverProblems(values: UplinkSettingValues): string[] {
  return values.uplink_bootstrap_servers
    .filter((server) => {
      const port = HOST_PORT.exec(server)?.[1];
      return port === undefined || Number(port) < 1 || Number(port) > 65_535;
    })
    .map((server) => `uplink_bootstrap_servers: '${server}' is not host:port (example: kafka-1.example.com:9092)`);
}

function topicProblems(values: UplinkSettingValues): string[] {
  const problems: string[] = [];
  if (values.uplink_topics.length === 0) {
    problems.push("uplink_topics: list the topics to mirror (names or patterns, e.g. ['orders', 'events\\..*'; '.*' for all) once uplink_bootstrap_servers is set");
  }
  for (const pattern of values.uplink_topics) {
    try {
      new RegExp(`^(?:${pattern})$`);
    } catch (error) {
      problems.push(`uplink_topics: '${pattern}' is not a regular expression (${(error as Error).message})`);
    }
  }
  if (!LEGAL_PREFIX.test(values.uplink_topic_prefix) || values.uplink_topic_prefix.length >= TOPIC_NAME_MAX) {
    problems.push(`uplink_topic_prefix: '${values.uplink_topic_prefix}' must be shorter than ${TOPIC_NAME_MAX} characters of [a-zA-Z0-9._-]`);
  }
  return problems;
}

function saslProblems(values: UplinkSettingValues): string[] {
  if (!values.uplink_security_protocol.startsWith('SASL_')) return [];
  const problems: string[] = [];
  if (values.uplink_sasl_username === '') problems.push(`uplink_sasl_username: needed with uplink_security_protocol ${values.uplink_security_protocol}`);
  const inline = values.uplink_sasl_password !== '';
  const fromFile = values.uplink_sasl_password_file !== '';
  if (inline === fromFile) {
    problems.push(`uplink_sasl_password / uplink_sasl_password_file: set exactly one of them with uplink_security_protocol ${values.uplink_security_protocol}`);
  }
  return problems;
}

function tlsProblems(values: UplinkSettingValues): string[] {
  const certificate = values.uplink_ssl_certificate_file !== '';
  const key = values.uplink_ssl_key_file !== '';
  return certificate === key ? [] : ['uplink_ssl_certificate_file / uplink_ssl_key_file: a client certificate needs its key, and a key its certificate'];
}

/** The typed uplink settings; file paths resolved against the working directory. */
export function toUplinkConfig(values: UplinkSettingValues, cwd: string): UplinkConfig {
  const protocol = values.uplink_security_protocol;
  const path = (file: string): string | null => (file === '' ? null : resolve(cwd, file));
  const sasl: UplinkSasl | null = protocol.startsWith('SASL_')
    ? {
        mechanism: values.uplink_sasl_mechanism,
        username: values.uplink_sasl_username,
        password: values.uplink_sasl_password === '' ? null : values.uplink_sasl_password,
        passwordFile: path(values.uplink_sasl_password_file),
      }
    : null;
  const tls: UplinkTls | null =
    protocol === 'SSL' || protocol === 'SASL_SSL'
      ? {
          caFile: path(values.uplink_ssl_ca_file),
          certificateFile: path(values.uplink_ssl_certificate_file),
          keyFile: path(values.uplink_ssl_key_file),
          verifyHostname: values.uplink_ssl_verify_hostname,
        }
      : null;
  return Object.freeze({
    enabled: values.uplink_bootstrap_servers.length > 0,
    bootstrapServers: Object.freeze([...values.uplink_bootstrap_servers]),
    topics: Object.freeze([...values.uplink_topics]),
    topicPrefix: values.uplink_topic_prefix,
    clientId: values.uplink_client_id,
    securityProtocol: protocol,
    sasl: sasl === null ? null : Object.freeze(sasl),
    tls: tls === null ? null : Object.freeze(tls),
    batchMaxBytes: values.uplink_batch_max_bytes,
    maxInFlight: values.uplink_max_in_flight,
    unmirrored: values.uplink_unmirrored,
    groupSyncIntervalMs: values.uplink_group_sync_interval,
  });
}
