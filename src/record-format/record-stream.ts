/**
 * A compressed batch's records section, decompressed in pieces and handed to a sink (the
 * record validator) as each piece comes, so that validating a produced batch never holds its
 * decompressed size: Kafka's LogValidator reads records from a decompressing stream the same
 * way. Before this, each batch was decompressed whole into a fresh buffer; with 1 MB batches
 * those buffers (and the native decoders' allocations off the main thread) grew the broker's
 * RSS by 100+ MiB beyond max_memory under a mixed-codec load, until the garbage collector
 * caught up.
 *
 * - gzip and zstd: node:zlib streams, off the event loop, in pieces of ZLIB_CHUNK_BYTES;
 * - snappy (raw, or xerial-framed blocks) and LZ4 frames: decoded in JavaScript into one
 *   scratch window reused by every batch (snappy-block.ts, lz4-decoder.ts). They run to the
 *   end synchronously, so no two decodes share the window at once; their cost on the event
 *   loop is bounded by the decompressed-size bound (a few milliseconds for a 1 MB batch).
 *
 * The bound is enforced as output arrives (DecompressedSizeError); data that does not decode
 * is CompressionError. The sink answers false to stop early (the batch is already refused).
 */
import { createGunzip, createZstdDecompress, type Gunzip, type ZstdDecompress } from 'node:zlib';
import { CompressionError, isXerialFramed, tooLarge, XERIAL_HEADER_BYTES } from './compression.js';
import { decodeLz4Frame, LZ4_WINDOW_BYTES } from './lz4-decoder.js';
import { Compression } from './record-batch.js';
import { decodeSnappyBlock, snappyDeclaredLength } from './snappy-block.js';

/** Takes the next piece of the records section (valid only during the call); false: stop. */
export type ChunkSink = (chunk: Uint8Array) => boolean;

/** node:zlib's output piece: small enough to stay in cache while the validator reads it. */
const ZLIB_CHUNK_BYTES = 64 * 1024;

/** The scratch window of the JavaScript decoders, allocated once on first use (its pages only as touched). */
let scratchWindow: Buffer | null = null;

function scratch(): Buffer {
  scratchWindow ??= Buffer.allocUnsafeSlow(LZ4_WINDOW_BYTES);
  return scratchWindow;
}

/** ES2024's ArrayBuffer.prototype.transfer (Node 22+), which the project's TypeScript lib predates. */
type Detachable = ArrayBuffer & { transfer(length: number): ArrayBuffer };

/**
 * node:zlib writes its output into buffers of ZLIB_CHUNK_BYTES, one after the other, and
 * emits views of them; the view that ends a buffer is its last, and zlib has moved on to a new
 * buffer by then. Once read, that buffer's memory is given back at once (detached) rather
 * than left to the garbage collector, which lets tens of megabytes of them pile up outside
 * the heap under a steady produce load before it runs. So is the buffer of a stream's last
 * piece once the stream is done (or stopped): left to the collector, one per gzip/zstd batch,
 * they held 4-15 MiB at the peak of the storage-offload e2e's load (bench/offload-rss.mjs:
 * growth median 56.6 vs 60.4 MiB, `[heap]` +42.2 vs +46.2, 4 runs a side).
 */
function releaseFilled(chunk: Buffer): boolean {
  const memory = chunk.buffer;
  if (memory.byteLength !== ZLIB_CHUNK_BYTES || chunk.byteOffset + chunk.length !== ZLIB_CHUNK_BYTES || !(memory instanceof ArrayBuffer)) return false;
  (memory as Detachable).transfer(0);
  return true;
}

/** The buffer of the stream's last piece, once the stream is done: zlib writes no more into it. */
function releaseLast(chunk: Buffer | null): void {
  const memory = chunk?.buffer;
  if (memory instanceof ArrayBuffer && memory.byteLength === ZLIB_CHUNK_BYTES) (memory as Detachable).transfer(0);
}

function zlibChunks(stream: Gunzip | ZstdDecompress, data: Buffer, maxBytes: number, sink: ChunkSink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let total = 0;
    let last: Buffer | null = null;
    const settle = (error?: Error): void => {
      releaseLast(last);
      last = null;
      if (error === undefined) resolve();
      else reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy(tooLarge(maxBytes));
      } else if (!sink(chunk)) {
        stream.destroy();
        last = chunk;
        settle();
        return;
      }
      last = releaseFilled(chunk) ? null : chunk;
    });
    stream.once('end', () => settle());
    stream.once('error', settle);
    stream.end(data);
  });
}

/** One raw snappy block through the scratch window (a block larger than the window gets its own buffer): its length, or null when the sink stopped. */
function snappyBlock(block: Uint8Array, maxBytes: number, sink: ChunkSink): number | null {
  const { length } = snappyDeclaredLength(block);
  if (length > maxBytes) throw tooLarge(maxBytes);
  const out = length <= LZ4_WINDOW_BYTES ? scratch() : Buffer.allocUnsafe(length);
  decodeSnappyBlock(block, out);
  return sink(out.subarray(0, length)) ? length : null;
}

/** librdkafka's one raw block, or the Java client's xerial framing (big-endian length + raw block, repeated). */
function snappyChunks(data: Buffer, maxBytes: number, sink: ChunkSink): void {
  if (!isXerialFramed(data)) {
    snappyBlock(data, maxBytes, sink);
    return;
  }
  let total = 0;
  for (let at = XERIAL_HEADER_BYTES; at < data.length; ) {
    if (data.length - at < 4) throw new CompressionError('xerial snappy block length is truncated');
    const length = data.readInt32BE(at);
    at += 4;
    if (length < 0 || length > data.length - at) throw new CompressionError(`xerial snappy block of ${length} bytes runs past the data`);
    const written = snappyBlock(data.subarray(at, at + length), maxBytes - total, sink);
    if (written === null) return;
    total += written;
    at += length;
  }
}

function decodeChunks(codec: Compression, data: Buffer, maxBytes: number, sink: ChunkSink): Promise<void> | void {
  switch (codec) {
    case Compression.Gzip:
      return zlibChunks(createGunzip({ chunkSize: ZLIB_CHUNK_BYTES }), data, maxBytes, sink);
    case Compression.Zstd:
      return zlibChunks(createZstdDecompress({ chunkSize: ZLIB_CHUNK_BYTES }), data, maxBytes, sink);
    case Compression.Snappy:
      return snappyChunks(data, maxBytes, sink);
    case Compression.Lz4:
      return decodeLz4Frame(data, scratch(), maxBytes, sink, () => tooLarge(maxBytes));
    default:
      throw new CompressionError(`codec ${codec} has no compressed records to stream`);
  }
}

/** Decompresses `data` (a batch's records section, compressed with `codec`) into `sink`, at most `maxBytes` of it. */
export async function decompressChunks(codec: Compression, data: Buffer, maxBytes: number, sink: ChunkSink): Promise<void> {
  try {
    await decodeChunks(codec, data, maxBytes, sink);
  } catch (error) {
    if (error instanceof CompressionError) throw error;
    throw new CompressionError(`records do not decompress with codec ${codec}: ${(error as Error).message}`);
  }
}
