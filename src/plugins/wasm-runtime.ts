/**
 * The WebAssembly runtime behind one small injectable class (ARCHITECTURE decision 6):
 * compiling a component (a short-lived worker running jco-transpile) and starting the
 * worker thread that hosts one plugin instance. Nothing else in the broker creates
 * workers or touches jco; tests can hand the plugin service a different runtime.
 */
import { Injectable } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import type { CompileOutcome, PluginWorkerData } from './plugin-protocol.js';

/** jco-transpile takes ~100-200 ms per small component; this bounds a pathological one. */
export const COMPILE_TIMEOUT_MS = 60_000;
const COMPILE_WORKER = new URL('./compile-worker.js', import.meta.url);
const PLUGIN_WORKER = new URL('./plugin-worker.js', import.meta.url);
const BYTES_PER_MIB = 1024 * 1024;
/** V8 needs some heap for the worker itself and jco's glue (~130 KB of JS). */
const HEAP_MIB_MIN = 64;
const YOUNG_GENERATION_MIB = 16;
/**
 * V8 counts wasm memory as external memory against the heap limit: with an old-generation
 * limit equal to the wasm cap, growing wasm memory to the cap ran ~50x slower (GC after GC;
 * 64 MiB took 300-700 ms instead of 5-15 ms). Twice the cap keeps growth fast.
 */
const HEAP_PER_WASM_MEMORY = 2;

@Injectable()
export class WasmRuntime {
  /** Checks and transpiles a component in a worker thread; never rejects for a bad component. */
  compile(bytes: Uint8Array): Promise<CompileOutcome> {
    return new Promise((resolve) => {
      const worker = new Worker(COMPILE_WORKER, { workerData: bytes, env: {}, stdout: true, stderr: true });
      let settled = false;
      const finish = (outcome: CompileOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void worker.terminate();
        resolve(outcome);
      };
      const timer = setTimeout(() => finish({ ok: false, reason: `compiling took longer than ${COMPILE_TIMEOUT_MS} ms` }), COMPILE_TIMEOUT_MS);
      worker.once('message', (outcome: CompileOutcome) => finish(outcome));
      worker.once('error', (error) => finish({ ok: false, reason: `the compiler failed: ${error.message}` }));
      worker.once('exit', (code) => finish({ ok: false, reason: `the compiler exited with code ${code}` }));
    });
  }

  /**
   * A worker hosting one plugin instance. Its wasm memory is capped at `memoryBytesMax`
   * inside the worker (memory-cap.ts); its JavaScript heap at twice that (at least
   * HEAP_MIB_MIN). `env: {}` gives the worker (and any WASI shim in it) no environment.
   */
  startPluginWorker(data: PluginWorkerData, memoryBytesMax: number): Worker {
    const heapMib = Math.max(HEAP_MIB_MIN, HEAP_PER_WASM_MEMORY * Math.ceil(memoryBytesMax / BYTES_PER_MIB));
    return new Worker(PLUGIN_WORKER, {
      workerData: data,
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: heapMib, maxYoungGenerationSizeMb: YOUNG_GENERATION_MIB },
    });
  }
}
