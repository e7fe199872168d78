/**
 * Worker thread entry: checks one component and transpiles it with jco-transpile, off the
 * event loop (jco's wasm-tools and bindgen run synchronously for ~100 ms per component).
 * workerData: the component bytes. Posts one `CompileOutcome` and ends.
 *
 * Checks, in order: it is a component (wasm-tools can print its WIT); its world and
 * imports pass `checkComponentWit`; its functions use the canonical ABI's UTF-8 string
 * encoding (the fast call path copies bytes as UTF-8).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { componentWit, print } from '@bytecodealliance/jco-transpile/wasm-tools';
import { checkComponentWit, PluginRefusedError } from './plugin-interface.js';
import type { CompileOutcome, CompiledComponent } from './plugin-protocol.js';

const GLUE_FILE = 'plugin.js';
const OTHER_STRING_ENCODING = /string-encoding=(?:utf16|latin1\+utf16)/;

async function readWit(bytes: Uint8Array): Promise<string> {
  try {
    return await componentWit(bytes);
  } catch (error) {
    throw new PluginRefusedError(`it is not a WebAssembly component (${error instanceof Error ? error.message : String(error)})`);
  }
}

async function compile(bytes: Uint8Array): Promise<CompiledComponent> {
  const { world, wasiImports } = checkComponentWit(await readWit(bytes));
  if (OTHER_STRING_ENCODING.test(await print(bytes))) {
    throw new PluginRefusedError('it lifts strings as UTF-16; plugins must use the canonical ABI default, UTF-8');
  }
  // base64Cutoff 0: every core module comes back as a file, so the worker can cap its memory.
  const { files } = await transpileBytes(bytes, {
    name: 'plugin',
    instantiation: 'sync',
    base64Cutoff: 0,
    emitTypescriptDeclarations: false,
  });
  const glue = files[GLUE_FILE];
  if (glue === undefined) throw new Error(`jco-transpile produced no ${GLUE_FILE}`);
  const coreModules: Record<string, Uint8Array> = {};
  for (const [file, content] of Object.entries(files)) if (file.endsWith('.wasm')) coreModules[file] = content;
  return { world, wasiImports, glue: new TextDecoder().decode(glue), coreModules };
}

async function main(): Promise<void> {
  let outcome: CompileOutcome;
  try {
    outcome = { ok: true, component: await compile(workerData as Uint8Array) };
  } catch (error) {
    outcome = { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(outcome);
}

void main();
