/**
 * Blink as a package in someone else's project: `npm pack` the repository (dist/ as built
 * by `npm run build`), create a throwaway project in a temporary directory outside the
 * repository, `npm install` the tarball there with kafkajs and @platformatic/kafka (from
 * the npm cache when it can), then, in that project: run its node:test suite against
 * `startBlink()` (test/e2e/embedded-project/broker.test.mjs: produce/consume, consumer groups, a
 * transaction), type-check a TypeScript use
 * of the API against the shipped declarations, and drive the `blink` command (embedded
 * mode for other languages; server mode's settings check).
 * What it proves: no dev dependency and no build step at run time, types included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createInterface } from 'node:readline';
import { describeRun, NODE_BIN, REPO_ROOT, run, track, withTimeout } from './harness.js';

const PROJECT_FILES = join(REPO_ROOT, 'test/e2e/embedded-project');
const TSC = join(REPO_ROOT, 'node_modules/.bin/tsc');
/** npm itself runs on the project's Node 24 (engines), found first on PATH. */
const ENV = { PATH: `${join(REPO_ROOT, 'node_modules/node/bin')}:${process.env.PATH ?? ''}`, NO_UPDATE_NOTIFIER: '1' };
/** The project's own test run must not look like a subtest of this one (node:test marks its children with NODE_TEST_CONTEXT). */
const SUITE_ENV = Object.fromEntries(Object.entries({ ...process.env, ...ENV }).filter(([name, value]) => name !== 'NODE_TEST_CONTEXT' && value !== undefined)) as Record<string, string>;
const INSTALL_TIMEOUT_MS = 240_000;
const SUITE_TIMEOUT_MS = 120_000;
const CLI_TIMEOUT_MS = 60_000;

async function versionOf(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

async function packBlink(into: string): Promise<string> {
  // dist/ is already built by the test build; --ignore-scripts skips prepack's second build.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], { timeoutMs: 60_000, env: ENV });
  assert.equal(packed.code, 0, describeRun('npm pack', packed));
  const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  return join(into, filename);
}

async function createProject(dir: string): Promise<void> {
  const tarball = await packBlink(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'blink-consumer', private: true, type: 'module' }));
  const clients = [`kafkajs@${await versionOf('kafkajs')}`, `@platformatic/kafka@${await versionOf('@platformatic/kafka')}`];
  const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...clients], { cwd: dir, timeoutMs: INSTALL_TIMEOUT_MS, env: ENV });
  assert.equal(installed.code, 0, describeRun('npm install', installed));
  for (const file of ['broker.test.mjs', 'typed-usage.ts']) await copyFile(join(PROJECT_FILES, file), join(dir, file));
}

/** Starts `blink embedded`, returns its first stdout line (the JSON) and the running child. */
async function startCli(dir: string): Promise<{ info: { bootstrap: string; brokers: string[]; restUrl: string }; child: ReturnType<typeof spawn> }> {
  const child = spawn(join(dir, 'node_modules/.bin/blink'), ['embedded', '--set', 'kafka_cfg_num_partitions=3'], { cwd: dir, env: { ...process.env, ...ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  const lines = createInterface({ input: child.stdout! });
  const first = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`blink embedded exited (${code}) before printing its address`)));
  });
  const info = JSON.parse(await withTimeout(first, CLI_TIMEOUT_MS, 'blink embedded address')) as { bootstrap: string; brokers: string[]; restUrl: string };
  return { info, child };
}

async function cliStopsOnStdinClose(dir: string): Promise<void> {
  const { info, child } = await startCli(dir);
  assert.match(info.bootstrap, /^127\.0\.0\.1:\d+$/);
  const broker = (await (await fetch(`${info.restUrl}/api/v1/broker`)).json()) as { listeners: Array<{ protocol: string; port: number }> };
  assert.deepEqual(broker.listeners.filter((l) => l.protocol === 'kafka').map((l) => `127.0.0.1:${l.port}`), info.brokers);
  const created = await fetch(`${info.restUrl}/api/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cli' }) });
  assert.equal(((await created.json()) as { partitions: unknown[] }).partitions.length, 3, 'the --set value was applied');
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  assert.equal(await withTimeout(exited, CLI_TIMEOUT_MS, 'blink embedded exit on stdin close'), 0);
}

async function cliStopsOnSigterm(dir: string): Promise<void> {
  const { child } = await startCli(dir);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await withTimeout(exited, CLI_TIMEOUT_MS, 'blink embedded exit on SIGTERM'), 0);
}

/** Without `embedded`, the command is the server (main.ts): a missing settings file stops it with exit 1. */
async function serverChecksSettings(dir: string): Promise<void> {
  const server = await run(join(dir, 'node_modules/.bin/blink'), ['--settings', 'missing.yaml'], { cwd: dir, timeoutMs: CLI_TIMEOUT_MS, env: ENV });
  assert.equal(server.code, 1, describeRun('blink --settings missing.yaml', server));
  assert.match(server.stderr, /--settings: file 'missing\.yaml' does not exist/);
}

describe('Blink packed and installed in another project', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blink-consumer-'));
    await createProject(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('installs without dev dependencies and ships its build and declarations', () => {
    assert.ok(existsSync(join(dir, 'node_modules/blink/dist/embed.js')));
    assert.ok(existsSync(join(dir, 'node_modules/blink/dist/embed.d.ts')));
    for (const devOnly of ['typescript', '@nestjs/cli', 'node']) assert.equal(existsSync(join(dir, 'node_modules', devOnly)), false, `${devOnly} is not installed`);
  });

  it("runs the project's node:test suite (kafkajs, @platformatic/kafka, a transaction) against startBlink()", async () => {
    const suite = await run(NODE_BIN, ['--test', '--test-reporter=tap', 'broker.test.mjs'], { cwd: dir, timeoutMs: SUITE_TIMEOUT_MS, env: SUITE_ENV, inheritEnv: false });
    assert.equal(suite.code, 0, describeRun('node --test broker.test.mjs', suite));
    assert.match(suite.stdout, /^# pass 3$/m, describeRun('node --test broker.test.mjs', suite));
  });

  it('type-checks a TypeScript use of the API against the shipped declarations', async () => {
    const options = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2023', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(REPO_ROOT, 'node_modules/@types')];
    const checked = await run(TSC, [...options, 'typed-usage.ts'], { cwd: dir, timeoutMs: SUITE_TIMEOUT_MS, env: ENV });
    assert.equal(checked.code, 0, describeRun('tsc typed-usage.ts', checked));
  });

  it('`blink embedded` prints its addresses as JSON and stops on stdin close or SIGTERM; `blink --settings` is the server', async () => {
    // Three processes at once: each pays Blink's import time, which dominates on a loaded machine.
    await Promise.all([cliStopsOnStdinClose(dir), cliStopsOnSigterm(dir), serverChecksSettings(dir)]);
  });
});
