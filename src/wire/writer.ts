/**
 * A `records` field value on the way out: one Buffer, several Buffers sent back to back (e.g.
 * record batches straight from the log), or null.
 */
export type Records = Buffer | readonly Buffer[] | null;

/** Writes one array element; struct encoders `(w, version, item)` fit this shape too. */
export type ElementWriter<T> = (w: KafkaWriter, version: number, item: T, compact: boolean) => void;

export const writeInt8Element: ElementWriter<number> = (w, _version, n) => w.writeInt8(n);
export const writeInt16Element: ElementWriter<number> = (w, _version, n) => w.writeInt16(n);
export const writeInt32Element: ElementWriter<number> = (w, _version, n) => w.writeInt32(n);
export const writeUuidElement: ElementWriter<string> = (w, _version, id) => w.writeUuid(id);
export const writeInt64Element: ElementWriter<number> = (w, _version, n) => w.writeInt64(n);
export const writeStringElement: ElementWriter<string> = (w, _version, s, compact) =>
  w.writeString(s, compact);

/** Chunks at least this long are appended by reference (vectored write); shorter ones are copied. */
const EXTERNAL_CHUNK_MIN_BYTES = 512;
const TWO_32 = 2 ** 32;
const TWO_63 = 2 ** 63;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The memory response frames are encoded into, handed out as Node's Buffer pool hands out
 * allocUnsafe's small buffers (views of one 8 KiB slab, the slab kept alive by its views), but
 * each frame's bytes taken when it is finished: one view per frame instead of an allocUnsafe
 * view and then a view of the bytes written. Frames are encoded one at a time (a frame writer
 * is made and finished within one synchronous call), so a frame writer writes from `used` on
 * and moves it past its bytes when finished; one that fails half-way leaves nothing behind.
 */
const FRAME_POOL_BYTES = 8 * 1024;
/** A frame writer starts in the pool only with this much room left (a Fetch answer of one small batch). */
const FRAME_MIN_BYTES = 512;
const framePool = { slab: Buffer.allocUnsafeSlow(FRAME_POOL_BYTES), used: 0 };
/** The constructor's capacity for a frame writer (forFrame). */
const IN_FRAME_POOL = -1;
/**
 * The frame writer last finished, which the next frame is written with (a writer object per
 * response otherwise, ~70 B of heap). Taken by `forFrame`, put back by `finishFrame`: a frame
 * begun while another is being written, or after one that failed half-way, gets a new writer.
 */
let finishedFrameWriter: KafkaWriter | null = null;

/** A finished run of output: either a view of a scratch buffer or a caller's Buffer kept by reference. */
interface Piece {
  readonly offset: number;
  readonly bytes: Buffer;
  readonly external: boolean;
}

const NO_PIECES: readonly Piece[] = Object.freeze([]);

/**
 * Encodes Kafka's wire primitives. Small values go into a scratch Buffer that doubles when full;
 * large byte blobs (records) are kept as external chunks, so the output is a list of Buffers for a
 * vectored socket write. Positions (`length`, `reserveInt32`) count every byte written, external
 * chunks included.
 */
export class KafkaWriter {
  private scratch: Buffer;
  /** Next write position in `scratch`. */
  private pos = 0;
  /** Start in `scratch` of the run not yet closed into `pieces`. */
  private pieceStart = 0;
  /** NO_PIECES until the first piece is closed (most frames have none: one array fewer per response). */
  private pieces: readonly Piece[] = NO_PIECES;
  private closedLength = 0;
  /** Writing in the frame pool's slab (a frame writer that has not finished, nor outgrown its room). */
  private inFramePool = false;
  /** Made by `forFrame`: reused for a later frame once finished. */
  private readonly frameWriter: boolean;

  constructor(initialCapacity = 256) {
    this.frameWriter = initialCapacity === IN_FRAME_POOL;
    if (this.frameWriter) {
      this.scratch = framePool.slab;
      this.startInFramePool();
    } else {
      this.scratch = Buffer.allocUnsafe(Math.max(initialCapacity, 16));
    }
  }

  /**
   * A writer for one response frame, in the frame pool; `finishFrame` gives its output (see
   * framePool). The writer is the last frame's once that one finished (finishedFrameWriter):
   * nothing may be done with a frame writer after its `finishFrame`.
   */
  static forFrame(): KafkaWriter {
    if (framePool.slab.length - framePool.used < FRAME_MIN_BYTES) {
      framePool.slab = Buffer.allocUnsafeSlow(FRAME_POOL_BYTES);
      framePool.used = 0;
    }
    const writer = finishedFrameWriter;
    if (writer === null) return new KafkaWriter(IN_FRAME_POOL);
    finishedFrameWriter = null;
    writer.scratch = framePool.slab;
    writer.pieces = NO_PIECES;
    writer.closedLength = 0;
    writer.startInFramePool();
    return writer;
  }

  private startInFramePool(): void {
    this.pos = this.pieceStart = framePool.used;
    this.inFramePool = true;
  }

