/**
 * Every deployment starts the same artifact the same way: package.json's start script
 * (`node <flags> dist/start.js`, what `npm start`, the benchmarks and the e2e tests run), the
 * Docker image's ENTRYPOINT (and so the Helm chart, which only adds arguments) and the
 * systemd unit's ExecStart must give node the same flags and entry script.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** `node` and its arguments up to the entry script, as words; paths made relative to the app directory. */
function nodeCommand(words, appDir) {
  const entry = words.findIndex((word, i) => i > 0 && !word.startsWith('-'));
  if (entry < 0) throw new Error(`no entry script in: ${words.join(' ')}`);
  const script = appDir === null ? words[entry] : posix.relative(appDir, words[entry]);
  return [...words.slice(1, entry), script].join(' ');
}

export function checkStartCommands(repoRoot, entrypoint) {
  const start = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts?.start ?? '';
  const expected = nodeCommand(start.trim().split(/\s+/), null);
  const unit = readFileSync(join(repoRoot, 'deploy/systemd/blink.service'), 'utf8');
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1];
  if (execStart === undefined) throw new Error('blink.service has no ExecStart');
  const found = {
    'Dockerfile ENTRYPOINT': entrypoint === null ? '(none)' : nodeCommand(entrypoint, null),
    'blink.service ExecStart': nodeCommand(execStart.trim().split(/\s+/), '/opt/blink'),
  };
  const differing = Object.entries(found).filter(([, command]) => command !== expected);
  if (differing.length > 0) {
    throw new Error(`package.json starts \`node ${expected}\`; ${differing.map(([where, command]) => `${where} runs \`node ${command}\``).join('; ')}`);
  }
  return `node ${expected}`;
}
