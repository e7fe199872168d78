/**
 * One client connection: frames in, one request at a time, responses out in request order
 * (Kafka mutes a channel while it handles a request; clients pipeline and rely on order).
 *
 * Bounds: a frame is at most `maxFrameBytes`; while a request is being handled the socket
 * is paused once `maxBufferedBytes` of further requests, or MAX_QUEUED_REQUESTS_PER_CONNECTION
 * requests, are waiting (so a connection holds at most one frame plus that much, plus one
 * read); a frame's declared size must fit in the budget every connection shares
 * (queued_max_request_bytes, RequestBudget) before it is read, else the socket is paused until
 * it fits; a response is not followed by the next request until the socket has drained. Liveness: `expiry` tells the transport when the connection has had no
 * bytes in or out for connections_max_idle_ms (never while a request is in progress), or when
 * a frame that started arriving is not whole after request_timeout_ms of reading (a slowloris
 * client trickling bytes; time the socket spends paused by us does not count); and it tells
 * how much pooled memory its Fetch answers hold while it leaves them unread (no byte of them
 * left for READER_STALL_MS, or not all after request_timeout_ms: `stalledAnswerBytes`), for
 * the transport to close the readers holding the most once memory held for unread answers is
 * past its bound (see KafkaTransport).
 *
 * Failures: a handler that throws gets its request answered with UNKNOWN_SERVER_ERROR in
 * every error field of the response (as Kafka's getErrorResponse does) and the connection
 * carries on; only an acks=0 produce (Kafka closes to signal the failure) or a malformed
 * frame (bad size, header or body) closes the connection. What a client causes is logged
 * through the shared RateLimitedLog: one line per kind per interval, however many clients.
 *
 * Quota mute (ConnectionContext.muteUntil, KIP-219): a handler that throttles its client has
 * its response sent at once; the next request is then not handled before the mute ends
 * (its bytes are read ahead within the same bound). A close ends the wait.
 *
 * Memory: every frame is assembled in the memory tier's pooled memory (FrameDecoder,
 * BatchMemory). Bytes reach it through `ownRead` (the transport points a plain TCP socket's
 * reads at the shared read buffer, or straight at the rest of a large frame, own-buffer-reads.ts)
 * or through 'data' events (any other socket: a copy per chunk). The connection holds each
 * frame until its handler is done. Hot APIs decode in place: Produce's record batches stay
 * views of the frame, which the produce path and the partition hold in turn (no copy); Fetch
 * keeps nothing. Other APIs decode from a copy of their frame, since their decoded fields may
 * be kept. Fetch responses carry stored batches by reference: their pin holds the slabs they
 * point into until the response is flushed to the socket.
 *
 * The seam for TLS and SASL is the ConnectionSocket: anything that delivers plaintext chunks
 * in order ('data') and writes Buffers can carry a connection; a SASL handshake state would
 * sit in front of `handleFrame`.
 */
import type { Logger } from '@nestjs/common';
import type { Clock } from '../../common/clock.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { API_VERSIONS_KEY, beginResponseFrame, finishResponseFrame, readRequestHeader, type RequestHeader } from '../../wire/headers.js';
import { type ApiCodec, isFlexible } from '../../wire/api-codec.js';
import { ApiVersionsApi } from '../../wire/messages/18-api-versions.js';
import { ALL_APIS } from '../../wire/messages/index.js';
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '../../common/kafka-principal.js';
import { KafkaProtocolError } from '../../wire/errors.js';
import { KafkaReader } from '../../wire/reader.js';
import type { BatchMemory, MemoryPin } from '../../storage/batch-memory.js';
import { advertisedRanges, type ApiRegistry, type RegisteredApi } from './api-registry.js';
import { FrameDecoder, FrameTooLargeError, ownedFrame } from './frame-decoder.js';
import type { ClientSoftware, ConnectionContext, ConnectionIdentity } from './connection-context.js';
import type { SecurityProtocol } from '../../common/connection-context.js';
import { NO_RESPONSE, type KafkaRequest } from './kafka-request.js';
import { RateLimitedLog } from '../../common/rate-limited-log.js';
import type { RequestBudget } from './request-budget.js';
import { MAX_UNAUTHENTICATED_FRAME_BYTES, type GateOutcome, type SaslGate } from './sasl-gate.js';