  /** The output (`toChunks`), the frame pool's bytes under it kept from later frames; nothing may be done with the writer after it. */
  finishFrame(): Buffer[] {
    const chunks = this.toChunks();
    if (this.inFramePool) {
      // 8-byte aligned, as Node's pool hands out its views.
      framePool.used = Math.min(framePool.slab.length, (this.pos + 7) & ~7);
      this.inFramePool = false;
    }
    // A write after this would outgrow the room at once, into a buffer of its own.
    this.pos = this.pieceStart = this.scratch.length;
    if (this.frameWriter) finishedFrameWriter = this;
    return chunks;
  }

  /** Total bytes written so far, including external chunks. */
  get length(): number {
    return this.closedLength + this.pos - this.pieceStart;
  }

  /** Fixed-width integers are big-endian two's complement. */
  writeInt8(n: number): void {
    const at = this.claim(1);
    this.scratch.writeInt8(n, at);
  }

  writeInt16(n: number): void {
    const at = this.claim(2);
    this.scratch.writeInt16BE(n, at);
  }

  writeUInt16(n: number): void {
    const at = this.claim(2);
    this.scratch.writeUInt16BE(n, at);
  }

  writeInt32(n: number): void {
    const at = this.claim(4);
    this.scratch.writeInt32BE(n, at);
  }

  writeUInt32(n: number): void {
    const at = this.claim(4);
    this.scratch.writeUInt32BE(n, at);
  }

  /**
   * int64 from a JS number, written as a signed high half and an unsigned low half. Values outside
   * the int64 range (e.g. `2 ** 63`, which is not exactly representable below it) are clamped.
   */
  writeInt64(n: number): void {
    if (n >= TWO_63) {
      this.writeInt32(0x7fffffff);
      this.writeUInt32(0xffffffff);
    } else if (n <= -TWO_63) {
      this.writeInt32(-0x80000000);
      this.writeUInt32(0);
    } else {
      const high = Math.floor(n / TWO_32);
      this.writeInt32(high);
      this.writeUInt32(Math.trunc(n - high * TWO_32));
    }
  }

  writeFloat64(n: number): void {
    const at = this.claim(8);
    this.scratch.writeDoubleBE(n, at);
  }

  writeBool(b: boolean): void {
    this.writeByte(b ? 1 : 0);
  }

  /** 16 raw bytes from the canonical 8-4-4-4-12 hex form. */
  writeUuid(s: string): void {
    if (!UUID_PATTERN.test(s)) throw new RangeError(`not a uuid: ${s}`);
    const at = this.claim(16);
    this.scratch.write(s.replaceAll('-', ''), at, 16, 'hex');
  }

