/**
 * The fuzzer's mutations (test/fuzz/engine.ts applies one to four of them to a corpus entry):
 * the generic ones of coverage-guided fuzzers (bit flips, byte sets, inserts, deletes, chunk
 * copies, interesting integers, splicing two corpus entries) and Kafka-aware ones, because
 * every Kafka decoder is driven by length and count fields: a big-endian int16/int32 or a
 * varint that looks like a length (its value fits what follows it) is rewritten with the
 * values that break decoders (-1, 0, off by one, exactly the bytes left, past them, the
 * type's maximum), and varints are re-encoded overlong. Seeded, so a run replays.
 */
import { seededRandom } from '../support/seeded-random.js';

/** Largest input a mutation produces: decoders see every byte of it, so it bounds the cost of one execution. */
export const INPUT_BYTES_MAX = 8_192;

const INTERESTING_8 = [-128, -1, 0, 1, 16, 32, 64, 100, 127];
const INTERESTING_16 = [-32768, -129, -1, 0, 1, 128, 255, 256, 512, 1000, 1024, 4096, 32767];
const INTERESTING_32 = [-2147483648, -100663046, -32769, -2, -1, 0, 1, 32768, 65535, 65536, 100663045, 0x7ffffff0, 2147483647];


/** Zigzag (signed) or plain unsigned varint bytes of `value`, optionally padded to `width` bytes (overlong). */
export function varintBytes(value: number, zigzag: boolean, width = 0): number[] {
  let v = zigzag ? (value >= 0 ? value * 2 : -value * 2 - 1) : value >>> 0;
  const out: number[] = [];
  while (v >= 0x80 || out.length + 1 < width) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** The varint starting at `at`: its unsigned raw value and byte length, or null when it runs off the end or past 10 bytes. */
function varintAt(input: Buffer, at: number): { raw: number; bytes: number } | null {
  let raw = 0;
  for (let i = 0, scale = 1; i < 10 && at + i < input.length; i++, scale *= 128) {
    raw += (input[at + i] & 0x7f) * scale;
    if ((input[at + i] & 0x80) === 0) return { raw, bytes: i + 1 };
  }
  return null;
}

export class Mutator {
  constructor(private readonly random: () => number) {}

  int(maxExclusive: number): number {
    return Math.floor(this.random() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A mutated copy of `input`: one to four stacked mutations, `other` available for splicing. */
  mutate(input: Buffer, other: Buffer): Buffer {
    let out: Buffer = Buffer.from(input);
    const rounds = 1 + this.int(4);
    for (let i = 0; i < rounds; i++) out = this.once(out, other);
    return out.length > INPUT_BYTES_MAX ? out.subarray(0, INPUT_BYTES_MAX) : out;
  }

  private once(input: Buffer, other: Buffer): Buffer {
    if (input.length === 0) return this.bytes(1 + this.int(8));
    switch (this.int(12)) {
      case 0:
        return this.flipBits(input);
      case 1:
        input[this.int(input.length)] = this.int(256);
        return input;
      case 2:
        return this.insert(input, this.bytes(1 + this.int(16)));
      case 3:
        return this.remove(input);
      case 4:
        return this.copyChunk(input);
      case 5:
        return this.interestingInteger(input);
      case 6:
      case 7:
        return this.lengthField(input);
      case 8:
      case 9:
        return this.varintField(input);
      case 10:
        return this.splice(input, other);
      default:
        return input.subarray(0, this.int(input.length));
    }
  }

  private bytes(count: number): Buffer {
    return Buffer.from(Array.from({ length: count }, () => this.int(256)));
  }

  private flipBits(input: Buffer): Buffer {
    for (let i = 0, n = 1 + this.int(4); i < n; i++) input[this.int(input.length)] ^= 1 << this.int(8);
    return input;
  }

  private insert(input: Buffer, bytes: Buffer): Buffer {
    const at = this.int(input.length + 1);
    return Buffer.concat([input.subarray(0, at), bytes, input.subarray(at)]);
  }

  private remove(input: Buffer): Buffer {
    const at = this.int(input.length);
    const count = 1 + this.int(Math.min(16, input.length - at));
    return Buffer.concat([input.subarray(0, at), input.subarray(at + count)]);
  }

  /** A slice of the input inserted elsewhere in it: repeats an array element, a record, a header. */
  private copyChunk(input: Buffer): Buffer {
    const from = this.int(input.length);
    const chunk = Buffer.from(input.subarray(from, from + 1 + this.int(Math.min(64, input.length - from))));
    return this.insert(input, chunk);
  }

  private interestingInteger(input: Buffer): Buffer {
    const width = this.pick([1, 2, 4]);
    if (input.length < width) return input;
    const at = this.int(input.length - width + 1);
    if (width === 1) input.writeInt8(this.pick(INTERESTING_8), at);
    else if (width === 2) input.writeInt16BE(this.pick(INTERESTING_16), at);
    else input.writeInt32BE(this.pick(INTERESTING_32), at);
    return input;
  }

  /** Values a length or count field at `at` (of `width` bytes, `current` now) is broken with. */
  private lengthValue(input: Buffer, at: number, width: number, current: number): number {
    const left = input.length - at - width;
    const max = width === 2 ? 0x7fff : 0x7fffffff;
    return this.pick([-1, -2, 0, 1, current - 1, current + 1, current * 2, left, left + 1, max, max - 1]);
  }

  /** Rewrites an int16/int32 whose value looks like a length or count (fits the bytes after it, or -1). */
  private lengthField(input: Buffer): Buffer {
    const width = this.random() < 0.5 ? 2 : 4;
    for (let tries = 0; tries < 16 && input.length >= width; tries++) {
      const at = this.int(input.length - width + 1);
      const current = width === 2 ? input.readInt16BE(at) : input.readInt32BE(at);
      if (current < -1 || current > input.length - at - width) continue;
      const value = this.lengthValue(input, at, width, current);
      if (width === 2) input.writeInt16BE(Math.max(-0x8000, Math.min(0x7fff, value)), at);
      else input.writeInt32BE(Math.max(-0x80000000, Math.min(0x7fffffff, value)), at);
      return input;
    }
    return this.interestingInteger(input);
  }

  /**
   * Re-encodes a varint found at a random spot: as a compact (unsigned, length + 1) or
   * zigzag length with a breaking value, or the same value overlong (5 or 10 bytes).
   */
  private varintField(input: Buffer): Buffer {
    const at = this.int(input.length);
    const found = varintAt(input, at);
    if (found === null) return input;
    const zigzag = this.random() < 0.5;
    const current = zigzag ? (found.raw % 2 === 0 ? found.raw / 2 : -(found.raw + 1) / 2) : found.raw;
    const left = input.length - at - found.bytes;
    const value = this.pick([-1, 0, 1, current - 1, current + 1, left, left + 1, left + 2, 0x7fffffff, -0x80000000, current]);
    const width = value === current || this.random() < 0.2 ? this.pick([5, 10, 11]) : 0;
    const encoded = Buffer.from(varintBytes(value, zigzag || value < 0, width));
    return Buffer.concat([input.subarray(0, at), encoded, input.subarray(at + found.bytes)]);
  }

  /** The head of `input` followed by the tail of another corpus entry. */
  private splice(input: Buffer, other: Buffer): Buffer {
    if (other.length === 0) return input;
    return Buffer.concat([input.subarray(0, this.int(input.length + 1)), other.subarray(this.int(other.length))]);
  }
}

export { seededRandom };
