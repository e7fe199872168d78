/**
 * Splits a TCP byte stream into Kafka frames (int32 size prefix, then that many bytes), each
 * assembled in one contiguous slot of the memory tier's pooled memory (BatchMemory), held
 * once for the caller: a Produce's record batches are views of it that storage keeps without
 * copying again, and the slot is reused once everything in it is released.
 *
 * Bytes arrive two ways. `push` copies bytes read elsewhere (a socket's chunk, or the
 * transport's shared read buffer) into frames. Once a frame's size is known, the rest of it
 * can be read straight into its slot (`directTarget`, `filledDirectly`), so the bulk of a
 * large request is written by the kernel where it is stored. Frames larger than
 * `maxFrameBytes`, or with a negative size, are a protocol error: `next` throws and the
 * caller closes the connection.
 *
 * A frame's declared size is taken from the shared RequestBudget before its slot is
 * allocated; when it does not fit, the decoder waits (`waitingForBudget`: its connection
 * stops reading) and keeps what is left of the chunk at hand (at most one read) until the
 * budget grants the frame, then goes on and tells its `grantListener`.
 */
import type { BatchMemory } from '../../storage/batch-memory.js';
import { type BudgetWait, RequestBudget } from './request-budget.js';

export class FrameTooLargeError extends Error {}

/** Told when a frame that waited for the request budget got it. */
export interface FrameGrantListener {
  frameGranted(): void;
}

const NOBODY: FrameGrantListener = { frameGranted: () => undefined };

const SIZE_PREFIX_BYTES = 4;
/** Reading the rest of a frame straight into its slot pays off from this many bytes; less goes through the shared buffer. */
export const DIRECT_READ_MIN_BYTES = 16 * 1024;
/** Complete frames are dropped from the head of the queue in place; it is compacted past this many. */
const QUEUE_COMPACT_THRESHOLD = 64;

export class FrameDecoder {
  /** Complete frames not taken yet: `frames[head, tail)`; the slots are reused, never reallocated while it empties. */
  // One slot to start with: a client that waits for each answer never needs a second; pipelining grows it (by 17) once.
  private frames: Array<Buffer | undefined> = [undefined];
  private head = 0;
  private tail = 0;
  /** Bytes in complete frames not yet taken, plus the received part of the frame being assembled. */
  private buffered = 0;
  /** The size prefix's bytes so far, as a number (a Buffer of its own per connection cost ~200 B of heap and native memory). */
  private prefix = 0;
  private prefixFilled = 0;
  /** The frame being assembled and how much of it has arrived. */
  private pending: Buffer | null = null;
  private pendingFilled = 0;
  private failure: FrameTooLargeError | null = null;
  /** The declared size of a frame waiting for the budget, the wait, and the bytes read after its prefix. */
  private awaiting: number | null = null;
  private budgetWait: BudgetWait | null = null;
  private stash: Buffer | null = null;
  /** Called once a frame that waited for the budget got it (and the bytes kept meanwhile are decoded). */
  grantListener: FrameGrantListener = NOBODY;

  constructor(
    private readonly memory: BatchMemory,
    /** Raised once a SASL connection has authenticated (Kafka's sasl.server.max.receive.size applies before). */
    public maxFrameBytes: number,
    private readonly budget = new RequestBudget(Number.POSITIVE_INFINITY),
  ) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** A frame has started (part of its size prefix or body arrived) and is not complete yet. */
  get receivingFrame(): boolean {
    return this.prefixFilled > 0 || this.pending !== null || this.awaiting !== null;
  }

  /** A frame waits for room in the budget: the connection must not read on. */
  get waitingForBudget(): boolean {
    return this.awaiting !== null;
  }

  /** Complete frames not taken yet. */
  get queuedFrames(): number {
    return this.tail - this.head;
  }

  /** Copies `chunk` (its first `end` bytes: no view made of a read's part) into frames; `chunk` can be reused as soon as this returns. */
  push(chunk: Buffer, end = chunk.length): void {
    let at = 0;
    while (at < end && this.failure === null) {
      if (this.awaiting !== null) {
        this.keep(chunk.subarray(at, end));
        return;
      }
      if (this.pending === null) {
        at += this.readPrefix(chunk, at, end);
        continue;
      }
      const n = chunk.copy(this.pending, this.pendingFilled, at, Math.min(end, at + this.pending.length - this.pendingFilled));
      at += n;
      this.filledDirectly(n);
    }
  }

