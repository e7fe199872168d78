/**
 * Blink's own Node-API addon (native/, built by `npm run build` into dist/native/blink.node under
 * the package root): CRC-32C with the CPU's crc32 instruction (crc32c.ts) and the record walk of
 * an uncompressed batch (batch-validator.ts). Absent when the build had no C compiler: both then
 * keep their fallbacks (@node-rs/crc32, the walk in JavaScript), with the same results.
 * Loaded on first use, like the codecs (compression.ts): a boot's first ApiVersions does not wait
 * for a dlopen (bench/README.md, boot15).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

export interface BlinkAddon {
  /** CRC-32C of the bytes, unsigned. */
  crc32c(data: Buffer): number;
  /** The same through the addon's table code (for the tests). */
  crc32cPortable(data: Buffer): number;
  /** crc32c runs the CPU's crc32 instruction (x86-64 SSE4.2). */
  readonly accelerated: boolean;
  /**
   * The largest timestamp of the `count` records of section[start..] when they pass every rule
   * batch-validator.ts's acceptWhole applies (native/records.c), else undefined.
   */
  acceptRecords(
    section: Uint8Array,
    start: number,
    count: number,
    baseTimestamp: number,
    checkTimestamps: boolean,
    nowMs: number,
    beforeMaxMs: number,
    afterMaxMs: number,
    keyRequired: boolean,
  ): number | undefined;
}

/** Undefined until the first look; null when the addon is not there. */
let addon: BlinkAddon | null | undefined;

/** The package root is found through the package's own name (its exports has ./package.json). */
export function blinkAddonPath(): string {
  return path.join(path.dirname(createRequire(import.meta.url).resolve('blink/package.json')), 'dist', 'native', 'blink.node');
}

export function blinkAddon(): BlinkAddon | null {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)(blinkAddonPath()) as BlinkAddon;
    } catch {
      addon = null; // not built (no compiler at build time)
    }
  }
  return addon;
}
