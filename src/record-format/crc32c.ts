/**
 * CRC-32C (Castagnoli), the record-batch checksum, as an unsigned 32-bit number. The addon
 * (@node-rs/crc32) is loaded on first use, like the codecs' (compression.ts): a boot's first
 * ApiVersions does not wait for its dlopen (bench/README.md, boot15).
 */
import { createRequire } from 'node:module';

type Crc32c = (data: Buffer) => number;
let nativeCrc32c: Crc32c | undefined;
const loadNative = (): Crc32c => (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: Crc32c }).crc32c;

export function crc32c(data: Buffer): number {
  return (nativeCrc32c ??= loadNative())(data) >>> 0;
}
