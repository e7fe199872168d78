/**
 * A socket for unit tests of the Kafka connection (no real sockets): the test pushes
 * request bytes in as 'data' events and reads back what the connection wrote, split into
 * response frames. It records pause/resume and destroy, and can pretend its write buffer is
 * full (`writableNeedDrain`) until `drain()`. Write callbacks run at once, or, with
 * `holdWrites`, only at `flush()` (the kernel has not taken the bytes yet; `leaveBytes` lets
 * some of them go before that). It counts how
 * many times bytes went out (`flushes`: corked writes go out together at the uncork).
 */
import { EventEmitter } from 'node:events';
import { KafkaReader } from '../../src/wire/reader.js';
import { KafkaWriter } from '../../src/wire/writer.js';
import type { ApiCodec } from '../../src/wire/api-codec.js';

export class FakeSocket extends EventEmitter {
  readonly remotePort = 50_000;
  readonly localPort = 9092;
  writableNeedDrain = false;
  destroyed = false;
  holdWrites = false;
  private readonly unflushed: Array<{ callback: () => void; bytes: number }> = [];
  private paused = false;
  private readonly written: Buffer[] = [];

  constructor(readonly remoteAddress = '127.0.0.1') {
    super();
  }

  setNoDelay(): this {
    return this;
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  /** Times bytes went out: a write while not corked, or the uncork ending a corked run of writes (one writev). */
  flushes = 0;
  private corks = 0;
  private corkedWrites = false;

  cork(): void {
    this.corks++;
  }

  /** Corked bytes of a socket destroyed before the uncork never go out. */
  uncork(): void {
    if (this.corks === 0 || --this.corks > 0 || !this.corkedWrites || this.destroyed) return;
    this.corkedWrites = false;
    this.flushes++;
  }

  write(chunk: Uint8Array | string, callback?: () => void): boolean {
    this.written.push(Buffer.from(chunk));
    if (this.corks > 0) this.corkedWrites = true;
    else this.flushes++;
    if (callback !== undefined) {
      if (this.holdWrites) this.unflushed.push({ callback, bytes: chunk.length });
      else callback();
    }
    return true;
  }

  /** The held writes are done: their callbacks run. */
  flush(): void {
    for (const { callback } of this.unflushed.splice(0)) callback();
    this.left = 0;
  }

  /** Bytes of the held writes not left yet (a real socket's bytes not handed to the kernel yet). */
  get writableLength(): number {
    return this.unflushed.reduce((sum, write) => sum + write.bytes, 0) - this.left;
  }

  /** `bytes` of the held writes leave (the client reads some), their callbacks still held. */
  leaveBytes(bytes: number): void {
    this.left += bytes;
  }

  private left = 0;

  /** Closes; the held writes' callbacks run (with an error, as a real socket's do). */
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      for (const { callback } of this.unflushed.splice(0)) (callback as (error?: Error) => void)(new Error('socket destroyed'));
      this.emit('close');
    }
    return this;
  }

  /** The client sends `bytes` (one 'data' event). */
  receive(bytes: Buffer): void {
    this.emit('data', bytes);
  }

  drain(): void {
    this.writableNeedDrain = false;
    this.emit('drain');
  }

  /** Every complete response frame written so far, without its size prefix. */
  responses(): Buffer[] {
    const all = Buffer.concat(this.written);
    const frames: Buffer[] = [];
    for (let at = 0; at + 4 <= all.length; ) {
      const size = all.readInt32BE(at);
      frames.push(all.subarray(at + 4, at + 4 + size));
      at += 4 + size;
    }
    return frames;
  }
}

/** A request frame (size prefix, header v1/v2, body) as a client sends it. */
export function requestFrame<Request>(codec: ApiCodec<Request>, version: number, correlationId: number, body: Request): Buffer {
  const writer = headerWriter(codec.apiKey, version, correlationId);
  if (codec.flexibleFrom !== null && version >= codec.flexibleFrom) writer.writeEmptyTaggedFields();
  codec.encodeRequest(writer, version, body);
  return sized(writer);
}

/** A frame with just a request header (v1): for versions no codec can encode. */
export function bareRequestFrame(apiKey: number, version: number, correlationId: number): Buffer {
  return sized(headerWriter(apiKey, version, correlationId));
}

function headerWriter(apiKey: number, version: number, correlationId: number): KafkaWriter {
  const writer = new KafkaWriter();
  writer.writeInt16(apiKey);
  writer.writeInt16(version);
  writer.writeInt32(correlationId);
  writer.writeString('unit-test', false);
  return writer;
}

function sized(writer: KafkaWriter): Buffer {
  const body = writer.toBuffer();
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Reads a response frame: correlation id, header tags when `flexibleHeader`, then the body. */
export function readResponse<Response>(frame: Buffer, codec: ApiCodec<unknown, Response>, version: number, flexibleHeader: boolean): { correlationId: number; body: Response } {
  const reader = new KafkaReader(frame);
  const correlationId = reader.readInt32();
  if (flexibleHeader) reader.skipTaggedFields();
  return { correlationId, body: codec.decodeResponse(reader, version) };
}
