/**
 * A partition's memory batches in offset order, held as columns rather than one object per
 * batch: for each batch its base offset and append time (a Float64Array), its last offset
 * delta, byte offset, byte length and memory id (a Uint32Array, both over one ArrayBuffer).
 * The memory id names an entry of a small table of the memories the bytes are in (a slab, a
 * frame, a rebuilt batch's own buffer): one entry per run of consecutive batches in the same
 * memory (a 1 MiB slab holds thousands of small batches), counted by the batches using it and
 * freed with the last. 32 bytes a batch, all outside the JavaScript heap: where a StoredBatch
 * with its Buffer view cost ~227 B of heap (bench/batch-heap.mjs), and a plain array of one
 * memory reference per batch was still 8 B a batch for the old generation's mark-compacts to
 * trace, copied (and left for them to collect) at every growth: ~30 B of old-generation
 * garbage per stored batch, what brought two mark-compacts per 10 s at 10,000 single-record
 * batches/s (bench/latency-gc.mjs; heap11). A view of a batch's bytes is made when it is read
 * (`view`).
 *
 * Indices are positions in the log (0 = the oldest batch held). Dropping from the head is
 * O(1); storage is resized so that its capacity stays within [count, 2 x count] past
 * MIN_CAPACITY (grown by half when full, shrunk when under half full after drops), which
 * bounds what the accountant counts per batch (STORED_BATCH_HEAP_BYTES). A resize numbers the
 * memory table anew, one entry per run, so the table never outgrows the batches held. A log that
 * drops from its head as it appends (retention's steady state) moves its batches back to the
 * start of the same storage when they reach its end (`makeRoom`), rather than taking new storage.
 *
 * The columns are a SharedArrayBuffer (never shared with another thread), as the batch pool's
 * slabs are (batch-memory.ts): V8 counts an ArrayBuffer's bytes as the isolate's external
 * memory, and what that grows by since the last mark-compact counts against the old
 * generation's allocation limit. Growing by half at a time, a partition allocates ~3 x 32 B per
 * batch it comes to hold (the old columns wait for a mark-compact to be freed): at 10,000
 * single-record batches/s, ~10 MB in 10 s, enough on its own to start a mark-compact every
 * ~7 s (bench/latency-gc.mjs, --trace-incremental-marking: started at 20 MB of a 30 MB limit).
 * As a SharedArrayBuffer they start none, so the storage grown out of stays resident until a
 * mark-compact that the rest of the broker's work starts (bench/column-growth.mjs: 100 partitions
 * grown to 200,000 batches and emptied, no other work, still held 1.6 GiB of it). An ArrayBuffer detached at each resize frees it at once and started
 * no more mark-compacts, but cost produce 100 B 11-18 % more broker CPU per message (bench/README.md,
 * 2026-12-05 03:45): not done.
 *
 * Walks over every batch (ListOffsets by time and -3) read the max timestamp from each batch's
 * header in place, without a view, and keep a summary of it per block of batches so that the
 * next look-up passes over most of them (`summarize`; ~0.03 B a batch, not counted above).
 */

import type { MemoryHolder } from './batch-memory.js';

/** Float64 columns per batch: base offset, append time. */
const F64_FIELDS = 2;
/** Uint32 columns per batch: last offset delta, byte offset, byte length, memory id. */
const U32_FIELDS = 4;
/** Bytes a batch takes in the columns (its memory's table entry is shared by its run). */
export const BATCH_COLUMN_BYTES = F64_FIELDS * 8 + U32_FIELDS * 4;
/** Smallest storage once a batch is held (an empty partition holds none). */
const MIN_CAPACITY = 16;
const OFFSET_DELTA = 0;
const BYTE_OFFSET = 1;
const BYTE_LENGTH = 2;
const MEMORY_ID = 3;

/** Where a v2 batch header holds its max timestamp (record-batch.ts `maxTimestampOf`). */
const MAX_TIMESTAMP_AT = 35;
/** Batches per block of the max-timestamp summary (`summarize`): 8 B per block, ~0.03 B a batch. */
const SUMMARY_BLOCK = 256;

