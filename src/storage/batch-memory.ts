/**
 * The memory behind the memory tier's record batches: a pool of slabs that the produce path
 * copies each batch into once, straight from the socket's chunks, and that gets back what
 * retention, offloading and consumption drop, so a broker under steady load writes into
 * memory it already has instead of faulting in fresh pages for every batch, and its
 * footprint is bounded by construction.
 *
 * Allocation is a bump pointer in the first of the last few slabs (OPEN_SLABS) with room, so
 * a slab holds batches appended around the same time, and a batch too big for the end of one
 * slab still leaves that end to smaller batches; the memory tier drops batches oldest first
 * (retention, offload), so slabs empty about in the order they filled. A slab is reused once
 * every batch in it is released.
 *
 * Holds are counted per slab, for any view into it: the transport holds a request frame until
 * its handler is done, the produce path holds each batch (a view of its frame) while it
 * validates and appends, the partition while it stores it (`retain` and `release`). A buffer
 * that is not a view of a slab (REST produce, plugin rebuilds) is ignored.
 *
 * Readers hold what they read: a Fetch writes the stored bytes to the socket by reference, so
 * each answer keeps a pin (`pin`) that holds every slab or one-off region its views point into
 * (`hold`, once per run of views in the same memory: PartitionLog.read takes them as it makes
 * the views) until the answer is flushed; the REST face, the log cleaner and the uplink hold
 * what they read the same way while they keep the views across awaits (the offloader retains
 * just the batches it writes). A slab is reused once no hold is left on it, whatever other
 * slabs are held: an unflushed answer keeps back only the memory it points into. (Before, a
 * pin held back every byte released after it was taken: one answer left unread kept all the
 * memory the tier let go from reuse, 565 MiB in test/e2e/slow-reader.test.ts.) Memory whose
 * every hold is a pin's is counted (`heldBackBytes`: it would be reused but for answers not yet
 * flushed). A fetch that parks (long poll) drops its holds (`drop`): it reads again after.
 *
 * Bounds: at most `poolBytesMax` in slabs; at most `freeBytesMax` of empty slabs kept. Past
 * the bound, and for a request larger than a slab, `alloc` hands out a one-off region: a
 * Buffer of its own, held, retained, released and pinned exactly as a slab is, whose memory is
 * given back (its ArrayBuffer detached) once its last hold (a pin's included) is dropped, where
 * a slab would be reused. Left to the garbage collector, the batches a
 * Produce stored from such frames died old and waited for a late full GC (4.9 MiB in 6 of
 * them at the storage-offload e2e's peak; 3 MB messages, each frame larger than a slab, into a
 * 32 MB tier: peak RSS growth 49.9 against 101.3 MiB, bench/large-frames-rss.mjs). Detaching makes every view of the region empty
 * (length 0): it is done at the end of the current job (a microtask), so the code that dropped
 * the last hold may still read a view's length (the transport's request budget, an eviction's
 * freed bytes); anything that reads the bytes later needed a hold, as for a slab.
 * Scratch memory a pin lends (`borrow`: pooled memory the pin holds until it is released) is
 * never a one-off: a disk read fills it on libuv's thread pool, where a detach under a read
 * still in flight would free memory being written; past the bound it is a plain Buffer that the
 * garbage collector frees.
 *
 * A slab is a SharedArrayBuffer (never shared with another thread): V8 counts an ordinary
 * ArrayBuffer's bytes as the isolate's external memory and starts a full (mark-compact) GC
 * for about every 64 MiB it grows by, which the pool makes no garbage for. Receiving 300 MB
 * of produce into plain-ArrayBuffer slabs ran 7 such GCs, and their concurrent marking was
 * ~40 % of the broker's CPU samples (perf, produce 1 KiB); a SharedArrayBuffer's memory is
 * not counted per isolate, so the slabs start none. The pool bounds them itself.
 *
 * Fresh slabs are faulted in ahead of use, off the event loop (`SlabPrefault`): the first
 * write to each 4 KiB page of fresh memory costs a page fault, which for a produce landed in
 * the socket read that fills the frame (a third of the broker's CPU samples at 1 KiB). When a
 * slab opens in a pool that has grown past its first one, the pool tops up its spares (free
 * or in preparation) to the spare target: read from /dev/zero on libuv's thread pool, so the
 * kernel faults their pages in on another core, and handed out (through the free list) only
 * once that read is done. (A readv of one byte per page instead, which spares the kernel
 * zeroing each page a second time, cut the thread pool's CPU per page by ~40 %, but Node's
 * readv taking the 512 views of a slab cost the event loop ~45 µs per slab: +30-45 µs per MB
 * produced on the serial path; dropped, bench/README.md Results 2026-12-05 tput16.) Nothing else touches a spare slab. At most PREFAULTS_IN_FLIGHT
 * reads are queued at once (each one done starts the next). The target starts at
 * SPARE_SLABS and doubles, up to SPARE_SLABS_MAX, each time a slab must open fresh while spares
 * are still being prepared (demand outran them). With a fixed 8 a fresh broker still opened a
 * third to half of the slabs of a 300 MB produce unprepared, faulting them in on the event
 * loop: 26,000-31,000 minor faults on the main thread for 300 MB at 1 KiB (73,000 pages),
 * 5,600-15,700 with this (issue 13, medians of 4-5 fresh brokers, bench/README.md). An idle
 * broker's first slab (the frames of a few small requests) starts none: the spares would be
 * resident memory for nothing.
 *
 * Demand that stops gives memory back: once SPARE_DECAY_MS to 2 x SPARE_DECAY_MS have passed
 * with no slab taken (one unref'd timer on the Clock, armed by a take once the pool holds more
 * than SPARE_SLABS: a smaller one has nothing to let go; or by a slab emptied while none runs,
 * when the free list holds more than SPARE_SLABS: data dropped after demand stopped, by
 * retention or a deleted topic), the target falls back to SPARE_SLABS and the empty slabs past
 * it are let go, with whatever relief emptied: an idle broker after a burst keeps SPARE_SLABS
 * empty slabs, not up to SPARE_SLABS_MAX (or the tier's whole budget). The pool's state is the
 * gauge blink_batch_memory_bytes (storage.probe.ts); test/e2e/batch-pool.test.ts watches it fall
 * with a real client.
 * A let-go slab's SharedArrayBuffer is freed by the garbage collector, which `onLetGo` asks for;
 * how much of it the system gets back is glibc's call: a slab is malloc'd, and once glibc's mmap
 * threshold has risen past 2 MiB (freeing any larger malloc'd buffer raises it for good, and in
 * a booted broker it has) slabs come from its heap, which it shrinks from the top only. So the newest slabs
 * (highest in the heap) go first. A real broker after a 300 MB burst, then idle: RSS -12 to
 * -36 MiB of the 48 let go (all 48 under MALLOC_MMAP_THRESHOLD_=131072); growable SharedArrayBuffers, which
 * V8 maps itself, gave all 48 back but cost the JavaScript that reads them 20-40 % more CPU
 * (produce and consume rows, bench/README.md).
 */
