// tools/bundle-names.mjs: in a bundle built as tools/bundle.mjs builds the broker (esbuild, keepNames,
// minified), classes and the functions a module defines keep their names; functions made inside a
// function do not; the code does the same and keeps its length.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';

const TOOL = resolve(import.meta.dirname, '../../../../tools/bundle-names.mjs');

interface Names {
  esmTop: string;
  esmNested: string;
  esmNestedArrow: string;
  esmNestedClass: string;
  cjsTop: string;
  cjsNested: string;
  esmClass: string;
  field: string;
  property: string;
  sum: number;
}

/** A bundle of an ES module (wrapped by esbuild's __esm: it is required) and a CommonJS one, minified with keepNames. */
async function bundle(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-names-'));
  try {
    writeFileSync(
      join(dir, 'esm.js'),
      `export function moduleLevel(a) { function innerFunction(b) { return a + b; } const innerArrow = (c) => innerFunction(c) * 2; class InnerClass { get() { return innerArrow(1); } } return { innerFunction, innerArrow, InnerClass }; }
export class ModuleClass { handler = function handler() { return 1; }; value() { return 5; } }
export const table = { lookup: function lookup() { return 2; } };`,
    );
    writeFileSync(join(dir, 'cjs.js'), `function cjsLevel() { function cjsInner() { return 3; } return cjsInner; }\nmodule.exports = { cjsLevel };`);
    writeFileSync(
      join(dir, 'entry.js'),
      `const esm = require('./esm.js'); const cjs = require('./cjs.js');
const made = esm.moduleLevel(1);
module.exports = { esmTop: esm.moduleLevel.name, esmNested: made.innerFunction.name, esmNestedArrow: made.innerArrow.name, esmNestedClass: made.InnerClass.name,
  cjsTop: cjs.cjsLevel.name, cjsNested: cjs.cjsLevel().name, esmClass: esm.ModuleClass.name, field: new esm.ModuleClass().handler.name, property: esm.table.lookup.name,
  sum: made.innerFunction(2) + new made.InnerClass().get() + cjs.cjsLevel()() + new esm.ModuleClass().value() + new esm.ModuleClass().handler() + esm.table.lookup() };`,
    );
    const out = await build({ entryPoints: [join(dir, 'entry.js')], bundle: true, platform: 'node', format: 'cjs', write: false, keepNames: true, minify: true, logLevel: 'silent' });
    return out.outputFiles[0]!.text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(code: string): Names {
  const module = { exports: {} as Names };
  runInNewContext(code, { module, exports: module.exports, require: () => undefined });
  return module.exports;
}

describe('tools/bundle-names.mjs', () => {
  it('keeps the names of classes and of module-level functions, drops those of functions made inside functions', async () => {
    const { withoutNestedNames } = (await import(pathToFileURL(TOOL).href)) as { withoutNestedNames(text: string): { text: string; kept: number; dropped: number } };
    const original = await bundle();
    const before = run(original);
    assert.deepEqual(
      { ...before, sum: 0 },
      { esmTop: 'moduleLevel', esmNested: 'innerFunction', esmNestedArrow: 'innerArrow', esmNestedClass: 'InnerClass', cjsTop: 'cjsLevel', cjsNested: 'cjsInner', esmClass: 'ModuleClass', field: 'handler', property: 'lookup', sum: 0 },
    );
    const { text, dropped } = withoutNestedNames(original);
    assert.equal(text.length, original.length);
    // Three functions made inside functions, and the field's and the property's, which their keys name.
    assert.equal(dropped, 5);
    const after = run(text);
    assert.equal(after.sum, before.sum);
    assert.equal(after.esmTop, 'moduleLevel');
    assert.equal(after.cjsTop, 'cjsLevel');
    assert.equal(after.esmClass, 'ModuleClass');
    assert.equal(after.esmNestedClass, 'InnerClass');
    assert.equal(after.field, 'handler');
    assert.equal(after.property, 'lookup');
    for (const nested of [after.esmNested, after.esmNestedArrow, after.cjsNested]) assert.ok(!['innerFunction', 'innerArrow', 'cjsInner'].includes(nested), nested);
  });

  it("fails the build when esbuild's helpers are not found as expected", async () => {
    const { withoutNestedNames } = (await import(pathToFileURL(TOOL).href)) as { withoutNestedNames(text: string): unknown };
    assert.throws(() => withoutNestedNames('var o=1;'), /helper found 0 times/);
  });
});
