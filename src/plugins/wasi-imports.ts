/**
 * The WASI interfaces a plugin may import (see plugin-interface.ts), from
 * @bytecodealliance/preview2-shim, loaded only when a plugin imports one. Locked down:
 * wasi:cli sees no environment variables, no arguments and "/" as its directory (plugin
 * workers are also started with an empty `env`). wasi:io streams (stdout/stderr) run on
 * the shim's own helper thread. The import object's keys are unversioned interface names,
 * as jco's glue expects them.
 */

const SHIM_MODULES: Readonly<Record<string, string>> = {
  'wasi:cli': '@bytecodealliance/preview2-shim/cli',
  'wasi:clocks': '@bytecodealliance/preview2-shim/clocks',
  'wasi:io': '@bytecodealliance/preview2-shim/io',
  'wasi:random': '@bytecodealliance/preview2-shim/random',
};

interface CliShim {
  _setEnv(env: Record<string, string>): void;
  _setArgs(args: string[]): void;
  _setCwd(cwd: string): void;
}

const camelCase = (name: string): string => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** `wasi:random/insecure-seed` -> the shim's `random` module's `insecureSeed` export. */
export async function createWasiImports(interfaces: readonly string[]): Promise<Record<string, unknown>> {
  const imports: Record<string, unknown> = {};
  for (const name of interfaces) {
    const [pkg, iface] = name.split('/');
    const moduleName = SHIM_MODULES[pkg];
    if (moduleName === undefined) throw new Error(`no shim for ${name}`);
    const shim = (await import(moduleName)) as Record<string, unknown>;
    if (pkg === 'wasi:cli') {
      const cli = shim as unknown as CliShim;
      cli._setEnv({});
      cli._setArgs([]);
      cli._setCwd('/');
    }
    const implementation = shim[camelCase(iface)];
    if (implementation === undefined) throw new Error(`the WASI shim has no ${name}`);
    imports[name] = implementation;
  }
  return imports;
}
