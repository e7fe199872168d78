/** CRC-32C (Castagnoli), the record-batch checksum, as an unsigned 32-bit number. */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

export function crc32c(data: Buffer): number {
  return nativeCrc32c(data) >>> 0;
}
