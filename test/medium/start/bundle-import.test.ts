/**
 * Medium test of src/start.ts's compile of the bundle: an import() the bundle leaves to
 * node_modules (a package kept out of the bundle, Nest's optional packages) loads the package
 * and prints no warning (other warnings still print). The built dist/start.js runs, as `npm start` runs it, beside a
 * stand-in bundle (bundle/broker.js, the function expression tools/bundle.mjs makes) that
 * imports a real ES-module package (@platformatic/kafka, the uplink's client) and a built-in.
 * start.ts's import() callback used to be refused for every import() without
 * --experimental-vm-modules (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG); the option it uses
 * now prints an ExperimentalWarning at its first use unless start.ts drops it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { withTempDir } from '../../support/wal-fixtures.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const RUN_TIMEOUT_MS = 30_000;

/** The stand-in bundle: the arguments start.ts passes, a warning of its own, two import()s, their outcome on stdout. */
const BUNDLE = `(function (require, module, exports, __filename, __dirname, __blinkBundleUrl) {
  const outcome = (name, promise) => promise.then(
    (namespace) => process.stdout.write(name + ' imported: ' + typeof namespace.Producer + ' ' + typeof namespace.cpus + '\\n'),
    (error) => process.stdout.write(name + ' failed: ' + (error.code ?? error.message) + '\\n'),
  );
  process.emitWarning('a warning of the bundle');
  outcome('@platformatic/kafka', import('@platformatic/kafka')).then(() => outcome('node:os', import('node:os')));
})`;

describe('start.ts: the bundle compiled as a vm.Script (medium: the built dist/start.js in a child process)', () => {
  it("an import() of a package outside the bundle loads it, and prints no warning: the process's stderr holds the bundle's own alone", async () => {
    await withTempDir(async (dir) => {
      // dist/start.js and a bundle/ beside it, as in dist/; node_modules resolved through a link to the checkout's.
      await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
      await copyFile(join(REPO_ROOT, 'dist/start.js'), join(dir, 'start.js'));
      await mkdir(join(dir, 'bundle'));
      await writeFile(join(dir, 'bundle/broker.js'), BUNDLE);
      await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(dir, 'start.js')], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', BLINK_COMPILE_CACHE: join(dir, 'cache') },
        timeout: RUN_TIMEOUT_MS,
      });
      assert.equal(stdout, '@platformatic/kafka imported: function undefined\nnode:os imported: undefined function\n');
      // Node's warnings still print, but for the loader's own.
      assert.match(stderr, /^\(node:\d+\) Warning: a warning of the bundle\n\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n$/);
    }, 'bundle-import');
  });
});
