/**
 * One client connection: frames in, one request at a time, responses out in request order
 * (Kafka mutes a channel while it handles a request; clients pipeline and rely on order).
 *
 * Bounds: a frame is at most `maxFrameBytes`; while a request is being handled the socket
 * is paused once `maxBufferedBytes` of further requests are waiting (so a connection holds at
 * most one frame plus that much); a response is not followed by the next request until the
 * socket has drained.
 *
 * Failures: a handler that throws gets its request answered with UNKNOWN_SERVER_ERROR in
 * every error field of the response (as Kafka's getErrorResponse does) and the connection
 * carries on; only an acks=0 produce (Kafka closes to signal the failure) or a malformed
 * frame (bad size, header or body) closes the connection.
 */
import type { Logger } from '@nestjs/common';
import type { Clock } from '../../common/clock.js';
import { anonymousContext, type ConnectionContext } from '../../common/connection-context.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { API_VERSIONS_KEY, beginResponseFrame, finishResponseFrame, readRequestHeader, type RequestHeader } from '../../wire/headers.js';
import { type ApiCodec, isFlexible } from '../../wire/api-codec.js';
import { ApiVersionsApi } from '../../wire/messages/18-api-versions.js';
import { ALL_APIS } from '../../wire/messages/index.js';
import { KafkaProtocolError } from '../../wire/errors.js';
import { KafkaReader } from '../../wire/reader.js';
import { advertisedRanges, type ApiRegistry, type RegisteredApi } from './api-registry.js';
import { FrameDecoder, FrameTooLargeError } from './frame-decoder.js';
import { NO_RESPONSE, type KafkaRequest } from './kafka-request.js';

/** A request the connection cannot answer, so it closes (the client reconnects and learns). */
class UnanswerableRequestError extends Error {}

const PRODUCE_KEY = 0;

/** Every API the generated codecs know, served or not, for answering what we do not serve. */
const CODECS_BY_KEY: ReadonlyMap<number, ApiCodec> = new Map(ALL_APIS.map((codec) => [codec.apiKey, codec]));

export interface ConnectionLimits {
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
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
  write(chunk: Buffer): boolean;
  destroy(): unknown;
}

export class KafkaConnection {
  private readonly decoder: FrameDecoder;
  private busy = false;
  private closed = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: ConnectionSocket,
    private readonly registry: ApiRegistry,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly observer: ConnectionObserver,
    private readonly clock: Clock,
    /** Who the client is; replaced (never mutated) when the connection authenticates. */
    private context: ConnectionContext = anonymousContext('PLAINTEXT', 'PLAINTEXT', socket.remoteAddress ?? ''),
  ) {
    this.decoder = new FrameDecoder(limits.maxFrameBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.logger.debug?.(`connection ${this.peer}: ${err.message}`));
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get peer(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  /** Resolves once the request being handled (if any) has been answered. */
  idle(): Promise<void> {
    return this.inFlight;
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /**
   * Read-ahead is bounded only while a request is being handled: then the socket pauses once
   * `maxBufferedBytes` of further requests wait. An idle connection always reads on, so a
   * single frame larger than the bound (up to `maxFrameBytes`) can still arrive whole.
   */
  private onData(chunk: Buffer): void {
    this.decoder.push(chunk);
    if (this.busy) {
      if (this.decoder.bufferedBytes > this.limits.maxBufferedBytes) this.socket.pause();
      return;
    }
    this.inFlight = this.drainFrames();
  }

  private async drainFrames(): Promise<void> {
    this.busy = true;
    try {
      for (let frame = this.decoder.next(); frame !== null && !this.closed; frame = this.decoder.next()) {
        await this.handleFrame(frame);
      }
    } catch (err) {
      this.refuse(err);
    } finally {
      this.busy = false;
      if (this.socket.isPaused() && !this.closed) this.socket.resume();
    }
  }

  private async handleFrame(frame: Buffer): Promise<void> {
    const startedAt = performance.now();
    const reader = new KafkaReader(frame);
    const header = readRequestHeader(reader);
    const api = this.registry.get(header.apiKey);
    if (api === undefined || header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
      await this.answerUnsupported(header, api);
      return;
    }
    if (isFlexible(api.codec, header.apiVersion)) reader.skipTaggedFields();
    const request: KafkaRequest<unknown> = {
      header,
      body: api.codec.decodeRequest(reader, header.apiVersion),
      localPort: this.socket.localPort ?? 0,
      clientHost: this.socket.remoteAddress ?? '',
      receivedAtMs: this.clock.nowMs(),
      context: this.context,
    };
    try {
      const response = await api.invoke(request);
      if (response !== NO_RESPONSE) await this.respond(api, header, response);
    } catch (err) {
      await this.answerFailure(api, request, err);
    }
    this.observer.requestHandled(header.apiKey, performance.now() - startedAt);
  }

  private async respond(api: RegisteredApi, header: RequestHeader, body: unknown): Promise<void> {
    const flexibleHeader = header.apiKey !== API_VERSIONS_KEY && isFlexible(api.codec, header.apiVersion);
    const frame = beginResponseFrame(header.correlationId, flexibleHeader);
    api.codec.encodeResponse(frame.writer, header.apiVersion, body);
    await this.write(finishResponseFrame(frame));
  }

  /**
   * The handler threw (or returned a body its codec cannot encode): the codec's error answer,
   * UNKNOWN_SERVER_ERROR in the top-level error code and in every item (mirroring the
   * request's topics, partitions, groups …), as Kafka's getErrorResponse. One log line: Nest's
   * exception filter has already logged a handler's error with its stack, so only an error
   * raised outside it (encoding) is logged with its stack here.
   */
  private async answerFailure(api: RegisteredApi, request: KafkaRequest<unknown>, err: unknown): Promise<void> {
    const { header } = request;
    const what = `${api.codec.name} v${header.apiVersion} from ${this.peer}`;
    const reason = err instanceof Error ? err.message : String((err as { message?: unknown } | null)?.message ?? err);
    if (header.apiKey === PRODUCE_KEY && (request.body as { acks?: number }).acks === 0) {
      if (err instanceof Error) this.logger.error(`${what} failed: ${reason}`, err.stack);
      throw new UnanswerableRequestError(`${what} failed (${reason}); acks=0 has no response to carry the error`);
    }
    if (err instanceof Error) this.logger.error(`${what} failed, answered with UNKNOWN_SERVER_ERROR: ${reason}`, err.stack);
    else this.logger.warn(`${what} answered with UNKNOWN_SERVER_ERROR: ${reason}`);
    await this.respond(api, header, api.codec.errorResponse(request.body, ErrorCode.UNKNOWN_SERVER_ERROR));
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
    codec.encodeResponse(frame.writer, version, { errorCode: ErrorCode.UNSUPPORTED_VERSION, ...extra });
    await this.write(finishResponseFrame(frame));
  }

  private async write(chunks: Buffer[]): Promise<void> {
    if (this.closed) return;
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
    if (this.socket.writableNeedDrain) await this.drained();
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
      this.logger.warn(`closing connection ${this.peer}: ${reason}`);
    } else {
      this.logger.error(`closing connection ${this.peer} after a failure: ${reason}`, (err as Error)?.stack);
    }
    this.destroy();
  }
}
