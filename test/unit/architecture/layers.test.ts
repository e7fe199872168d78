/**
 * The layer rule of ARCHITECTURE.md, enforced: every folder of src/ imports only from
 * folders below it. Rows go from the bottom up; inside a row a folder may import the
 * folders listed before it (an engine may use the storage engine, the produce service the
 * topics service), except in the faces row, whose folders never import one another.
 * A folder missing from the table fails the test, so a new folder gets a place on purpose.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../src');

interface Row {
  readonly name: string;
  readonly folders: readonly string[];
  /** Faces: no folder of the row imports another. */
  readonly lateral: boolean;
}

const LAYERS: readonly Row[] = [
  { name: 'base', folders: ['common', 'config', 'cluster'], lateral: true },
  { name: 'formats', folders: ['wire', 'record-format'], lateral: true },
  { name: 'engines', folders: ['storage', 'wal', 'plugins', 'retention', 'compaction'], lateral: true },
  { name: 'services', folders: ['authorizer', 'topics', 'groups', 'txn', 'cluster-admin', 'quotas', 'telemetry', 'recovery', 'produce', 'fetch', 'uplink', 'authentication'], lateral: true },
  { name: 'faces', folders: ['kafka', 'admin', 'health'], lateral: false },
];

/** Rank of a folder: imports must go to a strictly lower rank. */
function rankOf(folder: string): number | undefined {
  for (const [rowIndex, row] of LAYERS.entries()) {
    const position = row.folders.indexOf(folder);
    if (position >= 0) return rowIndex * 100 + (row.lateral ? position : 0);
  }
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The top-level folder of src/ that `file` belongs to, or null for src/*.ts (the root: main.ts, app.module.ts). */
function folderOf(file: string): string | null {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : null;
}

interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly why: string;
}

function violations(): Violation[] {
  const found: Violation[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (from === null) continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), match[1] ?? match[2]!);
      const to = folderOf(target);
      if (to === from) continue;
      const where = relative(SRC, file);
      const fromRank = rankOf(from);
      const toRank = to === null ? Infinity : rankOf(to);
      if (fromRank === undefined) found.push({ file: where, imports: match[1] ?? match[2]!, why: `folder ${from}/ has no row in LAYERS` });
      else if (toRank === undefined) found.push({ file: where, imports: match[1] ?? match[2]!, why: `folder ${to}/ has no row in LAYERS` });
      else if (toRank >= fromRank) found.push({ file: where, imports: match[1] ?? match[2]!, why: `${from}/ may not import ${to ?? 'the root'}/ (same row or above)` });
    }
  }
  return found;
}

test('every folder of src/ has a row in the layer table', () => {
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.deepEqual(folders.filter((f) => rankOf(f) === undefined), []);
});

test('imports go downward only (ARCHITECTURE.md: layers)', () => {
  const found = violations();
  assert.deepEqual(found, [], found.map((v) => `${v.file} imports ${v.imports}: ${v.why}`).join('\n'));
});
