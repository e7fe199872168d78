/**
 * Decodes a raw snappy block (the format librdkafka writes for a whole batch, and each block
 * of the Java client's xerial framing) into memory the caller owns, so that the produce path
 * can read a compressed batch's records without allocating its decompressed size for every
 * batch (native decoders return a fresh buffer each time, allocated off the main thread).
 *
 * Format (snappy format_description.txt): the uncompressed length as an unsigned varint, then
 * elements whose tag byte's low two bits say what they are: 0 a literal (length in the tag,
 * or in 1-4 bytes after it), 1-3 a copy of `length` bytes from `offset` bytes back in the
 * output (1-, 2- or 4-byte offsets). Every read and write is bounded; anything malformed
 * throws SnappyFormatError.
 */

export class SnappyFormatError extends Error {
  override readonly name = 'SnappyFormatError';
}

const TAG_LITERAL = 0;
const TAG_COPY_1 = 1;
const TAG_COPY_2 = 2;
/** A literal whose length-1 is >= 60 stores it in (tag >> 2) - 59 bytes after the tag. */
const LITERAL_INLINE_MAX = 60;
/** Matches up to this long are copied byte by byte (cheaper than copyWithin's call). */
const SHORT_MATCH_BYTES = 16;

/** The block's declared uncompressed length and the bytes its varint takes. */
export function snappyDeclaredLength(block: Uint8Array): { readonly length: number; readonly headerBytes: number } {
  let value = 0;
  for (let i = 0, scale = 1; i < 5 && i < block.length; i++, scale *= 128) {
    value += (block[i] & 0x7f) * scale;
    if ((block[i] & 0x80) === 0) return { length: value, headerBytes: i + 1 };
  }
  throw new SnappyFormatError('snappy block length is malformed');
}

/**
 * Copies `length` bytes from `distance` back (the source may overlap the destination: a
 * repeated pattern). Long overlapping matches double the distance at each step, since the
 * output is periodic with the original distance.
 */
export function copyMatch(out: Uint8Array, at: number, distance: number, length: number): void {
  if (length <= SHORT_MATCH_BYTES) {
    for (let i = 0; i < length; i++) out[at + i] = out[at + i - distance];
    return;
  }
  let step = distance;
  for (let left = length; left > 0; step *= 2) {
    const bytes = Math.min(step, left);
    out.copyWithin(at, at - step, at - step + bytes);
    at += bytes;
    left -= bytes;
  }
}

function literalLength(block: Uint8Array, tag: number, at: number): { readonly length: number; readonly at: number } {
  const inline = tag >>> 2;
  if (inline < LITERAL_INLINE_MAX) return { length: inline + 1, at };
  const bytes = inline - LITERAL_INLINE_MAX + 1;
  if (at + bytes > block.length) throw new SnappyFormatError('snappy literal length runs past the block');
  let length = 0;
  for (let i = 0, scale = 1; i < bytes; i++, scale *= 256) length += block[at + i] * scale;
  return { length: length + 1, at: at + bytes };
}

/** Decodes `block` into `out` (which holds at least its declared length); returns that length. */
export function decodeSnappyBlock(block: Uint8Array, out: Uint8Array): number {
  const { length: expected, headerBytes } = snappyDeclaredLength(block);
  if (expected > out.length) throw new SnappyFormatError(`snappy block of ${expected} bytes does not fit ${out.length}`);
  let at = headerBytes;
  let written = 0;
  while (at < block.length) {
    const tag = block[at++];
    const kind = tag & 3;
    if (kind === TAG_LITERAL) {
      const literal = literalLength(block, tag, at);
      at = literal.at;
      if (literal.length > block.length - at || literal.length > expected - written) throw new SnappyFormatError('snappy literal runs past the block or its declared length');
      out.set(block.subarray(at, at + literal.length), written);
      at += literal.length;
      written += literal.length;
      continue;
    }
    let length: number;
    let distance: number;
    if (kind === TAG_COPY_1) {
      if (at + 1 > block.length) throw new SnappyFormatError('snappy copy runs past the block');
      length = ((tag >>> 2) & 7) + 4;
      distance = ((tag >>> 5) << 8) | block[at++];
    } else {
      const bytes = kind === TAG_COPY_2 ? 2 : 4;
      if (at + bytes > block.length) throw new SnappyFormatError('snappy copy runs past the block');
      length = (tag >>> 2) + 1;
      distance = block[at] + block[at + 1] * 0x100 + (bytes === 4 ? block[at + 2] * 0x1_0000 + block[at + 3] * 0x100_0000 : 0);
      at += bytes;
    }
    if (distance === 0 || distance > written || length > expected - written) throw new SnappyFormatError(`snappy copy of ${length} bytes from ${distance} back is out of bounds`);
    copyMatch(out, written, distance, length);
    written += length;
  }
  if (written !== expected) throw new SnappyFormatError(`snappy block decodes to ${written} bytes, it declares ${expected}`);
  return expected;
}
