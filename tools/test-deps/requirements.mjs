/**
 * What the test suites need from the machine, one entry per requirement: how to see that it
 * is there (probe), what installs it (Debian packages, an install script of ours), and what a
 * person runs when this process cannot install it. ensure.mjs reads this list; README.md beside
 * it describes the entry shape. Adding a tool a test needs = adding one entry here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Debian interpreter: the apt client modules are installed for it, not for a pyenv or venv python. */
const PYTHON = '/usr/bin/python3';

/** A probe that passes when every command exists on PATH. */
const commands = (...names) => ['sh', '-c', names.map((name) => `command -v ${name} >/dev/null`).join(' && ')];

/** A probe that passes when /usr/bin/python3 imports every module. */
const pythonImports = (...modules) => [PYTHON, '-c', `import ${modules.join(', ')}`];

/**
 * The disk-full test mounts a 3 MiB tmpfs as the WAL directory (and remounts it bigger): that
 * needs root with CAP_SYS_ADMIN. Tried for real, since being uid 0 in a container is not enough.
 */
function canMountTmpfs(run) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blink-test-deps-mount-'));
    try {
      const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
      if (mounted.code !== 0) return `mount -t tmpfs failed: ${mounted.output.trim() || `exit ${mounted.code}`}`;
      const unmounted = await run('umount', [dir]);
      return unmounted.code === 0 ? null : `umount failed: ${unmounted.output.trim()}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** The project's Node 24 comes from the `node` devDependency, whose install script must have run. */
function projectNode(run, repoRoot) {
  return async () => {
    const node = join(repoRoot, 'node_modules/.bin/node');
    const result = await run(node, ['--version']);
    if (result.code !== 0) return `${node} does not run: ${result.output.trim()}`;
    return /^v24\./.test(result.output.trim()) ? null : `${node} is ${result.output.trim()}, not v24`;
  };
}

/**
 * @param {{ run: (cmd: string, args: string[]) => Promise<{ code: number, output: string }>, repoRoot: string }} context
 * @returns {import('./ensure.mjs').Requirement[]}
 */
export function requirements({ run, repoRoot }) {
  return [
    {
      name: 'Node.js 24 (the node devDependency)',
      suites: ['unit', 'medium', 'e2e', 'deploy', 'bench'],
      usedBy: 'every test and bench: the broker and the test runner run on Node 24',
      probe: projectNode(run, repoRoot),
      fix: 'npm ci   # the "node" devDependency installs Node 24 (its install script is allowed in package.json allowScripts)',
    },
    {
      name: 'kcat',
      suites: ['e2e', 'bench'],
      usedBy: 'kcat.test, fetch-semantics, admin*, broker-process, groups-*',
      probe: ['kcat', '-V'],
      apt: ['kcat'],
    },
    {
      name: 'kafka-python and confluent-kafka with every codec',
      suites: ['e2e'],
      // xxhash: kafka-python writes magic-0 lz4 (api_version 0.9) with the KAFKA-3160 header checksum through it.
      usedBy: 'kafka-python.test, confluent-kafka.test, legacy-formats, fetch-semantics, storage-durable, groups-*',
      probe: pythonImports('kafka', 'confluent_kafka', 'snappy', 'lz4.frame', 'zstandard', 'xxhash'),
      apt: ['python3', 'python3-kafka', 'python3-confluent-kafka', 'python3-snappy', 'python3-lz4', 'python3-zstandard', 'python3-xxhash'],
    },
    {
      name: 'Chromium and its fonts',
      suites: ['e2e'],
      usedBy: 'admin-dashboard.test, admin-rest-token.test (headless /usr/bin/chromium)',
      probe: ['sh', '-c', "test -x /usr/bin/chromium && dpkg-query -W -f='${db:Status-Abbrev}' fonts-liberation | grep -q '^ii'"],
      apt: ['chromium', 'fonts-liberation'],
    },
    {
      name: 'promtool',
      suites: ['e2e', 'deploy'],
      usedBy: 'admin-alerts.test (the alert rules through the real PromQL engine), check:deploy',
      probe: ['promtool', '--version'],
      apt: ['prometheus'],
    },
    {
      name: 'a C compiler',
      suites: ['unit', 'deploy'],
      usedBy: 'the CRC-32C addon `npm run build` compiles (tools/build-native.mjs): crc32c-native.test, check:deploy\'s image build',
      probe: ['sh', '-c', 'printf "#include <string.h>\\n" | cc -fsyntax-only -x c -'],
      apt: ['gcc', 'libc6-dev'],
    },
    {
      name: 'a C compiler and librdkafka\'s headers',
      suites: ['bench'],
      usedBy: 'the benches\' load generator (bench/loadgen.c, built by bench/lib.mjs buildLoadgen)',
      probe: ['sh', '-c', 'command -v cc >/dev/null && pkg-config --exists rdkafka'],
      apt: ['gcc', 'libc6-dev', 'pkg-config', 'librdkafka-dev'],
    },
    {
      name: 'root, to mount a tmpfs',
      suites: ['e2e'],
      usedBy: 'storage-disk-full.test (a 3 MiB tmpfs is the full disk)',
      probe: canMountTmpfs(run),
      fix: 'sudo npm run test:e2e   # as root with CAP_SYS_ADMIN (in a container: --privileged or --cap-add SYS_ADMIN)',
    },
    {
      name: 'docker-compose, systemd-analyze and openssl',
      suites: ['deploy'],
      usedBy: 'check:deploy (docker compose config, systemd-analyze verify, the throwaway certificates of deploy/docker/dev-certs.sh)',
      probe: commands('docker-compose', 'systemd-analyze', 'openssl'),
      apt: ['docker-compose', 'systemd', 'openssl'],
    },
    {
      name: 'JVM clients (tools/test-deps/jvm.sh)',
      suites: ['e2e', 'bench'],
      usedBy: 'the Java client tests (Kafka\'s own clients from Maven Central); the Apache Kafka broker of the tests and benches',
      probe: commands('java', 'javac', 'mvn'),
      apt: ['default-jdk-headless', 'maven'],
      script: 'tools/test-deps/jvm.sh',
    },
    {
      name: 'Go clients (tools/test-deps/go.sh)',
      suites: ['e2e'],
      usedBy: 'the Go client tests (franz-go, sarama, kafka-go from the Go module proxy)',
      probe: commands('go'),
      fix: 'put Go >= 1.26 on PATH (the machine image has /usr/local/go/bin; Debian 12\'s golang-go is too old)',
      script: 'tools/test-deps/go.sh',
    },
    {
      name: 'Python client venv (tools/test-deps/python.sh)',
      suites: ['e2e'],
      usedBy: 'the tests of Python clients that Debian does not package (from PyPI)',
      // python.sh makes the venv with the python3 on PATH (or $PYTHON), not necessarily Debian's.
      probe: [process.env.PYTHON ?? 'python3', '-c', 'import ensurepip, venv'],
      apt: ['python3-venv'],
      script: 'tools/test-deps/python.sh',
    },
  ];
}