import { openSync, read } from 'node:fs';
import type { Clock, Timer } from '../common/clock.js';

export const SLAB_BYTES = 2 * 1024 * 1024;
/** Fresh slabs kept in preparation ahead of use at first (they count in the pool's bound like any slab). */
export const SPARE_SLABS = 8;
/** What the spare target grows to while slabs are taken faster than they are prepared (64 MiB). */
export const SPARE_SLABS_MAX = 32;
/**
 * Prefault reads queued on libuv's thread pool at once: its default size. More would only wait
 * behind each other, ahead of the WAL's writes (2 starved the prefault on a loaded machine:
 * more faults stayed on the event loop than with the fixed 8 at once).
 */
export const PREFAULTS_IN_FLIGHT = 4;
/**
 * No slab taken for this long (up to twice this: the timer looks once per period) and the spare
 * target falls back to SPARE_SLABS, letting go of the empty slabs past it. Long beside the gaps
 * within a load (the bench's rows follow each other within a second).
 */
export const SPARE_DECAY_MS = 10_000;
/** Spares are prepared once the pool holds this many slabs. */
const SPARES_FROM_SLABS = 2;

/** Faults `memory`'s pages in off the event loop (its content is then undefined), then calls `done` once. */
export type SlabPrefault = (memory: Buffer, done: () => void) => void;

