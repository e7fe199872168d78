#!/usr/bin/env node
// Compiles Blink's own CRC-32C addon (native/crc32c.c) into dist/native/crc32c.node with the C
// compiler `cc` ($CC) and the Node-API headers of the node-api-headers devDependency: no
// node-gyp, no download of Node's headers. Run by `npm run build`, after the bundle.
//
// Without a compiler, or with one that cannot build it (no C library headers: Debian's gcc
// without libc6-dev), it says so and builds nothing: src/record-format/crc32c.ts then keeps
// @node-rs/crc32 (the same results, at about a quarter of the speed: bench/crc32c.mjs), and
// `npm start` still starts. The unit suite needs the addon (tools/test-deps installs a compiler
// for it; test/unit/record-format/crc32c-native.test.ts fails without it), and so does
// check:deploy's image.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = path.join(ROOT, 'native', 'crc32c.c');
/** Where src/record-format/crc32c.ts looks for it (under the package root). */
const OUTPUT = path.join(ROOT, 'dist', 'native', 'crc32c.node');
const COMPILER = process.env.CC || 'cc';

function skip(reason) {
  rmSync(OUTPUT, { force: true });
  console.log(`build-native: ${reason}: CRC-32C stays with @node-rs/crc32`);
  process.exit(0);
}

if (process.platform === 'win32') skip('no build for Windows');
const include = createRequire(import.meta.url)('node-api-headers').include_dir;
const partial = `${OUTPUT}.${process.pid}.tmp`;
const args = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-shared', '-fPIC', '-fvisibility=hidden', `-I${include}`, SOURCE, '-o', partial];
// A macOS addon leaves Node's symbols to the process that loads it (Linux does so by default).
if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
mkdirSync(path.dirname(OUTPUT), { recursive: true });
const result = spawnSync(COMPILER, args, { stdio: 'inherit', timeout: 120_000 });
if (result.error?.code === 'ENOENT') skip(`no C compiler (${COMPILER})`);
if (result.error !== undefined || result.status !== 0) {
  rmSync(partial, { force: true });
  skip(`${COMPILER} ${args.join(' ')} failed${result.error ? `: ${result.error.message}` : ` (exit ${result.status ?? result.signal}, its output above)`}`);
}
renameSync(partial, OUTPUT);
