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

export interface StoredBatchHeader {
  baseOffset: number;
  /** Bits 0-2 of the batch attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
  producerId: number;
  recordCount: number;
}

/**
 * The headers of the record batches the broker holds for one partition, read with a
 * hand-built Fetch v4 (header v1; body: replica_id, max_wait_ms, min_bytes, max_bytes,
 * isolation_level, [topic, [partition, fetch_offset, partition_max_bytes]]). Lets a test
 * check what a client really sent (compression codec, producer id), not just that the
 * records came back.
 */
export async function storedBatchHeaders(port: number, topic: string, partition: number): Promise<StoredBatchHeader[]> {
  const maxBytes = 64 * 1024 * 1024;
  const topicBytes = nullableString(topic);
  const body = Buffer.concat([
    int16(1), int16(4), int32(7), nullableString('blink-e2e-raw'),
    int32(-1), int32(0), int32(0), int32(maxBytes), Buffer.from([0]),
    int32(1), topicBytes, int32(1), int32(partition), Buffer.alloc(8), int32(maxBytes),
  ]);
  const connection = await RawConnection.open(port);
  try {
    connection.write(sizePrefixed(body));
    return parseFetchV4Batches(await connection.readFrame(10_000));
  } finally {
    connection.close();
  }
}

function parseFetchV4Batches(frame: Buffer): StoredBatchHeader[] {
  let at = 4 + 4; // correlation id, throttle_time_ms
  if (frame.readInt32BE(at) !== 1) throw new Error('expected one topic in the Fetch response');
  at += 4;
  at += 2 + frame.readInt16BE(at); // topic name
  if (frame.readInt32BE(at) !== 1) throw new Error('expected one partition in the Fetch response');
  at += 4;
  const errorCode = frame.readInt16BE(at + 4);
  if (errorCode !== 0) throw new Error(`Fetch error ${errorCode}`);
  at += 4 + 2 + 8 + 8; // partition_index, error_code, high_watermark, last_stable_offset
  const aborted = frame.readInt32BE(at);
  at += 4 + Math.max(0, aborted) * 16;
  const recordsEnd = at + 4 + frame.readInt32BE(at);
  at += 4;
  const headers: StoredBatchHeader[] = [];
  while (at + 61 <= recordsEnd) {
    headers.push({
      baseOffset: Number(frame.readBigInt64BE(at)),
      compression: frame.readInt16BE(at + 21) & 0x07,
      producerId: Number(frame.readBigInt64BE(at + 43)),
      recordCount: frame.readInt32BE(at + 57),
    });
    at += 12 + frame.readInt32BE(at + 8);
  }
  return headers;
}
