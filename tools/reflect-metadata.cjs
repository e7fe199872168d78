'use strict';
// What the bundle (tools/bundle.mjs) gets for `import 'reflect-metadata'`: the Metadata
// Reflection API (https://rbuckton.github.io/reflect-metadata/) with the semantics of the
// reflect-metadata 0.2 polyfill, installed on the global Reflect as the polyfill installs it,
// but without its provider registry. The polyfill looks a (target, property) pair up in that
// registry before it reads the target's metadata, twice per level of the prototype chain
// (has, then get), and a miss is never cached: Nest's scanner and injector, the router and the
// decorators read metadata some tens of thousands of times per boot, ~25-35 ms of interpreted
// code (V8's compiling tiers are held off during the boot: src/start.ts). Here a read is one
// WeakMap and two Map look-ups per level. The bundle holds a single copy of the API, so the
// registry (for several copies sharing one Reflect) has nothing to share; a polyfill loaded
// later still finds these functions and wraps them, as it wraps any earlier implementation.
// test/unit/tools/reflect-metadata.test.ts checks it against the polyfill.

const functionPrototype = Object.getPrototypeOf(Function);

function isObject(value) {
  return typeof value === 'object' ? value !== null : typeof value === 'function';
}

function isConstructor(value) {
  return typeof value === 'function';
}

function toPropertyKey(value) {
  return typeof value === 'symbol' ? value : String(value);
}

function isPropertyKey(value) {
  return typeof value === 'string' || typeof value === 'symbol';
}

/** The polyfill's OrdinaryGetPrototypeOf: a class's parent class, else the object's prototype. */
function parentOf(target) {
  const proto = Object.getPrototypeOf(target);
  if (typeof target !== 'function' || target === functionPrototype || proto !== functionPrototype) return proto;
  const prototype = target.prototype;
  const prototypeProto = prototype && Object.getPrototypeOf(prototype);
  if (prototypeProto == null || prototypeProto === Object.prototype) return proto;
  const constructor = prototypeProto.constructor;
  if (typeof constructor !== 'function' || constructor === target) return proto;
  return constructor;
}

