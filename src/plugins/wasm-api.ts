/**
 * The few WebAssembly JS API types the plugin workers use. TypeScript declares the
 * `WebAssembly` namespace only in the DOM and web-worker libs, which this Node project
 * does not load, so the global is typed here instead of pulling a browser lib into every
 * file of the broker.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export type WasmExports = Readonly<Record<string, unknown>>;

export interface WasmInstance {
  readonly exports: WasmExports;
}

/** An opaque compiled core module. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports?: WasmImports) => WasmInstance;
  Memory: abstract new (...args: never[]) => WasmMemory;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
