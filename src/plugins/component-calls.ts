/**
 * Calls into a plugin's core module through the component model's canonical ABI, written
 * out for the two fixed exports (`on-record`, `on-records`) instead of going through
 * jco's generated glue. The glue creates a task object per call and decodes/re-encodes
 * every string (~2 µs per call under jco 1.35); here record bytes are copied straight
 * into the plugin's memory (~0.3 µs). jco's glue still instantiates the component, runs
 * `init` and serves the `log` import, so those follow jco exactly.
 *
 * Canonical ABI facts used (component-model CanonicalABI.md, 32-bit memories, UTF-8):
 * - strings and list<u8> are (ptr, len) placed with `cabi_realloc(0, 0, align, size)`;
 *   empty ones get no allocation and ptr = align (as jco does).
 * - option<list<u8>>: u8 case at +0, the list at +4; size 12, align 4.
 * - header { key: string, value: option<list<u8>> }: +0 key, +8 value; size 20.
 * - record { key, value: option<list<u8>>, headers: list<header> }: +0, +12, +24; size 32.
 * - verdict = variant { keep, drop, replace(record) }: u8 case at +0, record at +4; size 36.
 * - on-record flattens to 8 i32 params and returns an i32 bool (non-zero is true).
 * - on-records flattens to 5 i32 params; its list result does not fit one flat value, so the
 *   function returns a pointer to (ptr, len) in memory.
 * - `cabi_post_<name>` (optional) runs after the results were read: the plugin frees there.
 * Every pointer the plugin returns is bounds- and alignment-checked; a bad one is a
 * `PluginContractError` (the spec's trap).
 */
import { isUtf8 } from 'node:buffer';
import { RECORD_HEADERS_MAX, type RecordHeader } from '../record-format/records.js';
import type { PluginWorld } from './plugin-interface.js';
import { Wasm, type WasmInstance, type WasmMemory } from './wasm-api.js';

const OPTION_BYTES_SIZE = 12;
const HEADER_SIZE = 20;
const RECORD_SIZE = 32;
const VERDICT_SIZE = 36;
const ALIGN_4 = 4;

export class PluginContractError extends Error {
  override readonly name = 'PluginContractError';
}

/** A record as both worlds see it: exact bytes. */
export interface PluginRecord {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

export type Verdict = { readonly kind: 'keep' } | { readonly kind: 'drop' } | { readonly kind: 'replace'; readonly record: PluginRecord };

const KEEP: Verdict = { kind: 'keep' };
const DROP: Verdict = { kind: 'drop' };

type CoreFunction = (...args: number[]) => number;
type Realloc = (oldPtr: number, oldSize: number, align: number, size: number) => number;

/** The core instance exports a plugin call needs. */
export interface CoreCallTarget {
  readonly memory: WasmMemory;
  readonly realloc: Realloc;
  readonly fn: CoreFunction;
  readonly postReturn: ((ret: number) => void) | null;
}

const EXPORT_NAMES: Readonly<Record<PluginWorld, string>> = { 'record-plugin': 'on-record', 'record-transformer': 'on-records' };

/** Finds the core instance that exports the world's function with its memory and allocator. */
export function findCallTarget(world: PluginWorld, instances: readonly WasmInstance[]): CoreCallTarget {
  const name = EXPORT_NAMES[world];
  const owner = instances.find((instance) => typeof instance.exports[name] === 'function');
  const exports = owner?.exports;
  if (exports === undefined) throw new PluginContractError(`no core module exports ${name}`);
  const memory = exports.memory;
  const realloc = exports.cabi_realloc;
  if (!(memory instanceof Wasm.Memory) || typeof realloc !== 'function') {
    throw new PluginContractError(`the core module that exports ${name} must also export memory and cabi_realloc`);
  }
  const postReturn = exports[`cabi_post_${name}`];
  return {
    memory,
    realloc: realloc as Realloc,
    fn: exports[name] as CoreFunction,
    postReturn: typeof postReturn === 'function' ? (postReturn as (ret: number) => void) : null,
  };
}

/** Lowering and lifting helpers over one core instance's memory. */
class GuestMemory {
  private view = new DataView(new ArrayBuffer(0));

  constructor(private readonly target: CoreCallTarget) {}

  /** A view of the current buffer (memory.grow replaces it). */
  data(): DataView {
    if (this.view.buffer !== this.target.memory.buffer) this.view = new DataView(this.target.memory.buffer);
    return this.view;
  }

  alloc(align: number, size: number): number {
    if (size === 0) return align;
    const ptr = this.target.realloc(0, 0, align, size) >>> 0;
    if (ptr % align !== 0 || ptr + size > this.target.memory.buffer.byteLength) {
      throw new PluginContractError(`cabi_realloc returned ${ptr} for ${size} bytes aligned to ${align}`);
    }
    return ptr;
  }

