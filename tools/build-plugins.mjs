#!/usr/bin/env node
// Builds the plugin components from WAT source, with npm-only tools (`npm run build:plugins`):
//   plugins/examples/*.wat and plugins/test/*.wat  ->  plugins/build/<name>.wasm (gitignored)
// Steps: WAT -> core module (wasm-tools parse), embed the WIT world (component-type custom
// section), core -> component (wit-component). No WASI adapter is needed: the modules import
// only what their world declares.
//
// The first line of each .wat names its world, e.g. ";; content-filter (world record-plugin): ..."
// and optionally its WIT file (default plugins/wit/blink-plugin.wit):
//   ";; fs-import (world fs-import, wit plugins/test/fs-import.wit): ..."
//
// The WIT is passed as text (`witSource`), not as a path: the wasm-tools bundled with
// jco-transpile runs on preview2-shim, which has no file-system preopens, so a WIT path
// fails with "No such file or directory (os error 44)".
//
// Usage: node tools/build-plugins.mjs [FILE.wat ...]   (default: every plugin)

import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco-transpile/wasm-tools';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SOURCE_DIRS = ['plugins/examples', 'plugins/test'];
const OUT_DIR = join(ROOT, 'plugins/build');
const DEFAULT_WIT = 'plugins/wit/blink-plugin.wit';
const HEADER = /^;;\s*[\w-]+\s*\(world ([\w-]+)(?:,\s*wit ([^)]+))?\)/;

async function sources(args) {
  if (args.length > 0) return args.map((file) => resolve(file));
  const found = [];
  for (const dir of SOURCE_DIRS) {
    for (const name of (await readdir(join(ROOT, dir))).sort()) {
      if (name.endsWith('.wat')) found.push(join(ROOT, dir, name));
    }
  }
  return found;
}

async function build(watFile) {
  const wat = await readFile(watFile, 'utf8');
  const header = HEADER.exec(wat.split('\n', 1)[0]);
  if (header === null) throw new Error(`${relative(ROOT, watFile)}: the first line must name the world, e.g. ";; name (world record-plugin): ..."`);
  const [, world, witFile = DEFAULT_WIT] = header;
  const core = await parse(wat);
  const witSource = await readFile(join(ROOT, witFile), 'utf8');
  const embedded = await componentEmbed({ binary: core, witSource, world });
  const component = await componentNew(embedded, []);
  const out = join(OUT_DIR, `${basename(watFile, '.wat')}.wasm`);
  await writeFile(out, component);
  return `${relative(ROOT, watFile)} (${world}) -> ${relative(ROOT, out)}: core ${core.length} B, component ${component.length} B`;
}

await mkdir(OUT_DIR, { recursive: true });
let failed = 0;
for (const file of await sources(process.argv.slice(2))) {
  try {
    console.log(await build(file));
  } catch (error) {
    failed++;
    console.error(`${relative(ROOT, file)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