/** A connection without fetches to wait for (tests that give no FetchParking). */
const NO_PARKED_FETCHES = { wokenByAppends: 0 } as const;
const ANONYMOUS_PLAINTEXT: ConnectionIdentity = { principal: ANONYMOUS_PRINCIPAL, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' };

/** What a connection is given beyond the broker's parts; each has a default (a connection of its own, in tests). */
export interface ConnectionExtras {
  /** Warnings a client causes, shared by every connection (default: a log of the connection's own). */
  readonly noise?: RateLimitedLog;
  /** Who the client is when the connection is accepted; the principal changes when it authenticates (default: anonymous, PLAINTEXT). */
  readonly identity?: ConnectionIdentity;
  /** SASL listeners: authentication in front of the handlers (default: none). */
  readonly gate?: SaslGate;
  /** The broker's parked fetches (its FetchParking); without them a Produce answer is never held for a woken Fetch's. */
  readonly wakes?: { readonly wokenByAppends: number };
}

/** A request the connection cannot answer, so it closes (the client reconnects and learns). */
class UnanswerableRequestError extends Error {}

const PRODUCE_KEY = 0;
/** Pipelined requests read ahead while one is handled (Kafka reads one at a time per connection; clients pipeline a few). */
export const MAX_QUEUED_REQUESTS_PER_CONNECTION = 100;

/**
 * Requests a connection handles in one go before it lets the event loop run: a producer
 * whose pipelined requests pile up (a backlog read 64 KiB at a time, up to 32 reads in a
 * row) would otherwise hold the loop for the whole backlog, and every other connection (the
 * consumer's fetch waiting to be read) with it. While it waits for its next turn the
 * connection is busy, so its read-ahead bound pauses the socket.
 */
export const FRAMES_PER_TURN = 16;

/** Where a socket keeps its connection, for the socket listeners all connections share. */
const CONNECTION = Symbol('KafkaConnection');

function connectionOf(socket: ConnectionSocket): KafkaConnection {
  return (socket as unknown as Record<symbol, KafkaConnection>)[CONNECTION];
}

/** What `idle()` returns while no request waits (one promise for every connection). */
const IDLE: Promise<void> = Promise.resolve();

/** Every API the generated codecs know, served or not, for answering what we do not serve. */
const CODECS_BY_KEY: ReadonlyMap<number, ApiCodec> = new Map(ALL_APIS.map((codec) => [codec.apiKey, codec]));

export interface ConnectionLimits {
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
  /** Request bytes all connections may hold together (queued_max_request_bytes); unbounded without it. */
  readonly requestBudget?: RequestBudget;
  /**
   * Pooled memory that unflushed Fetch answers may hold back (BatchMemory.heldBackBytes) before
   * the slow readers holding the most are closed; past it, a read calls `memoryHeldBack` (the
   * transport's early sweep). Unbounded without it.
   */
  readonly heldBackBytesMax?: number;
  readonly memoryHeldBack?: () => void;
}

/** A connection whose unflushed Fetch answer has not moved a byte for this long is a stalled reader (see expiry). */
export const READER_STALL_MS = 200;

/** Why the broker closes a connection on its own. */
export type ExpiryReason = 'idle' | 'request_timeout' | 'slow_reader';

/** How long a connection may stay quiet, and how long a frame may take to arrive. */
export interface ExpiryLimits {
  readonly idleMs: number;
  readonly requestTimeoutMs: number;
}

export interface ConnectionObserver {
  requestHandled(apiKey: number, durationMs: number): void;
}

/** The part of a net.Socket a connection uses (unit tests give it a fake one). */
export interface ConnectionSocket {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localPort?: number;
  readonly writableNeedDrain: boolean;
  readonly writableLength: number;
  setNoDelay(noDelay: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
  cork(): void;
  uncork(): void;
  write(chunk: Buffer, callback?: (error?: Error | null) => void): boolean;
  destroy(): unknown;
}

export class KafkaConnection {
  private readonly decoder: FrameDecoder;
  private busy = false;
  private closed = false;
  /** Responses are being gathered for one writev (see write). */
  private corked = false;
  private inFlight: Promise<void> = IDLE;
  /** What handlers know of the connection; the one record of who the client is, and of the quota mute. */
  private readonly context: Context;
  /** When bytes last came in or went out. */
  private lastActivityMs: number;
  /** When the frame being received started arriving (or reading resumed under it); null between frames. */
  private frameStartedMs: number | null = null;
  /** Fetch answers handed to the socket whose pooled memory is still pinned (not flushed yet). */
  private pinnedWrites = 0;
  /** The pooled memory their pins hold (MemoryPin.heldBytes; a slab two of them hold counts twice). */
  private pinnedBytes = 0;
  /** When the oldest of them was written, or the last of them flushed, whichever is later. */
  private pinnedSinceMs = 0;
  /** The socket's unsent bytes when expiry last looked while pinned answers were pending, and since when they were that. */
  private unsentSeen = -1;
  private unsentSeenSinceMs = 0;

  /** Warnings a client causes, shared by every connection (one line per kind per interval). */
  private readonly noise: RateLimitedLog;
  /** SASL listeners: authentication in front of the handlers. */
  private readonly gate: SaslGate | undefined;
  /** The broker's parked fetches (FetchParking): a Produce whose append woke some is answered after them (dispatch). */
  private readonly wakes: { readonly wokenByAppends: number };

  constructor(
    private readonly socket: ConnectionSocket,
    private readonly registry: ApiRegistry,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly observer: ConnectionObserver,
    private readonly clock: Clock,
    private readonly memory: BatchMemory,
    { noise = new RateLimitedLog(logger, clock), identity = ANONYMOUS_PLAINTEXT, gate, wakes = NO_PARKED_FETCHES }: ConnectionExtras = {},
  ) {
    this.noise = noise;
    this.gate = gate;
    this.wakes = wakes;
    const maxFrameBytes = gate === undefined ? limits.maxFrameBytes : Math.min(limits.maxFrameBytes, MAX_UNAUTHENTICATED_FRAME_BYTES);
    this.decoder = new FrameDecoder(memory, maxFrameBytes, limits.requestBudget);
    this.decoder.grantListener = this;
    this.lastActivityMs = clock.nowMs();
    this.context = new Context(identity, socket.remotePort ?? 0);
    socket.setNoDelay(true);
    // One listener function each for every connection (the socket calls them as its methods; the connection is kept on it), not three closures per connection.
    (socket as unknown as Record<symbol, unknown>)[CONNECTION] = this;
    socket.on('data', KafkaConnection.onSocketData);
    socket.on('error', KafkaConnection.onSocketError);
    socket.on('close', KafkaConnection.onSocketClose);
  }

  private static onSocketData(this: ConnectionSocket, chunk: Buffer): void {
    const connection = connectionOf(this);
    connection.decoder.push(chunk);
    connection.onBytes();
  }

  private static onSocketError(this: ConnectionSocket, err: Error): void {
    const connection = connectionOf(this);
    connection.logger.debug?.(`connection ${connection.peer}: ${err.message}`);
  }

  private static onSocketClose(this: ConnectionSocket): void {
    const connection = connectionOf(this);
    connection.closed = true;
    connection.decoder.dispose();
  }

  /** The frame that waited for the budget has it, granted from inside another connection's call: go on once that call is over. */
  frameGranted(): void {
    queueMicrotask(() => this.budgetGranted());
  }

  /**
   * One read the socket made into `target`: `shared` (a buffer all connections read into,
   * copied out before this returns) or the rest of the frame being assembled. Returns where
   * the next read should go.
   */
  ownRead(nread: number, target: Buffer, shared: Buffer): Buffer {
    if (target === shared) this.decoder.push(target, nread);
    else this.decoder.filledDirectly(nread);
    this.onBytes();
    return this.decoder.directTarget() ?? shared;
  }

  get peer(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  /** Resolves once the request being handled (if any) has been answered. */
  idle(): Promise<void> {
    return this.inFlight;
  }

  /** Why the connection should be closed at `nowMs`, or null. */
  expiry(nowMs: number, limits: ExpiryLimits): ExpiryReason | null {
    const started = this.frameStartedMs;
    if (started !== null && !this.socket.isPaused() && nowMs - started >= limits.requestTimeoutMs) return 'request_timeout';
    if (this.busy) return null;
    return nowMs - this.lastActivityMs >= limits.idleMs ? 'idle' : null;
  }

  /**
   * The pooled memory this connection's unflushed Fetch answers hold when they wait on a client
   * that reads too slowly (`readerTooSlow`), else 0. Called at every sweep: it tracks the unsent
   * bytes as it looks.
   */
  stalledAnswerBytes(nowMs: number, requestTimeoutMs: number): number {
    return this.readerTooSlow(nowMs, requestTimeoutMs) ? this.pinnedBytes : 0;
  }

  /**
   * Whether pinned Fetch answers wait on a client that reads too slowly: not one byte of them
   * has left for READER_STALL_MS (a client that stopped reading), or one has waited for
   * `requestTimeoutMs` (one that reads, but too slowly). Tracks the unsent bytes as it looks.
   */
  private readerTooSlow(nowMs: number, requestTimeoutMs: number): boolean {
    if (this.pinnedWrites === 0) {
      this.unsentSeen = -1;
      return false;
    }
    const unsent = this.socket.writableLength;
    if (unsent !== this.unsentSeen) {
      this.unsentSeen = unsent;
      this.unsentSeenSinceMs = nowMs;
    }
    return nowMs - this.unsentSeenSinceMs >= READER_STALL_MS || nowMs - this.pinnedSinceMs >= requestTimeoutMs;
  }

  /** Closes the socket; answers still held or gathered for one write (see write) go out first. */
  destroy(): void {
    this.closed = true;
    this.writeHeld();
    this.uncork();
    this.socket.destroy();
  }

  /**
   * Read-ahead is bounded only while a request is being handled: then the socket pauses once
   * `maxBufferedBytes` of further requests wait. An idle connection always reads on, so a
   * single frame larger than the bound (up to `maxFrameBytes`) can still arrive whole.
   */
  private onBytes(): void {
    this.lastActivityMs = this.clock.nowMs();
    if (this.memory.heldBackBytes > (this.limits.heldBackBytesMax ?? Number.POSITIVE_INFINITY)) this.limits.memoryHeldBack?.();
    if (!this.decoder.receivingFrame) this.frameStartedMs = null;
    else this.frameStartedMs ??= this.lastActivityMs;
    if (this.decoder.waitingForBudget) this.socket.pause();
    if (this.busy) {
      if (this.decoder.bufferedBytes > this.limits.maxBufferedBytes || this.decoder.queuedFrames >= MAX_QUEUED_REQUESTS_PER_CONNECTION) this.socket.pause();
      return;
    }
    this.inFlight = this.drainFrames();
  }

  /** The frame that waited for the budget has its memory: read on, and handle what is complete. */
  private budgetGranted(): void {
    if (this.closed) return;
    if (!this.busy && !this.decoder.waitingForBudget) this.resumeReading();
    this.onBytes();
  }

  /** Reads again; a frame half received while paused gets its full request_timeout_ms from now. */
  private resumeReading(): void {
    if (this.frameStartedMs !== null) this.frameStartedMs = this.clock.nowMs();
    this.socket.resume();
  }

  /**
   * Handles the frames that are complete, in order. Synchronous while every request is
   * answered in the same turn (the handler returned its answer, not a promise, and the socket
   * did not ask to drain): no promise is made. At a request that waits for its handler's
   * promise (or a drain), the rest goes on once it is over (`drainOn` again, through a `then`
   * whose continuations are made once per connection: no async function per late request); at
   * a quota mute or a yield after FRAMES_PER_TURN, in `drainLater`; under the same
   * one-at-a-time rule either way.
   */
  private drainFrames(): Promise<void> {
    this.busy = true;
    this.handledInTurn = 0;
    return this.drainOn();
  }

  /** Requests handled since the drain began, for FRAMES_PER_TURN (a handler's promise settled in this turn does not yield the event loop). */
  private handledInTurn = 0;
  private onHandled: (() => Promise<void> | undefined) | undefined = undefined;
  private onHandlingFailed: ((err: unknown) => void) | undefined = undefined;

  private drainOn(): Promise<void> {
    try {
      for (let frame = this.decoder.next(); frame !== null && !this.closed; frame = this.decoder.next()) {
        // Not muted (the rule): no clock read (Date.now's number is heap).
        if (this.context.mutedUntilMs > 0 && this.context.mutedUntilMs > this.clock.nowMs()) return this.drainLater(this.unmuted(), frame, this.handledInTurn);
        if (this.handledInTurn > 0 && this.handledInTurn % FRAMES_PER_TURN === 0) return this.drainLater(nextTurn(), frame, this.handledInTurn);
        const pending = this.handleFrame(frame);
        ++this.handledInTurn;
        if (pending !== undefined) {
          this.onHandled ??= () => {
            const rest = this.drainOn();
            return rest === IDLE ? undefined : rest;
          };
          this.onHandlingFailed ??= (err) => {
            this.refuse(err);
            this.doneDraining();
          };
          return pending.then(this.onHandled, this.onHandlingFailed);
        }
      }
    } catch (err) {
      this.refuse(err);
    }
    this.doneDraining();
    return IDLE;
  }

  /** `drainFrames` once `pending` is over: `frame` first (already taken from the decoder), then the rest. */
  private async drainLater(pending: Promise<void>, frame: Buffer | null, handled: number): Promise<void> {
    try {
      await pending;
      if (frame !== null && !this.closed) {
        await this.handleFrame(frame);
        ++handled;
      }
      for (frame = this.decoder.next(); frame !== null && !this.closed; frame = this.decoder.next()) {
        if (this.context.mutedUntilMs > 0) await this.unmuted();
        if (!this.closed) await this.handleFrame(frame);
        if (++handled % FRAMES_PER_TURN === 0 && this.decoder.queuedFrames > 0) await nextTurn();
      }
    } catch (err) {
      this.refuse(err);
    } finally {
      this.doneDraining();
    }
  }

  /** Nothing left to handle: read on (unless the frame being received waits for the budget). */
  private doneDraining(): void {
    this.busy = false;
    // The settled promise of the last drain is not kept (an idle connection held one): idle() has nothing to wait for.
    this.inFlight = IDLE;
    if (this.socket.isPaused() && !this.closed && !this.decoder.waitingForBudget) this.resumeReading();
  }

  /**
   * Handles one frame (held once for this call, given back when the handler is done); a
   * promise only when the answer is not out in this turn.
   */
  private handleFrame(pooled: Buffer): Promise<void> | undefined {
    let holding = true;
    let pending: Promise<void> | undefined;
    try {
      const startedAt = performance.now();
      const gated = this.gate?.admit(pooled);
      if (gated !== undefined && gated.kind !== 'pass') {
        pending = this.applyGate(gated);
      } else {
        const headerReader = new KafkaReader(pooled);
        const header = readRequestHeader(headerReader);
        const api = this.registry.get(header.apiKey);
        if (api === undefined || header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
          pending = this.answerUnsupported(header, api);
        } else {
          let frame = pooled;
          if (api.hotPath === undefined) {
            frame = ownedFrame(pooled);
            holding = false;
            this.memory.release(pooled);
          }
          const memoryPin = api.hotPath?.pinsStoredBatches ? this.memory.pin() : undefined;
          const request = this.decode(api, header, frame === pooled ? headerReader : new KafkaReader(frame, headerReader.offset), memoryPin);
          const answered = this.dispatch(api, request, memoryPin, startedAt, holding ? pooled : null);
          if (answered !== undefined) return answered;
          this.observer.requestHandled(header.apiKey, performance.now() - startedAt);
        }
      }
    } catch (err) {
      if (holding) this.memory.release(pooled);
      throw err;
    }
    if (!holding) return pending;
    if (pending === undefined) {
      this.memory.release(pooled);
      return undefined;
    }
    return this.releaseAfter(pending, pooled);
  }

  /**
   * A handled request whose answer is not out in this turn: observed once it is, its frame
   * (`pooled`, unless the handler decoded a copy) given back either way. One async function
   * rather than a `then` and a `finally` (two closures and four promises per request).
   */
  private async answeredLater(answered: Promise<void>, apiKey: number, startedAt: number, pooled: Buffer | null): Promise<void> {
    try {
      await answered;
      this.observer.requestHandled(apiKey, performance.now() - startedAt);
    } finally {
      if (pooled !== null) this.memory.release(pooled);
    }
  }

  private async releaseAfter(pending: Promise<void>, pooled: Buffer): Promise<void> {
    try {
      await pending;
    } finally {
      this.memory.release(pooled);
    }
  }

  private decode(api: RegisteredApi, header: RequestHeader, reader: KafkaReader, memoryPin: MemoryPin | undefined): KafkaRequest<unknown> {
    try {
      if (isFlexible(api.codec, header.apiVersion)) reader.skipTaggedFields();
      return {
        header,
        body: api.codec.decodeRequest(reader, header.apiVersion),
        localPort: this.socket.localPort ?? 0,
        clientHost: this.socket.remoteAddress ?? '',
        receivedAtMs: this.clock.nowMs(),
        connection: this.context,
        memoryPin,
      };
    } catch (err) {
      memoryPin?.release();
      throw err;
    }
  }

  /**
   * Runs the handler and answers: in this turn when it returned its answer (a promise only if
   * the socket must drain), after it when it returned a promise. A pinned request's pin is
   * released once its answer is flushed (or at once when there is none, or it failed). When
   * it returns a promise, that promise also observes the request and gives `pooled` back (the
   * frame, unless the handler decoded a copy); else the caller does.
   */
  private dispatch(api: RegisteredApi, request: KafkaRequest<unknown>, memoryPin: MemoryPin | undefined, startedAt: number, pooled: Buffer | null): Promise<void> | undefined {
    let response: unknown;
    let written: Promise<void> | undefined;
    const wokenBefore = this.wakes.wokenByAppends;
    try {
      response = api.invoke(request);
    } catch (err) {
      memoryPin?.release();
      written = this.answerFailure(api, request, err);
      return written === undefined ? undefined : this.answeredLater(written, request.header.apiKey, startedAt, pooled);
    }
    if (response instanceof Promise) return this.answerLater(api, request, response, startedAt, pooled);
    // Its append woke parked fetches: their answers leave first. Written first, this answer wakes
    // the producer's thread, which on a busy machine takes the CPU from the broker before the
    // fetches' answers are out (bench/README, lat18: half the involuntary context switches).
    if (this.wakes.wokenByAppends !== wokenBefore) this.holdUntilContinuations();
    written = this.answer(api, request, memoryPin, response);
    return written === undefined ? undefined : this.answeredLater(written, request.header.apiKey, startedAt, pooled);
  }

  /**
   * The handler's promised answer written, then the request observed and `pooled` given back.
   * A connection handles one request at a time, so the request waits in the connection's
   * `late*` fields and the continuations are made once per connection: a `then` per late
   * request instead of an async function (its frame, promise and the await's closures, ~500 B).
   */
  private answerLater(api: RegisteredApi, request: KafkaRequest<unknown>, pending: Promise<unknown>, startedAt: number, pooled: Buffer | null): Promise<void> {
    this.lateApi = api;
    this.lateRequest = request;
    this.lateStartedAt = startedAt;
    this.latePooled = pooled;
    this.onLateAnswer ??= (response) => this.settleLate(response, false);
    this.onLateFailure ??= (err) => this.settleLate(err, true);
    return pending.then(this.onLateAnswer, this.onLateFailure);
  }

  private lateApi: RegisteredApi | null = null;
  private lateRequest: KafkaRequest<unknown> | null = null;
  private lateStartedAt = 0;
  private latePooled: Buffer | null = null;
  private onLateAnswer: ((response: unknown) => Promise<void> | undefined) | undefined = undefined;
  private onLateFailure: ((err: unknown) => Promise<void> | undefined) | undefined = undefined;

  /** The late request's `outcome` (its answer, or its handler's failure) written, then observed and its frame given back. */
  private settleLate(outcome: unknown, failed: boolean): Promise<void> | undefined {
    const api = this.lateApi as RegisteredApi;
    const request = this.lateRequest as KafkaRequest<unknown>;
    const startedAt = this.lateStartedAt;
    const pooled = this.latePooled;
    this.lateApi = this.lateRequest = this.latePooled = null;
    let written: Promise<void> | undefined;
    try {
      if (failed) request.memoryPin?.release();
      written = failed ? this.answerFailure(api, request, outcome) : this.answer(api, request, request.memoryPin, outcome);
    } catch (err) {
      if (pooled !== null) this.memory.release(pooled);
      throw err;
    }
    if (written !== undefined) return this.answeredLater(written, request.header.apiKey, startedAt, pooled);
    try {
      this.observer.requestHandled(request.header.apiKey, performance.now() - startedAt);
    } finally {
      if (pooled !== null) this.memory.release(pooled);
    }
    return undefined;
  }

  /** The handler's answer written (its pin handed to the write), or the failure answer if it cannot be encoded. */
  private answer(api: RegisteredApi, request: KafkaRequest<unknown>, memoryPin: MemoryPin | undefined, response: unknown): Promise<void> | undefined {
    if (response === NO_RESPONSE) {
      memoryPin?.release();
      return undefined;
    }
    try {
      return this.respond(api, request.header, response, memoryPin);
    } catch (err) {
      memoryPin?.release();
      return this.answerFailure(api, request, err);
    }
  }

  /** The gate's answer: its frames, then the authenticated principal, or (after a delay) the close. */
  private async applyGate(outcome: Exclude<GateOutcome, { kind: 'pass' }>): Promise<void> {
    if (outcome.kind === 'answer') await this.write(outcome.frames);
    if (outcome.kind === 'answer' && outcome.principal !== undefined) {
      this.context.principal = outcome.principal;
      this.decoder.maxFrameBytes = this.limits.maxFrameBytes;
    }
    const close = outcome.kind === 'close' ? outcome : outcome.close;
    if (close === undefined) return;
    if (close.afterMs > 0) await new Promise<void>((resolve) => this.clock.schedule(close.afterMs, resolve));
    throw new UnanswerableRequestError(close.reason);
  }

  /** Encodes and writes the answer; a promise only when the socket must drain first (see write). */
  private respond(api: RegisteredApi, header: RequestHeader, body: unknown, memoryPin?: MemoryPin): Promise<void> | undefined {
    const flexibleHeader = header.apiKey !== API_VERSIONS_KEY && isFlexible(api.codec, header.apiVersion);
    const frame = beginResponseFrame(header.correlationId, flexibleHeader);
    try {
      api.codec.encodeResponse(frame, header.apiVersion, body);
    } catch (err) {
      memoryPin?.release();
      throw err;
    }
    const chunks = finishResponseFrame(frame);
    // One chunk: every byte of the answer is in its frame (the writer copies batches shorter than
    // 512 B), none in the memory the pin holds, so the pin goes now and the write needs no
    // callback (a closure, and Node's tick to call it: ~350 B of heap per small Fetch answer).
    if (memoryPin !== undefined && chunks.length === 1) {
      memoryPin.release();
      return this.write(chunks);
    }
    return this.write(chunks, memoryPin);
  }

  /**
   * The handler threw (or returned a body its codec cannot encode): the codec's error answer,
   * UNKNOWN_SERVER_ERROR in the top-level error code and in every item (mirroring the
   * request's topics, partitions, groups …), as Kafka's getErrorResponse. One log line: Nest's
   * exception filter has already logged a handler's error with its stack, so only an error
   * raised outside it (encoding) is logged with its stack here.
   */
  private answerFailure(api: RegisteredApi, request: KafkaRequest<unknown>, err: unknown): Promise<void> | undefined {
    const { header } = request;
    const what = `${api.codec.name} v${header.apiVersion} from ${this.peer}`;
    const reason = err instanceof Error ? err.message : String((err as { message?: unknown } | null)?.message ?? err);
    if (header.apiKey === PRODUCE_KEY && (request.body as { acks?: number }).acks === 0) {
      if (err instanceof Error) this.logger.error(`${what} failed: ${reason}`, err.stack);
      throw new UnanswerableRequestError(`${what} failed (${reason}); acks=0 has no response to carry the error`);
    }
    if (err instanceof Error) this.logger.error(`${what} failed, answered with UNKNOWN_SERVER_ERROR: ${reason}`, err.stack);
    else this.logger.warn(`${what} answered with UNKNOWN_SERVER_ERROR: ${reason}`);
    return this.respond(api, header, api.codec.errorResponse(request.body, ErrorCode.UNKNOWN_SERVER_ERROR));
  }

  /**
   * A request we do not serve gets UNSUPPORTED_VERSION, never a silent disconnect, wherever
   * the spec gives that version's response a top-level error code: ApiVersions in its v0 body
   * with our ranges (KIP-511, so the client can retry lower), other APIs in the version asked
   * for. Only a request whose response has no place for an error (or that no spec defines)
   * closes the connection, as Kafka does.
   */
  private async answerUnsupported(header: RequestHeader, api: RegisteredApi | undefined): Promise<void> {
    if (header.apiKey === API_VERSIONS_KEY) {
      await this.answerError(ApiVersionsApi, header.correlationId, 0, false, { apiKeys: advertisedRanges(this.registry) });
      return;
    }
    const codec = api?.codec ?? CODECS_BY_KEY.get(header.apiKey);
    const range = codec?.errorCodeVersions;
    if (codec === undefined || range == null || header.apiVersion < range.min || header.apiVersion > range.max) {
      const serving = api ? ` (serving ${api.minVersion}-${api.maxVersion})` : ' (not served)';
      throw new UnanswerableRequestError(`unsupported API key ${header.apiKey} version ${header.apiVersion}${serving}`);
    }
    await this.answerError(codec, header.correlationId, header.apiVersion, isFlexible(codec, header.apiVersion), {});
  }

  private async answerError(
    codec: ApiCodec,
    correlationId: number,
    version: number,
    flexibleHeader: boolean,
    extra: Record<string, unknown>,
  ): Promise<void> {
    const frame = beginResponseFrame(correlationId, flexibleHeader);
    codec.encodeResponse(frame, version, { errorCode: ErrorCode.UNSUPPORTED_VERSION, ...extra });
    await this.write(finishResponseFrame(frame));
  }

  /**
   * Writes one response; `flushed` is released once the socket is done with its chunks
   * (written, or the socket closed). A response's chunks always leave in one writev. When
   * the connection has no further request already received, the answer leaves at once,
   * with any gathered before it: waiting for a later point would make the client wait for
   * whatever else runs meanwhile. While further requests are queued (pipelined), the socket
   * stays corked until the current run of callbacks and promise continuations is over
   * (process.nextTick runs after them), so the answers handled in one go leave in one
   * writev: one system call and one wake-up of the client instead of one per answer.
   * Produce answers too, except one whose append woke parked fetches (dispatch): it is held
   * until their answers are out (the promise continuations of its turn,
   * holdUntilContinuations), not until the next setImmediate (that measured a lower p50, 232
   * vs 250 µs at 1,000 msg/s, but a higher p99, 2.0 vs 1.5 ms, two runs of 3 on a quiet machine).
   * Returns a promise only when the socket's buffer is full (resolved on 'drain'): the
   * common answer costs no promise. The common answer of one chunk, with nothing queued
   * behind it and nothing gathered before it, is written straight out: no cork, no tick
   * (a cork buffers the write in the stream and schedules a tick: ~300 bytes of heap).
   */
  private write(chunks: Buffer[], flushed?: MemoryPin): Promise<void> | undefined {
    if (this.closed) {
      flushed?.release();
      return undefined;
    }
    const last = chunks.length - 1;
    if (this.held && !this.corked) {
      // The held answer itself (one chunk, no pin): kept as it is, written when the hold ends
      // (releaseHeld). A cork would buffer it in the stream (an entry and a list) and write it
      // at the uncork through the stream's buffer (~300 B of heap per trip).
      if (this.heldAnswer === null && last === 0 && flushed === undefined) {
        this.heldAnswer = chunks[0];
        this.lastActivityMs = this.clock.nowMs();
        return undefined;
      }
      // Any other answer while held: corked behind the held one, until the hold ends.
      this.corked = true;
      this.socket.cork();
      this.writeHeld();
    }
    const straight = last === 0 && !this.corked && this.decoder.queuedFrames === 0;
    if (!straight) this.corkUntilTick();
    for (let i = 0; i < last; i++) this.socket.write(chunks[i]);
    this.lastActivityMs = this.clock.nowMs();
    if (flushed === undefined) this.socket.write(chunks[last]);
    else {
      if (this.pinnedWrites++ === 0) this.pinnedSinceMs = this.lastActivityMs;
      this.pinnedBytes += flushed.heldBytes;
      this.socket.write(chunks[last], () => {
        this.pinnedWrites--;
        this.pinnedBytes -= flushed.heldBytes;
        this.pinnedSinceMs = this.clock.nowMs();
        this.unsentSeen = -1;
        flushed.release();
      });
    }
    if (this.decoder.queuedFrames === 0 && !this.held) this.uncork();
    if (!this.socket.writableNeedDrain) return undefined;
    this.uncork();
    return this.drained();
  }

  private corkUntilTick(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    // Made at the first cork: a connection that never gathered answers (an idle client's) holds no closure for it.
    this.uncorkSoon ??= () => {
      if (!this.held) this.uncork();
    };
    process.nextTick(this.uncorkSoon);
  }

  private uncorkSoon: (() => void) | undefined = undefined;

  /**
   * The answers written from now on are held until the promise continuations of this turn
   * (and those they start) are over: a microtask that queues a tick, since ticks queued by a
   * microtask run once the microtask queue is empty. A Produce whose append woke parked fetches
   * is answered in its handler's call, before the fetches' continuations write theirs. The
   * request path goes on at once (no promise). The first answer, when it is one chunk, waits
   * in `heldAnswer`; any other is corked behind it (write), where the socket's own
   * back-pressure still uncorks.
   */
  private holdUntilContinuations(): void {
    if (this.held) return;
    this.held = true;
    this.releaseHeldSoon ??= () => process.nextTick(this.releaseHeld as () => void);
    this.releaseHeld ??= () => {
      this.held = false;
      // Closed since (by the client; destroy wrote it): dropped.
      if (this.closed) this.heldAnswer = null;
      else this.writeHeld();
      this.uncork();
    };
    queueMicrotask(this.releaseHeldSoon);
  }

  /** The held answer, if one waits, handed to the socket (never while corked: a later answer corks after it). */
  private writeHeld(): void {
    const answer = this.heldAnswer;
    if (answer === null) return;
    this.heldAnswer = null;
    this.socket.write(answer);
  }

  /** Answers are held until the continuations are over (holdUntilContinuations). */
  private held = false;
  /** The held answer of one chunk, not yet handed to the socket (write). */
  private heldAnswer: Buffer | null = null;
  private releaseHeldSoon: (() => void) | undefined = undefined;
  private releaseHeld: (() => void) | undefined = undefined;

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** Resolves once the quota mute has ended, or the connection closed. */
  private unmuted(): Promise<void> {
    const waitMs = this.context.mutedUntilMs - this.clock.nowMs();
    if (waitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        this.socket.off('close', done);
        resolve();
      };
      const timer = this.clock.schedule(waitMs, done);
      this.socket.on('close', done);
    });
  }

  /** Resolves on 'drain' or 'close', removing both listeners either way. */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private refuse(err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    if (err instanceof FrameTooLargeError || err instanceof KafkaProtocolError || err instanceof UnanswerableRequestError) {
      this.noise.warn('malformed-request', `closing connection ${this.peer}: ${reason}`);
    } else {
      this.logger.error(`closing connection ${this.peer} after a failure: ${reason}`, (err as Error)?.stack);
    }
    this.destroy();
  }
}

/**
 * A connection's ConnectionContext: plain fields and a method of the class (an object literal
 * with a getter and two closures over the connection cost some 300 B of heap per connection).
 */
class Context implements ConnectionContext {
  principal: KafkaPrincipal;
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  clientSoftware: ClientSoftware | null = null;
  /** No request of the connection is handled before this time (quota mute, KIP-219). */
  mutedUntilMs = 0;

  constructor(
    identity: ConnectionIdentity,
    readonly clientPort: number,
  ) {
    this.principal = identity.principal;
    this.listenerName = identity.listenerName;
    this.securityProtocol = identity.securityProtocol;
  }

  muteUntil(atMs: number): void {
    this.mutedUntilMs = Math.max(this.mutedUntilMs, atMs);
  }
}

/** Resolves once the event loop has gone round (timers, other sockets' reads) after this turn. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
