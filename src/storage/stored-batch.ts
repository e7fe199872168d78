/**
 * One record batch held in the memory tier: the producer's bytes (a view into the request
 * frame, base offset already rewritten) and the few header fields the broker consults
 * without re-reading the buffer.
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
  readonly maxTimestamp: number;
  readonly recordCount: number;
}
