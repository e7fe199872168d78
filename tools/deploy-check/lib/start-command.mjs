/**
 * Every deployment starts the same artifact the same way: package.json's start script
 * (`NAME=value ... node <flags> dist/start.js`, what `npm start`, the benchmarks and the e2e
 * tests run), the Docker image's ENTRYPOINT and ENV (and so the Helm chart, which only adds
 * arguments, and sets the same environment) and the systemd unit's ExecStart and Environment=
 * must give node the same flags, entry script and environment (MALLOC_ARENA_MAX).
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { unitDirectives } from './systemd.mjs';

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** `node` and its arguments up to the entry script, as words; paths made relative to the app directory. */
function nodeCommand(words, appDir) {
  const entry = words.findIndex((word, i) => i > 0 && !word.startsWith('-'));
  if (entry < 0) throw new Error(`no entry script in: ${words.join(' ')}`);
  const script = appDir === null ? words[entry] : posix.relative(appDir, words[entry]);
  return [...words.slice(1, entry), script].join(' ');
}

/** package.json's start script: the environment its leading NAME=value words set, and the rest as words. */
export function startScript(repoRoot) {
  const start = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts?.start ?? '';
  const words = start.trim().split(/\s+/);
  const env = {};
  while (ASSIGNMENT.test(words[0] ?? '')) {
    const [name, value] = words.shift().split(/=(.*)/s);
    env[name] = value;
  }
  return { env, words };
}

/** Names whose value in `found` differs from `expected`'s, as "NAME=value" (or "NAME unset"). */
function envDifferences(expected, found) {
  return Object.entries(expected)
    .filter(([name, value]) => found[name] !== value)
    .map(([name]) => (found[name] === undefined ? `${name} unset` : `${name}=${found[name]}`));
}

/** `facts`: the Dockerfile's final stage (imageFacts), or null when it could not be read. */
export function checkStartCommands(repoRoot, facts) {
  const { env, words } = startScript(repoRoot);
  const expected = nodeCommand(words, null);
  const unit = unitDirectives(readFileSync(join(repoRoot, 'deploy/systemd/blink.service'), 'utf8'));
  const execStart = unit['Service.ExecStart']?.at(-1);
  if (execStart === undefined) throw new Error('blink.service has no ExecStart');
  const unitEnv = Object.fromEntries((unit['Service.Environment'] ?? []).map((entry) => entry.split(/=(.*)/s).slice(0, 2)));
  const entrypoint = facts?.entrypoint ?? null;
  const found = {
    'Dockerfile ENTRYPOINT': entrypoint === null ? '(none)' : nodeCommand(entrypoint, null),
    'blink.service ExecStart': nodeCommand(execStart.trim().split(/\s+/), '/opt/blink'),
  };
  const problems = Object.entries(found)
    .filter(([, command]) => command !== expected)
    .map(([where, command]) => `${where} runs \`node ${command}\``);
  for (const [where, declared] of [['Dockerfile ENV', facts?.env ?? {}], ['blink.service Environment=', unitEnv]]) {
    const differing = envDifferences(env, declared);
    if (differing.length > 0) problems.push(`${where} has ${differing.join(', ')}`);
  }
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${value} `).join('');
  if (problems.length > 0) throw new Error(`package.json starts \`${assignments}node ${expected}\`; ${problems.join('; ')}`);
  return `${assignments}node ${expected}`;
}

/**
 * The chart's container sets the start script's environment, each name once: the start
 * script's value, or that of the `extraEnv` entry of that name (a user's override); every
 * other extraEnv entry (NODE_OPTIONS, ...) is there as given.
 */
export function checkChartEnvironment(repoRoot, container, extraEnv) {
  const { env } = startScript(repoRoot);
  const entries = container?.env ?? [];
  const problems = [];
  const given = Object.fromEntries((extraEnv ?? []).map((entry) => [entry.name, entry]));
  for (const [name, value] of Object.entries(env)) {
    const matching = entries.filter((entry) => entry.name === name);
    const want = given[name]?.value ?? value;
    if (matching.length !== 1) problems.push(`${name} is set ${matching.length} times`);
    else if (String(matching[0].value) !== String(want)) problems.push(`${name}=${matching[0].value}, expected ${want}${given[name] ? ' (extraEnv)' : ' (package.json start)'}`);
  }
  for (const entry of extraEnv ?? []) {
    if (!entries.some((candidate) => candidate.name === entry.name && JSON.stringify(candidate) === JSON.stringify(entry))) problems.push(`extraEnv ${entry.name} missing or changed`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return Object.keys(env).map((name) => `${name}=${entries.find((entry) => entry.name === name)?.value}`).join(', ') || 'no environment in the start script';
}
