/**
 * Decodes an LZ4 frame (the format of Kafka's lz4 batches, KIP-57) block by block through a
 * window the caller owns, handing each block's output on as it is decoded: the produce path
 * validates a batch's records this way without its decompressed size ever being allocated
 * (lz4-napi returns a fresh buffer per batch, allocated off the main thread).
 *
 * The window holds the last 64 KiB of output (what a linked block's matches may reach back
 * into) followed by the block being decoded, so it needs WINDOW_HISTORY_BYTES plus the
 * frame's block size (at most LZ4_WINDOW_BYTES). Checked as LZ4's own decoder does: the
 * frame version, the header checksum (KIP-57), block checksums and the content checksum when
 * the frame has them, and every match and literal against the bounds of its block. A frame
 * with a dictionary id is refused (no Kafka client writes one); so are bytes after the frame.
 */
import {
  BLOCK_BYTES_MAX_BY_ID,
  BLOCK_UNCOMPRESSED,
  descriptorBytes,
  FLG_BLOCK_CHECKSUM,
  FLG_BLOCK_INDEPENDENT,
  FLG_CONTENT_CHECKSUM,
  FLG_DICTIONARY_ID,
  LZ4_BLOCK_BYTES_MAX,
  LZ4_FRAME_MAGIC,
  Lz4FormatError,
  xxh32,
  Xxh32Stream,
} from './lz4-frame.js';
import { copyMatch } from './snappy-block.js';

/** How far back an LZ4 match may reach (its offsets are 16 bits). */
export const WINDOW_HISTORY_BYTES = 64 * 1024;
/** The window that decodes any frame: the history plus the largest block. */
export const LZ4_WINDOW_BYTES = WINDOW_HISTORY_BYTES + LZ4_BLOCK_BYTES_MAX;
const MIN_MATCH_BYTES = 4;
const FRAME_VERSION = 1;
const MAGIC_BYTES = 4;

interface FrameHeader {
  readonly independent: boolean;
  readonly blockChecksum: boolean;
  readonly contentChecksum: boolean;
  readonly blockBytesMax: number;
  /** Where the first block starts. */
  readonly end: number;
}

function readHeader(frame: Buffer): FrameHeader {
  if (frame.length < MAGIC_BYTES || frame.readUInt32LE(0) !== LZ4_FRAME_MAGIC) throw new Lz4FormatError('not an LZ4 frame (bad magic number)');
  const descriptor = descriptorBytes(frame);
  if (descriptor < 0) throw new Lz4FormatError('the LZ4 frame header is truncated');
  const flg = frame[MAGIC_BYTES];
  if (flg >>> 6 !== FRAME_VERSION) throw new Lz4FormatError(`LZ4 frame version ${flg >>> 6} is not supported`);
  if ((flg & FLG_DICTIONARY_ID) !== 0) throw new Lz4FormatError('LZ4 frames with a dictionary are not supported');
  const blockBytesMax = BLOCK_BYTES_MAX_BY_ID[(frame[MAGIC_BYTES + 1] >> 4) & 0x07];
  if (blockBytesMax === undefined) throw new Lz4FormatError('the LZ4 frame declares an invalid block size');
  const checksum = (xxh32(frame.subarray(MAGIC_BYTES, MAGIC_BYTES + descriptor)) >>> 8) & 0xff;
  if (frame[MAGIC_BYTES + descriptor] !== checksum) throw new Lz4FormatError('the LZ4 frame header checksum does not match');
  return {
    independent: (flg & FLG_BLOCK_INDEPENDENT) !== 0,
    blockChecksum: (flg & FLG_BLOCK_CHECKSUM) !== 0,
    contentChecksum: (flg & FLG_CONTENT_CHECKSUM) !== 0,
    blockBytesMax,
    end: MAGIC_BYTES + descriptor + 1,
  };
}

