/**
 * CRC-32C (Castagnoli), the record-batch checksum, as an unsigned 32-bit number.
 *
 * Blink's own addon (native-addon.ts) when it is there and the CPU has the crc32 instruction
 * (x86-64 SSE4.2: three streams at once, ~4.5x @node-rs/crc32 on the produce path's ~1 MB
 * batches, bench/crc32c.mjs); otherwise @node-rs/crc32 (no C compiler at build time, another
 * CPU), with the same results. Either is loaded on first use.
 */
import { createRequire } from 'node:module';
import { blinkAddon } from './native-addon.js';

type Crc32c = (data: Buffer) => number;

/** Which implementation crc32c() runs (the tests check that the build's addon is the one). */
export type Crc32cImplementation = 'blink-native' | '@node-rs/crc32';

let chosen: { crc32c: Crc32c; implementation: Crc32cImplementation } | undefined;

function choose(): NonNullable<typeof chosen> {
  const addon = blinkAddon();
  if (addon?.accelerated) return { crc32c: addon.crc32c, implementation: 'blink-native' };
  const fallback = (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: Crc32c }).crc32c;
  return { crc32c: (data) => fallback(data) >>> 0, implementation: '@node-rs/crc32' };
}

export function crc32c(data: Buffer): number {
  return (chosen ??= choose()).crc32c(data);
}

export function crc32cImplementation(): Crc32cImplementation {
  return (chosen ??= choose()).implementation;
}
