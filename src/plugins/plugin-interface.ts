/**
 * What a plugin component must look like (plugins/wit/blink-plugin.wit, package
 * blink:plugin@0.1.0), checked on the WIT text that wasm-tools prints for a component
 * (`componentWit`): which of the two worlds it implements, and whether its imports stay
 * inside the sandbox.
 *
 * Sandbox rule: a component may import `log` and WASI interfaces that reach neither the
 * file system, the network nor HTTP (wasi:io, wasi:clocks, wasi:random, wasi:cli; the host
 * gives the CLI ones an empty environment and no arguments). Anything else is refused at
 * load, with a message naming the import.
 */

export const PLUGIN_WORLDS = ['record-plugin', 'record-transformer'] as const;
export type PluginWorld = (typeof PLUGIN_WORLDS)[number];

export class PluginRefusedError extends Error {
  override readonly name = 'PluginRefusedError';
}

/** The parts of a component's WIT the broker acts on. */
export interface ComponentInterface {
  readonly world: PluginWorld;
  /** Allowed WASI interfaces it imports, without version ("wasi:random/random"). */
  readonly wasiImports: readonly string[];
}

/** WASI packages a plugin may import: no file system, sockets or HTTP. */
const ALLOWED_WASI_PACKAGES = new Set(['wasi:io', 'wasi:clocks', 'wasi:random', 'wasi:cli']);
const FORBIDDEN_WASI_PACKAGES = new Set(['wasi:filesystem', 'wasi:sockets', 'wasi:http']);

const LOG_IMPORT = 'log: func(level: level, message: string)';
const INIT_EXPORT = 'init: func() -> option<u16>';

interface WorldShape {
  readonly exports: readonly string[];
  /** Type definitions the exports use, as wasm-tools prints them (whitespace ignored). */
  readonly types: Readonly<Record<string, string>>;
}

const LEVEL_TYPE = 'enum level { trace, debug, info, warn, error, }';

const WORLD_SHAPES: Readonly<Record<PluginWorld, WorldShape>> = {
  'record-plugin': {
    exports: [INIT_EXPORT, 'on-record: func(topic: string, partition: u32, key: option<string>, value: string) -> bool'],
    types: {},
  },
  'record-transformer': {
    exports: [INIT_EXPORT, 'on-records: func(topic: string, partition: u32, records: list<%record>) -> list<verdict>'],
    types: {
      header: 'record header { key: string, value: option<list<u8>>, }',
      '%record': 'record %record { key: option<list<u8>>, value: option<list<u8>>, headers: list<header>, }',
      verdict: 'variant verdict { keep, drop, replace(%record), }',
    },
  },
};

interface ParsedWorld {
  readonly types: Map<string, string>;
  readonly imports: string[];
  readonly exports: string[];
}

const compact = (text: string): string => text.replace(/\s+/g, '');

/** The items of the (single) world in wasm-tools' printed WIT. */
function parseWorld(wit: string): ParsedWorld {
  const body = /\bworld\s+[%\w-]+\s*\{([\s\S]*)\}/.exec(wit.replace(/\/\/[^\n]*/g, ''))?.[1];
  if (body === undefined) throw new PluginRefusedError('the component has no world');
  const types = new Map<string, string>();
  const typeBlock = /\b(enum|record|variant|flags|resource)\s+(%?[\w-]+)\s*\{[^}]*\}/g;
  for (const match of body.matchAll(typeBlock)) types.set(match[2], compact(match[0]));
  const imports: string[] = [];
  const exports: string[] = [];
  for (const statement of body.replace(typeBlock, '').split(';')) {
    const item = statement.trim().replace(/\s+/g, ' ');
    if (item.startsWith('import ')) imports.push(item.slice('import '.length));
    else if (item.startsWith('export ')) exports.push(item.slice('export '.length));
    else if (item.startsWith('type ')) types.set(item.split(/\s+/)[1], compact(item));
    else if (item !== '' && !item.startsWith('use ')) throw new PluginRefusedError(`unexpected item in the component's world: ${item}`);
  }
  return { types, imports, exports };
}

function detectWorld(world: ParsedWorld): PluginWorld {
  const exported = new Set(world.exports.map(compact));
  for (const name of PLUGIN_WORLDS) {
    const shape = WORLD_SHAPES[name];
    if (world.exports.length !== shape.exports.length || !shape.exports.every((e) => exported.has(compact(e)))) continue;
    for (const [type, definition] of Object.entries(shape.types)) {
      if (world.types.get(type) !== compact(definition)) {
        throw new PluginRefusedError(`it exports the ${name} world but defines type ${type} differently from blink:plugin@0.1.0`);
      }
    }
    return name;
  }
  throw new PluginRefusedError(
    `its exports (${world.exports.join('; ') || 'none'}) match neither world of blink:plugin@0.1.0 ` +
      `(record-plugin: init, on-record; record-transformer: init, on-records)`,
  );
}

/** The WASI interface, unversioned, that `item` imports; throws for anything outside the sandbox. */
function checkImport(item: string, world: ParsedWorld): string | null {
  if (compact(item) === compact(LOG_IMPORT)) {
    if (world.types.get('level') !== compact(LEVEL_TYPE)) throw new PluginRefusedError('its log import uses a different level enum');
    return null;
  }
  const iface = /^(wasi:[\w-]+)\/[\w-]+(?:@[\w.+-]+)?$/.exec(item);
  if (iface === null) {
    throw new PluginRefusedError(`it imports ${item}; plugins may import only log and WASI without file system, sockets or HTTP`);
  }
  const wasiPackage = iface[1];
  if (FORBIDDEN_WASI_PACKAGES.has(wasiPackage)) {
    throw new PluginRefusedError(`it imports ${item}: plugins get no file system, sockets or HTTP`);
  }
  if (!ALLOWED_WASI_PACKAGES.has(wasiPackage)) {
    throw new PluginRefusedError(`it imports ${item}, which the broker does not provide to plugins`);
  }
  return item.replace(/@.*$/, '');
}

/** The world and WASI imports of a component, from its printed WIT; throws `PluginRefusedError`. */
export function checkComponentWit(wit: string): ComponentInterface {
  const world = parseWorld(wit);
  const wasiImports: string[] = [];
  for (const item of world.imports) {
    const wasi = checkImport(item, world);
    if (wasi !== null) wasiImports.push(wasi);
  }
  return { world: detectWorld(world), wasiImports };
}
