/**
 * Bytes and batches held by the memory tier across all partitions, and the pooled memory
 * behind them (batch-memory.ts). Partitions report every batch stored and dropped; metrics
 * and the memory-pressure relief (retention/memory-pressure.ts) read the totals. The limits
 * come from `max_memory` (StorageModule builds the accountant from the config). Crossing the
 * high-water mark tells the pressure listeners once, until the relief re-arms it.
 *
 * `max_memory` is a bound, not a target: a produce reserves the bytes of its batches before
 * it appends them. A reservation is granted while used plus reserved bytes are below
 * `maxBytes`, in the order they were asked for; otherwise it waits (bounded by the
 * producer's own timeout, on the Clock) until relief frees enough. So however many producers
 * there are, the tier never holds more than `maxBytes` plus one request's batches.
 *
 * Used bytes (`usedBytes`, what the marks and the reservations count) are the batches' bytes
 * plus `batchHeapBytes` for each stored batch: the JavaScript heap a batch costs beside its
 * bytes (its entry in the partition's columns, memory-batches.ts). With one small record per
 * batch (linger.ms=0 clients) that is ~75 B beside 170 B of bytes: counted, max_memory bounds
 * both. The byte gauges (`storedBytes`: /allocated, /dump, Prometheus) stay batch bytes.
 */
import type { Clock, Timer } from '../common/clock.js';
import { BatchMemory, batchMemoryLimitsFor, prefaultFromDevZero } from './batch-memory.js';

/** Relief starts once stored bytes exceed this share of max_memory ... */
export const HIGH_WATER_RATIO = 0.8;
/** ... and offloads until they are under this share. */
export const LOW_WATER_RATIO = 0.6;

/**
 * JavaScript memory one stored batch holds beside its bytes, measured with bench/batch-heap.mjs
 * in a broker (V8 heap plus external memory growth per stored batch after full collections,
 * single-record batches, Node 24): 53 B with 200,000 batches held, 75 B once relief had
 * offloaded half of them (the columns then up to 1.75x the batches they hold, and the WAL's
 * own structures for what it took). The partition's columns (memory-batches.ts) take 32 B of
 * typed arrays per batch (their memory references are per run of batches, not per batch), their
 * capacity kept under twice the batches held: rounded up for that worst case. With a StoredBatch object and a Buffer view per batch it was
 * 228 B, counted as 256. A change to the columns should re-measure it.
 */
export const STORED_BATCH_HEAP_BYTES = 96;

/**
 * Memory-tier thresholds, in used bytes (batch bytes + `batchHeapBytes` per batch): relief
 * starts above `highWaterBytes` and stops under `lowWaterBytes`.
 */
export interface MemoryLimits {
  readonly maxBytes: number;
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
  /** Heap counted per stored batch on top of its bytes (STORED_BATCH_HEAP_BYTES; tests may count 0). */
  readonly batchHeapBytes: number;
}

/** The thresholds for `max_memory` = `maxBytes`. */
export function memoryLimitsFor(maxBytes: number, batchHeapBytes = STORED_BATCH_HEAP_BYTES): MemoryLimits {
  return { maxBytes, highWaterBytes: Math.floor(maxBytes * HIGH_WATER_RATIO), lowWaterBytes: Math.floor(maxBytes * LOW_WATER_RATIO), batchHeapBytes };
}

/**
 * Provider token (optional) of what the process does once the batch pool has let slabs go
 * (`() => void`, BatchMemory's onLetGo): the server asks for a full collection when idle
 * (main.ts, common/idle-trim.ts); an embedded broker provides none, its heap being its host's.
 */
export const MEMORY_LET_GO = Symbol('MemoryLetGo');

/** What a produce that waited for room in vain is told (Kafka and REST alike). */
export const MEMORY_FULL_MESSAGE =
  'the memory tier is full (max_memory) and could not be relieved in time: the write-ahead log is not taking the overflow';

/** Bytes a produce holds in the tier until its batches are appended (or refused). */
export interface MemoryReservation {
  /** The batches are stored or refused: their bytes now count as stored, or not at all. Idempotent. */
  release(): void;
}

interface ReservationWaiter {
  readonly bytes: number;
  readonly grant: () => void;
}

export class MemoryAccountant {
  /** The pooled memory behind the stored batches. */
  readonly memory: BatchMemory;
  private bytes = 0;
  private batches = 0;
  private reservedBytes = 0;
  private readonly pressureListeners = new Set<() => void>();
  private pressureSignalled = false;
  private readonly reservationWaiters: ReservationWaiter[] = [];

