/**
 * Frames for the protocol fuzzers (test/e2e/protocol-fuzz.test.ts against a broker process,
 * test/unit/wire/decoder-fuzz.test.ts against the decoders in process), all from one seeded generator so a
 * failing run replays with its seed. A seed frame is a well-formed request of one API at one
 * version: its body built from Kafka's JSON specs (the digest the wire tests read) with
 * small random values (names of throw-away topics and groups, ids -1..2, a valid record
 * batch where the spec has records), encoded by the generated codec. Mutations of a seed
 * flip, insert, delete or overwrite bytes, truncate the body, lie in the size prefix or
 * swap in another API key or version; garbage frames are random bytes behind a size.
 * The broker's codecs only produce the bytes; nothing here decides what the broker answers.
 */
import fs from 'node:fs';
import { isFlexible } from '../../src/wire/api-codec.js';
import type { MessageCodec } from '../../src/wire/messages/message-codec.js';
import { KafkaWriter } from '../../src/wire/writer.js';
import { buildBatch, values } from './batch-builder.js';
import { seededRandom } from './seeded-random.js';

/** The spec digest written by the codec generator; this file runs from dist-test/test/support. */
const DIGEST_FILE = new URL('../../../test/unit/wire/kafka-spec-digest.json', import.meta.url);
/** Names the generated requests use: the fuzzer's own topics and groups, never the test's. */
const NAMES = ['fz-a', 'fz-b', 'fz.c', 'fz_c', ''];
/** Largest garbage frame body: big enough to cross a socket read, small enough to be cheap. */
const GARBAGE_BYTES_MAX = 4_096;

interface SpecField {
  readonly name: string;
  readonly type: string;
  readonly versions: string;
  readonly nullableVersions?: string;
  readonly tag?: number;
  readonly taggedVersions?: string;
  readonly fields?: readonly SpecField[];
}

interface Spec {
  readonly fields: readonly SpecField[];
  readonly commonStructs?: readonly { readonly name: string; readonly fields: readonly SpecField[] }[];
}

const DIGEST = JSON.parse(fs.readFileSync(DIGEST_FILE, 'utf8')) as { apis: { name: string; request: Spec }[] };
/**
 * Request fields of the versions Blink serves beyond Kafka 3.9 (tools/codegen/beyond-3.9.mjs),
 * which the 3.9 digest lacks; their place in the message object does not matter.
 */
const LATER_FIELDS: Readonly<Record<string, readonly SpecField[]>> = {
  ConsumerGroupHeartbeat: [{ name: 'SubscribedTopicRegex', type: 'string', versions: '1+', nullableVersions: '1+' }],
};


export class FrameFuzzer {
  private correlationId = 0;

  constructor(private readonly random: () => number) {}

