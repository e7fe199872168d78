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
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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
 * The output with every non-ASCII character as a \\uXXXX escape (esbuild leaves some in regular
 * expressions): a single one would make V8 hold the whole 4 MB source as a two-byte string,
 * twice the memory. The escape means the same in strings, templates, regular expressions and
 * identifiers.
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

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
  plugins: [optionalPackages, terminusSwagger, lazyNestDateFormat],
  // The script is one function expression (start.ts calls it); its arguments stand for what an ES module would have.
  banner: { js: '(function (require, module, exports, __filename, __dirname, __blinkBundleUrl) {' },
  footer: { js: '})' },
  define: { 'import.meta.url': '__blinkBundleUrl', 'import.meta.dirname': '__dirname' },
  // Local names are minified (2 MB less source held in memory), but every function and class
  // keeps its .name (Nest names providers after their classes); methods, which stack traces
  // show, keep their property names.
  keepNames: true,
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  legalComments: 'none',
  charset: 'ascii',
  logLevel: 'warning',
  write: false,
}).then(({ outputFiles }) => Promise.all(outputFiles.map((file) => writeFile(file.path, asciiOnly(file.text)))));
for (const worker of ['compile-worker', 'plugin-worker']) {
  await writeFile(path.join(OUT, `${worker}.js`), `// Generated by tools/bundle.mjs: the plugin runtime starts this worker from next to the bundle.\nimport '../plugins/${worker}.js';\n`);
}