let devZero: number | null | undefined;

/** SlabPrefault by a read of /dev/zero on libuv's thread pool; where there is none, nothing is prefaulted. */
export const prefaultFromDevZero: SlabPrefault = (memory, done) => {
  if (devZero === undefined) {
    try {
      devZero = openSync('/dev/zero', 'r');
    } catch {
      devZero = null;
    }
  }
  if (devZero === null) done();
  else read(devZero, memory, 0, memory.length, null, () => done());
};
/** Slabs still taking batches; the oldest leaves the list (with what room it has left) when a new one opens. */
const OPEN_SLABS = 4;

/** A slab, or a one-off region (`oneOff`: past the bound or larger than a slab; given back, not reused). */
interface Slab {
  readonly memory: Buffer;
  readonly oneOff: boolean;
  /** Bytes handed out from the start of `memory`. */
  used: number;
  /** Holds on views of this slab (pins' included). */
  live: number;
  /** Of them, pins' holds: once they are all of them, the slab is held back (BatchMemory.heldBackBytes). */
  pinned: number;
  /** The pin that took the last pin hold on it, while that hold lasts (a pin holds a slab once, however many runs of its views are in it). */
  pin: Pin | null;
  /** Creation order: the newest are let go first. */
  readonly serial: number;
}

/** Memory for reading something that lives only as long as its holder (a read buffer for data on disk). */
export interface ScratchMemory {
  borrow(length: number): Buffer;
}

/** What a reader of stored batches holds while it keeps views of them: each memory they are in. */
export interface MemoryHolder {
  /** Holds `memory` (a slab or one-off region of the pool; any other memory is ignored) until the holder lets go. */
  hold(memory: ArrayBufferLike): void;
}

/**
 * The holds of one reader (a Fetch answer until it is flushed): every slab or one-off region
 * its views point into, and the scratch memory it borrowed, none of it reused or given back
 * until `drop` or `release`.
 */
export interface MemoryPin extends ScratchMemory, MemoryHolder {
  /** Bytes of the slabs and regions held (each once, however many views point into it). */
  readonly heldBytes: number;
  /** The holder has dropped every view it read (a fetch that parks): every hold goes; it may hold again. */
  drop(): void;
  /** Every hold goes, for good (the answer is flushed, or failed). */
  release(): void;
}

/**
 * Slabs past max_memory: a full tier (storage-offload e2e, max_memory 32 MB) fills its slabs
 * to ~90%, and a connection holds up to three requests (transport); past them, the rare
 * request gets a one-off region. 8 let the pool reach 44-48 MiB there, 4 cap it at 40.
 */
export const IN_FLIGHT_SLABS = 4;

export interface BatchMemoryLimits {
  readonly poolBytesMax: number;
  readonly freeBytesMax: number;
}

/**
 * The pool for `max_memory` = `maxBytes`: the tier plus IN_FLIGHT_SLABS for the requests in
 * flight and the slab ends the tier leaves unused. Empty slabs are all kept for reuse while
 * slabs are being taken (the tier refills what relief frees): max_memory is the budget of a
 * broker under load; once no slab has been taken for SPARE_DECAY_MS, all but SPARE_SLABS go.
 */
export function batchMemoryLimitsFor(maxBytes: number): BatchMemoryLimits {
  const poolBytesMax = maxBytes + IN_FLIGHT_SLABS * SLAB_BYTES;
  return { poolBytesMax, freeBytesMax: poolBytesMax };
}

export interface BatchMemoryStats {
  readonly slabBytes: number;
  readonly freeBytes: number;
  /** Slabs and one-off regions whose every hold is a pin's (see BatchMemory.heldBackBytes). */
  readonly heldBackBytes: number;
  /** One-off regions not yet given back (past the bound, or larger than a slab). */
  readonly oneOffBytes: number;
}

/** ES2024's ArrayBuffer.prototype.transfer (Node 22+), which the project's TypeScript lib predates. */
type Detachable = ArrayBuffer & { transfer(length: number): ArrayBuffer; readonly detached: boolean };

