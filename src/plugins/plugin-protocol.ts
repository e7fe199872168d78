/**
 * What the broker and a plugin worker thread exchange besides calls (calls travel through
 * the shared-memory `CallChannel`): the start data, the start handshake, and log lines.
 */
import type { PluginWorld } from './plugin-interface.js';

/** A component after compilation: what a plugin worker instantiates. */
export interface CompiledComponent {
  readonly world: PluginWorld;
  readonly wasiImports: readonly string[];
  /** jco's ES-module glue (sync instantiation), as source text. */
  readonly glue: string;
  /** Core modules by the file name the glue asks for. */
  readonly coreModules: Readonly<Record<string, Uint8Array>>;
}

export type CompileOutcome = { readonly ok: true; readonly component: CompiledComponent } | { readonly ok: false; readonly reason: string };

export interface PluginWorkerData {
  readonly name: string;
  readonly component: CompiledComponent;
  readonly memoryPagesMax: number;
  /** The `CallChannel` buffer. */
  readonly channel: SharedArrayBuffer;
}

/** Per record: what the plugin chain decided (one byte each in a call's answer). */
export const enum VerdictCode {
  Keep = 0,
  /** `false` (record-plugin) or `drop` (record-transformer). */
  Refused = 1,
  Replaced = 2,
  /** A record-plugin cannot be given this record: its key or value is not UTF-8. */
  NotUtf8 = 3,
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type PluginLogLevel = (typeof LOG_LEVELS)[number];

export type WorkerMessage =
  | { readonly type: 'ready'; readonly initResult: number | null }
  | { readonly type: 'start-failed'; readonly reason: string }
  | { readonly type: 'log'; readonly level: PluginLogLevel; readonly message: string };