/** Builds the API over a store of its own; install() puts it on a Reflect object. */
function createReflectMetadata() {
  /** target → property key (undefined for the target itself) → metadata key → value. */
  const store = new WeakMap();
  /**
   * Every metadata key ever stored. Nest's scanner asks each provider class's methods for guards,
   * interceptors, filters and pipes, and the microservice for client properties: some 4,500 of a
   * boot's ~7,000 reads are of keys nothing ever defined (the Kafka face declares none), each a
   * walk up the prototype chain; a key not in here is answered at once.
   */
  const storedKeys = new Set();

  function ownMap(target, propertyKey, create) {
    let byProperty = store.get(target);
    if (byProperty === undefined) {
      if (!create) return undefined;
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let metadata = byProperty.get(propertyKey);
    if (metadata === undefined && create) {
      metadata = new Map();
      byProperty.set(propertyKey, metadata);
    }
    return metadata;
  }

  function checked(target, propertyKey) {
    if (!isObject(target)) throw new TypeError();
    return propertyKey === undefined ? undefined : toPropertyKey(propertyKey);
  }

  function ownKeys(target, propertyKey) {
    const metadata = ownMap(target, propertyKey, false);
    return metadata === undefined ? [] : [...metadata.keys()];
  }

  function allKeys(target, propertyKey) {
    const own = ownKeys(target, propertyKey);
    const parent = parentOf(target);
    if (parent === null) return own;
    const inherited = allKeys(parent, propertyKey);
    if (inherited.length === 0) return own;
    if (own.length === 0) return inherited;
    return [...new Set([...own, ...inherited])];
  }

  function decorate(decorators, target, propertyKey, attributes) {
    if (propertyKey !== undefined) {
      if (!Array.isArray(decorators)) throw new TypeError();
      if (!isObject(target)) throw new TypeError();
      if (!isObject(attributes) && attributes !== undefined && attributes !== null) throw new TypeError();
      if (attributes === null) attributes = undefined;
      propertyKey = toPropertyKey(propertyKey);
      for (let i = decorators.length - 1; i >= 0; --i) {
        const decorated = decorators[i](target, propertyKey, attributes);
        if (decorated !== undefined && decorated !== null) {
          if (!isObject(decorated)) throw new TypeError();
          attributes = decorated;
        }
      }
      return attributes;
    }
    if (!Array.isArray(decorators)) throw new TypeError();
    if (!isConstructor(target)) throw new TypeError();
    for (let i = decorators.length - 1; i >= 0; --i) {
      const decorated = decorators[i](target);
      if (decorated !== undefined && decorated !== null) {
        if (!isConstructor(decorated)) throw new TypeError();
        target = decorated;
      }
    }
    return target;
  }

  function metadata(metadataKey, metadataValue) {
    return function decorator(target, propertyKey) {
      if (!isObject(target)) throw new TypeError();
      if (propertyKey !== undefined && !isPropertyKey(propertyKey)) throw new TypeError();
      storedKeys.add(metadataKey);
      ownMap(target, propertyKey, true).set(metadataKey, metadataValue);
    };
  }

  function defineMetadata(metadataKey, metadataValue, target, propertyKey) {
    propertyKey = checked(target, propertyKey);
    storedKeys.add(metadataKey);
    ownMap(target, propertyKey, true).set(metadataKey, metadataValue);
  }

  function hasMetadata(metadataKey, target, propertyKey) {
    propertyKey = checked(target, propertyKey);
    if (!storedKeys.has(metadataKey)) return false;
    for (let at = target; at !== null; at = parentOf(at)) if (ownMap(at, propertyKey, false)?.has(metadataKey) === true) return true;
    return false;
  }

  function hasOwnMetadata(metadataKey, target, propertyKey) {
    propertyKey = checked(target, propertyKey);
    return ownMap(target, propertyKey, false)?.has(metadataKey) === true;
  }

  function getMetadata(metadataKey, target, propertyKey) {
    propertyKey = checked(target, propertyKey);
    if (!storedKeys.has(metadataKey)) return undefined;
    for (let at = target; at !== null; at = parentOf(at)) {
      const own = ownMap(at, propertyKey, false);
      if (own !== undefined && own.has(metadataKey)) return own.get(metadataKey);
    }
    return undefined;
  }

  function getOwnMetadata(metadataKey, target, propertyKey) {
    propertyKey = checked(target, propertyKey);
    return ownMap(target, propertyKey, false)?.get(metadataKey);
  }

  function getMetadataKeys(target, propertyKey) {
    return allKeys(target, checked(target, propertyKey));
  }

  function getOwnMetadataKeys(target, propertyKey) {
    return ownKeys(target, checked(target, propertyKey));
  }

  function deleteMetadata(metadataKey, target, propertyKey) {
    propertyKey = checked(target, propertyKey);
    const own = ownMap(target, propertyKey, false);
    if (own === undefined || !own.delete(metadataKey)) return false;
    if (own.size === 0) {
      const byProperty = store.get(target);
      byProperty.delete(propertyKey);
      if (byProperty.size === 0) store.delete(target);
    }
    return true;
  }

  /** Whether any target ever had `metadataKey` stored (deleted since or not): when not, no read of it finds anything. */
  function keyEverStored(metadataKey) {
    return storedKeys.has(metadataKey);
  }

  return { decorate, metadata, defineMetadata, hasMetadata, hasOwnMetadata, getMetadata, getOwnMetadata, getMetadataKeys, getOwnMetadataKeys, deleteMetadata, keyEverStored };
}

/** The API install() put on the global Reflect, for keyEverStored. */
let installed;

/** Defines the API's functions on `target` (the global Reflect), as the polyfill does; keyEverStored stays off it (no such function in the polyfill). */
function install(target) {
  const { keyEverStored: _notOnReflect, ...api } = (installed = createReflectMetadata());
  for (const [name, fn] of Object.entries(api)) Object.defineProperty(target, name, { configurable: true, writable: true, value: fn });
}

/**
 * Whether the installed API ever stored `metadataKey` on any target; true when nothing is
 * installed (no claim then). Nest's scanner asks it before walking a class's methods for an
 * enhancer key (tools/bundle.mjs, nestScannerSkipsUnusedKeys).
 */
function keyEverStored(metadataKey) {
  return installed === undefined || installed.keyEverStored(metadataKey);
}

module.exports = { createReflectMetadata, install, keyEverStored };