/** A run length's extension bytes (255 each, until one that is not). */
function extendedLength(src: Buffer, at: number, end: number, length: number): { readonly length: number; readonly at: number } {
  for (;;) {
    if (at >= end) throw new Lz4FormatError('an LZ4 length runs past its block');
    const byte = src[at++];
    length += byte;
    if (byte !== 255) return { length, at };
  }
}

/**
 * Decodes the compressed block src[start, end) into window[from, limit); matches may reach
 * back to `lowest`. Returns where the output ends.
 */
function decodeBlock(src: Buffer, start: number, end: number, window: Buffer, from: number, limit: number, lowest: number): number {
  let at = start;
  let out = from;
  for (;;) {
    if (at >= end) throw new Lz4FormatError('an LZ4 block ends without its last literals');
    const token = src[at++];
    const literal = token >>> 4 === 15 ? extendedLength(src, at, end, 15) : { length: token >>> 4, at };
    at = literal.at;
    if (literal.length > end - at || literal.length > limit - out) throw new Lz4FormatError('LZ4 literals run past the block');
    src.copy(window, out, at, at + literal.length);
    at += literal.length;
    out += literal.length;
    if (at === end) return out;
    if (at + 2 > end) throw new Lz4FormatError('an LZ4 match offset runs past the block');
    const distance = src[at] | (src[at + 1] << 8);
    at += 2;
    const match = (token & 15) === 15 ? extendedLength(src, at, end, 15 + MIN_MATCH_BYTES) : { length: (token & 15) + MIN_MATCH_BYTES, at };
    at = match.at;
    if (distance === 0 || out - distance < lowest || match.length > limit - out) throw new Lz4FormatError(`an LZ4 match of ${match.length} bytes from ${distance} back is out of bounds`);
    copyMatch(window, out, distance, match.length);
    out += match.length;
  }
}

/**
 * Decodes `frame` through `window` (LZ4_WINDOW_BYTES at least), giving each block's output to
 * `sink` (a view of the window, valid until `sink` returns; false: stop decoding). Throws
 * Lz4FormatError on a malformed frame, or `tooLarge()` past `maxBytes` of output.
 */
export function decodeLz4Frame(frame: Buffer, window: Buffer, maxBytes: number, sink: (chunk: Uint8Array) => boolean, tooLarge: () => Error): void {
  const header = readHeader(frame);
  const content = header.contentChecksum ? new Xxh32Stream() : null;
  const trailer = header.blockChecksum ? 4 : 0;
  let at = header.end;
  let history = 0;
  let total = 0;
  for (;;) {
    if (at + 4 > frame.length) throw new Lz4FormatError('the LZ4 frame ends without its end mark');
    const blockHeader = frame.readUInt32LE(at);
    at += 4;
    if (blockHeader === 0) break;
    const size = (blockHeader & ~BLOCK_UNCOMPRESSED) >>> 0;
    if (size > header.blockBytesMax || at + size + trailer > frame.length) throw new Lz4FormatError(`an LZ4 block of ${size} bytes runs past the frame or its block size`);
    if (trailer > 0 && frame.readUInt32LE(at + size) !== xxh32(frame.subarray(at, at + size))) throw new Lz4FormatError('an LZ4 block checksum does not match');
    const end =
      (blockHeader & BLOCK_UNCOMPRESSED) !== 0
        ? history + frame.copy(window, history, at, at + size)
        : decodeBlock(frame, at, at + size, window, history, history + header.blockBytesMax, header.independent ? history : 0);
    at += size + trailer;
    total += end - history;
    if (total > maxBytes) throw tooLarge();
    const output = window.subarray(history, end);
    content?.update(output);
    if (!sink(output)) return;
    history = Math.min(WINDOW_HISTORY_BYTES, end);
    window.copyWithin(0, end - history, end);
  }
  if (content !== null && (at + 4 > frame.length || frame.readUInt32LE(at) !== content.digest())) throw new Lz4FormatError('the LZ4 content checksum does not match');
  if (at + (content !== null ? 4 : 0) !== frame.length) throw new Lz4FormatError('bytes follow the LZ4 frame');
}
