/**
 * Worker thread entry: hosts one instance of one plugin. The broker spawns it with
 * `resourceLimits` (JavaScript heap) and `PluginWorkerData`; the wasm memory is capped by
 * rewriting each core module (memory-cap.ts). Start: instantiate through jco's glue, call
 * `init()` once, post `ready`. Then the thread blocks on its `CallChannel` and answers one
 * call per produce batch, in order. Any trap or ABI violation is answered `failed` and the
 * broker replaces the worker; a plugin that never returns is stopped by the broker with
 * `terminate()`.
 *
 * Rule for record-plugin (text) calls: a record whose key or value is not valid UTF-8 is
 * never passed to `on-record`; it gets `VerdictCode.NotUtf8`, a refusal. A null value
 * (tombstone) is passed as "". For record-transformer calls a record is passed as bytes,
 * except that a header key that is not valid UTF-8 (a WIT string) gets `NotUtf8` too.
 */
import { isUtf8 } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeRecord, parseRecords, RecordFormatError, type DecodedRecord } from '../record-format/records.js';
import {
  findCallTarget,
  RecordPluginCall,
  RecordTransformerCall,
  type CoreCallTarget,
  type PluginRecord,
  type Verdict,
} from './component-calls.js';
import { capModuleMemory, WASM_PAGE_BYTES } from './memory-cap.js';
import { CallChannel, type ChannelRequest } from './call-channel.js';
import { LOG_LEVELS, VerdictCode, type PluginLogLevel, type PluginWorkerData, type WorkerMessage } from './plugin-protocol.js';
import { createWasiImports } from './wasi-imports.js';
import { Wasm, type WasmImports, type WasmInstance, type WasmModule } from './wasm-api.js';

/** Log lines a plugin may emit per call (and during init); the rest are counted, not sent. */
const LOG_LINES_PER_CALL_MAX = 20;
const LOG_MESSAGE_CHARS_MAX = 2_000;
const EMPTY = new Uint8Array(0);

const data = workerData as PluginWorkerData;
const port = parentPort!;
const encoder = new TextEncoder();

const channel = new CallChannel(data.channel);

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

class LogGate {
  private sent = 0;
  private suppressed = 0;

  log(level: PluginLogLevel, message: string): void {
    if (this.sent >= LOG_LINES_PER_CALL_MAX) {
      this.suppressed++;
      return;
    }
    this.sent++;
    const text = message.length > LOG_MESSAGE_CHARS_MAX ? `${message.slice(0, LOG_MESSAGE_CHARS_MAX)}…` : message;
    post({ type: 'log', level, message: text });
  }

  /** Ends a call: reports how many lines were held back, and resets the budget. */
  flush(): void {
    if (this.suppressed > 0) post({ type: 'log', level: 'warn', message: `${this.suppressed} more log lines of this call were dropped` });
    this.sent = 0;
    this.suppressed = 0;
  }
}

const logGate = new LogGate();

interface InstantiatedPlugin {
  readonly target: CoreCallTarget;
  readonly calls: RecordPluginCall | RecordTransformerCall;
  readonly initResult: number | null;
}

type Instantiate = (
  getCoreModule: (file: string) => WasmModule,
  imports: Record<string, unknown>,
  instantiateCore: (module: WasmModule, imports?: WasmImports) => WasmInstance,
) => { init(): number | undefined } | Promise<{ init(): number | undefined }>;

async function instantiatePlugin(): Promise<InstantiatedPlugin> {
  const { component, memoryPagesMax } = data;
  const glueUrl = `data:text/javascript;base64,${Buffer.from(component.glue).toString('base64')}`;
  const { instantiate } = (await import(glueUrl)) as { instantiate: Instantiate };
  const capped = new WeakSet<WasmModule>();
  const instances: WasmInstance[] = [];
  const getCoreModule = (file: string): WasmModule => {
    const bytes = component.coreModules[file];
    if (bytes === undefined) throw new Error(`the glue asked for a missing core module ${file}`);
    const module = new Wasm.Module(capModuleMemory(bytes, memoryPagesMax));
    capped.add(module);
    return module;
  };
  const instantiateCore = (module: WasmModule, imports?: WasmImports): WasmInstance => {
    if (!capped.has(module)) throw new Error('a core module bypassed the memory cap');
    const instance = new Wasm.Instance(module, imports);
    instances.push(instance);
    return instance;
  };
  const imports: Record<string, unknown> = {
    log: { default: (level: PluginLogLevel, message: string) => logGate.log(LOG_LEVELS.includes(level) ? level : 'info', message) },
    ...(await createWasiImports(component.wasiImports)),
  };
  const api = await instantiate(getCoreModule, imports, instantiateCore);
  const target = findCallTarget(component.world, instances);
  const calls = component.world === 'record-plugin' ? new RecordPluginCall(target) : new RecordTransformerCall(target);
  const initResult = api.init() ?? null;
  logGate.flush();
  return { target, calls, initResult };
}