export class BatchMemory {
  /** Slabs still taking batches, oldest first. */
  private readonly open: Slab[] = [];
  private readonly free: Slab[] = [];
  private slabs = 0;
  private slabsCreated = 0;
  private readonly slabOf = new WeakMap<ArrayBufferLike, Slab>();
  /** Bytes of the slabs and regions whose every hold is a pin's. */
  private heldBack = 0;
  /** Spare slabs being prefaulted. */
  private preparing = 0;
  /** Spares (free or being prefaulted) the pool tops up to; grows while demand outruns them. */
  private spareTarget = SPARE_SLABS;
  /** Whether a slab was taken (opened for batches) since the decay timer was armed. */
  private takenSinceArmed = false;
  private decayTimer: Timer | null = null;
  private oneOffBytes = 0;
  /** One-off regions whose last hold was dropped in this job: detached by one microtask at its end. */
  private detaching: ArrayBuffer[] = [];

  constructor(
    private readonly limits: BatchMemoryLimits,
    /** Prepares spare slabs ahead of use; none: fresh slabs are faulted in where they are first written. */
    private readonly prefault: SlabPrefault | null = null,
    /** Times the decay of the spare target; none: empty slabs are kept up to the limits. */
    private readonly clock: Clock | null = null,
    /** Called after slabs were let go (their memory is freed with their SharedArrayBuffers). */
    private readonly onLetGo: (() => void) | null = null,
  ) {}

  /** A pooled copy of `length` bytes given as consecutive pieces (views of socket chunks). */
  copyIn(pieces: readonly Buffer[], length: number): Buffer {
    const target = this.alloc(length);
    let at = 0;
    for (const piece of pieces) at += piece.copy(target, at);
    return target;
  }

  /** `length` bytes of pooled memory (uninitialised; a one-off region past the bound), held once by the caller. */
  alloc(length: number): Buffer {
    const slab = length <= SLAB_BYTES ? this.slabWithRoom(length) : null;
    return slab === null ? this.oneOff(length) : this.take(slab, length);
  }

  /**
   * Scratch memory for `pin` (Pin.borrow): pooled memory held by the pin alone, or past the
   * bound a plain Buffer that is never detached (see the header).
   * @internal (Pin)
   */
  lend(length: number, pin: Pin): Buffer {
    const slab = length <= SLAB_BYTES ? this.slabWithRoom(length) : null;
    if (slab === null) return Buffer.allocUnsafeSlow(length);
    const buffer = this.take(slab, length);
    // The allocation's hold becomes the pin's (or goes, when the pin holds the slab already).
    if (slab.pin === pin) this.change(slab, -1, 0);
    else this.pinHold(slab, pin, 0);
    return buffer;
  }

  /** One more hold on the slab `buffer` is a view of (nothing for other buffers). */
  retain(buffer: Buffer | null): void {
    const slab = buffer === null ? undefined : this.slabOf.get(buffer.buffer);
    if (slab !== undefined) this.change(slab, 1, 0);
  }

  /** Drops one hold; a slab with none left is reused. */
  release(buffer: Buffer | null): void {
    if (buffer !== null) this.releaseRegion(buffer.buffer);
  }

  /** `release` of a view of `memory` (a partition keeps no view of what it stores). */
  releaseRegion(memory: ArrayBufferLike): void {
    const slab = this.slabOf.get(memory);
    if (slab !== undefined) this.change(slab, -1, 0);
  }

  /** Whether `buffer` is a view of this pool's memory. */
  owns(buffer: Buffer): boolean {
    return this.slabOf.has(buffer.buffer);
  }

  pin(): MemoryPin {
    return new Pin(this);
  }

  /**
   * Bytes of the slabs and one-off regions held by pins alone (every batch in them released):
   * memory that would be reused, or given back, but for readers not done with it (Fetch
   * answers not yet flushed).
   */
  get heldBackBytes(): number {
    return this.heldBack;
  }

