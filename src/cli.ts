#!/usr/bin/env node
/**
 * The package's `blink` command.
 *   blink [--settings FILE]            the server as `npm start` runs it (start.ts: the bundled
 *                                      broker with the compile cache; without start's
 *                                      --max-semi-space-size and --initial-old-space-size, GC
 *                                      tunings that a bin cannot pass)
 *   blink embedded [--settings FILE] [--set key=value]...
 *                                      a throwaway broker for test suites in any language:
 *                                      started as `startBlink()` (free ports, memory mode,
 *                                      temporary directory, no logs), prints one JSON line
 *                                      {"bootstrap", "brokers", "restUrl"} on stdout, and stops
 *                                      when stdin closes or on SIGTERM/SIGINT (exit 0; a
 *                                      signal during its start calls the start off, exit 0).
 * A bad setting prints the settings error on stderr and exits 1, as the server does.
 */
import { parse } from 'yaml';
import { readSettingsFile } from './config/settings-file.js';
import { SettingsError } from './config/settings.js';
import { startBlink, type BlinkSettings, type EmbeddedBlink } from './embed.js';

const EMBEDDED_COMMAND = 'embedded';
const USAGE = 'usage: blink embedded [--settings FILE] [--set key=value]...';

interface EmbeddedArgs {
  readonly settings: Record<string, unknown>;
  readonly problems: string[];
}

/** `--settings FILE` (YAML, as the server's) then each `--set key=value` (the value read as YAML: 3, true, [0], 64MB). */
function parseEmbeddedArgs(argv: readonly string[]): EmbeddedArgs {
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = splitFlag(argv[index]!);
    const value = inline ?? argv[++index];
    if (value === undefined) problems.push(`${flag} needs a value (${USAGE})`);
    else if (flag === '--settings') Object.assign(settings, readFile(value, problems));
    else if (flag === '--set' && value.includes('=')) settings[value.slice(0, value.indexOf('='))] = parse(value.slice(value.indexOf('=') + 1));
    else problems.push(`unknown argument '${argv[index]}' (${USAGE})`);
  }
  return { settings, problems };
}

function splitFlag(arg: string): [string, string | undefined] {
  const equals = arg.indexOf('=');
  return arg.startsWith('--settings=') ? [arg.slice(0, equals), arg.slice(equals + 1)] : [arg, undefined];
}

function readFile(path: string, problems: string[]): Readonly<Record<string, unknown>> {
  const file = readSettingsFile(path, process.cwd());
  problems.push(...file.problems);
  return file.values;
}

async function runEmbedded(argv: readonly string[]): Promise<void> {
  const { settings, problems } = parseEmbeddedArgs(argv);
  if (problems.length > 0) throw new SettingsError('command line', problems);
  // A signal during the start calls it off (everything it built is released) and exits 0.
  const starting = new AbortController();
  let broker: EmbeddedBlink | undefined;
  const stop = () => {
    if (broker === undefined) {
      starting.abort();
      return;
    }
    broker.stop().then(
      () => process.exit(0),
      (error: unknown) => fail(error),
    );
  };
  // Kept: a second signal meets a stop under way (the same promise), not Node's default action.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    broker = await startBlink(settings as BlinkSettings, { signal: starting.signal });
  } catch (error) {
    if (starting.signal.aborted && error === starting.signal.reason) process.exit(0);
    throw error;
  }
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ bootstrap: broker.bootstrap, brokers: broker.brokers, restUrl: broker.restUrl })}\n`);
}

function fail(error: unknown): never {
  const message = error instanceof SettingsError ? error.message : `Blink failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

if (process.argv[2] === EMBEDDED_COMMAND) runEmbedded(process.argv.slice(3)).catch(fail);
else await import('./start.js');
