// tools/reflect-metadata.cjs (what the bundle gets for `import 'reflect-metadata'`) against the
// reflect-metadata polyfill itself: the same operations on fresh targets in both, the same answers.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

type Api = Pick<
  typeof Reflect,
  'decorate' | 'metadata' | 'defineMetadata' | 'hasMetadata' | 'hasOwnMetadata' | 'getMetadata' | 'getOwnMetadata' | 'getMetadataKeys' | 'getOwnMetadataKeys' | 'deleteMetadata'
>;

const lean = (createRequire(import.meta.url)(resolve(import.meta.dirname, '../../../../tools/reflect-metadata.cjs')) as { createReflectMetadata(): Api }).createReflectMetadata();
/** The polyfill, as installed on the global Reflect by the import above. */
const polyfill: Api = Reflect;

const KEY = Symbol('key');

/** Classes and objects made afresh for each implementation, so neither sees the other's metadata. */
function world() {
  class Base {
    method(): void {}
  }
  class Derived extends Base {}
  class Leaf extends Derived {}
  const plain = {};
  const child = Object.create(plain) as object;
  const bare = Object.create(null) as object;
  // An ES5-style subclass: its parent is found through its prototype's constructor.
  function Old(): void {}
  Old.prototype = Object.create(Base.prototype, { constructor: { value: Old } }) as object;
  return { Base, Derived, Leaf, Old, plain, child, bare, fn: function named() {} };
}

/** Runs `script` against an implementation; every answer (or the error's type) goes in the list. */
function run(api: Api, script: (api: Api, w: ReturnType<typeof world>, note: (value: unknown) => void) => void): unknown[] {
  const notes: unknown[] = [];
  const note = (value: unknown) => notes.push(value);
  const w = world();
  const names = new Map<unknown, string>(Object.entries(w).map(([name, value]) => [value, name]));
  names.set(w.Base.prototype, 'Base.prototype');
  names.set(w.Derived.prototype, 'Derived.prototype');
  const shown = (value: unknown) => (names.has(value) ? `<${names.get(value)}>` : value);
  try {
    script(api, w, (value) => note(Array.isArray(value) ? value.map(shown) : shown(value)));
  } catch (error) {
    note(`threw ${(error as Error).constructor.name}`);
  }
  return notes;
}

function same(script: Parameters<typeof run>[1]): void {
  assert.deepEqual(run(lean, script), run(polyfill, script));
}

