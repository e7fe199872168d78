/**
 * Drivers for the Go clients: one binary per client library (test/e2e/clients/go/cmd/*),
 * built by tools/test-deps/go.sh into .cache/go/bin/, run as a child process per operation
 * with the JSON protocol of the Python drivers (see json-driver.ts).
 *
 * - franz-go 1.22 (kgo + kadm): every op; negotiates versions from ApiVersions.
 * - sarama 1.61 (IBM/sarama): `version` is its Config.Version (a Kafka version string,
 *   default 3.6.0: ApiVersions, then each request at most the broker's max). Legacy
 *   versions pin the message format: 0.8.2 → Produce v0 / magic 0 / Fetch v0; 0.10.0 →
 *   Produce v2 / magic 1 / Fetch v2.
 * - kafka-go 0.4.51 (segmentio): negotiates versions; no idempotent producer, and no
 *   describe_group (its DescribeGroups answer has no protocol type or name).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from '../harness.js';
import type { ClientDriver, Codec } from './driver.js';
import { jsonDriver, type DriverProcess, type OptionalOp } from './json-driver.js';

export type GoClient = 'franz-go' | 'sarama' | 'kafka-go';

export interface GoDriverOptions {
  /** sarama only: the Kafka version it speaks (e.g. '3.6.0', '0.10.0.0', '0.8.2.0'). */
  version?: string;
  /** franz-go group members only: 'classic' (JoinGroup/SyncGroup) or 'consumer' (KIP-848). */
  groupProtocol?: 'classic' | 'consumer';
  /** franz-go only: a secured listener (TLS trusting `caPem`, a SASL login). */
  security?: GoSecurity;
}

export interface GoSecurity {
  protocol: 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  mechanism?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username?: string;
  password?: string;
  /** The CA certificates to trust, PEM text (SSL and SASL_SSL). */
  caPem?: string;
}

export const GO_BIN_DIR = join(REPO_ROOT, '.cache/go/bin');

const ALL_CODECS: readonly Codec[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const ADMIN_OPS: readonly OptionalOp[] = ['create_topic', 'delete_topic', 'consume', 'list_groups', 'committed_offsets', 'delete_groups'];

const OPS: Record<GoClient, readonly OptionalOp[]> = {
  'franz-go': [...ADMIN_OPS, 'describe_group', 'commit_offsets'],
  sarama: [...ADMIN_OPS, 'describe_group'],
  'kafka-go': [...ADMIN_OPS, 'commit_offsets'],
};

/** The driver binary of `client`; fails with the command to run when it is not built. */
export function goDriverBinary(client: GoClient): string {
  const binary = join(GO_BIN_DIR, client);
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run tools/test-deps/go.sh first`);
  return binary;
}

/** The command fields that carry `options` to the driver. */
export function goDriverFields(options: GoDriverOptions): Record<string, unknown> {
  return {
    ...(options.version !== undefined && { version: options.version }),
    ...(options.groupProtocol !== undefined && { group_protocol: options.groupProtocol }),
    ...(options.security !== undefined && { security: goSecurity(options.security) }),
  };
}

function goSecurity({ protocol, mechanism, username, password, caPem }: GoSecurity): Record<string, unknown> {
  return { protocol, mechanism, username, password, ca_pem: caPem };
}

function driverProcess(client: GoClient, options: GoDriverOptions): DriverProcess {
  const label = options.version === undefined ? client : `${client} (Kafka ${options.version})`;
  return { label, command: goDriverBinary(client), args: [], options: goDriverFields(options) };
}

export function goDriver(client: GoClient, bootstrap: string, options: GoDriverOptions = {}): ClientDriver {
  return jsonDriver(
    {
      name: client,
      process: driverProcess(client, options),
      codecs: ALL_CODECS,
      idempotence: client !== 'kafka-go',
      ops: OPS[client],
    },
    bootstrap,
  );
}
