/**
 * One record batch of the memory tier as its readers see it: the producer's bytes (a view into
 * pooled memory, base offset already rewritten) and the header fields the broker consults
 * without re-reading the buffer. The partition does not keep these: it holds its batches as
 * columns (memory-batches.ts) and makes a StoredBatch, with a new view, when one is read; what
 * the header says besides (maxTimestamp, record count) is read from the bytes.
 *
 * Invariants: `lastOffset = baseOffset + lastOffsetDelta >= baseOffset`;
 * `buffer.length` is the whole batch (12-byte log overhead included).
 */
export interface StoredBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly buffer: Buffer;
  /** Broker clock when the batch was appended; time-based retention uses it. */
  readonly appendTimeMs: number;
}
