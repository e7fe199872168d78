/**
 * src/start.ts (what every deployment runs before the bundle) imports nothing at run time: an
 * ES module's `import` of a built-in makes Node build an ES-module facade of it, reading every
 * export (node:fs's lazy `ReadStream` getter so loads the file streams): ~3 ms of every boot
 * for its seven built-ins (bench/README.md, boot12). It takes them with process.getBuiltinModule.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const START = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../src/start.ts');

test('start.ts has no run-time import (type-only imports are erased); its built-ins come from process.getBuiltinModule', () => {
  const source = readFileSync(START, 'utf8');
  const imports = source.split('\n').filter((line) => /^\s*import\s/.test(line) && !/^\s*import\s+type\s/.test(line));
  assert.deepEqual(imports, []);
  assert.match(source, /process\.getBuiltinModule\('node:vm'\)/);
});