/** Records a record-plugin cannot see as text are refused; the rest get the plugin's answer. */
function callRecordPlugin(call: RecordPluginCall, topic: Uint8Array, partition: number, records: readonly DecodedRecord[], codes: Uint8Array): void {
  records.forEach((record, i) => {
    const value = record.value ?? EMPTY;
    if ((record.key !== null && !isUtf8(record.key)) || !isUtf8(value)) {
      codes[i] = VerdictCode.NotUtf8;
      return;
    }
    codes[i] = call.onRecord(topic, partition, record.key, value) ? VerdictCode.Keep : VerdictCode.Refused;
  });
}

function callTransformer(
  call: RecordTransformerCall,
  topic: Uint8Array,
  partition: number,
  records: readonly DecodedRecord[],
  codes: Uint8Array,
): Map<number, PluginRecord> {
  const passed: number[] = [];
  records.forEach((record, i) => {
    if (record.headers.every((header) => isUtf8(header.key))) passed.push(i);
    else codes[i] = VerdictCode.NotUtf8;
  });
  const replacements = new Map<number, PluginRecord>();
  if (passed.length === 0) return replacements;
  const verdicts: Verdict[] = call.onRecords(topic, partition, passed.map((i) => records[i]));
  verdicts.forEach((verdict, j) => {
    const i = passed[j];
    if (verdict.kind === 'keep') codes[i] = VerdictCode.Keep;
    else if (verdict.kind === 'drop') codes[i] = VerdictCode.Refused;
    else {
      codes[i] = VerdictCode.Replaced;
      replacements.set(i, verdict.record);
    }
  });
  return replacements;
}

/** The records section after the verdicts: kept records as sent, replaced ones re-encoded with their deltas. */
function remainingRecords(section: Uint8Array, records: readonly DecodedRecord[], codes: Uint8Array, replacements: Map<number, PluginRecord>) {
  const parts: Uint8Array[] = [];
  records.forEach((record, i) => {
    if (codes[i] === VerdictCode.Keep) parts.push(section.subarray(record.start, record.end));
    else if (codes[i] === VerdictCode.Replaced) {
      parts.push(encodeRecord({ ...replacements.get(i)!, timestampDelta: record.timestampDelta, offsetDelta: record.offsetDelta }));
    }
  });
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return { records: out, count: parts.length };
}

function handleCall(plugin: InstantiatedPlugin, request: ChannelRequest): void {
  let records: DecodedRecord[];
  try {
    records = parseRecords(request.records, request.count);
  } catch (error) {
    if (!(error instanceof RecordFormatError)) throw error;
    channel.writeFailure('malformed', error.message);
    return;
  }
  const topic = encoder.encode(request.topic);
  const codes = new Uint8Array(records.length);
  let replacements = new Map<number, PluginRecord>();
  if (data.component.world === 'record-plugin') {
    callRecordPlugin(plugin.calls as RecordPluginCall, topic, request.partition, records, codes);
  } else {
    replacements = callTransformer(plugin.calls as RecordTransformerCall, topic, request.partition, records, codes);
  }
  logGate.flush();
  if (codes.every((code) => code === VerdictCode.Keep)) {
    channel.writeResult(codes, null, records.length);
    return;
  }
  const remaining = remainingRecords(request.records, records, codes, replacements);
  channel.writeResult(codes, remaining.records, remaining.count);
}

/**
 * A trap is put down to memory when the plugin's memory is within 10% of the cap: wasm
 * cannot tell the host that a `memory.grow` failed, and allocators trap right after one.
 */
const MEMORY_EXHAUSTED_SHARE = 0.9;

function memoryUse(plugin: InstantiatedPlugin): { text: string; exhausted: boolean } {
  const used = plugin.target.memory.buffer.byteLength;
  const cap = data.memoryPagesMax * WASM_PAGE_BYTES;
  const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return { text: `memory ${mib(used)} of its ${mib(cap)} cap`, exhausted: used >= cap * MEMORY_EXHAUSTED_SHARE };
}

/** Answers every request after `lastSeq`, forever. */
function serve(plugin: InstantiatedPlugin, lastSeq: number): never {
  for (let seq = lastSeq; ; ) {
    seq = channel.waitForRequest(seq);
    try {
      handleCall(plugin, channel.readRequest());
    } catch (error) {
      logGate.flush();
      const memory = memoryUse(plugin);
      const reason = `${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} (${memory.text})`;
      channel.writeFailure('failed', reason, memory.exhausted);
    }
    channel.respond(seq);
  }
}

async function main(): Promise<void> {
  let plugin: InstantiatedPlugin;
  try {
    plugin = await instantiatePlugin();
  } catch (error) {
    post({ type: 'start-failed', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    return;
  }
  // Read before `ready`: the broker may send the first request as soon as it sees `ready`.
  const lastSeq = channel.requestSeq;
  post({ type: 'ready', initResult: plugin.initResult });
  // From here the thread's event loop never turns again: it waits on the channel.
  serve(plugin, lastSeq);
}

void main();