  stats(): BatchMemoryStats {
    return { slabBytes: this.slabs * SLAB_BYTES, freeBytes: this.free.length * SLAB_BYTES, heldBackBytes: this.heldBack, oneOffBytes: this.oneOffBytes };
  }

  /** `pin`'s hold on `memory`, unless it holds it already (or the memory is not the pool's). @internal (Pin) */
  holdFor(memory: ArrayBufferLike, pin: Pin): void {
    const slab = this.slabOf.get(memory);
    if (slab !== undefined && slab.pin !== pin) this.pinHold(slab, pin, 1);
  }

  /** Drops `pin`'s hold on `slab`. @internal (Pin) */
  unhold(slab: Slab, pin: Pin): void {
    if (slab.pin === pin) slab.pin = null;
    this.change(slab, -1, -1);
  }

  /** A pin hold on `slab` for `pin`: a hold more (`live` 1), or one that was the caller's (`live` 0). */
  private pinHold(slab: Slab, pin: Pin, live: number): void {
    slab.pin = pin;
    this.change(slab, live, 1);
    pin.keep(slab);
  }

  private take(slab: Slab, length: number): Buffer {
    const buffer = slab.memory.subarray(slab.used, slab.used + length);
    slab.used += length;
    this.change(slab, 1, 0);
    return buffer;
  }

  /**
   * `live` and `pinned` holds more (or fewer) on `slab`: what it adds to or takes from
   * `heldBack`; a slab with no hold left is reused, a region given back.
   */
  private change(slab: Slab, live: number, pinned: number): void {
    const wasHeldBack = slab.pinned !== 0 && slab.pinned === slab.live;
    slab.live += live;
    slab.pinned += pinned;
    const heldBack = slab.pinned !== 0 && slab.pinned === slab.live;
    if (heldBack !== wasHeldBack) this.heldBack += heldBack ? slab.memory.length : -slab.memory.length;
    if (slab.live === 0 && live < 0) this.emptied(slab);
  }

  /** A region of its own, held once: counted like a slab, given back (detached) when its last hold is dropped. */
  private oneOff(length: number): Buffer {
    const memory = Buffer.allocUnsafeSlow(length);
    this.slabOf.set(memory.buffer, { memory, oneOff: true, used: length, live: 1, pinned: 0, pin: null, serial: -1 });
    this.oneOffBytes += length;
    return memory;
  }

  /** The first open slab where `length` fits, else a recycled or new one (null past the pool's bound). */
  private slabWithRoom(length: number): Slab | null {
    // Indexed: a for-of made an array iterator and its results at every frame and batch (~200 B of heap per Produce and Fetch).
    const open = this.open;
    for (let i = 0; i < open.length; i++) if (open[i].used + length <= SLAB_BYTES) return open[i];
    let next = this.free.pop() ?? null;
    if (next === null) {
      // Spares on their way, none ready: taken faster than prepared.
      if (this.preparing > 0) this.spareTarget = Math.min(SPARE_SLABS_MAX, this.spareTarget * 2);
      next = this.newSlab();
      if (next === null) return null;
    }
    if (this.open.push(next) > OPEN_SLABS) this.retire(this.open.shift() as Slab);
    this.takenSinceArmed = true;
    if (this.decayTimer === null && this.slabs > SPARE_SLABS) this.armDecay();
    this.prepareSpares();
    return next;
  }

  private armDecay(): void {
    if (this.clock === null) return;
    this.takenSinceArmed = false;
    this.decayTimer = this.clock.schedule(SPARE_DECAY_MS, () => this.decay());
  }

  /** A period with no slab taken: the target falls back and the empty slabs past it are let go; else another period. */
  private decay(): void {
    this.decayTimer = null;
    if (this.takenSinceArmed) {
      this.armDecay();
      return;
    }
    this.spareTarget = SPARE_SLABS;
    const surplus = this.free.length - SPARE_SLABS;
    if (surplus <= 0) return;
    this.free.sort((a, b) => a.serial - b.serial);
    for (const slab of this.free.splice(SPARE_SLABS)) this.letGo(slab);
    this.onLetGo?.();
  }