const NO_F64 = new Float64Array(0);
const NO_U32 = new Uint32Array(0);
const NO_DATA: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
/** Flips an int32's sign bit: unsigned order becomes signed order. */
const SIGN_BIT = -0x8000_0000;

export class MemoryBatches {
  private f64: Float64Array<ArrayBufferLike> = NO_F64;
  private u32: Uint32Array<ArrayBufferLike> = NO_U32;
  /** The memory table: by memory id, the memory (undefined once free). */
  private memories: (ArrayBufferLike | undefined)[] = [];
  /** By memory id, how many batches use it. */
  private users: number[] = [];
  /** Memory ids free for reuse. */
  private freeIds: number[] = [];
  private capacity = 0;
  /** Slot of the oldest batch. */
  private head = 0;
  private size = 0;
  /** Batches dropped from the head since the first was pushed: batch i's place in the log's history is headSeq + i. */
  private headSeq = 0;
  /** The max-timestamp summary (`summarize`): where its first block starts (a place in history), each block's largest. */
  private summaryStart = 0;
  private blockMaxima: number[] = [];

  get count(): number {
    return this.size;
  }

  baseOffset(i: number): number {
    return this.f64[(this.head + i) * F64_FIELDS];
  }

  lastOffset(i: number): number {
    const slot = this.head + i;
    return this.f64[slot * F64_FIELDS] + this.u32[slot * U32_FIELDS + OFFSET_DELTA];
  }

  appendTimeMs(i: number): number {
    return this.f64[(this.head + i) * F64_FIELDS + 1];
  }

  byteLength(i: number): number {
    return this.u32[(this.head + i) * U32_FIELDS + BYTE_LENGTH];
  }

  /** The memory batch `i`'s bytes are in, and where. */
  memory(i: number): ArrayBufferLike {
    return this.memories[this.u32[(this.head + i) * U32_FIELDS + MEMORY_ID]] as ArrayBufferLike;
  }

  byteOffset(i: number): number {
    return this.u32[(this.head + i) * U32_FIELDS + BYTE_OFFSET];
  }

  /** A new view of batch `i`'s bytes. */
  view(i: number): Buffer {
    const at = (this.head + i) * U32_FIELDS;
    return Buffer.from(this.memories[this.u32[at + MEMORY_ID]] as ArrayBufferLike, this.u32[at + BYTE_OFFSET], this.u32[at + BYTE_LENGTH]);
  }

  /**
   * New views of batches [from, to), in an array of their number; `holder` holds the memory of
   * each run of them in the same memory (once per run: a slab holds thousands of small batches).
   */
  views(from: number, to: number, holder?: MemoryHolder): Buffer[] {
    const views = new Array<Buffer>(to - from);
    let held = -1;
    for (let i = from; i < to; i++) {
      const at = (this.head + i) * U32_FIELDS;
      const id = this.u32[at + MEMORY_ID];
      const memory = this.memories[id] as ArrayBufferLike;
      if (id !== held && holder !== undefined) {
        holder.hold(memory);
        held = id;
      }
      views[i - from] = Buffer.from(memory, this.u32[at + BYTE_OFFSET], this.u32[at + BYTE_LENGTH]);
    }
    return views;
  }

  /** Whether batch `i` is `buffer`'s bytes (the same memory, at the same place). */
  holds(i: number, buffer: Buffer): boolean {
    return this.memory(i) === buffer.buffer && this.byteOffset(i) === buffer.byteOffset && this.byteLength(i) === buffer.length;
  }

  push(baseOffset: number, lastOffset: number, buffer: Buffer, appendTimeMs: number): void {
    if (this.head + this.size === this.capacity) this.makeRoom();
    const slot = this.head + this.size;
    this.f64[slot * F64_FIELDS] = baseOffset;
    this.f64[slot * F64_FIELDS + 1] = appendTimeMs;
    this.u32[slot * U32_FIELDS + OFFSET_DELTA] = lastOffset - baseOffset;
    this.place(slot, buffer, this.size > 0 ? this.u32[(slot - 1) * U32_FIELDS + MEMORY_ID] : -1);
    this.size++;
  }

