export interface CommandLine {
  /** The `--settings` file exactly as given (relative paths are resolved against the working directory). */
  readonly settingsPath: string | null;
  readonly problems: readonly string[];
}

const SETTINGS_FLAG = '--settings';

/** Accepts `--settings FILE` and `--settings=FILE` (the seed's only flag); anything else is a problem. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let settingsPath: string | null = null;
  const problems: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    let value: string | undefined;
    if (arg === SETTINGS_FLAG) {
      value = argv[index + 1];
      index++;
    } else if (arg.startsWith(`${SETTINGS_FLAG}=`)) {
      value = arg.slice(SETTINGS_FLAG.length + 1);
    } else {
      problems.push(`unknown command-line argument '${arg}' (usage: blink [--settings FILE])`);
      continue;
    }
    if (value === undefined || value === '' || value.startsWith('--')) {
      problems.push(`${SETTINGS_FLAG} needs a file name (usage: blink [--settings FILE])`);
    } else {
      settingsPath = value;
    }
  }
  return { settingsPath, problems };
}
