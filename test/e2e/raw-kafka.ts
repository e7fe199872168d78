/**
 * Hand-written Kafka frames over a plain TCP socket, for the tests that must send what no
 * client library would (unsupported versions, garbage, acks=0, corrupt batches) or that
 * must see the bytes the broker answers (Fetch v4). Layouts follow Kafka's JSON specs
 * (ApiVersions, Fetch, Produce, CreateTopics); nothing here uses the broker's own codecs.
 * Every read has a timeout.
 */
import { connect, type Socket } from 'node:net';

export const API_VERSIONS_KEY = 18;
export const UNSUPPORTED_VERSION = 35;
const RAW_CLIENT_ID = 'blink-e2e-raw';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** A connected socket that collects everything it receives and remembers when it closed. */
export class RawConnection {
  /** What arrived and was not taken yet, as it arrived: joined only when a whole frame is there (a 24 MiB answer comes in hundreds of chunks). */
  private chunks: Buffer[] = [];
  private receivedBytes = 0;
  private closedFlag = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.receivedBytes += chunk.length;
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

  /** Bytes received and not yet taken by readFrame (0: no response is pending in the buffer). */
  get bufferedBytes(): number {
    return this.receivedBytes;
  }

  /** The first `bytes` received (at least), in one Buffer. */
  private head(bytes: number): Buffer {
    if (this.chunks.length > 1 && this.chunks[0]!.length < bytes) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
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
        reject(new Error(`${label}: nothing within ${timeoutMs} ms (received ${this.receivedBytes} bytes, closed: ${this.closedFlag})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Reads one size-prefixed response frame (without its size field). */
  async readFrame(timeoutMs = 5_000): Promise<Buffer> {
    const complete = (): boolean => this.receivedBytes >= 4 && this.receivedBytes >= 4 + this.head(4).readInt32BE(0);
    await this.waitUntil('response frame', timeoutMs, () => complete() || this.closedFlag);
    if (!complete()) throw new Error(`connection closed before a whole frame arrived (${this.receivedBytes} bytes)`);
    const size = this.head(4).readInt32BE(0);
    const all = this.head(4 + size);
    const frame = all.subarray(4, 4 + size);
    this.chunks = all.length > 4 + size ? [all.subarray(4 + size)] : [];
    this.receivedBytes -= 4 + size;
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
 * which is what librdkafka and @platformatic/kafka send first; `software` may break
 * Kafka's name rule on purpose.
 */
export function apiVersionsRequest(version: number, correlationId: number, clientId = RAW_CLIENT_ID, software = { name: 'blink-e2e', version: '1.0.0' }): Buffer {
  const header = requestHeaderV1(API_VERSIONS_KEY, version, correlationId, clientId);
  if (version < 3) return sizePrefixed(header);
  const emptyTags = Buffer.from([0]);
  const body = Buffer.concat([compactString(software.name), compactString(software.version), emptyTags]);
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
  /** baseOffset + lastOffsetDelta: the offset of the batch's last record. */
  lastOffset: number;
  /** The whole batch on the wire: 12 + batchLength. */
  sizeBytes: number;
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
  const result = await rawFetch(port, { topic, partition, offset: 0, maxWaitMs: 0, minBytes: 0, maxBytes, partitionMaxBytes: maxBytes });
  if (result.errorCode !== 0) throw new Error(`Fetch error ${result.errorCode}`);
  return result.batches;
}

// ---------------------------------------------------------------------------------------
// Fetch v4, Produce v3, CreateTopics v1: hand-built frames for the fetch/produce semantics
// tests. Layouts from FetchRequest/Response.json, ProduceRequest/Response.json and
// CreateTopicsRequest/Response.json (all non-flexible at these versions: header v1 for
// requests, v0 for responses).
// ---------------------------------------------------------------------------------------

const FETCH_KEY = 1;
const PRODUCE_KEY = 0;
const CREATE_TOPICS_KEY = 19;

function int64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(value));
  return b;
}

function requestHeaderV1(apiKey: number, apiVersion: number, correlationId: number, clientId = RAW_CLIENT_ID): Buffer {
  return Buffer.concat([int16(apiKey), int16(apiVersion), int32(correlationId), nullableString(clientId)]);
}

/** A bounds-checked reader over one response frame (classic encodings only). */
class FrameReader {
  at = 0;
  constructor(private readonly frame: Buffer, private readonly what: string) {}
  private need(bytes: number): void {
    if (this.at + bytes > this.frame.length) {
      throw new Error(`${this.what}: truncated at byte ${this.at} (+${bytes}) of ${this.frame.length}: ${this.frame.toString('hex').slice(0, 400)}`);
    }
  }
  int16(): number {
    this.need(2);
    const v = this.frame.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.frame.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = Number(this.frame.readBigInt64BE(this.at));
    this.at += 8;
    return v;
  }
  string(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    this.need(length);
    const text = this.frame.toString('utf8', this.at, this.at + length);
    this.at += length;
    return text;
  }
  bytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    this.need(length);
    const bytes = this.frame.subarray(this.at, this.at + length);
    this.at += length;
    return bytes;
  }
  get remaining(): number {
    return this.frame.length - this.at;
  }
  /** [topic, [partition]]: an int32 count of topics, each a name and an int32 count of partitions read by `partition`. */
  topicPartitions<T>(partition: (topic: string) => T): T[] {
    const partitions: T[] = [];
    const topicCount = this.int32();
    for (let t = 0; t < topicCount; t++) {
      const topic = this.string() ?? '';
      const partitionCount = this.int32();
      for (let p = 0; p < partitionCount; p++) partitions.push(partition(topic));
    }
    return partitions;
  }
  /** Throws unless the whole frame was read. */
  end(): void {
    if (this.remaining !== 0) throw new Error(`${this.what}: ${this.remaining} bytes after the body`);
  }
}

/**
 * Writes `frame` on a fresh connection and parses the one response frame (checking its
 * correlation id); `elapsedMs` runs from the write to having the whole response frame.
 */
async function exchange<T extends { correlationId: number }>(
  port: number,
  what: string,
  correlationId: number,
  frame: Buffer,
  parse: (answer: Buffer) => T,
  readTimeoutMs = 10_000,
): Promise<{ elapsedMs: number; response: T }> {
  const connection = await RawConnection.open(port);
  try {
    const started = performance.now();
    connection.write(frame);
    const answer = await connection.readFrame(readTimeoutMs);
    const elapsedMs = performance.now() - started;
    const response = parse(answer);
    if (response.correlationId !== correlationId) throw new Error(`${what}: correlation id ${response.correlationId}, sent ${correlationId}`);
    return { elapsedMs, response };
  } finally {
    connection.close();
  }
}

export interface RawFetchPartition {
  topic: string;
  partition: number;
  offset: number;
  partitionMaxBytes: number;
}

export interface RawFetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  /** 0 read_uncommitted (the default), 1 read_committed. */
  isolationLevel?: 0 | 1;
  partitions: RawFetchPartition[];
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  /** The aborted_transactions list as it came on the wire (read_committed fetches; empty otherwise). */
  abortedTransactions: { producerId: number; firstOffset: number }[];
  /** Size of the records field (-1 when null). A real Kafka may end it with a partial batch. */
  recordsBytes: number;
  /** The whole batches in the records field, in order (a trailing partial batch is not listed). */
  batches: StoredBatchHeader[];
}

/** Fetch v4 request: replica_id -1, isolation_level of the request (default 0: read uncommitted). */
export function fetchRequestV4(correlationId: number, request: RawFetchRequest): Buffer {
  return fetchRequestAt(4, correlationId, request);
}

/** The whole magic-2 batches in a records blob; stops at a trailing partial batch. */
export function wholeBatchHeaders(records: Buffer): StoredBatchHeader[] {
  const headers: StoredBatchHeader[] = [];
  let at = 0;
  while (at + 61 <= records.length) {
    const sizeBytes = 12 + records.readInt32BE(at + 8);
    if (at + sizeBytes > records.length) break;
    const baseOffset = Number(records.readBigInt64BE(at));
    headers.push({
      baseOffset,
      compression: records.readInt16BE(at + 21) & 0x07,
      producerId: Number(records.readBigInt64BE(at + 43)),
      recordCount: records.readInt32BE(at + 57),
      lastOffset: baseOffset + records.readInt32BE(at + 23),
      sizeBytes,
    });
    at += sizeBytes;
  }
  return headers;
}

/** Parses response header v0 + a Fetch v4 body. */
export function parseFetchV4Response(frame: Buffer): { correlationId: number; throttleTimeMs: number; partitions: FetchedPartition[] } {
  const r = new FrameReader(frame, 'Fetch v4 response');
  const correlationId = r.int32();
  const throttleTimeMs = r.int32();
  const partitions = r.topicPartitions((topic): FetchedPartition => {
    const partition = r.int32();
    const errorCode = r.int16();
    const highWatermark = r.int64();
    const lastStableOffset = r.int64();
    const abortedTransactions: FetchedPartition['abortedTransactions'] = [];
    const aborted = r.int32();
    for (let a = 0; a < aborted; a++) abortedTransactions.push({ producerId: r.int64(), firstOffset: r.int64() });
    const records = r.bytes();
    return {
      topic,
      partition,
      errorCode,
      highWatermark,
      lastStableOffset,
      abortedTransactions,
      recordsBytes: records === null ? -1 : records.length,
      batches: records === null ? [] : wholeBatchHeaders(records),
    };
  });
  r.end();
  return { correlationId, throttleTimeMs, partitions };
}

export interface RawFetchMultiResult {
  /** From writing the request to having the whole response frame. */
  elapsedMs: number;
  partitions: FetchedPartition[];
}

/**
 * One hand-built Fetch v4 on a fresh connection, timed. `readTimeoutMs` bounds the wait
 * for the response (default: max_wait_ms + 10 s).
 */
export async function rawFetchPartitions(port: number, request: RawFetchRequest, readTimeoutMs?: number): Promise<RawFetchMultiResult> {
  const correlationId = 0x0f37c4;
  const { elapsedMs, response } = await exchange(port, 'Fetch v4', correlationId, fetchRequestV4(correlationId, request), parseFetchV4Response, readTimeoutMs ?? Math.max(0, request.maxWaitMs) + 10_000);
  return { elapsedMs, partitions: response.partitions };
}

export interface RawFetchOptions {
  topic: string;
  partition: number;
  offset: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitionMaxBytes: number;
}

export interface RawFetchResult {
  elapsedMs: number;
  errorCode: number;
  highWatermark: number;
  /** Size of the records field (-1 when null). */
  recordsBytes: number;
  batches: StoredBatchHeader[];
}

/** A one-partition Fetch v4 (see rawFetchPartitions). */
export async function rawFetch(port: number, options: RawFetchOptions, readTimeoutMs?: number): Promise<RawFetchResult> {
  const { topic, partition, offset, partitionMaxBytes } = options;
  const result = await rawFetchPartitions(
    port,
    { maxWaitMs: options.maxWaitMs, minBytes: options.minBytes, maxBytes: options.maxBytes, partitions: [{ topic, partition, offset, partitionMaxBytes }] },
    readTimeoutMs,
  );
  if (result.partitions.length !== 1) {
    throw new Error(`Fetch v4: expected one partition in the response, got ${JSON.stringify(result.partitions)}`);
  }
  const [only] = result.partitions as [FetchedPartition];
  if (only.topic !== topic || only.partition !== partition) {
    throw new Error(`Fetch v4: asked for ${topic}[${partition}], answered ${only.topic}[${only.partition}]`);
  }
  return { elapsedMs: result.elapsedMs, errorCode: only.errorCode, highWatermark: only.highWatermark, recordsBytes: only.recordsBytes, batches: only.batches };
}

/**
 * Produce v3 request for one partition: transactional_id null, acks, timeout_ms,
 * [topic, [partition, records]]. `records` goes on the wire as given (int32 length + bytes).
 */
export function produceRequestV3(correlationId: number, acks: number, topic: string, partition: number, records: Buffer, timeoutMs = 10_000): Buffer {
  return produceRequestAt(3, correlationId, acks, topic, partition, records, timeoutMs);
}

export interface ProducePartitionResponse {
  topic: string;
  partition: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
}

export interface ProduceResponse {
  correlationId: number;
  partitions: ProducePartitionResponse[];
  throttleTimeMs: number;
}

export interface RawProduceOptions {
  topic: string;
  partition: number;
  records: Buffer;
  /** 1 (default) or -1; acks=0 has no response to wait for. */
  acks?: number;
}

/** Parses response header v0 + a Produce v3 body: [topic, [index, error, base_offset, log_append_time]], throttle. */
export function parseProduceV3Response(frame: Buffer): ProduceResponse {
  return parseProduceResponseAt(3, frame);
}

/** One Produce v3 (acks 1 or -1) on a fresh connection; returns the one partition's answer. */
export async function rawProduce(port: number, options: RawProduceOptions): Promise<ProducePartitionResponse> {
  return rawProduceAt(port, 3, options);
}

/**
 * CreateTopics v1 for one topic (replication factor 1, no assignments, no configs,
 * validate_only false) on a fresh connection; resolves with {errorCode, errorMessage}.
 */
export async function rawCreateTopic(port: number, topic: string, partitions: number): Promise<{ errorCode: number; errorMessage: string | null }> {
  const correlationId = 0xc7;
  const frame = sizePrefixed(Buffer.concat([
    requestHeaderV1(CREATE_TOPICS_KEY, 1, correlationId),
    int32(1), nullableString(topic), int32(partitions), int16(1), int32(0), int32(0),
    int32(10_000), Buffer.from([0]),
  ]));
  const { response } = await exchange(port, 'CreateTopics v1', correlationId, frame, (answer) => {
    const r = new FrameReader(answer, 'CreateTopics v1 response');
    const answered = r.int32();
    if (r.int32() !== 1) throw new Error('CreateTopics v1: expected one topic result');
    const name = r.string();
    if (name !== topic) throw new Error(`CreateTopics v1: result for ${name}, asked ${topic}`);
    return { correlationId: answered, errorCode: r.int16(), errorMessage: r.string() };
  });
  return { errorCode: response.errorCode, errorMessage: response.errorMessage };
}

/** A request frame with header v1 (or v2 with an empty tag section when `flexibleHeader`) and `body`. */
export function rawRequest(apiKey: number, version: number, correlationId: number, flexibleHeader: boolean, body: Buffer): Buffer {
  const header = requestHeaderV1(apiKey, version, correlationId);
  return sizePrefixed(Buffer.concat([header, flexibleHeader ? Buffer.from([0]) : Buffer.alloc(0), body]));
}

/** A classic (int16-length) string. */
export function nullableStringBytes(text: string): Buffer {
  return nullableString(text);
}

// ---------------------------------------------------------------------------------------
// Produce v0-3 and Fetch v0-3 at any of those versions, for the legacy message formats
// (magic 0/1 message sets). Layouts from ProduceRequest/Response.json and
// FetchRequest/Response.json: Produce v1+ answers throttle_time_ms last, v2+ adds
// log_append_time_ms, v3 adds transactional_id; Fetch v1+ answers throttle_time_ms first,
// v3 adds max_bytes.
// ---------------------------------------------------------------------------------------

/** Produce at `version` (0-3) for one partition; `records` goes on the wire as given. */
export function produceRequestAt(version: 0 | 1 | 2 | 3, correlationId: number, acks: number, topic: string, partition: number, records: Buffer, timeoutMs = 10_000): Buffer {
  return sizePrefixed(Buffer.concat([
    requestHeaderV1(PRODUCE_KEY, version, correlationId),
    version >= 3 ? int16(-1) : Buffer.alloc(0), int16(acks), int32(timeoutMs),
    int32(1), nullableString(topic), int32(1), int32(partition), int32(records.length), records,
  ]));
}

/** Parses response header v0 + a Produce body at `version` (0-3); throttle_time_ms is 0 at v0, which has none. */
export function parseProduceResponseAt(version: 0 | 1 | 2 | 3, frame: Buffer): ProduceResponse {
  const r = new FrameReader(frame, `Produce v${version} response`);
  const correlationId = r.int32();
  const partitions = r.topicPartitions((topic): ProducePartitionResponse => (
    { topic, partition: r.int32(), errorCode: r.int16(), baseOffset: r.int64(), logAppendTimeMs: version >= 2 ? r.int64() : -1 }
  ));
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  r.end();
  return { correlationId, partitions, throttleTimeMs };
}

/** One Produce at `version` (acks 1 or -1, default 1) on a fresh connection; the one partition's answer. */
export async function rawProduceAt(port: number, version: 0 | 1 | 2 | 3, options: RawProduceOptions): Promise<ProducePartitionResponse> {
  const correlationId = 0x1e9;
  const acks = options.acks ?? 1;
  if (acks === 0) throw new Error('rawProduce: acks=0 has no response; write produceRequestAt on a RawConnection instead');
  const frame = produceRequestAt(version, correlationId, acks, options.topic, options.partition, options.records);
  const { response } = await exchange(port, `Produce v${version}`, correlationId, frame, (answer) => parseProduceResponseAt(version, answer));
  if (response.partitions.length !== 1) throw new Error(`Produce v${version}: expected one partition, got ${JSON.stringify(response.partitions)}`);
  return response.partitions[0]!;
}

/** Fetch at `version` (0-4), replica_id -1; max_bytes is sent from v3 on, isolation_level from v4 (default 0: read uncommitted). */
export function fetchRequestAt(version: 0 | 1 | 2 | 3 | 4, correlationId: number, request: RawFetchRequest): Buffer {
  const topics = new Map<string, RawFetchPartition[]>();
  for (const p of request.partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p]);
  const parts: Buffer[] = [
    requestHeaderV1(FETCH_KEY, version, correlationId),
    int32(-1), int32(request.maxWaitMs), int32(request.minBytes),
    version >= 3 ? int32(request.maxBytes) : Buffer.alloc(0), version >= 4 ? Buffer.from([request.isolationLevel ?? 0]) : Buffer.alloc(0),
    int32(topics.size),
  ];
  for (const [topic, partitions] of topics) {
    parts.push(nullableString(topic), int32(partitions.length));
    for (const p of partitions) parts.push(int32(p.partition), int64(p.offset), int32(p.partitionMaxBytes));
  }
  return sizePrefixed(Buffer.concat(parts));
}

export interface LegacyFetchedPartition {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  /** The records field as sent (null when the broker sent null). */
  records: Buffer | null;
}

/** Parses response header v0 + a Fetch body at `version` (0-3). */
export function parseFetchResponseAt(version: 0 | 1 | 2 | 3, frame: Buffer): { correlationId: number; partitions: LegacyFetchedPartition[] } {
  const r = new FrameReader(frame, `Fetch v${version} response`);
  const correlationId = r.int32();
  if (version >= 1) r.int32();
  const partitions = r.topicPartitions((topic): LegacyFetchedPartition => {
    const partition = r.int32();
    const errorCode = r.int16();
    const highWatermark = r.int64();
    const records = r.bytes();
    return { topic, partition, errorCode, highWatermark, records: records === null ? null : Buffer.from(records) };
  });
  r.end();
  return { correlationId, partitions };
}

/** One Fetch at `version` (0-3) of one partition on a fresh connection (max_wait 0). */
export async function rawFetchAt(
  port: number,
  version: 0 | 1 | 2 | 3,
  options: { topic: string; partition: number; offset: number; partitionMaxBytes: number; maxBytes?: number },
): Promise<LegacyFetchedPartition> {
  const correlationId = 0xfe7;
  const { topic, partition, offset, partitionMaxBytes } = options;
  const request: RawFetchRequest = { maxWaitMs: 0, minBytes: 0, maxBytes: options.maxBytes ?? 64 * 1024 * 1024, partitions: [{ topic, partition, offset, partitionMaxBytes }] };
  const { response } = await exchange(port, `Fetch v${version}`, correlationId, fetchRequestAt(version, correlationId, request), (answer) => parseFetchResponseAt(version, answer));
  if (response.partitions.length !== 1) throw new Error(`Fetch v${version}: expected one partition, got ${response.partitions.length}`);
  return response.partitions[0]!;
}
