/**
 * Splits a TCP byte stream into Kafka frames (int32 size prefix, then that many bytes).
 * Each returned frame is its own right-sized Buffer (a socket chunk that is exactly one
 * frame is reused as is), so record batches stored from it pin no neighbouring bytes.
 * Frames larger than `maxFrameBytes`, or with a negative size, are a protocol error: the
 * caller closes the connection.
 */
export class FrameTooLargeError extends Error {}

const SIZE_PREFIX_BYTES = 4;

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Raised once a SASL connection has authenticated (Kafka's sasl.server.max.receive.size applies before). */
  constructor(public maxFrameBytes: number) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame body (without its size prefix), or null until one is complete. */
  next(): Buffer | null {
    if (this.buffered < SIZE_PREFIX_BYTES) return null;
    const size = this.peekSize();
    if (size < 0 || size > this.maxFrameBytes) {
      throw new FrameTooLargeError(`frame size ${size} is outside 0..${this.maxFrameBytes}`);
    }
    const total = SIZE_PREFIX_BYTES + size;
    if (this.buffered < total) return null;
    const first = this.chunks[0];
    if (first.length === total) {
      this.chunks.shift();
      this.buffered -= total;
      return first.subarray(SIZE_PREFIX_BYTES);
    }
    const frame = Buffer.allocUnsafeSlow(size);
    this.take(SIZE_PREFIX_BYTES, null);
    this.take(size, frame);
    return frame;
  }

  private peekSize(): number {
    const first = this.chunks[0];
    if (first.length >= SIZE_PREFIX_BYTES) return first.readInt32BE(0);
    const prefix = Buffer.alloc(SIZE_PREFIX_BYTES);
    let filled = 0;
    for (const chunk of this.chunks) {
      filled += chunk.copy(prefix, filled, 0, Math.min(chunk.length, SIZE_PREFIX_BYTES - filled));
      if (filled === SIZE_PREFIX_BYTES) break;
    }
    return prefix.readInt32BE(0);
  }

  /** Consumes `count` bytes from the head, copying them into `target` when given. */
  private take(count: number, target: Buffer | null): void {
    let copied = 0;
    while (copied < count) {
      const chunk = this.chunks[0];
      const n = Math.min(chunk.length, count - copied);
      if (target !== null) chunk.copy(target, copied, 0, n);
      copied += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    this.buffered -= count;
  }
}
