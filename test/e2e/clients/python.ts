/**
 * Drivers for the Python clients, each run as a child process per operation
 * (kafka_python_client.py, confluent_client.py; JSON protocol in driver_common.py, see
 * json-driver.ts):
 *
 * - kafka-python 2.0.2 and confluent-kafka 1.7.0 (librdkafka 2.0.2) from Debian's apt,
 *   run by Debian's interpreter;
 * - confluent-kafka-2: confluent-kafka 2.x from PyPI (bundles a recent librdkafka) in the
 *   venv that tools/test-deps/python.sh creates, running the same confluent_client.py.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { CLIENTS_DIR, REPO_ROOT } from '../harness.js';
import type { ClientDriver } from './driver.js';
import { jsonDriver, type DriverProcess, type OptionalOp } from './json-driver.js';

export type PythonClient = 'kafka-python' | 'confluent-kafka' | 'confluent-kafka-2';

/**
 * Debian's interpreter, where apt installs python3-kafka and python3-confluent-kafka
 * (a pyenv or venv `python3` earlier on PATH would not see them).
 */
const DEBIAN_PYTHON = '/usr/bin/python3';
/** The venv of tools/test-deps/python.sh. */
export const VENV_PYTHON = join(REPO_ROOT, '.cache/py/venv/bin/python');

const INTERPRETERS: Record<PythonClient, string> = {
  'kafka-python': DEBIAN_PYTHON,
  'confluent-kafka': DEBIAN_PYTHON,
  'confluent-kafka-2': VENV_PYTHON,
};

const SCRIPTS: Record<PythonClient, string> = {
  'kafka-python': 'kafka_python_client.py',
  'confluent-kafka': 'confluent_client.py',
  'confluent-kafka-2': 'confluent_client.py',
};

const GROUP_READ_OPS: readonly OptionalOp[] = ['list_groups', 'describe_group', 'committed_offsets'];
const OPS: Record<PythonClient, readonly OptionalOp[]> = {
  'kafka-python': ['create_topic', 'delete_topic', 'consume', ...GROUP_READ_OPS, 'delete_groups', 'commit_offsets'],
  // confluent-kafka 1.7.0's AdminClient has no delete_consumer_groups (and the driver
  // commits offsets without a group only through kafka-python).
  'confluent-kafka': ['create_topic', 'delete_topic', 'consume', ...GROUP_READ_OPS],
  // confluent-kafka 2.x: delete_consumer_groups, alter_consumer_group_offsets.
  'confluent-kafka-2': ['create_topic', 'delete_topic', 'consume', ...GROUP_READ_OPS, 'delete_groups', 'commit_offsets'],
};

/** Extra command fields per driver: e.g. kafka-python's api_version ([0, 10] for the legacy message format). */
export type PythonDriverOptions = Readonly<Record<string, unknown>>;

/** The interpreter and script that run `client`'s driver (long-lived group members use it directly). */
export function pythonDriverCommand(client: PythonClient): [interpreter: string, script: string] {
  const interpreter = INTERPRETERS[client];
  if (interpreter === VENV_PYTHON && !existsSync(interpreter)) throw new Error(`${interpreter} is missing: run tools/test-deps/python.sh first`);
  return [interpreter, join(CLIENTS_DIR, SCRIPTS[client])];
}

function driverProcess(client: PythonClient, options: PythonDriverOptions): DriverProcess {
  const [interpreter, script] = pythonDriverCommand(client);
  return { label: client, command: interpreter, args: [script], options };
}

export function pythonDriver(client: PythonClient, bootstrap: string, options: PythonDriverOptions = {}): ClientDriver {
  return jsonDriver(
    {
      name: client,
      process: driverProcess(client, options),
      codecs: ['gzip', 'snappy', 'lz4', 'zstd'],
      // kafka-python 2.0.2 implements no InitProducerId: no idempotent or transactional producer.
      idempotence: client !== 'kafka-python',
      ops: OPS[client],
    },
    bootstrap,
  );
}