  /** Batch `i`'s bytes are now `buffer` (its offsets and append time stay). */
  replace(i: number, buffer: Buffer): void {
    const slot = this.head + i;
    this.blockMaxima.length = 0;
    this.release(this.u32[slot * U32_FIELDS + MEMORY_ID]);
    this.place(slot, buffer, -1);
  }

  /**
   * Index of the first batch at or after `from` whose max timestamp is >= `timestamp`, or the
   * count when none is (ListOffsets by time). Max timestamps are in no order (CreateTime), so
   * this is a scan, over the summary's blocks where it can (`summarize`): a block whose largest
   * max timestamp is below `timestamp` is passed over whole.
   */
  indexOfMaxTimestampAtLeast(timestamp: number, from: number): number {
    const target = Math.ceil(timestamp);
    const high = Math.floor(target / 0x1_0000_0000);
    const low = (target - high * 0x1_0000_0000) ^ SIGN_BIT;
    const start = Math.max(from, 0);
    this.summarize();
    const firstBlock = Math.max(0, Math.ceil((start + this.headSeq - this.summaryStart) / SUMMARY_BLOCK));
    const blocks = this.blockMaxima.length;
    if (firstBlock >= blocks) return this.firstAtLeastIn(high, low, start, this.size);
    const found = this.firstAtLeastIn(high, low, start, this.blockIndex(firstBlock));
    if (found < this.blockIndex(firstBlock)) return found;
    for (let block = firstBlock; block < blocks; block++) {
      if (this.blockMaxima[block] < target) continue;
      const end = this.blockIndex(block + 1);
      const inBlock = this.firstAtLeastIn(high, low, this.blockIndex(block), end);
      if (inBlock < end) return inBlock;
    }
    return this.firstAtLeastIn(high, low, this.blockIndex(blocks), this.size);
  }

  /** Index of the first batch holding the largest max timestamp (ListOffsets -3), or -1 when none is held; through the summary's blocks. */
  indexOfLargestMaxTimestamp(): number {
    this.summarize();
    const firstBlock = Math.max(0, Math.ceil((this.headSeq - this.summaryStart) / SUMMARY_BLOCK));
    const blocks = this.blockMaxima.length;
    if (firstBlock >= blocks) return this.largestIn(0, this.size);
    // The candidates in order: the batches before the first whole block, the first block holding the largest, the batches after the last.
    let best = this.largestIn(0, this.blockIndex(firstBlock));
    let largestBlock = firstBlock;
    for (let block = firstBlock + 1; block < blocks; block++) if (this.blockMaxima[block] > this.blockMaxima[largestBlock]) largestBlock = block;
    if (best < 0 || this.blockMaxima[largestBlock] > this.maxTimestampOfIndex(best)) best = this.largestIn(this.blockIndex(largestBlock), this.blockIndex(largestBlock + 1));
    const tail = this.largestIn(this.blockIndex(blocks), this.size);
    return tail >= 0 && this.maxTimestampOfIndex(tail) > this.maxTimestampOfIndex(best) ? tail : best;
  }

  /**
   * The summary of max timestamps: the largest of each block of SUMMARY_BLOCK batches, from the
   * batch that was the oldest when it was (re)built, computed when a look-up needs it for the
   * blocks appended whole since (the produce path does nothing for it). Blocks wholly dropped
   * from the head are forgotten; a block partly dropped is read batch by batch (its largest may
   * be gone). Removing or replacing batches (the log cleaner) forgets the whole summary.
   */
  private summarize(): void {
    let dead = 0;
    while (dead < this.blockMaxima.length && this.summaryStart + (dead + 1) * SUMMARY_BLOCK <= this.headSeq) dead++;
    if (dead > 0) {
      this.blockMaxima.splice(0, dead);
      this.summaryStart += dead * SUMMARY_BLOCK;
    }
    if (this.blockMaxima.length === 0) this.summaryStart = this.headSeq;
    for (let block = this.blockMaxima.length; this.blockIndex(block + 1) <= this.size; block++) {
      this.blockMaxima.push(this.maxTimestampOfIndex(this.largestIn(this.blockIndex(block), this.blockIndex(block + 1))));
    }
  }

  /** Index of the first batch of summary block `block` (negative: dropped from the head). */
  private blockIndex(block: number): number {
    return this.summaryStart + block * SUMMARY_BLOCK - this.headSeq;
  }

