/**
 * CRC-32C (Castagnoli), the record-batch checksum, as an unsigned 32-bit number.
 *
 * Blink's own addon (native/crc32c.c, built by `npm run build` into dist/native/crc32c.node under
 * the package root) when it is there and the CPU has the crc32 instruction (x86-64 SSE4.2: three
 * streams at once, ~4x @node-rs/crc32 on the produce path's ~1 MB batches, bench/crc32c.mjs);
 * otherwise @node-rs/crc32 (no C compiler at build time, another CPU), with the same results.
 * Either is loaded on first use, like the codecs (compression.ts): a boot's first ApiVersions
 * does not wait for a dlopen (bench/README.md, boot15).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

type Crc32c = (data: Buffer) => number;
interface BlinkAddon {
  crc32c: Crc32c;
  accelerated: boolean;
}

/** Which implementation crc32c() runs (the tests check that the build's addon is the one). */
export type Crc32cImplementation = 'blink-native' | '@node-rs/crc32';

let chosen: { crc32c: Crc32c; implementation: Crc32cImplementation } | undefined;

/** The package root is found through the package's own name (its exports has ./package.json). */
export function blinkAddonPath(): string {
  return path.join(path.dirname(createRequire(import.meta.url).resolve('blink/package.json')), 'dist', 'native', 'crc32c.node');
}

function choose(): NonNullable<typeof chosen> {
  const load = createRequire(import.meta.url);
  try {
    const addon = load(blinkAddonPath()) as BlinkAddon;
    if (addon.accelerated) return { crc32c: addon.crc32c, implementation: 'blink-native' };
  } catch {
    // Not built (no compiler at build time) or not loadable here: the package's addon below.
  }
  const fallback = (load('@node-rs/crc32') as { crc32c: Crc32c }).crc32c;
  return { crc32c: (data) => fallback(data) >>> 0, implementation: '@node-rs/crc32' };
}

export function crc32c(data: Buffer): number {
  return (chosen ??= choose()).crc32c(data);
}

export function crc32cImplementation(): Crc32cImplementation {
  return (chosen ??= choose()).implementation;
}
