#!/usr/bin/env node
// Bundles the compiled broker (dist/main.js, from `tsc -p tsconfig.build.json`, which keeps the
// decorator metadata Nest's injection reads; esbuild cannot emit it from TypeScript) into one
// script, dist/bundle/broker.js. One file instead of about a thousand: no module resolution,
// no package.json lookups, and one V8 code cache (src/start.ts). Run by `npm run build`.
//
// The bundle is CommonJS wrapped in a function expression, `(function (require, module,
// exports, __filename, __dirname, __blinkBundleUrl) { ... })`, not an ES module: start.ts
// compiles it with vm.Script, whose code cache can be taken AFTER the boot ran, so it holds
// every function the boot compiled (Node's module compile cache is taken right after a
// module is compiled: it holds the top-level code only, and V8 compiled each function again
// at every boot). `import.meta.url` / `import.meta.dirname` become the wrapper's arguments.
//
// The WebAssembly plugin runtime starts two worker scripts from next to itself
// (`new URL('./…-worker.js', import.meta.url)`): dist/bundle/ gets two lines each that load the
// compiled ones in dist/plugins/, unbundled, because jco finds its own .wasm files next to its
// modules (and workers start only when plugins are configured).
//
// Left outside the bundle and loaded from node_modules at run time: native addons (.node files
// cannot be bundled), packages that read their own files (NATIVE below) and the optional packages Nest loads only when asked for (absent or development-only here).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { withoutNestedNames } from './bundle-names.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'bundle');
/** Marks the plugin's own look-ups, so they do not come back to it. */
const OWN_LOOKUP = Symbol('optional-packages lookup');

/**
 * Loaded through their own package at run time: native addons, and packages that read files
 * next to their modules (@platformatic/wasm-utils, under the uplink's @platformatic/kafka, reads
 * dist/native.wasm from beside itself).
 */
const NATIVE = ['@node-rs/crc32', 'snappy', 'lz4-napi', '@platformatic/wasm-utils'];

/** The development packages (absent from a production install, `npm ci --omit=dev`). */
const DEV_PACKAGES = new Set(Object.keys(JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).devDependencies ?? {}));

/** The package a bare specifier names ('@scope/name/sub' → '@scope/name'). */
function packageName(specifier) {
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

/**
 * Packages Nest (and its dependencies) import only when a feature needs them: absent ones, and
 * development ones (kafkajs, a devDependency for the tests, is what Nest's own Kafka transport
 * would load: 400 KB of bundle for nothing), stay dynamic imports that fail as Nest expects.
 */
const optionalPackages = {
  name: 'optional-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[@a-z]/ }, async (args) => {
      if ((args.kind !== 'dynamic-import' && args.kind !== 'require-call') || args.pluginData === OWN_LOOKUP) return undefined;
      if (DEV_PACKAGES.has(packageName(args.path))) return { path: args.path, external: true };
      const found = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: OWN_LOOKUP });
      return found.errors.length > 0 ? { path: args.path, external: true } : undefined;
    });
  },
};

/**
 * Terminus's @HealthCheck loads @nestjs/swagger through a require() of its own making
 * (createRequire), which no bundler follows: in the bundle it would load a second copy of Nest
 * from node_modules at boot. It gets the bundled module instead, as an unbundled run does.
 */
const terminusSwagger = {
  name: 'terminus-swagger',
  setup(builder) {
    builder.onLoad({ filter: /@nestjs[\\/]terminus[\\/]dist[\\/]health-check[\\/]health-check\.decorator\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const call = "require('@nestjs/swagger')";
      if (!source.includes(call)) throw new Error(`${args.path} no longer loads @nestjs/swagger with ${call}: check tools/bundle.mjs`);
      return { contents: `import * as bundledSwagger from '@nestjs/swagger';\n${source.replace(call, 'bundledSwagger')}`, loader: 'js' };
    });
  },
};