  private maxTimestampOfIndex(i: number): number {
    const slot = this.head + i;
    const data = new DataView(this.memoryOfSlot(slot));
    const at = this.u32[slot * U32_FIELDS + BYTE_OFFSET] + MAX_TIMESTAMP_AT;
    return data.getInt32(at) * 0x1_0000_0000 + data.getUint32(at + 4);
  }

  /**
   * The first index in [from, to) whose max timestamp's halves are >= (high, low), or `to`.
   * Each header is read in place, through one DataView per run of batches in the same memory
   * (a slab holds thousands), where a Buffer view per batch cost ~230 B of heap
   * (bench/walks.mjs). The int64 is compared as its two int32 halves (the low one sign-flipped
   * to order as unsigned): no double is made per batch, which the loop's first runs, before it
   * is optimized, would box (16 B each). The view is a local, not a reader object's field: a
   * short-lived object's map, embedded in the optimized loop, dies at the next full GC and
   * takes the loop's code with it.
   */
  private firstAtLeastIn(high: number, low: number, from: number, to: number): number {
    let memory: ArrayBufferLike | undefined;
    let data = NO_DATA;
    for (let i = from; i < to; i++) {
      const slot = this.head + i;
      if (this.memoryOfSlot(slot) !== memory) {
        memory = this.memoryOfSlot(slot);
        data = new DataView(memory as ArrayBufferLike);
      }
      const at = this.u32[slot * U32_FIELDS + BYTE_OFFSET] + MAX_TIMESTAMP_AT;
      const batchHigh = data.getInt32(at);
      if (batchHigh > high || (batchHigh === high && (data.getInt32(at + 4) ^ SIGN_BIT) >= low)) return i;
    }
    return to;
  }

  /** The first index in [from, to) holding the largest max timestamp there, or -1 when the range is empty; read as `firstAtLeastIn` reads. */
  private largestIn(from: number, to: number): number {
    let memory: ArrayBufferLike | undefined;
    let data = NO_DATA;
    let best = -1;
    let bestHigh = 0;
    let bestLow = 0;
    for (let i = from; i < to; i++) {
      const slot = this.head + i;
      if (this.memoryOfSlot(slot) !== memory) {
        memory = this.memoryOfSlot(slot);
        data = new DataView(memory as ArrayBufferLike);
      }
      const at = this.u32[slot * U32_FIELDS + BYTE_OFFSET] + MAX_TIMESTAMP_AT;
      const high = data.getInt32(at);
      const low = data.getInt32(at + 4) ^ SIGN_BIT;
      if (best < 0 || high > bestHigh || (high === bestHigh && low > bestLow)) {
        best = i;
        bestHigh = high;
        bestLow = low;
      }
    }
    return best;
  }

  /** Drops the oldest batch (call `settle` after a run of drops). */
  shift(): void {
    this.release(this.u32[this.head * U32_FIELDS + MEMORY_ID]);
    this.head++;
    this.size--;
    this.headSeq++;
  }

  /** Removes the batches at these indices (ascending), keeping the others in order. */
  remove(indices: readonly number[]): void {
    if (indices.length === 0) return;
    this.blockMaxima.length = 0;
    let to = indices[0];
    let next = 0;
    for (let i = indices[0]; i < this.size; i++) {
      if (next < indices.length && indices[next] === i) {
        this.release(this.u32[(this.head + i) * U32_FIELDS + MEMORY_ID]);
        next++;
        continue;
      }
      this.move(this.head + i, this.head + to);
      to++;
    }
    this.size = to;
    this.settle();
  }

  /** After drops: storage under half full is made smaller (all of it goes once empty). */
  settle(): void {
    if (this.size === 0) {
      this.f64 = NO_F64;
      this.u32 = NO_U32;
      this.memories = [];
      this.users = [];
      this.freeIds = [];
      this.capacity = 0;
      this.head = 0;
    } else if (this.capacity > MIN_CAPACITY && this.size * 2 < this.capacity) {
      this.resize(Math.max(MIN_CAPACITY, this.size + (this.size >>> 1)));
    }
  }