  /** Where the next read can land directly (the rest of the frame being assembled), or null. */
  directTarget(): Buffer | null {
    const pending = this.pending;
    if (pending === null || pending.length - this.pendingFilled < DIRECT_READ_MIN_BYTES) return null;
    return pending.subarray(this.pendingFilled);
  }

  /** `n` more bytes of the frame being assembled arrived (read into `directTarget`, or copied by `push`). */
  filledDirectly(n: number): void {
    const pending = this.pending as Buffer;
    this.pendingFilled += n;
    this.buffered += n;
    if (this.pendingFilled < pending.length) return;
    this.enqueue(pending);
    this.pending = null;
  }

  /** The next complete frame (without its size prefix), held once for the caller, or null until one is complete. */
  next(): Buffer | null {
    if (this.head === this.tail) {
      if (this.failure !== null) throw this.failure;
      return null;
    }
    const frame = this.frames[this.head] as Buffer;
    this.frames[this.head++] = undefined;
    if (this.head === this.tail) {
      // Emptied: the next frames reuse the same slots (a new array, or a trimmed one, per frame was ~150-300 B).
      this.head = 0;
      this.tail = 0;
    } else if (this.head >= QUEUE_COMPACT_THRESHOLD) {
      this.frames = this.frames.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    this.buffered -= frame.length;
    this.budget.release(frame.length);
    return frame;
  }

  /** The connection is gone: gives back every frame not taken and the one being assembled. */
  dispose(): void {
    for (let frame = this.safeNext(); frame !== null; frame = this.safeNext()) this.memory.release(frame);
    if (this.pending !== null) {
      this.memory.release(this.pending);
      this.budget.release(this.pending.length);
    }
    this.budgetWait?.cancel();
    this.pending = null;
    this.awaiting = null;
    this.budgetWait = null;
    this.stash = null;
    this.buffered = 0;
  }

  /** Bytes that arrived while a frame waits for the budget (the socket stops after this read). */
  private keep(bytes: Buffer): void {
    this.stash = this.stash === null ? Buffer.from(bytes) : Buffer.concat([this.stash, bytes]);
  }

  private granted(size: number): void {
    this.awaiting = null;
    this.budgetWait = null;
    this.allocate(size);
    const kept = this.stash;
    this.stash = null;
    if (kept !== null) this.push(kept);
    this.grantListener.frameGranted();
  }

  private allocate(size: number): void {
    this.pending = this.memory.alloc(size);
    this.pendingFilled = 0;
  }

  private safeNext(): Buffer | null {
    return this.head === this.tail ? null : this.next();
  }

  private enqueue(frame: Buffer): void {
    if (this.tail < this.frames.length) this.frames[this.tail] = frame;
    else this.frames.push(frame);
    this.tail++;
  }

  /** Takes size-prefix bytes from `chunk` at `at`; once the prefix is whole, opens the frame. Returns the bytes taken. */
  private readPrefix(chunk: Buffer, at: number, end: number): number {
    if (this.prefixFilled === 0 && end - at >= SIZE_PREFIX_BYTES) {
      this.openFrame(chunk.readInt32BE(at));
      return SIZE_PREFIX_BYTES;
    }
    const n = Math.min(end - at, SIZE_PREFIX_BYTES - this.prefixFilled);
    let prefix = this.prefix;
    for (let i = 0; i < n; i++) prefix = (prefix << 8) | chunk[at + i];
    this.prefixFilled += n;
    // A part of the prefix (at most 3 bytes) stays a small integer; the whole one is never stored.
    this.prefix = this.prefixFilled === SIZE_PREFIX_BYTES ? 0 : prefix;
    if (this.prefixFilled === SIZE_PREFIX_BYTES) this.openFrame(prefix);
    return n;
  }

  private openFrame(size: number): void {
    this.prefixFilled = 0;
    if (size < 0 || size > this.maxFrameBytes) {
      this.failure = new FrameTooLargeError(`frame size ${size} is outside 0..${this.maxFrameBytes}`);
      return;
    }
    if (size === 0) {
      this.enqueue(Buffer.alloc(0));
      return;
    }
    if (this.budget.tryReserve(size)) {
      this.allocate(size);
      return;
    }
    this.awaiting = size;
    this.budgetWait = this.budget.wait(size, () => this.granted(size));
  }
}

/**
 * The frame as a Buffer of its own, outside the pooled memory: for requests whose decoded
 * fields may be kept (group metadata, assignments), which would otherwise keep a view of
 * memory that is reused once the frame is released.
 */
export function ownedFrame(frame: Buffer): Buffer {
  const owned = Buffer.allocUnsafeSlow(frame.length);
  frame.copy(owned);
  return owned;
}
