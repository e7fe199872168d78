// sharedEsmNamespace, what the bundle (tools/bundle.mjs) gives an ES module for `import … from` a
// CommonJS package in place of esbuild's __toESM, taken from the built bundle's footer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

type Namespace = Record<string, unknown>;
type SharedEsmNamespace = (mod: unknown, nodeMode: number | undefined) => Namespace;

const bundle = readFileSync(resolve(import.meta.dirname, '../../../../dist/bundle/broker.js'), 'latin1');
const helper = bundle.slice(bundle.indexOf('function sharedEsmNamespace('), bundle.lastIndexOf('\n})'));
const sharedEsmNamespace = new Function(`${helper}\nreturn sharedEsmNamespace;`)() as SharedEsmNamespace;

describe('sharedEsmNamespace', () => {
  it('reads exports live, including one the package adds after the namespace was handed out (a package imported while it loads, in a cycle)', () => {
    const exports: Namespace = { __esModule: true, early: 1 };
    const ns = sharedEsmNamespace(exports, 1);
    exports.early = 2;
    exports.late = 'added';
    assert.equal(ns.early, 2);
    assert.equal(ns.late, 'added');
    assert.equal(sharedEsmNamespace(exports, 1), ns);
  });

  it('default: the exports object in Node mode or without __esModule, the package own default otherwise (as esbuild)', () => {
    const esm: Namespace = { __esModule: true, default: 'own default', named: 'n' };
    assert.equal(sharedEsmNamespace(esm, 1).default, esm);
    assert.equal(sharedEsmNamespace(esm, 0).default, 'own default');
    assert.equal(sharedEsmNamespace(esm, 0).named, 'n');
    const plain = { named: 'p' };
    assert.equal(sharedEsmNamespace(plain, 0).default, plain);
    const fn = Object.assign(() => 'called', { helper: 'h' });
    assert.equal((sharedEsmNamespace(fn, 1).default as () => string)(), 'called');
    assert.equal(sharedEsmNamespace(fn, 1).helper, 'h');
    assert.equal(sharedEsmNamespace('text', 1).default, 'text');
  });
});