  /** Bytes the columns hold now (capacity, not count). */
  get columnBytes(): number {
    return this.capacity * BATCH_COLUMN_BYTES;
  }

  /** Entries of the memory table in use (one per run of batches in the same memory, at most). */
  get memoryCount(): number {
    return this.memories.length - this.freeIds.length;
  }

  /** Slot `slot`'s bytes are `buffer`: the memory id `near` (a neighbour's) when it is the same memory, else one of its own. */
  private place(slot: number, buffer: Buffer, near: number): void {
    const memory = buffer.buffer;
    let id = near;
    if (id < 0 || this.memories[id] !== memory) {
      if (this.freeIds.length > 0) {
        id = this.freeIds.pop() as number;
        this.memories[id] = memory;
        this.users[id] = 0;
      } else {
        id = this.memories.length;
        this.memories.push(memory);
        this.users.push(0);
      }
    }
    this.users[id]++;
    const at = slot * U32_FIELDS;
    this.u32[at + BYTE_OFFSET] = buffer.byteOffset;
    this.u32[at + BYTE_LENGTH] = buffer.length;
    this.u32[at + MEMORY_ID] = id;
  }

  /** The memory the batch in `slot` is in. */
  private memoryOfSlot(slot: number): ArrayBufferLike {
    return this.memories[this.u32[slot * U32_FIELDS + MEMORY_ID]] as ArrayBufferLike;
  }

  /** One batch less uses memory `id` (freed with its last). */
  private release(id: number): void {
    if (--this.users[id] === 0) {
      this.memories[id] = undefined;
      this.freeIds.push(id);
    }
  }

  private move(from: number, to: number): void {
    if (from === to) return;
    this.f64.copyWithin(to * F64_FIELDS, from * F64_FIELDS, (from + 1) * F64_FIELDS);
    this.u32.copyWithin(to * U32_FIELDS, from * U32_FIELDS, (from + 1) * U32_FIELDS);
  }

  /**
   * Room for one more batch at the end of full storage. A log that drops from its head as it
   * appends (retention, relief) reaches the end with the head well past the start: its batches
   * are moved to the start (at least half as many slots come free, so the moves cost O(1) a batch
   * in all), rather than copied to new storage of the same size, whose old one, out of V8's
   * external memory, would be freed only by a mark-compact that nothing else may start soon.
   * Storage half as large again otherwise.
   */
  private makeRoom(): void {
    const capacity = Math.max(MIN_CAPACITY, this.size + (this.size >>> 1));
    if (capacity > this.capacity) {
      this.resize(capacity);
      return;
    }
    this.f64.copyWithin(0, this.head * F64_FIELDS, (this.head + this.size) * F64_FIELDS);
    this.u32.copyWithin(0, this.head * U32_FIELDS, (this.head + this.size) * U32_FIELDS);
    this.head = 0;
  }

  /** New storage of `capacity` slots (>= size), the batches at its start, the memory table numbered anew by run. */
  private resize(capacity: number): void {
    const storage = new SharedArrayBuffer(capacity * BATCH_COLUMN_BYTES);
    const f64 = new Float64Array(storage, 0, capacity * F64_FIELDS);
    const u32 = new Uint32Array(storage, capacity * F64_FIELDS * 8, capacity * U32_FIELDS);
    f64.set(this.f64.subarray(this.head * F64_FIELDS, (this.head + this.size) * F64_FIELDS));
    u32.set(this.u32.subarray(this.head * U32_FIELDS, (this.head + this.size) * U32_FIELDS));
    const memories: ArrayBufferLike[] = [];
    const users: number[] = [];
    let previous: ArrayBufferLike | undefined;
    for (let at = MEMORY_ID; at < this.size * U32_FIELDS; at += U32_FIELDS) {
      const memory = this.memories[u32[at]] as ArrayBufferLike;
      if (memory !== previous) {
        memories.push(memory);
        users.push(0);
        previous = memory;
      }
      u32[at] = memories.length - 1;
      users[memories.length - 1]++;
    }
    this.f64 = f64;
    this.u32 = u32;
    this.memories = memories;
    this.users = users;
    this.freeIds = [];
    this.capacity = capacity;
    this.head = 0;
  }
}