  int(maxExclusive: number): number {
    return Math.floor(this.random() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A well-formed request frame of `api` at `version` (size prefix included), or null when the spec digest lacks the API. */
  seedFrame(api: MessageCodec, version: number): Buffer | null {
    const spec = DIGEST.apis.find((entry) => entry.name === api.name)?.request;
    if (spec === undefined) return null;
    const fields = [...spec.fields, ...(LATER_FIELDS[api.name] ?? [])];
    const body = this.message(fields, spec, version, isFlexible(api, version));
    return this.frame(api.apiKey, version, isFlexible(api, version), (w) => api.encodeRequest(w, version, body));
  }

  /** One of the mutations, applied to a copy of `seed`. */
  mutate(seed: Buffer): Buffer {
    const frame = Buffer.from(seed);
    const body = frame.subarray(4);
    const at = 4 + this.int(Math.max(1, body.length));
    switch (this.int(7)) {
      case 0: // flip bits in a few bytes
        for (let i = 0; i < 1 + this.int(4); i++) frame[4 + this.int(body.length)] ^= 1 << this.int(8);
        return frame;
      case 1: // overwrite a length-like spot with an extreme value
        if (at + 4 <= frame.length) frame.writeInt32BE(this.pick([-1, -2, 0x7fffffff, 0x10000, 0]), at);
        return frame;
      case 2: // truncate the body, size prefix kept consistent
        return resized(frame.subarray(0, 4 + this.int(body.length)));
      case 3: // insert random bytes
        return resized(Buffer.concat([frame.subarray(0, at), this.bytes(1 + this.int(16)), frame.subarray(at)]));
      case 4: // the size prefix lies (shorter; longer ones would only wait for bytes never sent)
        frame.writeInt32BE(Math.max(0, body.length - 1 - this.int(8)), 0);
        return frame;
      case 5: // another API key or an unknown version in the header
        frame.writeInt16BE(this.pick([this.int(80), 1_000, -1]), 4);
        if (this.random() < 0.5) frame.writeInt16BE(this.pick([this.int(20), 0x7fff, -1]), 6);
        return frame;
      default: // a negative or huge count at a random spot
        if (at + 4 <= frame.length) frame.writeInt32BE(this.pick([-5, 1_000_000, 0x7ffffff0]), at);
        return frame;
    }
  }

  /** Random bytes behind a size prefix that matches them. */
  garbage(): Buffer {
    return resized(Buffer.concat([Buffer.alloc(4), this.bytes(this.int(GARBAGE_BYTES_MAX))]));
  }

  private bytes(count: number): Buffer {
    return Buffer.from(Array.from({ length: count }, () => this.int(256)));
  }

  private frame(apiKey: number, version: number, flexible: boolean, writeBody: (w: KafkaWriter) => void): Buffer {
    const writer = new KafkaWriter();
    const sizeAt = writer.reserveInt32();
    writer.writeInt16(apiKey);
    writer.writeInt16(version);
    writer.writeInt32(++this.correlationId);
    writer.writeString('blink-fuzz', false);
    if (flexible) writer.writeEmptyTaggedFields();
    writeBody(writer);
    writer.patchInt32(sizeAt, writer.length - 4);
    return writer.toBuffer();
  }

  private message(fields: readonly SpecField[], spec: Spec, version: number, flexible: boolean): Record<string, unknown> {
    const message: Record<string, unknown> = {};
    for (const field of fields) {
      if (!inVersions(field.versions, version)) continue;
      if (field.tag !== undefined && !(flexible && inVersions(field.taggedVersions, version))) continue;
      const nullable = inVersions(field.nullableVersions, version);
      message[field.name[0].toLowerCase() + field.name.slice(1)] = nullable && this.random() < 0.1 ? null : this.value(field, spec, version, flexible);
    }
    return message;
  }

  private value(field: SpecField, spec: Spec, version: number, flexible: boolean): unknown {
    const nested = field.fields ?? spec.commonStructs?.find((s) => s.name === field.type.replace('[]', ''))?.fields;
    if (field.type.startsWith('[]')) {
      const element = { ...field, type: field.type.slice(2) };
      return Array.from({ length: this.int(3) }, () => this.value(element, spec, version, flexible));
    }
    if (nested !== undefined) return this.message(nested, spec, version, flexible);
    switch (field.type) {
      case 'bool':
        return this.random() < 0.5;
      case 'int8':
      case 'int16':
      case 'int32':
      case 'int64':
        return this.pick([-1, 0, 0, 1, 2]);
      case 'uint16':
        return this.int(3);
      case 'float64':
        return this.random();
      case 'uuid':
        return this.random() < 0.5 ? '00000000-0000-0000-0000-000000000000' : '6b1f2a3c-0000-4000-8000-00000000000' + this.int(10);
      case 'string':
        return this.pick(NAMES);
      case 'bytes':
        return this.bytes(this.int(8));
      case 'records':
        return buildBatch(values(1 + this.int(3), 'fz'));
      default:
        throw new Error(`fuzz-frames: no value for spec type ${field.type}`);
    }
  }
}

function inVersions(range: string | undefined, version: number): boolean {
  if (range === undefined || range === 'none') return false;
  if (range.endsWith('+')) return version >= Number(range.slice(0, -1));
  const [min, max] = range.split('-').map(Number);
  return version >= min && version <= (max ?? min);
}

function resized(frame: Buffer): Buffer {
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

export { seededRandom };