  constructor(
    private readonly limits: MemoryLimits,
    private readonly clock: Clock,
    /** Called once the pool has let slabs go (MEMORY_LET_GO); none: nothing more is done. */
    onLetGo: (() => void) | null = null,
  ) {
    this.memory = new BatchMemory(batchMemoryLimitsFor(limits.maxBytes), prefaultFromDevZero, clock, onLetGo);
  }

  /** A partition now holds `buffer` in memory (its pooled memory stays held until `batchDropped`). */
  batchStored(buffer: Buffer): void {
    this.memory.retain(buffer);
    this.adjust(buffer.length, 1);
  }

  /** A partition no longer holds the batch of `length` bytes in `memory` (the ArrayBuffer its view was of). */
  batchDropped(memory: ArrayBufferLike, length: number): void {
    this.adjust(-length, -1);
    this.memory.releaseRegion(memory);
  }

  /** A partition holds `replacement` where it held `original` (the log cleaner): the original's pooled memory is released. */
  batchReplaced(original: Buffer, replacement: Buffer): void {
    this.memory.retain(replacement);
    this.adjust(replacement.length - original.length, 0);
    this.memory.release(original);
  }

  adjust(bytesDelta: number, batchesDelta: number): void {
    this.bytes += bytesDelta;
    this.batches += batchesDelta;
    if (bytesDelta + batchesDelta * this.limits.batchHeapBytes > 0) {
      if (this.usedBytes > this.limits.highWaterBytes && !this.pressureSignalled && this.pressureListeners.size > 0) {
        this.pressureSignalled = true;
        for (const listener of this.pressureListeners) listener();
      }
    } else {
      this.grantWaiting();
    }
  }

  /**
   * Reserves `bytes` for batches about to be appended: at once while used plus reserved
   * bytes are below max_memory and nobody waits before it, else after waiting in turn; null
   * when `timeoutMs` passes first (the caller answers that memory is full).
   */
  reserve(bytes: number, timeoutMs: number): MemoryReservation | Promise<MemoryReservation | null> {
    if (this.reservationWaiters.length === 0 && this.hasRoom()) return this.grant(bytes);
    return new Promise((resolve) => {
      const waiter: ReservationWaiter = {
        bytes,
        grant: () => {
          timer.cancel();
          resolve(this.grant(bytes));
        },
      };
      const timer: Timer = this.clock.schedule(timeoutMs, () => {
        const at = this.reservationWaiters.indexOf(waiter);
        if (at >= 0) this.reservationWaiters.splice(at, 1);
        resolve(null);
        this.grantWaiting();
      });
      this.reservationWaiters.push(waiter);
      if (this.pressureListeners.size > 0 && !this.pressureSignalled) {
        this.pressureSignalled = true;
        for (const listener of this.pressureListeners) listener();
      }
    });
  }

  get reserved(): number {
    return this.reservedBytes;
  }

  private hasRoom(): boolean {
    return this.usedBytes + this.reservedBytes < this.limits.maxBytes;
  }

  private grant(bytes: number): MemoryReservation {
    this.reservedBytes += bytes;
    return new Reservation(bytes, this.giveBack);
  }

  /** A reservation's bytes go back (bound once: one per produce request, see Reservation). */
  private readonly giveBack = (bytes: number): void => {
    this.reservedBytes -= bytes;
    this.grantWaiting();
  };

  private grantWaiting(): void {
    while (this.reservationWaiters.length > 0 && this.hasRoom()) (this.reservationWaiters.shift() as ReservationWaiter).grant();
  }

  /** Bytes of the stored batches (the byte gauges). */
  get storedBytes(): number {
    return this.bytes;
  }

  /** What max_memory bounds: the stored batches' bytes plus the heap counted for each (`batchHeapBytes`). */
  get usedBytes(): number {
    return this.bytes + this.batches * this.limits.batchHeapBytes;
  }

  get storedBatches(): number {
    return this.batches;
  }

  get memoryLimits(): MemoryLimits {
    return this.limits;
  }

  /** Used plus reserved bytes at or over max_memory: a produce waits for room first. */
  get isFull(): boolean {
    return !this.hasRoom();
  }

  /** `listener` runs (synchronously, so it should only schedule work) when usage crosses the high-water mark. */
  onPressure(listener: () => void): void {
    this.pressureListeners.add(listener);
  }

  /** The relief pass is over: the next crossing of the high-water mark signals again. */
  rearmPressure(): void {
    this.pressureSignalled = false;
  }
}

/**
 * A class rather than a closure per produce request: the bundle names every closure it
 * creates (Object.defineProperty on each call), which showed in the produce path's profile.
 */
class Reservation implements MemoryReservation {
  private held = true;

  constructor(
    private readonly bytes: number,
    private readonly giveBack: (bytes: number) => void,
  ) {}

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.giveBack(this.bytes);
  }
}
