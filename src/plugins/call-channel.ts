// ES2024 shared memory (growable SharedArrayBuffer, Atomics.waitAsync): Node 24 has both;
// the project's lib is es2023, so this file pulls in just these declarations.
/// <reference lib="es2024.sharedmemory" />
/**
 * The call path between the broker and one plugin worker: a growable SharedArrayBuffer
 * with a few control words and one data region, signalled with Atomics. One call is in
 * flight at a time, so one region serves both directions.
 *
 * Why not postMessage: a message round trip costs ~20 µs (serialization, two event-loop
 * wake-ups); Atomics.notify + the worker blocked in Atomics.wait + the broker in
 * Atomics.waitAsync costs ~5 µs, and waitAsync's timeout is the call's deadline. Logs and
 * the start handshake still travel as messages (plugin-protocol.ts).
 *
 * Layout: Int32 control words (`Slot`), then bytes from DATA_OFFSET:
 *   request:  topic (UTF-8) | records section
 *   response: result: one verdict code per record | records left (when changed)
 *             failed/malformed: the reason (UTF-8)
 * Sequence numbers: the broker bumps RequestSeq after writing a request; the worker sets
 * ResponseSeq to the same number after writing its response.
 */

export const CHANNEL_BYTES_INITIAL = 64 * 1024;
/** Bounds the memory one call may take; a larger records section is refused before the call. */
export const CHANNEL_BYTES_MAX = 128 * 1024 * 1024;
const CONTROL_INTS = 16;
const DATA_OFFSET = CONTROL_INTS * 4;

const enum Slot {
  RequestSeq = 0,
  ResponseSeq = 1,
  TopicBytes = 2,
  RecordsBytes = 3,
  Count = 4,
  Partition = 5,
  ResponseKind = 6,
  ResponseRecordsBytes = 7,
  ResponseCount = 8,
  Changed = 9,
  TextBytes = 10,
  MemoryExhausted = 11,
}

const enum ResponseKind {
  Result = 0,
  Failed = 1,
  Malformed = 2,
}

export class ChannelCapacityError extends Error {
  override readonly name = 'ChannelCapacityError';
}

export interface ChannelRequest {
  readonly topic: string;
  readonly partition: number;
  /** A copy, owned by the reader. */
  readonly records: Uint8Array;
  readonly count: number;
}

