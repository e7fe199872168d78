/**
 * The memory cap of a plugin's WebAssembly linear memory. Worker `resourceLimits` bound the
 * JavaScript heap only; wasm memory lives outside it and may grow to 4 GiB. So every core
 * module of a component is rewritten before it is compiled: each memory its memory section
 * defines gets a maximum of at most `pagesMax` 64 KiB pages. A `memory.grow` past the
 * cap then fails (returns -1) inside the plugin instead of taking the broker's RAM.
 *
 * Binary format (WebAssembly core spec 5.5): "\0asm", version u32, then sections
 * `id u8 | size u32 (LEB128) | contents`. The memory section (id 5) is a vector of limits:
 * flags 0x00 `min`, 0x01 `min max` (u32 LEB128). Shared (0x02/0x03) and 64-bit (0x04+)
 * memories are refused: no plugin toolchain emits them for this world.
 */
import { PluginRefusedError } from './plugin-interface.js';

export const WASM_PAGE_BYTES = 65_536;
const MEMORY_SECTION_ID = 5;
const HEADER_BYTES = 8;
const LIMITS_MIN_ONLY = 0x00;
const LIMITS_MIN_MAX = 0x01;

function readU32Leb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (at >= bytes.length) throw new PluginRefusedError('a core module is truncated');
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: at };
    shift += 7;
  }
  throw new PluginRefusedError('a core module has an over-long LEB128 number');
}

function u32Leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function cappedMemorySection(contents: Uint8Array, pagesMax: number): Uint8Array {
  const count = readU32Leb(contents, 0);
  const out: number[] = u32Leb(count.value);
  let at = count.next;
  for (let i = 0; i < count.value; i++) {
    const flags = contents[at++];
    if (flags !== LIMITS_MIN_ONLY && flags !== LIMITS_MIN_MAX) {
      throw new PluginRefusedError(`its memory uses limits flags 0x${flags.toString(16)} (shared or 64-bit memory is not supported)`);
    }
    const min = readU32Leb(contents, at);
    at = min.next;
    let max = pagesMax;
    if (flags === LIMITS_MIN_MAX) {
      const declared = readU32Leb(contents, at);
      at = declared.next;
      max = Math.min(declared.value, pagesMax);
    }
    if (min.value > pagesMax) {
      throw new PluginRefusedError(
        `its memory starts at ${min.value * WASM_PAGE_BYTES} bytes, above plugin_max_memory (${pagesMax * WASM_PAGE_BYTES} bytes)`,
      );
    }
    out.push(LIMITS_MIN_MAX, ...u32Leb(min.value), ...u32Leb(max));
  }
  if (at !== contents.length) throw new PluginRefusedError('a core module has a malformed memory section');
  return Uint8Array.from(out);
}

/** `module` with every defined memory capped at `pagesMax` pages (the other sections untouched). */
export function capModuleMemory(module: Uint8Array, pagesMax: number): Uint8Array {
  const parts: Uint8Array[] = [module.subarray(0, HEADER_BYTES)];
  let at = HEADER_BYTES;
  while (at < module.length) {
    const id = module[at];
    const size = readU32Leb(module, at + 1);
    const end = size.next + size.value;
    if (end > module.length) throw new PluginRefusedError('a core module section runs past its end');
    if (id === MEMORY_SECTION_ID) {
      const contents = cappedMemorySection(module.subarray(size.next, end), pagesMax);
      parts.push(Uint8Array.of(id, ...u32Leb(contents.length)), contents);
    } else {
      parts.push(module.subarray(at, end));
    }
    at = end;
  }
  return Buffer.concat(parts);
}
