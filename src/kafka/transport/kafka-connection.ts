/**
 * One client connection: frames in, one request at a time, responses out in request order
 * (Kafka mutes a channel while it handles a request; clients pipeline and rely on order).
 *
 * Bounds: a frame is at most `maxFrameBytes`; while a request is being handled the socket
 * is paused once `maxBufferedBytes` of further requests are waiting (so a connection holds at
 * most one frame plus that much); a response is not followed by the next request until the
 * socket has drained.
 */
import type { Socket } from 'node:net';
import type { Logger } from '@nestjs/common';
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

class UnsupportedRequestError extends Error {}

/** Every API the generated codecs know, served or not, for answering what we do not serve. */
const CODECS_BY_KEY: ReadonlyMap<number, ApiCodec> = new Map(ALL_APIS.map((codec) => [codec.apiKey, codec]));

export interface ConnectionLimits {
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
}

export interface ConnectionObserver {
  requestHandled(apiKey: number, durationMs: number): void;
}

export class KafkaConnection {
  private readonly decoder: FrameDecoder;
  private busy = false;
  private closed = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly registry: ApiRegistry,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly observer: ConnectionObserver,
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
      receivedAtMs: Date.now(),
    };
    const response = await api.invoke(request);
    if (response !== NO_RESPONSE) await this.respond(api, header, response);
    this.observer.requestHandled(header.apiKey, performance.now() - startedAt);
  }

  private async respond(api: RegisteredApi, header: RequestHeader, body: unknown): Promise<void> {
    const flexibleHeader = header.apiKey !== API_VERSIONS_KEY && isFlexible(api.codec, header.apiVersion);
    const frame = beginResponseFrame(header.correlationId, flexibleHeader);
    api.codec.encodeResponse(frame.writer, header.apiVersion, body);
    await this.write(finishResponseFrame(frame));
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
      throw new UnsupportedRequestError(`unsupported API key ${header.apiKey} version ${header.apiVersion}${serving}`);
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
    if (err instanceof FrameTooLargeError || err instanceof KafkaProtocolError || err instanceof UnsupportedRequestError) {
      this.logger.warn(`closing connection ${this.peer}: ${reason}`);
    } else {
      this.logger.error(`closing connection ${this.peer} after a handler failure: ${reason}`, (err as Error)?.stack);
    }
    this.destroy();
  }
}
