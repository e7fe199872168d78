import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaProtocolError } from '../../../src/wire/errors.js';
import { beginResponseFrame, finishResponseFrame } from '../../../src/wire/headers.js';
import { KafkaReader, readInt32Element, ZERO_UUID } from '../../../src/wire/reader.js';
import { KafkaWriter, writeInt32Element } from '../../../src/wire/writer.js';

function written(write: (w: KafkaWriter) => void): Buffer {
  const w = new KafkaWriter(16);
  write(w);
  return w.toBuffer();
}

function readerOf(bytes: number[] | Buffer): KafkaReader {
  return new KafkaReader(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
}

/** Writes `value`, checks the exact bytes when given, reads it back and checks nothing is left. */
function roundTrip<T>(value: T, write: (w: KafkaWriter, v: T) => void, read: (r: KafkaReader) => unknown, bytes?: number[]): void {
  const buf = written((w) => write(w, value));
  if (bytes !== undefined) assert.deepEqual([...buf], bytes, `bytes of ${String(value)}`);
  const r = readerOf(buf);
  assert.deepEqual(read(r), value);
  assert.equal(r.remaining(), 0);
}

describe('KafkaReader / KafkaWriter primitives', () => {
  it('round-trips fixed-width integers big-endian', () => {
    roundTrip(-128, (w, v) => w.writeInt8(v), (r) => r.readInt8(), [0x80]);
    roundTrip(-2, (w, v) => w.writeInt16(v), (r) => r.readInt16(), [0xff, 0xfe]);
    roundTrip(65535, (w, v) => w.writeUInt16(v), (r) => r.readUInt16(), [0xff, 0xff]);
    roundTrip(-2147483648, (w, v) => w.writeInt32(v), (r) => r.readInt32(), [0x80, 0, 0, 0]);
    roundTrip(4294967295, (w, v) => w.writeUInt32(v), (r) => r.readUInt32(), [0xff, 0xff, 0xff, 0xff]);
  });

  it('round-trips int64 as numbers exact up to 2^53', () => {
    roundTrip(-1, (w, v) => w.writeInt64(v), (r) => r.readInt64(), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    roundTrip(2 ** 32 + 5, (w, v) => w.writeInt64(v), (r) => r.readInt64(), [0, 0, 0, 1, 0, 0, 0, 5]);
    for (const value of [0, 1, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_000]) {
      roundTrip(value, (w, v) => w.writeInt64(v), (r) => r.readInt64());
    }
  });

  it('clamps int64 writes to the int64 range instead of throwing', () => {
    const max = [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    const min = [0x80, 0, 0, 0, 0, 0, 0, 0];
    assert.deepEqual([...written((w) => w.writeInt64(2 ** 63))], max);
    assert.deepEqual([...written((w) => w.writeInt64(Number.MAX_VALUE))], max);
    assert.deepEqual([...written((w) => w.writeInt64(Infinity))], max);
    assert.deepEqual([...written((w) => w.writeInt64(-(2 ** 63)))], min);
    assert.deepEqual([...written((w) => w.writeInt64(-Infinity))], min);
  });

  it('round-trips float64, bool and uuid', () => {
    roundTrip(-1.5, (w, v) => w.writeFloat64(v), (r) => r.readFloat64());
    roundTrip(true, (w, v) => w.writeBool(v), (r) => r.readBool(), [1]);
    roundTrip(false, (w, v) => w.writeBool(v), (r) => r.readBool(), [0]);
    const uuid = '0123abcd-4567-89ef-fedc-ba9876543210';
    roundTrip(uuid, (w, v) => w.writeUuid(v), (r) => r.readUuid(), [...Buffer.from(uuid.replaceAll('-', ''), 'hex')]);
    roundTrip(ZERO_UUID, (w, v) => w.writeUuid(v), (r) => r.readUuid(), new Array(16).fill(0));
    assert.equal(readerOf(written((w) => w.writeUuid('0123ABCD-4567-89EF-FEDC-BA9876543210'))).readUuid(), uuid);
    assert.throws(() => new KafkaWriter().writeUuid('not-a-uuid'), RangeError);
  });

  it('encodes unsigned varints in 7-bit groups, low group first', () => {
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [1, [0x01]],
      [127, [0x7f]],
      [128, [0x80, 0x01]],
      [300, [0xac, 0x02]],
      [16383, [0xff, 0x7f]],
      [16384, [0x80, 0x80, 0x01]],
      [2 ** 31 - 1, [0xff, 0xff, 0xff, 0xff, 0x07]],
      [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [value, bytes] of cases) roundTrip(value, (w, v) => w.writeUVarint(v), (r) => r.readUVarint(), bytes);
    assert.throws(() => new KafkaWriter().writeUVarint(-1), RangeError);
  });

  it('zigzag-encodes signed varints', () => {
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [-1, [0x01]],
      [1, [0x02]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [2 ** 31 - 1, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
      [-(2 ** 31), [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [value, bytes] of cases) roundTrip(value, (w, v) => w.writeVarint(v), (r) => r.readVarint(), bytes);
  });

  it('zigzag-encodes varlongs up to 2^53', () => {
    roundTrip(-1, (w, v) => w.writeVarlong(v), (r) => r.readVarlong(), [0x01]);
    roundTrip(2 ** 31, (w, v) => w.writeVarlong(v), (r) => r.readVarlong(), [0x80, 0x80, 0x80, 0x80, 0x10]);
    for (const value of [0, 127, 128, 1_700_000_000_000, -1_700_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      roundTrip(value, (w, v) => w.writeVarlong(v), (r) => r.readVarlong());
    }
  });

  it('rejects over-long varints', () => {
    assert.throws(() => readerOf([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).readUVarint(), KafkaProtocolError);
    assert.throws(() => readerOf(new Array(11).fill(0x80)).readVarlong(), KafkaProtocolError);
  });
});

describe('KafkaReader / KafkaWriter strings, bytes and arrays', () => {
  it('writes classic strings with an int16 length and null as -1', () => {
    roundTrip('hé', (w, v) => w.writeString(v, false), (r) => r.readString(false), [0, 3, 0x68, 0xc3, 0xa9]);
    roundTrip('', (w, v) => w.writeString(v, false), (r) => r.readString(false), [0, 0]);
    roundTrip(null, (w, v) => w.writeString(v, false), (r) => r.readString(false), [0xff, 0xff]);
  });

  it('writes compact strings with a uvarint length + 1 and null as 0', () => {
    roundTrip('hé', (w, v) => w.writeString(v, true), (r) => r.readString(true), [4, 0x68, 0xc3, 0xa9]);
    roundTrip('', (w, v) => w.writeString(v, true), (r) => r.readString(true), [1]);
    roundTrip(null, (w, v) => w.writeString(v, true), (r) => r.readString(true), [0]);
    const long = 'x'.repeat(200);
    roundTrip(long, (w, v) => w.writeString(v, true), (r) => r.readString(true));
    assert.deepEqual([...written((w) => w.writeString(long, true)).subarray(0, 2)], [0xc9, 0x01]);
  });

  it('rejects null in non-nullable strings, bytes and arrays', () => {
    assert.throws(() => readerOf([0xff, 0xff]).readNonNullString(false), KafkaProtocolError);
    assert.throws(() => readerOf([0]).readNonNullBytes(true), KafkaProtocolError);
    assert.throws(() => readerOf([0xff, 0xff, 0xff, 0xff]).readArray(false, 0, readInt32Element), KafkaProtocolError);
  });

  it('writes bytes with int32 / uvarint lengths', () => {
    roundTrip(Buffer.from([1, 2]), (w, v) => w.writeBytes(v, false), (r) => r.readBytes(false), [0, 0, 0, 2, 1, 2]);
    roundTrip(Buffer.from([1, 2]), (w, v) => w.writeBytes(v, true), (r) => r.readBytes(true), [3, 1, 2]);
    roundTrip(null, (w, v) => w.writeBytes(v, false), (r) => r.readBytes(false), [0xff, 0xff, 0xff, 0xff]);
    roundTrip(null, (w, v) => w.writeBytes(v, true), (r) => r.readBytes(true), [0]);
    roundTrip(null, (w, v) => w.writeRecords(v, true), (r) => r.readRecords(true), [0]);
  });

  it('returns bytes and records as views of the input buffer', () => {
    const input = Buffer.from([0, 0, 0, 2, 7, 8, 3, 9, 9]);
    const r = new KafkaReader(input);
    const bytes = r.readBytes(false)!;
    const records = r.readRecords(true)!;
    input[4] = 42;
    input[7] = 43;
    assert.deepEqual([...bytes], [42, 8]);
    assert.deepEqual([...records], [43, 9]);
    assert.equal(bytes.buffer, input.buffer);
  });

  it('writes arrays with int32 / uvarint counts and null as -1 / 0', () => {
    const items = [1, -1];
    const encode = (compact: boolean) => (w: KafkaWriter, v: number[] | null) => w.writeArray(compact, 0, v, writeInt32Element);
    const decode = (compact: boolean) => (r: KafkaReader) => r.readNullableArray(compact, 0, readInt32Element);
    roundTrip(items, encode(false), decode(false), [0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
    roundTrip(items, encode(true), decode(true), [3, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
    roundTrip(null, encode(false), decode(false), [0xff, 0xff, 0xff, 0xff]);
    roundTrip(null, encode(true), decode(true), [0]);
    assert.deepEqual([...written((w) => w.writeArrayLength(null, true))], [0]);
  });

  it('throws KafkaProtocolError on truncated input of every kind', () => {
    assert.throws(() => readerOf([0x01]).readInt16(), KafkaProtocolError);
    assert.throws(() => readerOf([0, 0, 0]).readInt32(), KafkaProtocolError);
    assert.throws(() => readerOf([0, 0, 0, 0, 0, 0, 0]).readInt64(), KafkaProtocolError);
    assert.throws(() => readerOf(new Array(15).fill(0)).readUuid(), KafkaProtocolError);
    assert.throws(() => readerOf([0x80]).readUVarint(), KafkaProtocolError);
    assert.throws(() => readerOf([0, 5, 0x61]).readString(false), KafkaProtocolError);
    assert.throws(() => readerOf([4, 0x61]).readString(true), KafkaProtocolError);
    assert.throws(() => readerOf([0, 0, 0, 9, 1]).readBytes(false), KafkaProtocolError);
    assert.throws(() => readerOf([]).readBool(), KafkaProtocolError);
  });

  it('honours the end of the reader window', () => {
    const r = new KafkaReader(Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]), 0, 4);
    assert.equal(r.readInt32(), 1);
    assert.equal(r.remaining(), 0);
    assert.throws(() => r.readInt8(), KafkaProtocolError);
  });

  it('rejects a huge bogus array count or length before allocating', () => {
    assert.throws(() => readerOf([0x7f, 0xff, 0xff, 0xff, 0]).readArrayLength(false), KafkaProtocolError);
    assert.throws(() => readerOf([0xff, 0xff, 0xff, 0xff, 0x0f]).readArrayLength(true), KafkaProtocolError);
    assert.throws(() => readerOf([0xff, 0xff, 0xff, 0xfe]).readArrayLength(false), KafkaProtocolError);
    assert.throws(() => readerOf([0x7f, 0xff, 0xff, 0xff]).readBytes(false), KafkaProtocolError);
    assert.throws(() => readerOf([0xff, 0xfe]).readString(false), KafkaProtocolError);
  });
});

describe('tagged fields', () => {
  it('skips unknown tagged fields of any size', () => {
    const r = readerOf([2, 0, 1, 0xaa, 5, 2, 0xbb, 0xcc, 0x42]);
    r.skipTaggedFields();
    assert.equal(r.readInt8(), 0x42);
  });

  it('writes a tagged field as tag, size and value', () => {
    const value = new KafkaWriter();
    value.writeInt32(7);
    const bytes = written((w) => {
      w.writeUVarint(1);
      w.writeTaggedField(200, value);
    });
    assert.deepEqual([...bytes], [1, 0xc8, 0x01, 4, 0, 0, 0, 7]);
    assert.deepEqual([...written((w) => w.writeEmptyTaggedFields())], [0]);
  });

  it('rejects a tagged field larger than the input or a value that overran its size', () => {
    assert.throws(() => readerOf([1, 0, 9, 1]).skipTaggedFields(), KafkaProtocolError);
    const r = readerOf([1, 0, 1, 0, 0, 0, 7]);
    r.readUVarint();
    r.readUVarint();
    const end = r.readTaggedFieldEnd();
    r.readInt32();
    assert.throws(() => r.endTaggedField(end), KafkaProtocolError);
  });
});

describe('KafkaWriter chunks', () => {
  const big = (fill: number) => Buffer.alloc(600, fill);

  it('grows the scratch buffer by doubling without losing bytes', () => {
    const w = new KafkaWriter(16);
    for (let i = 0; i < 1000; i++) w.writeInt32(i);
    const r = new KafkaReader(w.toBuffer());
    for (let i = 0; i < 1000; i++) assert.equal(r.readInt32(), i);
    assert.equal(w.length, 4000);
  });

  it('keeps large records chunks by reference and copies small ones', () => {
    const chunk = big(1);
    const small = Buffer.from([9, 9]);
    const w = new KafkaWriter();
    w.writeInt16(5);
    w.writeRecords([chunk, small], false);
    w.writeInt8(3);
    const chunks = w.toChunks();
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1], chunk);
    assert.deepEqual([...chunks[0]!], [0, 5, 0, 0, 0x02, 0x5a]);
    assert.deepEqual([...chunks[2]!], [9, 9, 3]);
    assert.equal(w.length, 2 + 4 + 602 + 1);
    assert.equal(w.toBuffer().length, w.length);
  });

  it('writes a single Buffer as records and prefixes the total length of chunk lists', () => {
    const r = readerOf(written((w) => w.writeRecords([big(1), big(2)], true)));
    const records = r.readRecords(true)!;
    assert.equal(records.length, 1200);
    assert.equal(records[599], 1);
    assert.equal(records[600], 2);
    assert.deepEqual(readerOf(written((w) => w.writeRecords(Buffer.from([4]), false))).readRecords(false), Buffer.from([4]));
  });

  it('back-patches reserved int32s after external chunks and scratch growth', () => {
    const w = new KafkaWriter(16);
    const frame = w.reserveInt32();
    w.writeRecords(big(1), false);
    const inner = w.reserveInt32();
    for (let i = 0; i < 100; i++) w.writeInt32(i);
    w.writeRecords(big(2), false);
    w.patchInt32(frame, w.length - 4);
    w.patchInt32(inner, 1234);
    const r = new KafkaReader(w.toBuffer());
    assert.equal(r.readInt32(), w.length - 4);
    assert.equal(r.readRecords(false)!.length, 600);
    assert.equal(r.readInt32(), 1234);
    assert.throws(() => w.patchInt32(10, 1), RangeError);
  });
});

describe('response frames (the frame pool)', () => {
  const frame = (correlationId: number, fill: (w: KafkaWriter) => void): Buffer[] => {
    const w = beginResponseFrame(correlationId, false);
    fill(w);
    return finishResponseFrame(w);
  };
  const bytesOf = (chunks: Buffer[]): Buffer => Buffer.concat(chunks);

  it('keeps a finished frame intact while the frames after it are written', () => {
    const frames = Array.from({ length: 40 }, (_, n) => frame(n, (w) => w.writeString('x'.repeat(n * 10), false)));
    const copies = frames.map((chunks) => Buffer.from(bytesOf(chunks)));
    for (let n = 0; n < 40; n++) {
      const r = readerOf(bytesOf(frames[n]));
      assert.equal(r.readInt32(), r.remaining(), 'size prefix');
      assert.equal(r.readInt32(), n, 'correlation id');
      assert.equal(r.readString(false), 'x'.repeat(n * 10));
      assert.deepEqual(bytesOf(frames[n]), copies[n]);
    }
  });

  it('keeps the pieces of a frame that outgrew its room, and the next frame writes after them', () => {
    const big = Buffer.alloc(600, 7);
    const grown = frame(1, (w) => {
      w.writeInt32(11);
      w.writeRecords(big, false); // by reference: the run before it is closed in the pool
      for (let i = 0; i < 4000; i++) w.writeInt32(i); // 16 KB: out of the pool
    });
    const before = Buffer.from(bytesOf(grown));
    const next = frame(2, (w) => w.writeString('y'.repeat(300), false));
    assert.deepEqual(bytesOf(grown), before);
    const r = readerOf(bytesOf(grown));
    assert.deepEqual([r.readInt32(), r.readInt32(), r.readInt32()], [r.remaining() + 8, 1, 11]);
    assert.deepEqual(r.readRecords(false), big);
    const n = readerOf(bytesOf(next));
    assert.deepEqual([n.readInt32(), n.readInt32(), n.readString(false)], [306, 2, 'y'.repeat(300)]);
  });

  it('writes the next frame with the writer of the last one finished, and a frame after one abandoned half-way with a new writer', () => {
    const first = beginResponseFrame(1, false);
    first.writeString('first', false);
    const firstChunks = finishResponseFrame(first);
    const firstBytes = Buffer.from(bytesOf(firstChunks));
    const next = beginResponseFrame(2, false);
    assert.equal(next, first, 'the last writer finished is reused');
    next.writeString('x'.repeat(700), false);
    const nextBytes = bytesOf(finishResponseFrame(next));
    assert.deepEqual(bytesOf(firstChunks), firstBytes, 'the first frame intact');
    const r = readerOf(nextBytes);
    assert.deepEqual([r.readInt32(), r.readInt32(), r.readString(false)], [r.remaining() + 700 + 2 + 4, 2, 'x'.repeat(700)]);
    const abandoned = beginResponseFrame(3, false);
    abandoned.writeInt32(1); // an encoder failed here: never finished
    const after = beginResponseFrame(4, false);
    assert.notEqual(after, abandoned);
    const a = readerOf(bytesOf(finishResponseFrame(after)));
    assert.deepEqual([a.readInt32(), a.readInt32(), a.remaining()], [4, 4, 0]);
  });
});
