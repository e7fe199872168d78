import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { checkComponentWit, PluginRefusedError } from '../../../src/plugins/plugin-interface.js';
import { capModuleMemory, WASM_PAGE_BYTES } from '../../../src/plugins/memory-cap.js';

const LEVEL = 'enum level {\n    trace,\n    debug,\n    info,\n    warn,\n    error,\n  }';
const LOG = 'import log: func(level: level, message: string);';
const ON_RECORD = 'export on-record: func(topic: string, partition: u32, key: option<string>, value: string) -> bool;';
const INIT = 'export init: func() -> option<u16>;';
const TRANSFORMER_TYPES = `
  record header {
    key: string,
    value: option<list<u8>>,
  }

  record %record {
    key: option<list<u8>>,
    value: option<list<u8>>,
    headers: list<header>,
  }

  variant verdict {
    keep,
    drop,
    replace(%record),
  }`;
const ON_RECORDS = 'export on-records: func(topic: string, partition: u32, records: list<%record>) -> list<verdict>;';

/** WIT as wasm-tools prints a component's world (`componentWit`). */
function world(...items: string[]): string {
  return `package root:component;\n\nworld root {\n  ${items.join('\n  ')}\n}\n`;
}

const recordPlugin = (...imports: string[]): string => world(...imports, LEVEL, LOG, INIT, ON_RECORD);

describe('checkComponentWit: world detection', () => {
  it('detects record-plugin and record-transformer', () => {
    assert.deepEqual(checkComponentWit(recordPlugin()), { world: 'record-plugin', wasiImports: [] });
    assert.deepEqual(checkComponentWit(world(LEVEL, TRANSFORMER_TYPES, LOG, INIT, ON_RECORDS)), { world: 'record-transformer', wasiImports: [] });
  });

  it('accepts a plugin that does not import log', () => {
    assert.equal(checkComponentWit(world(INIT, ON_RECORD)).world, 'record-plugin');
  });

  it('refuses exports that match neither world', () => {
    assert.throws(() => checkComponentWit(world(LEVEL, LOG, INIT)), /match neither world/);
    assert.throws(() => checkComponentWit(world(LEVEL, LOG, INIT, ON_RECORD, 'export extra: func();')), /match neither world/);
    assert.throws(
      () => checkComponentWit(world(LEVEL, LOG, INIT, 'export on-record: func(topic: string, partition: u32, key: option<string>, value: list<u8>) -> bool;')),
      /match neither world/,
    );
  });

  it('refuses a transformer whose record type differs from blink:plugin@0.1.0', () => {
    const changed = TRANSFORMER_TYPES.replace('headers: list<header>,', 'headers: list<header>,\n    extra: u8,');
    assert.throws(() => checkComponentWit(world(LEVEL, changed, LOG, INIT, ON_RECORDS)), /defines type %record differently/);
  });
});

describe('checkComponentWit: import allow-list', () => {
  for (const forbidden of ['wasi:filesystem/preopens@0.2.0', 'wasi:filesystem/types@0.2.3', 'wasi:sockets/tcp@0.2.0', 'wasi:http/outgoing-handler@0.2.0']) {
    it(`refuses ${forbidden} with a message naming it`, () => {
      assert.throws(
        () => checkComponentWit(recordPlugin(`import ${forbidden};`)),
        (error: Error) => error instanceof PluginRefusedError && error.message.includes(forbidden) && /no file system, sockets or HTTP/.test(error.message),
      );
    });
  }

  it('allows WASI io, clocks, random and cli, reported without versions', () => {
    const imports = ['wasi:io/streams@0.2.0', 'wasi:clocks/wall-clock@0.2.0', 'wasi:random/random@0.2.3', 'wasi:cli/stdout@0.2.0'];
    assert.deepEqual(checkComponentWit(recordPlugin(...imports.map((i) => `import ${i};`))).wasiImports, [
      'wasi:io/streams',
      'wasi:clocks/wall-clock',
      'wasi:random/random',
      'wasi:cli/stdout',
    ]);
  });

  it('refuses other packages, other functions and a log with another signature', () => {
    assert.throws(() => checkComponentWit(recordPlugin('import acme:net/fetch@1.0.0;')), /imports acme:net\/fetch@1\.0\.0/);
    assert.throws(() => checkComponentWit(recordPlugin('import wasi:keyvalue/store@0.2.0;')), /does not provide/);
    assert.throws(() => checkComponentWit(recordPlugin('import spawn: func(cmd: string);')), /imports spawn: func/);
    assert.throws(() => checkComponentWit(world(INIT, ON_RECORD, 'import log: func(message: string);')), /imports log: func\(message: string\)/);
  });
});

describe('capModuleMemory', () => {
  const wat = (limits: string): Promise<Uint8Array> =>
    parse(`(module (memory (export "memory") ${limits}) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);

  function instantiate(bytes: Uint8Array): { grow(pages: number): number; memory: { buffer: ArrayBuffer } } {
    const api = (globalThis as unknown as { WebAssembly: { Instance: new (m: unknown) => { exports: never }; Module: new (b: Uint8Array) => unknown } }).WebAssembly;
    return new api.Instance(new api.Module(bytes)).exports;
  }

  it('gives an unbounded memory the cap, so memory.grow past it fails inside the plugin', async () => {
    const exports = instantiate(capModuleMemory(await wat('1'), 4));
    assert.equal(exports.grow(3), 1);
    assert.equal(exports.grow(1), -1);
    assert.equal(exports.memory.buffer.byteLength, 4 * WASM_PAGE_BYTES);
  });

  it('keeps a smaller declared maximum and lowers a larger one', async () => {
    assert.equal(instantiate(capModuleMemory(await wat('1 2'), 4)).grow(2), -1);
    const lowered = instantiate(capModuleMemory(await wat('1 100'), 4));
    assert.equal(lowered.grow(3), 1);
    assert.equal(lowered.grow(1), -1);
  });

  it('refuses a memory that starts above the cap, and shared memories', async () => {
    const big = await wat('8');
    assert.throws(() => capModuleMemory(big, 4), /starts at 524288 bytes, above plugin_max_memory \(262144 bytes\)/);
    const shared = await parse('(module (memory 1 2 shared))');
    assert.throws(() => capModuleMemory(shared, 4), /shared or 64-bit memory/);
  });
});