describe('tools/reflect-metadata.cjs against the reflect-metadata polyfill', () => {
  it('own and inherited metadata of classes, prototypes, properties and plain objects', () => {
    same((api, w, note) => {
      api.defineMetadata('a', 1, w.Base);
      api.defineMetadata('b', 2, w.Derived);
      api.defineMetadata(KEY, 'symbol', w.Base);
      api.defineMetadata('p', 'base prop', w.Base.prototype, 'method');
      api.defineMetadata('p', 'class prop', w.Base, 'method');
      api.defineMetadata('o', 'plain', w.plain);
      api.defineMetadata('n', 'numeric property', w.plain, 7 as unknown as string);
      for (const target of [w.Base, w.Derived, w.Leaf, w.Old, w.Base.prototype, w.Derived.prototype, w.plain, w.child, w.bare, w.fn]) {
        for (const key of ['a', 'b', KEY, 'o', 'missing']) {
          note([api.getMetadata(key, target), api.getOwnMetadata(key, target), api.hasMetadata(key, target), api.hasOwnMetadata(key, target)]);
        }
        for (const property of ['method', '7', 7, undefined]) {
          note([api.getMetadata('p', target, property as string), api.hasMetadata('n', target, property as string), api.getOwnMetadata('n', target, property as string)]);
        }
        note(api.getMetadataKeys(target));
        note(api.getOwnMetadataKeys(target));
        note(api.getMetadataKeys(target, 'method'));
      }
    });
  });

  it('key order and duplicates across the prototype chain', () => {
    same((api, w, note) => {
      api.defineMetadata('x', 1, w.Base);
      api.defineMetadata('y', 1, w.Base);
      api.defineMetadata('y', 2, w.Derived);
      api.defineMetadata('z', 2, w.Derived);
      api.defineMetadata('x', 3, w.Leaf);
      api.defineMetadata('x', 4, w.Leaf);
      note(api.getMetadataKeys(w.Leaf));
      note(api.getOwnMetadataKeys(w.Leaf));
      note(api.getMetadata('x', w.Leaf));
      note(api.getMetadata('y', w.Leaf));
    });
  });

  it('deleteMetadata', () => {
    same((api, w, note) => {
      api.defineMetadata('x', 1, w.Base);
      api.defineMetadata('x', 2, w.Derived);
      note(api.deleteMetadata('x', w.Derived));
      note(api.deleteMetadata('x', w.Derived));
      note(api.getMetadata('x', w.Derived));
      note(api.deleteMetadata('x', w.Base, 'method'));
      note(api.getOwnMetadataKeys(w.Derived));
      api.defineMetadata('x', 3, w.Derived);
      note(api.getMetadata('x', w.Leaf));
    });
  });

  it('the metadata decorator and decorate, for classes and members', () => {
    same((api, w, note) => {
      const replacement = class Replacement {};
      const decorated = api.decorate([api.metadata('m', 1), () => undefined, api.metadata('m', 2)], w.Base);
      note(decorated === w.Base);
      note(api.getOwnMetadata('m', w.Base));
      note(api.decorate([() => replacement, api.metadata('m', 3)], w.Derived) === replacement);
      note(api.getOwnMetadata('m', w.Derived));
      const descriptor = { value: 1, writable: true, enumerable: false, configurable: true };
      const next = { value: 2 };
      note(api.decorate([api.metadata('d', 'member'), () => next], w.Base.prototype, 'method', descriptor) === next);
      note(api.getOwnMetadata('d', w.Base.prototype, 'method'));
      note(api.decorate([api.metadata('d', 'no descriptor')], w.Base.prototype, 'other', undefined));
      note(api.getMetadata('d', w.Derived.prototype, 'other'));
      api.metadata('e', 'with a numeric key')(w.plain, 'k');
      note(api.getMetadata('e', w.child, 'k'));
    });
  });

  it('the same TypeErrors for bad targets, keys and decorators', () => {
    const scripts: Parameters<typeof run>[1][] = [
      (api) => api.defineMetadata('x', 1, 1 as unknown as object),
      (api) => api.getMetadata('x', null as unknown as object),
      (api) => api.getMetadataKeys('text' as unknown as object),
      (api) => api.deleteMetadata('x', undefined as unknown as object),
      (api, w) => api.metadata('x', 1)(w.plain, 1 as unknown as string),
      (api) => api.metadata('x', 1)(3 as unknown as object, undefined as unknown as string),
      (api, w) => api.decorate({} as unknown as ClassDecorator[], w.Base),
      (api, w) => api.decorate([], w.plain as unknown as () => void),
      (api, w) => api.decorate([(() => 1) as unknown as ClassDecorator], w.Base),
      (api, w) => api.decorate([() => 1 as unknown as PropertyDescriptor], w.plain, 'k', undefined),
      (api, w) => api.decorate([], w.plain, 'k', 5 as unknown as PropertyDescriptor),
    ];
    for (const script of scripts) {
      assert.deepEqual(run(lean, script), ['threw TypeError']);
      same(script);
    }
  });

  it('a key nothing ever stored is answered without walking the prototype chain; once stored, the walk finds it', () => {
    const api = (createRequire(import.meta.url)(resolve(import.meta.dirname, '../../../../tools/reflect-metadata.cjs')) as { createReflectMetadata(): Api }).createReflectMetadata();
    let walked = 0;
    const parent = {};
    const target = new Proxy(Object.create(parent) as object, {
      getPrototypeOf: (object) => {
        walked++;
        return Reflect.getPrototypeOf(object);
      },
    });
    const key = Symbol('never stored');
    assert.equal(api.getMetadata(key, target), undefined);
    assert.equal(api.getMetadata(key, target, 'method'), undefined);
    assert.equal(api.hasMetadata(key, target), false);
    assert.equal(walked, 0);
    api.defineMetadata(key, 'inherited', parent);
    assert.equal(api.getMetadata(key, target), 'inherited');
    assert.equal(api.hasMetadata(key, target), true);
    assert.ok(walked > 0);
    // Bad targets still throw, as the polyfill's do.
    assert.throws(() => api.getMetadata(Symbol('other'), null as unknown as object), TypeError);
  });

  it('keyEverStored: false for a key no target ever had, true once one had it (also when deleted since); install() leaves it off Reflect', () => {
    const module = createRequire(import.meta.url)(resolve(import.meta.dirname, '../../../../tools/reflect-metadata.cjs')) as {
      install(target: object): void;
      keyEverStored(key: unknown): boolean;
    };
    const target: Record<string, unknown> = {};
    module.install(target);
    assert.equal(target.keyEverStored, undefined);
    const api = target as unknown as Api;
    const [defined, decorated] = [Symbol('defined'), Symbol('decorated')];
    assert.equal(module.keyEverStored(defined), false);
    assert.equal(module.keyEverStored(decorated), false);
    const plain = {};
    api.defineMetadata(defined, 1, plain, 'method');
    assert.equal(module.keyEverStored(defined), true);
    api.deleteMetadata(defined, plain, 'method');
    assert.equal(module.keyEverStored(defined), true);
    api.metadata(decorated, 2)(class {});
    assert.equal(module.keyEverStored(decorated), true);
    assert.equal(module.keyEverStored(Symbol('never')), false);
  });
});