/**
 * Nest's logger modules build an Intl.DateTimeFormat when they load, which maps some 10 MB of
 * ICU locale data into the process (and takes ~50 ms) at every boot, though Blink logs through
 * pino and never formats a date with them: the formatter is built on its first use instead.
 */
const lazyNestDateFormat = {
  name: 'lazy-nest-date-format',
  setup(builder) {
    builder.onLoad({ filter: /@nestjs[\\/]common[\\/]services[\\/](console-)?logger\.service\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = /const dateTimeFormatter = new Intl\.DateTimeFormat\((undefined, \{[^}]*\})\);/;
      if (!eager.test(source)) throw new Error(`${args.path} no longer builds dateTimeFormatter as expected: check tools/bundle.mjs`);
      const lazy = 'let builtDateTimeFormatter; const dateTimeFormatter = { format: (date) => (builtDateTimeFormatter ??= new Intl.DateTimeFormat($1)).format(date) };';
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

/**
 * Nest's injector asks isDebugMode() at every step of a provider's look-up through the module
 * imports, and it reads process.env.NEST_DEBUG each time (a call into Node's environment):
 * ~4,500 reads per boot, ~1.5 ms. Read once, when the module loads (NEST_DEBUG is for the
 * command line).
 */
const nestDebugModeOnce = {
  name: 'nest-debug-mode-once',
  setup(builder) {
    builder.onLoad({ filter: /@nestjs[\\/]core[\\/]injector[\\/]helpers[\\/]is-debug-mode\.util\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const perCall = 'return !!process.env.NEST_DEBUG;';
      if (!source.includes(perCall)) throw new Error(`${args.path} no longer reads NEST_DEBUG as expected: check tools/bundle.mjs`);
      return { contents: `const nestDebug = !!process.env.NEST_DEBUG;\n${source.replace(perCall, 'return nestDebug;')}`, loader: 'js' };
    });
  },
};

/**
 * Nest's scanner asks every provider and controller class, for each of the enhancer keys (guards,
 * interceptors, exception filters, pipes, then route-argument pipes), for the key on the class and
 * on each of its methods: some 1,500 reads per boot of keys the Kafka face's classes never declare
 * (no @UseGuards, @UseInterceptors, @UseFilters or @UsePipes in the core), each a property
 * descriptor and a metadata look-up. tools/reflect-metadata.cjs knows every key ever stored
 * (keyEverStored): a key never stored is on no class and no method, so the walk would insert
 * nothing and is skipped. Decorators run when their module is evaluated, before Nest scans its
 * classes (the REST face's, whose modules are evaluated when it loads, included), so a key a
 * class uses is always stored by the time its class is scanned.
 */
const nestScannerSkipsUnusedKeys = {
  name: 'nest-scanner-skips-unused-keys',
  setup(builder) {
    builder.onLoad({ filter: /@nestjs[\\/]core[\\/]scanner\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const walks = ['reflectInjectables(component, token, metadataKey, hostToken = component) {', 'reflectParamInjectables(component, token, metadataKey, hostToken = component) {'];
      if (walks.some((walk) => source.split(walk).length !== 2)) throw new Error(`${args.path} no longer has reflectInjectables and reflectParamInjectables as expected: check tools/bundle.mjs`);
      const contents = walks.reduce((text, walk) => text.replace(walk, `${walk}\n        if (!blinkKeyEverStored(metadataKey)) return;`), source);
      return { contents: `import { keyEverStored as blinkKeyEverStored } from ${JSON.stringify(path.join(ROOT, 'tools', 'reflect-metadata.cjs'))};\n${contents}`, loader: 'js' };
    });
  },
};

/**
 * pino reads node:worker_threads when it loads (tools.js takes isMainThread, to flush its default
 * destination at exit only on the main thread; thread-stream, loaded with it for transports Blink
 * does not configure, takes Worker), which loads the module and its internals (14 built-in
 * modules, ~0.8 ms of every boot before the Kafka listeners bind; LAZY_BUILTINS defers it to its
 * first read). The bundle runs on the process's main thread only (src/start.ts; plugins and the
 * shutdown watchdog run code of their own in their threads), so isMainThread is true here, and
 * thread-stream reads Worker when it starts a transport's thread.
 */
const pinoWithoutWorkerThreads = {
  name: 'pino-without-worker-threads',
  setup(builder) {
    const patches = [
      { filter: /[\\/]pino[\\/]lib[\\/]tools\.js$/, from: "const { isMainThread } = require('worker_threads')", to: 'const isMainThread = true // tools/bundle.mjs: the bundle runs on the main thread only', uses: [] },
      { filter: /[\\/]thread-stream[\\/]index\.js$/, from: "const { Worker } = require('worker_threads')", to: "const workerThreads = require('worker_threads')", uses: [['new Worker(', 'new workerThreads.Worker(']] },
    ];
    for (const { filter, from, to, uses } of patches) {
      builder.onLoad({ filter }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (source.split(from).length !== 2 || uses.some(([use]) => source.split(use).length !== 2)) throw new Error(`${args.path} no longer reads node:worker_threads as expected: check tools/bundle.mjs`);
        return { contents: uses.reduce((text, [use, lazy]) => text.replace(use, lazy), source.replace(from, to)), loader: 'js' };
      });
    }
  },
};

/**
 * prom-client's Pushgateway (which Blink never uses) takes gzipSync out of node:zlib when
 * prom-client loads, which would load node:zlib at every boot (LAZY_BUILTINS defers it to its
 * first use: a compressed batch): it reads it from the module when it pushes instead.
 */
const promClientLazyZlib = {
  name: 'prom-client-lazy-zlib',
  setup(builder) {
    builder.onLoad({ filter: /prom-client[\\/]lib[\\/]pushgateway\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = "const { gzipSync } = require('zlib');";
      if (!source.includes(eager) || !source.includes('gzipSync(metrics)')) throw new Error(`${args.path} no longer takes gzipSync as expected: check tools/bundle.mjs`);
      return { contents: source.replace(eager, "const zlib = require('zlib');").replace('gzipSync(metrics)', 'zlib.gzipSync(metrics)'), loader: 'js' };
    });
  },
};

/**
 * `import 'reflect-metadata'` (Nest, Swagger, the broker's own modules) gets
 * tools/reflect-metadata.cjs: the same API on the global Reflect, without the polyfill's
 * provider registry, which every metadata read went through (that file says why and what it
 * saved).
 */
const leanReflectMetadata = {
  name: 'lean-reflect-metadata',
  setup(builder) {
    builder.onResolve({ filter: /^reflect-metadata$/ }, () => ({ path: 'reflect-metadata', namespace: 'lean-reflect-metadata' }));
    builder.onLoad({ filter: /.*/, namespace: 'lean-reflect-metadata' }, () => ({
      contents: "require('./tools/reflect-metadata.cjs').install(Reflect);",
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

/**
 * The output with every non-ASCII character as a \\uXXXX escape (esbuild leaves some in regular
 * expressions): a single one would make V8 hold the whole 4 MB source as a two-byte string,
 * twice the memory. The escape means the same in strings, templates, regular expressions and
 * identifiers.
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Modules most boots never use, yet evaluated at boot because a module imports them at its
 * top: each becomes a stand-in that loads the real module on its first use (a property read,
 * a call through it). Node built-ins the broker reaches only when configured so (TLS and SASL
 * listeners, HTTPS REST, plugins' worker threads, the shutdown watchdog) or never at boot
 * (Fastify's HTTP/2, prom-client's cluster aggregation; node:crypto, for SASL, tokens, member
 * and topic ids, and node:zlib, for compressed batches: 21 modules, ~6 ms of a boot and ~3 MiB
 * of an idle broker's RSS, bench/README.md boot14; test/e2e/broker-process.test.ts fails if a
 * boot loads either before its Kafka listeners are bound), node:http and node:assert, reached
 * at boot by Nest's base exception filter (STATUS_CODES, on an error) and sonic-boom (at close)
 * once Fastify, their main user, is built after the Kafka listeners bind (src/deferred-fastify-
 * adapter.ts; 7 modules; the same e2e test fails if a boot loads node:http before then),
 * class-validator's phone-number
 * metadata (libphonenumber-js/max, 150 KB of JSON to evaluate; Blink validates no phone
 * number), and validator.js, which class-validator loads whole at its top (its index for
 * IsStrongPassword, 66 of its modules one by one; some 100 modules of regular expressions and
 * locale tables, ~3 ms of every boot) while Blink's DTOs use a few of them on REST requests,
 * and the `yaml` package, which reads a settings file only when src/config/flat-yaml.ts cannot
 * (the shipped one is flat), and @opentelemetry/api (44 modules), which prom-client's process CPU
 * metric requires at its top for exemplars, which Blink does not enable.
 * A stand-in adds a trap to every property read: none of these is on the produce or
 * fetch path (the snappy and lz4 codecs load themselves on first use: record-format/compression.ts).
 * Whatever a boot does touch (prom-client reads v8 heap statistics, pino worker_threads)
 * is loaded then, as before. BLINK_BUNDLE_SOURCEMAP=1 also writes broker.js.map, to read a
 * boot's CPU profile (--cpu-prof) by package.
 * Their property names are taken here, from the same Node.js major (package.json engines),
 * so that esbuild's ES-module wrapper can copy them without loading the module.
 */
const LAZY_BUILTINS = ['assert', 'http', 'https', 'http2', 'tls', 'dns', 'cluster', 'child_process', 'worker_threads', 'v8', 'crypto', 'zlib'];
/** Package specifiers, as regular expressions. */
const LAZY_PACKAGES = ['libphonenumber-js/max', 'validator', 'validator/lib/[A-Za-z0-9]+', 'yaml', '@opentelemetry/api'];
const requireHere = createRequire(import.meta.url);
/** The stand-in module for `specifier`, whose exports at build time were `real`. */
function standIn(specifier, real) {
  return `module.exports = __blinkLazy(() => require(${JSON.stringify(specifier)}), ${JSON.stringify(Object.getOwnPropertyNames(real))}, ${typeof real === 'function'});`;
}
const lazyModules = {
  name: 'lazy-modules',
  setup(builder) {
    const builtins = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    builder.onResolve({ filter: builtins }, (args) =>
      // The stand-in's own require() is of the real module.
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ contents: standIn(`node:${args.path}`, requireHere(`node:${args.path}`)), loader: 'js' }));
    const packages = new RegExp(`^(${LAZY_PACKAGES.join('|')})$`);
    builder.onResolve({ filter: packages }, (args) => {
      if (args.pluginData === OWN_LOOKUP) return undefined;
      return { path: args.path, namespace: 'lazy-package', pluginData: { resolveDir: args.resolveDir } };
    });
    builder.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({
      contents: standIn(args.path, createRequire(path.join(args.pluginData.resolveDir, 'index.js'))(args.path)),
      loader: 'js',
      resolveDir: args.pluginData.resolveDir,
      pluginData: OWN_LOOKUP,
    }));
  },
};

/**
 * The stand-in (lazy-modules above): a Proxy over an empty object whose traps load the module.
 * Before the load, the names it reports are the build's list, and no prototype is asked of the
 * module (esbuild's wrapper asks for one and for __esModule, which Node's modules do not set).
 * A module that is a function gets a function stand-in (an arrow function: it has no own
 * 'prototype' the traps would have to report as it is), which calls through.
 */
const LAZY_HELPER = `function __blinkLazy(load, names, callable) { let loaded; const real = () => (loaded ??= load()); return new Proxy(callable ? () => {} : {}, {
  apply: (_, self, args) => Reflect.apply(real(), self, args),
  get: (_, key) => (key === '__esModule' && loaded === undefined ? undefined : Reflect.get(real(), key)),
  set: (_, key, value) => Reflect.set(real(), key, value),
  has: (_, key) => key in real(),
  deleteProperty: (_, key) => Reflect.deleteProperty(real(), key),
  defineProperty: (_, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
  ownKeys: () => (loaded === undefined ? [...names] : Reflect.ownKeys(loaded)),
  getOwnPropertyDescriptor: (_, key) => { if (loaded === undefined) return undefined; const own = Reflect.getOwnPropertyDescriptor(loaded, key); return own && { ...own, configurable: true }; },
  getPrototypeOf: () => (loaded === undefined ? Object.prototype : Reflect.getPrototypeOf(loaded)),
}); }`;

/**
 * esbuild's __toESM helper: what an ES module of the bundle gets for `import … from` a CommonJS
 * package (class-validator, rxjs, iterare, …): a new object with one getter per export of the
 * package, made again at every importing module (some 11,700 exports per boot over 150 imports).
 * The helper is swapped for sharedEsmNamespace (LAZY_HELPER's neighbour in the footer): one
 * object per package and mode whose prototype is the package's exports object, with `default`
 * of its own where esbuild would give it one (Node's mode, or a package without __esModule). A
 * read of an export finds the package's own property through the prototype, live as the
 * getters were (a package still loading when first imported, in an import cycle, included),
 * with no getter to define (some 1,000 per boot in 24 packages, 3.4-7 ms) or to call at each
 * use. Unlike esbuild's object, it has no own property per export: nothing in the bundle lists
 * a namespace's keys (esbuild's __reExport, which would, is not in it; tools/bundle.mjs checks).
 * The replacement has the helper's length, padded with spaces, so the source map
 * (BLINK_BUNDLE_SOURCEMAP=1) still lines up.
 */
const TO_ESM_HELPER = /var ([\w$]+)=\(([\w$]+),([\w$]+),([\w$]+)\)=>\(\4=\2!=null\?[\w$]+\([\w$]+\(\2\)\):\{\},[\w$]+\(\3\|\|!\2\|\|!\2\.__esModule\?[\w$]+\(\4,"default",\{value:\2,enumerable:!0\}\):\4,\2\)\)/g;
const SHARED_ESM_HELPER = `function sharedEsmNamespace(mod, nodeMode) {
  const withDefault = (ns) => (nodeMode || !mod || !mod.__esModule ? Object.defineProperty(ns, 'default', { value: mod, enumerable: true }) : ns);
  if ((typeof mod !== 'object' || mod === null) && typeof mod !== 'function') return withDefault(mod != null ? Object.create(Object.getPrototypeOf(mod)) : {});
  const cache = (sharedEsmNamespace.cache ??= [new WeakMap(), new WeakMap()])[nodeMode ? 1 : 0];
  let ns = cache.get(mod);
  if (ns === undefined) cache.set(mod, (ns = withDefault(Object.create(mod))));
  return ns;
}`;
/**
 * esbuild's __reExport helper (`export * from` a CommonJS package), which copies a namespace's own
 * properties: it would find none on sharedEsmNamespace's objects.
 */
const RE_EXPORT_HELPER = /=\(([\w$]+),([\w$]+),([\w$]+)\)=>\([\w$]+\(\1,\2,"default"\),\3&&[\w$]+\(\3,\2,"default"\)\)/;
/** The bundle with esbuild's __toESM replaced by a call to sharedEsmNamespace, at the same length. */
function sharedEsmNamespaces(text) {
  if (RE_EXPORT_HELPER.test(text)) throw new Error("the bundle re-exports a CommonJS package (esbuild's __reExport), which sharedEsmNamespace's objects do not support: check tools/bundle.mjs");
  let found = 0;
  const out = text.replace(TO_ESM_HELPER, (helper, name, mod, nodeMode) => {
    found++;
    const call = `var ${name}=(${mod},${nodeMode})=>sharedEsmNamespace(${mod},${nodeMode})`;
    return call.padEnd(helper.length, ' ');
  });
  if (found !== 1) throw new Error(`esbuild's __toESM helper found ${found} times in the bundle (expected once): check tools/bundle.mjs`);
  return out;
}

/**
 * rxjs's CommonJS entry points (`rxjs`, `rxjs/operators`, which Nest and the broker import) require
 * all of their ~280 operator, observable and scheduler modules when they load, for getters that
 * read one export each: 226 rxjs modules evaluated before a boot's Kafka listeners bind, of which
 * the boot uses a few dozen. Each getter requires its module itself instead (esbuild turns that
 * require into a call of the module's wrapper, which evaluates it once, on the first read), so a
 * module is evaluated, and its code compiled into the code cache, only once something reads it.
 * rxjs's modules have no side effects at load that another module relies on (they define
 * functions and classes). The build fails if the entry points change shape.
 */
const lazyRxjsExports = {
  name: 'lazy-rxjs-exports',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]rxjs[\\/]dist[\\/]cjs[\\/](operators[\\/])?index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const required = new Map([...source.matchAll(/^var (\w+) = require\("([^"]+)"\);$/gm)].map((match) => [match[1], match[2]]));
      const contents = source
        .replace(/^var \w+ = require\("[^"]+"\);\n/gm, '')
        .replace(/return (\w+)\.(\w+); \}/g, (getter, binding, name) => (required.has(binding) ? `return require(${JSON.stringify(required.get(binding))}).${name}; }` : getter));
      const left = [...required.keys()].filter((binding) => new RegExp(`\\b${binding}\\b`).test(contents));
      if (required.size < 100 || left.length > 0) throw new Error(`${args.path} no longer re-exports through one getter per required module (${required.size} modules, ${left.length} read otherwise): check tools/bundle.mjs`);
      return { contents, loader: 'js' };
    });
  },
};

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: { broker: 'dist/main.js' },
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  splitting: false,
  external: NATIVE,
  plugins: [lazyModules, optionalPackages, terminusSwagger, lazyNestDateFormat, nestDebugModeOnce, nestScannerSkipsUnusedKeys, pinoWithoutWorkerThreads, promClientLazyZlib, leanReflectMetadata, lazyRxjsExports],
  // The script is one function expression (start.ts calls it); its arguments stand for what an ES module would have.
  banner: { js: '(function (require, module, exports, __filename, __dirname, __blinkBundleUrl) {' },
  // The lazy-module helper is a function declaration: hoisted, and after the bundle's "use strict", which must come first.
  footer: { js: `${LAZY_HELPER.replace(/\n\s*/g, ' ')} ${SHARED_ESM_HELPER.replace(/\n\s*/g, ' ')}\n})` },
  define: { 'import.meta.url': '__blinkBundleUrl', 'import.meta.dirname': '__dirname' },
  // Local names are minified (2 MB less source held in memory), but every class and every
  // function a module defines keeps its .name (Nest names providers after their classes);
  // methods, which stack traces show, keep their property names. Functions made inside
  // functions do not (withoutNestedNames: tools/bundle-names.mjs).
  keepNames: true,
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  legalComments: 'none',
  charset: 'ascii',
  logLevel: 'warning',
  write: false,
  sourcemap: process.env.BLINK_BUNDLE_SOURCEMAP === '1' ? 'external' : false,
}).then(({ outputFiles }) => Promise.all(outputFiles.map((file) => writeFile(file.path, file.path.endsWith('.js') ? withoutNestedNames(sharedEsmNamespaces(asciiOnly(file.text))).text : asciiOnly(file.text)))));
for (const worker of ['compile-worker', 'plugin-worker']) {
  await writeFile(path.join(OUT, `${worker}.js`), `// Generated by tools/bundle.mjs: the plugin runtime starts this worker from next to the bundle.\nimport '../plugins/${worker}.js';\n`);
}
