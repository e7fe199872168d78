/**
 * Splits a TCP byte stream into Kafka frames (int32 size prefix, then that many bytes)
 * without copying: a frame comes back as the views of the socket chunks it arrived in
 * (one view when it lies in one chunk, as small requests do). The chunks are whatever the
 * socket delivered (a plain socket's reads today; a TLS socket's decrypted chunks later):
 * this class is the seam where bytes enter the broker.
 * Frames larger than `maxFrameBytes`, or with a negative size, are a protocol error: the
 * caller closes the connection.
 */
export class FrameTooLargeError extends Error {}

const SIZE_PREFIX_BYTES = 4;
/** Consumed chunks are dropped from the head of the queue in place; it is compacted past this many. */
const HEAD_COMPACT_THRESHOLD = 64;

/** One request frame (size prefix excluded), as consecutive views of socket chunks. */
export interface Frame {
  readonly parts: readonly Buffer[];
  readonly length: number;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame (without its size prefix), or null until one is complete. */
  next(): Frame | null {
    if (this.buffered < SIZE_PREFIX_BYTES) return null;
    const size = this.peekSize();
    if (size < 0 || size > this.maxFrameBytes) {
      throw new FrameTooLargeError(`frame size ${size} is outside 0..${this.maxFrameBytes}`);
    }
    if (this.buffered < SIZE_PREFIX_BYTES + size) return null;
    this.skip(SIZE_PREFIX_BYTES);
    return { parts: this.takeViews(size), length: size };
  }

  private peekSize(): number {
    const first = this.chunks[this.head];
    if (first.length >= SIZE_PREFIX_BYTES) return first.readInt32BE(0);
    const prefix = Buffer.alloc(SIZE_PREFIX_BYTES);
    let filled = 0;
    for (let i = this.head; filled < SIZE_PREFIX_BYTES; i++) {
      filled += this.chunks[i].copy(prefix, filled, 0, Math.min(this.chunks[i].length, SIZE_PREFIX_BYTES - filled));
    }
    return prefix.readInt32BE(0);
  }

  private skip(count: number): void {
    for (let left = count; left > 0; ) {
      const chunk = this.chunks[this.head];
      if (chunk.length <= left) {
        left -= chunk.length;
        this.dropHead();
      } else {
        this.chunks[this.head] = chunk.subarray(left);
        left = 0;
      }
    }
    this.buffered -= count;
  }

  /** Consumes `count` bytes from the head as views of the chunks holding them. */
  private takeViews(count: number): Buffer[] {
    const views: Buffer[] = [];
    for (let left = count; left > 0; ) {
      const chunk = this.chunks[this.head];
      if (chunk.length <= left) {
        views.push(chunk);
        left -= chunk.length;
        this.dropHead();
      } else {
        views.push(chunk.subarray(0, left));
        this.chunks[this.head] = chunk.subarray(left);
        left = 0;
      }
    }
    this.buffered -= count;
    return views;
  }

  private dropHead(): void {
    this.chunks[this.head++] = undefined as unknown as Buffer;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= HEAD_COMPACT_THRESHOLD) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * The frame as one Buffer that pins nothing else: the chunk itself when the frame is its
 * whole content, otherwise a right-sized copy. For requests whose decoded fields may be kept
 * (group metadata, assignments): a view into a shared 64 KiB socket chunk would keep all of
 * it alive.
 */
export function ownedFrame(frame: Frame): Buffer {
  const [first] = frame.parts;
  if (first === undefined) return Buffer.alloc(0);
  if (frame.parts.length === 1 && first.byteLength + SIZE_PREFIX_BYTES >= first.buffer.byteLength) return first;
  const owned = Buffer.allocUnsafeSlow(frame.length);
  let at = 0;
  for (const part of frame.parts) at += part.copy(owned, at);
  return owned;
}
