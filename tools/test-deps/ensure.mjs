#!/usr/bin/env node
/**
 * Makes sure the machine has what the named test suites need before they run, so that a
 * missing tool is one clear message up front instead of a skipped test or a failure deep in
 * an e2e file:
 *
 *   node tools/test-deps/ensure.mjs [unit] [medium] [e2e] [deploy] [bench]     (no suite: all of them)
 *
 * Each requirement of requirements.mjs is probed. What is missing is installed where this
 * process can (Debian packages when it runs as root with apt-get; install scripts that only
 * fetch from package registries), then probed again. Anything still missing stops the run
 * with exit 1 and, for each, the exact line that installs it. Nothing is ever skipped quietly.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirements } from './requirements.mjs';

/**
 * @typedef {object} Requirement
 * @property {string} name       shown in every message about it
 * @property {string[]} suites   the suites that need it: unit, medium, e2e, deploy, bench
 * @property {string} usedBy     which tests need it (shown when it is missing)
 * @property {string[] | (() => Promise<string | null>)} probe
 *   a command whose exit status 0 means "present", or a function resolving to null (present)
 *   or to what is wrong
 * @property {string[]} [apt]    Debian packages that provide it (apt-get installs them as root)
 * @property {string} [script]   an idempotent install script (repository-relative) run after the
 *   probe passes, every time: it fetches from package registries what the tests need and exits
 *   non-zero, saying why, when it cannot. An entry whose script is not in the checkout is left
 *   out, with a line saying so (no test of this checkout can need it).
 * @property {string} [fix]      the line a person runs when it cannot be installed here
 *   (default: the apt-get line of `apt`)
 */

const SUITES = ['unit', 'medium', 'e2e', 'deploy', 'bench'];
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Bounds: a probe is a version query; apt and the install scripts download. */
const PROBE_TIMEOUT_MS = 30_000;
const INSTALL_TIMEOUT_MS = 20 * 60_000;

main().catch((error) => {
  console.error(`test-deps: ${error.stack ?? error}`);
  process.exit(2);
});

async function main() {
  const suites = parseSuites(process.argv.slice(2));
  const needed = requirements({ run: (cmd, args) => run(cmd, args, PROBE_TIMEOUT_MS), repoRoot: REPO_ROOT })
    .filter((r) => r.suites.some((s) => suites.includes(s)))
    .filter(scriptPresent);
  let missing = await probeAll(needed);
  if (missing.length > 0 && canUseApt()) {
    await aptInstall(missing.flatMap(({ requirement }) => requirement.apt ?? []));
    missing = await probeAll(missing.map(({ requirement }) => requirement));
  }
  const failedScripts = await runScripts(needed.filter((r) => !missing.some((m) => m.requirement === r)));
  const problems = [...missing, ...failedScripts];
  if (problems.length > 0) stop(problems, suites);
  console.log(`test-deps: ${needed.length} requirements of ${suites.join(', ')} in place`);
}

function parseSuites(args) {
  for (const arg of args) if (!SUITES.includes(arg)) usage(`unknown suite "${arg}"`);
  return args.length === 0 ? SUITES : args;
}

function usage(message) {
  console.error(`test-deps: ${message}\nusage: node tools/test-deps/ensure.mjs [${SUITES.join('] [')}]`);
  process.exit(2);
}

function scriptPresent(requirement) {
  if (requirement.script === undefined || existsSync(join(REPO_ROOT, requirement.script))) return true;
  console.log(`test-deps: ${requirement.name}: ${requirement.script} is not in this checkout, so no test here needs it`);
  return false;
}

/** Probes every requirement (in parallel: each is a short query) and returns the missing ones. */
async function probeAll(list) {
  const results = await Promise.all(list.map(async (requirement) => ({ requirement, problem: await probe(requirement) })));
  return results.filter((r) => r.problem !== null);
}

async function probe(requirement) {
  if (typeof requirement.probe === 'function') return requirement.probe();
  const [cmd, ...args] = requirement.probe;
  const result = await run(cmd, args, PROBE_TIMEOUT_MS);
  if (result.code === 0) return null;
  const output = result.output.trim().split('\n').slice(-3).join(' | ');
  return `\`${requirement.probe.join(' ')}\` failed (${result.code === 127 || result.notFound ? 'not found' : `exit ${result.code}`})${output ? `: ${output}` : ''}`;
}

function canUseApt() {
  return process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
}

async function aptInstall(packages) {
  const unique = [...new Set(packages)];
  if (unique.length === 0) return;
  console.log(`test-deps: installing Debian packages: ${unique.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run('apt-get', ['update'], INSTALL_TIMEOUT_MS, { env, echo: true });
  if (update.code !== 0) return;
  await run('apt-get', ['install', '-y', '--no-install-recommends', ...unique], INSTALL_TIMEOUT_MS, { env, echo: true });
}

/** Runs the install scripts one after the other, their output shown; returns the failures. */
async function runScripts(list) {
  const failures = [];
  for (const requirement of list.filter((r) => r.script !== undefined)) {
    console.log(`test-deps: ${requirement.name}: bash ${requirement.script}`);
    const result = await run('bash', [join(REPO_ROOT, requirement.script)], INSTALL_TIMEOUT_MS, { echo: true });
    if (result.code !== 0) failures.push({ requirement, problem: `${requirement.script} exited ${result.code} (its output is above)`, fix: `bash ${requirement.script}` });
  }
  return failures;
}

function stop(problems, suites) {
  console.error(`\ntest-deps: the ${suites.join(', ')} tests cannot run on this machine yet:`);
  for (const { requirement, problem, fix } of problems) {
    console.error(`\n  ${requirement.name}, needed by ${requirement.usedBy}`);
    console.error(`    missing: ${problem}`);
    console.error(`    install: ${fix ?? fixOf(requirement)}`);
  }
  console.error('');
  process.exit(1);
}

function fixOf(requirement) {
  const parts = [];
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  if (requirement.apt !== undefined) parts.push(`${sudo}apt-get install -y --no-install-recommends ${requirement.apt.join(' ')}`);
  if (requirement.fix !== undefined) parts.push(requirement.fix);
  if (requirement.script !== undefined) parts.push(`bash ${requirement.script}`);
  return parts.join('  &&  ');
}

/**
 * Runs a command to completion (SIGKILL after `timeoutMs`): exit code and combined output. A
 * command that does not exist gives code 127, like a shell. `echo` also streams the output.
 */
function run(cmd, args, timeoutMs, { env = {}, echo = false } = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    const collect = (stream) => (chunk) => {
      chunks.push(chunk);
      if (echo) stream.write(chunk);
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolveRun({ code: 127, notFound: error.code === 'ENOENT', output: error.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      resolveRun({ code: code ?? 128, output: signal === null ? output : `${output}\nkilled by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms?)` : ''}` });
    });
  });
}