  lowerBytes(bytes: Uint8Array): number {
    const ptr = this.alloc(1, bytes.length);
    if (bytes.length > 0) new Uint8Array(this.target.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** Copies `len` elements of `size` bytes at `ptr` out of the guest, after checking the range. */
  checkRange(ptr: number, len: number, size: number, align: number, what: string): void {
    if (ptr % align !== 0 || ptr + len * size > this.target.memory.buffer.byteLength) {
      throw new PluginContractError(`${what} at ${ptr} (${len} x ${size} bytes) is outside the plugin's memory or misaligned`);
    }
  }

  liftBytes(ptr: number, len: number, what: string): Uint8Array {
    this.checkRange(ptr, len, 1, 1, what);
    return new Uint8Array(this.target.memory.buffer.slice(ptr, ptr + len));
  }
}

/** The record-plugin world's `on-record`. */
export class RecordPluginCall {
  private readonly memory: GuestMemory;

  constructor(private readonly target: CoreCallTarget) {
    this.memory = new GuestMemory(target);
  }

  /** `key` and `value` must be valid UTF-8 (the caller checks; a WIT string is UTF-8). */
  onRecord(topic: Uint8Array, partition: number, key: Uint8Array | null, value: Uint8Array): boolean {
    const topicPtr = this.memory.lowerBytes(topic);
    const keyPtr = key === null ? 0 : this.memory.lowerBytes(key);
    const valuePtr = this.memory.lowerBytes(value);
    const ret = this.target.fn(topicPtr, topic.length, partition, key === null ? 0 : 1, keyPtr, key?.length ?? 0, valuePtr, value.length);
    this.target.postReturn?.(ret);
    return ret !== 0;
  }
}

/** The record-transformer world's `on-records`. */
export class RecordTransformerCall {
  private readonly memory: GuestMemory;

  constructor(private readonly target: CoreCallTarget) {
    this.memory = new GuestMemory(target);
  }

  onRecords(topic: Uint8Array, partition: number, records: readonly PluginRecord[]): Verdict[] {
    const topicPtr = this.memory.lowerBytes(topic);
    const listPtr = this.memory.alloc(ALIGN_4, records.length * RECORD_SIZE);
    records.forEach((record, i) => this.lowerRecord(listPtr + i * RECORD_SIZE, record));
    const ret = this.target.fn(topicPtr, topic.length, partition, listPtr, records.length) >>> 0;
    this.memory.checkRange(ret, 1, 8, ALIGN_4, 'the on-records result');
    const data = this.memory.data();
    const verdictsPtr = data.getUint32(ret, true);
    const count = data.getUint32(ret + 4, true);
    if (count !== records.length) throw new PluginContractError(`on-records returned ${count} verdicts for ${records.length} records`);
    this.memory.checkRange(verdictsPtr, count, VERDICT_SIZE, ALIGN_4, 'the verdict list');
    const verdicts: Verdict[] = [];
    for (let i = 0; i < count; i++) verdicts.push(this.liftVerdict(verdictsPtr + i * VERDICT_SIZE));
    this.target.postReturn?.(ret);
    return verdicts;
  }

  private lowerOptionBytes(at: number, bytes: Uint8Array | null): void {
    const ptr = bytes === null ? 0 : this.memory.lowerBytes(bytes);
    const data = this.memory.data();
    data.setUint8(at, bytes === null ? 0 : 1);
    data.setUint32(at + 4, ptr, true);
    data.setUint32(at + 8, bytes?.length ?? 0, true);
  }

  private lowerRecord(at: number, record: PluginRecord): void {
    this.lowerOptionBytes(at, record.key);
    this.lowerOptionBytes(at + OPTION_BYTES_SIZE, record.value);
    const headersPtr = this.memory.alloc(ALIGN_4, record.headers.length * HEADER_SIZE);
    record.headers.forEach((header, i) => {
      const headerAt = headersPtr + i * HEADER_SIZE;
      const keyPtr = this.memory.lowerBytes(header.key);
      const data = this.memory.data();
      data.setUint32(headerAt, keyPtr, true);
      data.setUint32(headerAt + 4, header.key.length, true);
      this.lowerOptionBytes(headerAt + 8, header.value);
    });
    const data = this.memory.data();
    data.setUint32(at + 24, headersPtr, true);
    data.setUint32(at + 28, record.headers.length, true);
  }

  private liftOptionBytes(at: number, what: string): Uint8Array | null {
    const data = this.memory.data();
    const tag = data.getUint8(at);
    if (tag === 0) return null;
    if (tag !== 1) throw new PluginContractError(`${what} has option case ${tag}`);
    return this.memory.liftBytes(data.getUint32(at + 4, true), data.getUint32(at + 8, true), what);
  }

  private liftRecord(at: number): PluginRecord {
    const key = this.liftOptionBytes(at, 'a replaced key');
    const value = this.liftOptionBytes(at + OPTION_BYTES_SIZE, 'a replaced value');
    const data = this.memory.data();
    const headersPtr = data.getUint32(at + 24, true);
    const count = data.getUint32(at + 28, true);
    if (count > RECORD_HEADERS_MAX) throw new PluginContractError(`a replaced record has ${count} headers (at most ${RECORD_HEADERS_MAX})`);
    this.memory.checkRange(headersPtr, count, HEADER_SIZE, ALIGN_4, 'a replaced record header list');
    const headers: RecordHeader[] = [];
    for (let i = 0; i < count; i++) {
      const headerAt = headersPtr + i * HEADER_SIZE;
      const headerKey = this.memory.liftBytes(data.getUint32(headerAt, true), data.getUint32(headerAt + 4, true), 'a header key');
      if (!isUtf8(headerKey)) throw new PluginContractError('a replaced header key is not valid UTF-8');
      headers.push({ key: headerKey, value: this.liftOptionBytes(headerAt + 8, 'a replaced header value') });
    }
    return { key, value, headers };
  }

  private liftVerdict(at: number): Verdict {
    const tag = this.memory.data().getUint8(at);
    if (tag === 0) return KEEP;
    if (tag === 1) return DROP;
    if (tag === 2) return { kind: 'replace', record: this.liftRecord(at + 4) };
    throw new PluginContractError(`a verdict has case ${tag} (keep 0, drop 1, replace 2)`);
  }
}
