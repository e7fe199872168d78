import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { parseFlatYaml } from './flat-yaml.js';
import { SETTING_KEYS } from './setting-definitions.js';
import type { SettingKey } from './settings.dto.js';

/** Read when no `--settings` is given, if it exists (relative to the working directory). */
export const DEFAULT_SETTINGS_PATH = 'config/settings.yaml';

export interface SettingsFile {
  /** How messages name this source: the path as given, or "built-in defaults" when no file was read. */
  readonly label: string;
  readonly absolutePath: string | null;
  readonly values: Readonly<Partial<Record<SettingKey, unknown>>>;
  /** Missing or unreadable file, bad YAML, unknown keys. */
  readonly problems: readonly string[];
}

const NO_FILE: SettingsFile = { label: 'built-in defaults', absolutePath: null, values: {}, problems: [] };

/** A missing default file means "defaults only"; a missing `--settings` file is a problem. */
export function readSettingsFile(explicitPath: string | null, cwd: string): SettingsFile {
  const label = explicitPath ?? DEFAULT_SETTINGS_PATH;
  const absolutePath = resolve(cwd, label);
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && explicitPath === null) return NO_FILE;
    const problem = missing
      ? `--settings: file '${label}' does not exist (looked for ${absolutePath})`
      : `settings file '${label}' cannot be read: ${(error as Error).message}`;
    return { label, absolutePath: null, values: {}, problems: [problem] };
  }
  return { label, absolutePath, ...parseSettingsYaml(text, label) };
}

/** Settings given as an object (by a program, not a file): checked like a parsed YAML file. */
export function settingsFromValues(values: Readonly<Record<string, unknown>>, label: string): SettingsFile {
  return { label, absolutePath: null, ...settingsFromDocument(values, label) };
}

function parseSettingsYaml(text: string, label: string): Pick<SettingsFile, 'values' | 'problems'> {
  // Most files are flat (one `key: value` a line): read at once, as YAML would (flat-yaml.ts).
  const flat = parseFlatYaml(text);
  if (flat !== null) return settingsFromDocument(flat, label);
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return { values: {}, problems: [`${label} is not valid YAML: ${(error as Error).message}`] };
  }
  return settingsFromDocument(document, label);
}

function settingsFromDocument(document: unknown, label: string): Pick<SettingsFile, 'values' | 'problems'> {
  if (document === null || document === undefined) return { values: {}, problems: [] };
  if (typeof document !== 'object' || Array.isArray(document)) {
    return { values: {}, problems: [`${label} must be a mapping of setting names to values`] };
  }
  const entries = Object.entries(document);
  return {
    values: Object.fromEntries(entries.filter(([key]) => isSettingKey(key))),
    problems: entries
      .filter(([key]) => !isSettingKey(key))
      .map(([key]) => `unknown key '${key}' in ${label}${suggestKey(key)}`),
  };
}

function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as string[]).includes(key);
}

const MAX_TYPO_EDITS = 2;

/** " (did you mean 'max_memory'?)" for a near miss such as 'max_memroy' or 'MAX_MEMORY'. */
function suggestKey(unknownKey: string): string {
  const candidate = unknownKey.toLowerCase();
  const [closest] = SETTING_KEYS.map((key) => ({ key, edits: editDistance(key, candidate) })).sort(
    (a, b) => a.edits - b.edits,
  );
  return closest && closest.edits <= MAX_TYPO_EDITS ? ` (did you mean '${closest.key}'?)` : '';
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
