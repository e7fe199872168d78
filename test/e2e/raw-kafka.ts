/**
 * Hand-written Kafka frames over a plain TCP socket, for the tests that must send what no
 * client library would (unsupported versions, garbage). Layouts follow Kafka's
 * ApiVersionsRequest/Response JSON specs; every read has a timeout.
 */
import { connect, type Socket } from 'node:net';

export const API_VERSIONS_KEY = 18;
export const UNSUPPORTED_VERSION = 35;

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** A connected socket that collects everything it receives and remembers when it closed. */
export class RawConnection {
  private received = Buffer.alloc(0);
  private closedFlag = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
  }

  static open(port: number, timeoutMs = 5_000): Promise<RawConnection> {
    return new Promise((resolveOpen, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to 127.0.0.1:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolveOpen(new RawConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves when `done()` holds; rejects after timeoutMs. */
  private waitUntil(label: string, timeoutMs: number, done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolveWait, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolveWait();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${label}: nothing within ${timeoutMs} ms (received ${this.received.length} bytes, closed: ${this.closedFlag})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Reads one size-prefixed response frame (without its size field). */
  async readFrame(timeoutMs = 5_000): Promise<Buffer> {
    const complete = (): boolean => this.received.length >= 4 && this.received.length >= 4 + this.received.readInt32BE(0);
    await this.waitUntil('response frame', timeoutMs, () => complete() || this.closedFlag);
    if (!complete()) throw new Error(`connection closed before a whole frame arrived (${this.received.length} bytes)`);
    const size = this.received.readInt32BE(0);
    const frame = this.received.subarray(4, 4 + size);
    this.received = this.received.subarray(4 + size);
    return frame;
  }

  /** Resolves once the peer has closed the connection. */
  waitForClose(timeoutMs = 5_000): Promise<void> {
    return this.waitUntil('connection close', timeoutMs, () => this.closedFlag);
  }

  close(): void {
    this.socket.destroy();
  }
}

function int16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(value);
  return b;
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

function sizePrefixed(body: Buffer): Buffer {
  return Buffer.concat([int32(body.length), body]);
}

function nullableString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([int16(bytes.length), bytes]);
}

/** COMPACT_STRING: unsigned varint length + 1, then the bytes (short strings only). */
function compactString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length + 1 > 0x7f) throw new Error('compactString: only short strings');
  return Buffer.concat([Buffer.from([bytes.length + 1]), bytes]);
}

/**
 * ApiVersions request. v0-v2: request header v1 and an empty body. v3+: request header v2
 * (with an empty tag section) and the v3 body (client software name/version, no tags),
 * which is what librdkafka and @platformatic/kafka send first.
 */
export function apiVersionsRequest(version: number, correlationId: number, clientId = 'blink-e2e-raw'): Buffer {
  const header = Buffer.concat([int16(API_VERSIONS_KEY), int16(version), int32(correlationId), nullableString(clientId)]);
  if (version < 3) return sizePrefixed(header);
  const emptyTags = Buffer.from([0]);
  const body = Buffer.concat([compactString('blink-e2e'), compactString('1.0.0'), emptyTags]);
  return sizePrefixed(Buffer.concat([header, emptyTags, body]));
}

export interface ApiVersionsV0Response {
  correlationId: number;
  errorCode: number;
  apiKeys: ApiVersionRange[];
  /** Bytes after the api_keys array (none in a v0 body). */
  trailingBytes: number;
}

/** Parses response header v0 + an ApiVersions v0 body: int16 error, int32 count, (int16 key, int16 min, int16 max)*. */
export function parseApiVersionsV0(frame: Buffer): ApiVersionsV0Response {
  const correlationId = frame.readInt32BE(0);
  const errorCode = frame.readInt16BE(4);
  const count = frame.readInt32BE(6);
  if (count < 0 || 10 + count * 6 > frame.length) {
    throw new Error(`not an ApiVersions v0 body: array length ${count} in ${frame.length} bytes (${frame.toString('hex')})`);
  }
  const apiKeys: ApiVersionRange[] = [];
  for (let i = 0; i < count; i++) {
    const at = 10 + i * 6;
    apiKeys.push({ apiKey: frame.readInt16BE(at), minVersion: frame.readInt16BE(at + 2), maxVersion: frame.readInt16BE(at + 4) });
  }
  return { correlationId, errorCode, apiKeys, trailingBytes: frame.length - (10 + count * 6) };
}