export type ChannelResponse =
  | { readonly kind: 'result'; readonly codes: Uint8Array; readonly records: Uint8Array | null; readonly count: number }
  | { readonly kind: 'failed'; readonly reason: string; readonly memoryExhausted: boolean }
  | { readonly kind: 'malformed'; readonly reason: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class CallChannel {
  readonly control: Int32Array;
  /** Length-tracking: follows the buffer when either side grows it. */
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, CONTROL_INTS);
    this.bytes = new Uint8Array(buffer);
  }

  static create(): CallChannel {
    return new CallChannel(new SharedArrayBuffer(CHANNEL_BYTES_INITIAL, { maxByteLength: CHANNEL_BYTES_MAX }));
  }

  /** Room for `dataBytes` after the control words; throws when that exceeds CHANNEL_BYTES_MAX. */
  private reserve(dataBytes: number): void {
    const needed = DATA_OFFSET + dataBytes;
    if (needed <= this.buffer.byteLength) return;
    if (needed > CHANNEL_BYTES_MAX) {
      throw new ChannelCapacityError(`${dataBytes} bytes exceed the ${CHANNEL_BYTES_MAX} bytes a plugin call may carry`);
    }
    this.buffer.grow(Math.min(CHANNEL_BYTES_MAX, Math.max(needed, this.buffer.byteLength * 2)));
  }

  // ---- broker side

  /** Writes a request and wakes the worker; returns its sequence number. */
  sendRequest(topic: string, partition: number, records: Uint8Array, count: number): number {
    const topicBytes = encoder.encode(topic);
    this.reserve(topicBytes.length + records.length);
    this.bytes.set(topicBytes, DATA_OFFSET);
    this.bytes.set(records, DATA_OFFSET + topicBytes.length);
    this.control[Slot.TopicBytes] = topicBytes.length;
    this.control[Slot.RecordsBytes] = records.length;
    this.control[Slot.Count] = count;
    this.control[Slot.Partition] = partition;
    const seq = (Atomics.load(this.control, Slot.RequestSeq) + 1) | 0;
    Atomics.store(this.control, Slot.RequestSeq, seq);
    Atomics.notify(this.control, Slot.RequestSeq);
    return seq;
  }

  /** Resolves 'ok' once the worker answered `seq` (or was woken by `interrupt`), 'timed-out' after `timeoutMs`. */
  async awaitResponse(seq: number, timeoutMs: number): Promise<'ok' | 'timed-out'> {
    const previous = (seq - 1) | 0;
    const waited = Atomics.waitAsync(this.control, Slot.ResponseSeq, previous, timeoutMs);
    const outcome = waited.async ? await waited.value : waited.value;
    return outcome === 'timed-out' ? 'timed-out' : 'ok';
  }

  answered(seq: number): boolean {
    return Atomics.load(this.control, Slot.ResponseSeq) === seq;
  }

  /** Releases a broker waiting in `awaitResponse` (the worker died). */
  interrupt(): void {
    Atomics.notify(this.control, Slot.ResponseSeq);
  }

  readResponse(): ChannelResponse {
    const kind = this.control[Slot.ResponseKind] as ResponseKind;
    if (kind !== ResponseKind.Result) {
      const reason = decoder.decode(this.bytes.slice(DATA_OFFSET, DATA_OFFSET + this.control[Slot.TextBytes]));
      return kind === ResponseKind.Failed ? { kind: 'failed', reason, memoryExhausted: this.control[Slot.MemoryExhausted] === 1 } : { kind: 'malformed', reason };
    }
    const codesEnd = DATA_OFFSET + this.control[Slot.Count];
    const codes = this.bytes.slice(DATA_OFFSET, codesEnd);
    const changed = this.control[Slot.Changed] === 1;
    const records = changed ? this.bytes.slice(codesEnd, codesEnd + this.control[Slot.ResponseRecordsBytes]) : null;
    return { kind: 'result', codes, records, count: this.control[Slot.ResponseCount] };
  }

  // ---- worker side

  /** The sequence number of the last request written. */
  get requestSeq(): number {
    return Atomics.load(this.control, Slot.RequestSeq);
  }

  /** Blocks the worker until a request newer than `lastSeq` arrives; returns its sequence number. */
  waitForRequest(lastSeq: number): number {
    Atomics.wait(this.control, Slot.RequestSeq, lastSeq);
    return Atomics.load(this.control, Slot.RequestSeq);
  }

  readRequest(): ChannelRequest {
    const topicEnd = DATA_OFFSET + this.control[Slot.TopicBytes];
    return {
      topic: decoder.decode(this.bytes.slice(DATA_OFFSET, topicEnd)),
      partition: this.control[Slot.Partition],
      records: this.bytes.slice(topicEnd, topicEnd + this.control[Slot.RecordsBytes]),
      count: this.control[Slot.Count],
    };
  }

  /** `records` null: every record was kept (the broker still has the section it sent). */
  writeResult(codes: Uint8Array, records: Uint8Array | null, count: number): void {
    this.reserve(codes.length + (records?.length ?? 0));
    this.bytes.set(codes, DATA_OFFSET);
    if (records !== null) this.bytes.set(records, DATA_OFFSET + codes.length);
    this.control[Slot.ResponseKind] = ResponseKind.Result;
    this.control[Slot.Changed] = records === null ? 0 : 1;
    this.control[Slot.ResponseRecordsBytes] = records?.length ?? 0;
    this.control[Slot.ResponseCount] = count;
  }

  writeFailure(kind: 'failed' | 'malformed', reason: string, memoryExhausted = false): void {
    const text = encoder.encode(reason.slice(0, 4_000));
    this.reserve(text.length);
    this.bytes.set(text, DATA_OFFSET);
    this.control[Slot.ResponseKind] = kind === 'failed' ? ResponseKind.Failed : ResponseKind.Malformed;
    this.control[Slot.TextBytes] = text.length;
    this.control[Slot.MemoryExhausted] = memoryExhausted ? 1 : 0;
  }

  respond(seq: number): void {
    Atomics.store(this.control, Slot.ResponseSeq, seq);
    Atomics.notify(this.control, Slot.ResponseSeq);
  }
}