  /** Unsigned varint: 7 bits per byte, least significant group first, high bit = more bytes follow. */
  writeUVarint(n: number): void {
    if (!(n >= 0 && n <= 0xffffffff)) throw new RangeError(`unsigned varint out of range: ${n}`);
    let rest = n;
    while (rest >= 0x80) {
      this.writeByte((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    this.writeByte(rest);
  }

  /** Signed varint (record fields): zigzag int32, so -1 is 1, 1 is 2, -2 is 3. */
  writeVarint(n: number): void {
    this.writeUVarint(((n << 1) ^ (n >> 31)) >>> 0);
  }

  /**
   * Signed varlong (record fields): zigzag int64 in up to 10 bytes. The zigzag value 2m + sign (m = n
   * or -n - 1) is emitted from m directly, so every safe integer is exact: the first byte carries the
   * sign bit and 6 bits of m, later bytes 7 bits each.
   */
  writeVarlong(n: number): void {
    let magnitude = n >= 0 ? n : -n - 1;
    const first = (magnitude % 64) * 2 + (n >= 0 ? 0 : 1);
    magnitude = Math.floor(magnitude / 64);
    this.writeByte(magnitude > 0 ? first | 0x80 : first);
    while (magnitude > 0) {
      const group = magnitude % 0x80;
      magnitude = Math.floor(magnitude / 0x80);
      this.writeByte(magnitude > 0 ? group | 0x80 : group);
    }
  }

  /** UTF-8 string: int16 length (classic) or uvarint length + 1 (compact); null = -1 / 0. */
  writeString(s: string | null, compact: boolean): void {
    if (s === null) return this.writeLength(null, compact, 2);
    const length = Buffer.byteLength(s, 'utf8');
    this.writeLength(length, compact, 2);
    const at = this.claim(length);
    this.scratch.write(s, at, length, 'utf8');
  }

  /** Bytes: int32 length (classic) or uvarint length + 1 (compact); null = -1 / 0. */
  writeBytes(b: Buffer | null, compact: boolean): void {
    this.writeLength(b === null ? null : b.length, compact, 4);
    if (b !== null) this.appendChunk(b);
  }

  /**
   * Records are encoded like bytes; the length prefix covers all chunks, and large chunks are kept
   * by reference so Fetch responses go out without copying log data.
   */
  writeRecords(records: Records, compact: boolean): void {
    if (records === null) return this.writeLength(null, compact, 4);
    if (Buffer.isBuffer(records)) {
      this.writeLength(records.length, compact, 4);
      this.appendChunk(records);
      return;
    }
    let length = 0;
    for (let i = 0; i < records.length; i++) length += records[i].length;
    this.writeLength(length, compact, 4);
    for (let i = 0; i < records.length; i++) this.appendChunk(records[i]);
  }

  /** Array count: int32 (classic) or uvarint count + 1 (compact); null = -1 / 0. */
  writeArrayLength(n: number | null, compact: boolean): void {
    if (compact) this.writeUVarint(n === null ? 0 : n + 1);
    else this.writeInt32(n === null ? -1 : n);
  }

  writeArray<T>(compact: boolean, version: number, items: readonly T[] | null, writeElement: ElementWriter<T>): void {
    this.writeArrayLength(items === null ? null : items.length, compact);
    if (items === null) return;
    for (let i = 0; i < items.length; i++) writeElement(this, version, items[i], compact);
  }

  /** The tagged-field section of a struct with nothing tagged to send: a zero count. */
  writeEmptyTaggedFields(): void {
    this.writeByte(0);
  }

  /**
   * One entry of a tagged-field section (KIP-482): uvarint tag, uvarint size, then the value that
   * was encoded into its own writer (tagged fields are rare, so the copy is cheap). The caller
   * writes the section's uvarint count first and emits tags in increasing order.
   */
  writeTaggedField(tag: number, value: KafkaWriter): void {
    this.writeUVarint(tag);
    this.writeUVarint(value.length);
    for (const chunk of value.toChunks()) this.appendChunk(chunk);
  }

  /** Writes a placeholder int32 (e.g. a frame size) and returns its position for {@link patchInt32}. */
  reserveInt32(): number {
    const position = this.length;
    this.writeInt32(0);
    return position;
  }

  /** Overwrites an int32 written by {@link reserveInt32}, even after later external chunks. */
  patchInt32(position: number, value: number): void {
    if (position >= this.closedLength) {
      this.scratch.writeInt32BE(value, this.pieceStart + position - this.closedLength);
      return;
    }
    let i = this.pieces.length - 1;
    while (i >= 0 && this.pieces[i].offset > position) i--;
    const piece = i >= 0 ? this.pieces[i] : undefined;
    if (piece === undefined || piece.external || position + 4 > piece.offset + piece.bytes.length) {
      throw new RangeError(`position ${position} is not a reserved int32`);
    }
    piece.bytes.writeInt32BE(value, position - piece.offset);
  }

  /** The output in order, without concatenation: scratch views and external chunks as given. */
  toChunks(): Buffer[] {
    const pieces = this.pieces;
    const open = this.pos > this.pieceStart;
    // Built at its size: one per response, and a push would give it room for 17.
    const chunks = new Array<Buffer>(pieces.length + (open ? 1 : 0));
    for (let i = 0; i < pieces.length; i++) chunks[i] = pieces[i].bytes;
    if (open) chunks[pieces.length] = this.scratch.subarray(this.pieceStart, this.pos);
    return chunks;
  }

  /** The output as one Buffer (copies; meant for tests and small messages). */
  toBuffer(): Buffer {
    return Buffer.concat(this.toChunks(), this.length);
  }

  private writeByte(byte: number): void {
    const at = this.claim(1);
    this.scratch[at] = byte;
  }

  private writeLength(length: number | null, compact: boolean, classicWidth: 2 | 4): void {
    if (compact) this.writeUVarint(length === null ? 0 : length + 1);
    else if (classicWidth === 2) this.writeInt16(length ?? -1);
    else this.writeInt32(length ?? -1);
  }

  private appendChunk(chunk: Buffer): void {
    if (chunk.length < EXTERNAL_CHUNK_MIN_BYTES) {
      const at = this.claim(chunk.length);
      chunk.copy(this.scratch, at);
      return;
    }
    this.closePiece();
    this.addPiece({ offset: this.closedLength, bytes: chunk, external: true });
    this.closedLength += chunk.length;
  }

  private addPiece(piece: Piece): void {
    if (this.pieces === NO_PIECES) this.pieces = [piece];
    else (this.pieces as Piece[]).push(piece);
  }

  private closePiece(): void {
    if (this.pos === this.pieceStart) return;
    const bytes = this.scratch.subarray(this.pieceStart, this.pos);
    this.addPiece({ offset: this.closedLength, bytes, external: false });
    this.closedLength += bytes.length;
    this.pieceStart = this.pos;
  }

  /** Makes room for `n` bytes in the open run and returns where they go. */
  private claim(n: number): number {
    if (this.pos + n > this.scratch.length) this.grow(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Doubles the scratch buffer; closed pieces keep viewing the old one, the open run is copied. */
  private grow(n: number): void {
    const open = this.pos - this.pieceStart;
    let capacity = this.scratch.length * 2;
    if (this.inFramePool) {
      // Out of the pool: its closed pieces stay where they are, the open run moves.
      framePool.used = this.pieceStart;
      this.inFramePool = false;
      capacity = Math.max(FRAME_MIN_BYTES, open) * 2;
    }
    while (capacity < open + n) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.scratch.copy(next, 0, this.pieceStart, this.pos);
    this.scratch = next;
    this.pieceStart = 0;
    this.pos = open;
  }
}