  /**
   * Once the pool has grown past its first slab: prepares fresh slabs, PREFAULTS_IN_FLIGHT at
   * a time, until the spare target is free or on the way (within the bound, and no more than
   * the free list keeps).
   */
  private prepareSpares(): void {
    const prefault = this.prefault;
    if (prefault === null || this.slabs < SPARES_FROM_SLABS) return;
    const target = Math.min(this.spareTarget, Math.floor(this.limits.freeBytesMax / SLAB_BYTES));
    while (this.free.length + this.preparing < target && this.preparing < PREFAULTS_IN_FLIGHT) {
      const slab = this.newSlab();
      if (slab === null) return;
      this.preparing++;
      prefault(slab.memory, () => {
        this.preparing--;
        this.recycle(slab);
        this.prepareSpares();
      });
    }
  }

  /** A slab leaves the open list: recycled at once if nothing in it is live. */
  private retire(slab: Slab): void {
    if (slab.live === 0) this.recycle(slab);
  }

  private newSlab(): Slab | null {
    if ((this.slabs + 1) * SLAB_BYTES > this.limits.poolBytesMax) return null;
    this.slabs++;
    const slab: Slab = { memory: Buffer.from(new SharedArrayBuffer(SLAB_BYTES)), oneOff: false, used: 0, live: 0, pinned: 0, pin: null, serial: this.slabsCreated++ };
    this.slabOf.set(slab.memory.buffer, slab);
    return slab;
  }

  /** No hold left on `slab`: a region is given back, a slab starts over (still open) or is recycled. */
  private emptied(slab: Slab): void {
    if (slab.oneOff) this.giveBack(slab);
    else if (this.open.includes(slab)) slab.used = 0;
    else this.recycle(slab);
  }

  /** A one-off region with no hold left: out of the pool, its memory freed at the end of this job. */
  private giveBack(region: Slab): void {
    const memory = region.memory.buffer as ArrayBuffer;
    this.slabOf.delete(memory);
    this.oneOffBytes -= region.memory.length;
    if (this.detaching.push(memory) === 1) queueMicrotask(this.detachAll);
  }

  private readonly detachAll = (): void => {
    const regions = this.detaching;
    this.detaching = [];
    for (const memory of regions) if (!(memory as Detachable).detached) (memory as Detachable).transfer(0);
  };

  private recycle(slab: Slab): void {
    slab.used = 0;
    if ((this.free.length + 1) * SLAB_BYTES > this.limits.freeBytesMax) {
      this.letGo(slab);
      return;
    }
    this.free.push(slab);
    // Emptied with no decay period running (batches dropped once demand stopped: retention, a deleted topic): one starts.
    if (this.decayTimer === null && this.free.length > SPARE_SLABS) this.armDecay();
  }

  /** Out of the pool: its memory goes with its SharedArrayBuffer (nothing in the pool refers to it). */
  private letGo(slab: Slab): void {
    this.slabs--;
    this.slabOf.delete(slab.memory.buffer);
  }
}

/**
 * One reader's holds: the first slab in a field, the rest in an array made for a second (most
 * answers are in one slab or two: a Fetch made an array for nothing otherwise).
 */
class Pin implements MemoryPin {
  heldBytes = 0;
  private first: Slab | null = null;
  private more: Slab[] | null = null;
  private released = false;

  constructor(private readonly pool: BatchMemory) {}

  hold(memory: ArrayBufferLike): void {
    if (this.released) throw new Error('a released pin holds nothing');
    this.pool.holdFor(memory, this);
  }

  borrow(length: number): Buffer {
    if (this.released) throw new Error('a released pin lends nothing');
    return this.pool.lend(length, this);
  }

  /** A hold the pool took on this pin's behalf. @internal (BatchMemory) */
  keep(slab: Slab): void {
    this.heldBytes += slab.memory.length;
    if (this.first === null) this.first = slab;
    else (this.more ??= []).push(slab);
  }

  drop(): void {
    const { first, more } = this;
    this.first = null;
    this.more = null;
    this.heldBytes = 0;
    if (first !== null) this.pool.unhold(first, this);
    if (more !== null) for (const slab of more) this.pool.unhold(slab, this);
  }

  release(): void {
    this.released = true;
    this.drop();
  }
}
