/**
 * Generated message codecs. The round-trip tests build their samples from Kafka's JSON specs with a
 * small walker written independently of the generator, so a wrong version range or default in the
 * generated code shows up as a mismatch. The specs come from kafka-spec-digest.json beside this
 * file: the generated APIs' spec fields copied verbatim (version ranges as the specs spell them),
 * so this test needs no spec file and does its own reading of them. Golden fixtures (checked by
 * hand against the specs) catch bugs that an encoder and decoder could share.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { KafkaProtocolError } from '../../../src/wire/errors.js';
import { ApiVersionsApi } from '../../../src/wire/messages/18-api-versions.js';
import { ALL_APIS, FetchApi, MetadataApi, ProduceApi, type MessageCodec } from '../../../src/wire/messages/index.js';
import { KafkaReader, ZERO_UUID } from '../../../src/wire/reader.js';
import { KafkaWriter } from '../../../src/wire/writer.js';

/** Written by tools/codegen/generate.mjs from tools/codegen/kafka-protocol; this file runs from dist-test/test/unit/wire. */
const DIGEST_FILE = new URL('../../../../test/unit/wire/kafka-spec-digest.json', import.meta.url);

interface SpecField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  tag?: number;
  taggedVersions?: string;
  default?: string | number | boolean;
  fields?: SpecField[];
}

interface Spec {
  validVersions: string;
  flexibleVersions: string;
  fields: SpecField[];
  commonStructs?: { name: string; fields: SpecField[] }[];
}

type Message = Record<string, unknown>;
type Variant = 'full' | 'nulls' | 'sparse';

/** What the walker needs to know about the message being built. */
interface Walk {
  spec: Spec;
  version: number;
  flexible: boolean;
  side: 'request' | 'response';
  variant: Variant;
  counter: { next: number };
}

/**
 * Versions Blink serves beyond Kafka 3.9 (tools/codegen/beyond-3.9.mjs), restated here from
 * Kafka 4.0's protocol so the generator's extension is checked, not copied:
 * ConsumerGroupHeartbeat v1 adds a nullable SubscribedTopicRegex after SubscribedTopicNames.
 */
const LATER_VERSIONS: Readonly<Record<string, { request: (spec: Spec) => void; response: (spec: Spec) => void }>> = {
  ConsumerGroupHeartbeat: {
    request: (spec) => {
      spec.validVersions = '0-1';
      const at = spec.fields.findIndex((f) => f.name === 'SubscribedTopicNames') + 1;
      spec.fields.splice(at, 0, { name: 'SubscribedTopicRegex', type: 'string', versions: '1+', nullableVersions: '1+', default: 'null' });
    },
    response: (spec) => {
      spec.validVersions = '0-1';
    },
  },
};

interface DigestApi {
  apiKey: number;
  name: string;
  request: Spec;
  response: Spec;
}

const DIGEST = JSON.parse(fs.readFileSync(DIGEST_FILE, 'utf8')) as { apis: DigestApi[] };

function specsOf(api: MessageCodec): DigestApi {
  const found = DIGEST.apis.find((entry) => entry.name === api.name);
  assert.ok(found !== undefined, `${api.name} is in ${DIGEST_FILE.pathname} (run 'npm run codegen')`);
  const later = LATER_VERSIONS[api.name];
  if (later === undefined) return found;
  const copy = structuredClone(found);
  later.request(copy.request);
  later.response(copy.response);
  return copy;
}

function inVersions(range: string | undefined, version: number): boolean {
  if (range === undefined || range === 'none') return false;
  const [min, max] = range.endsWith('+') ? [Number(range.slice(0, -1)), Infinity] : range.split('-').map(Number);
  return version >= min! && version <= (max ?? min!);
}

function camel(name: string): string {
  return name[0]!.toLowerCase() + name.slice(1);
}

function isPresent(field: SpecField, walk: Walk): boolean {
  if (!inVersions(field.versions, walk.version)) return false;
  return field.tag === undefined || (walk.flexible && inVersions(field.taggedVersions, walk.version));
}

function structFields(field: SpecField, spec: Spec): SpecField[] | undefined {
  if (field.fields !== undefined) return field.fields;
  const typeName = field.type.replace('[]', '');
  return spec.commonStructs?.find((s) => s.name === typeName)?.fields;
}

/**
 * A message with every field present in the version: 'full' sets non-default values everywhere,
 * 'nulls' sets nullable fields to null, 'sparse' (responses) sets nothing but one element per array.
 */
function sample(fields: SpecField[], walk: Walk): Message {
  const message: Message = {};
  for (const field of fields) {
    if (!isPresent(field, walk)) continue;
    const nullable = inVersions(field.nullableVersions, walk.version);
    const asNull = walk.variant === 'nulls' && nullable;
    if (walk.variant !== 'full' && field.tag !== undefined) continue;
    const nested = structFields(field, walk.spec);
    if (walk.variant === 'sparse' && !(nested !== undefined && field.type.startsWith('[]'))) continue;
    message[camel(field.name)] = asNull ? null : sampleValue(field, nested, walk);
  }
  return message;
}

function sampleValue(field: SpecField, nested: SpecField[] | undefined, walk: Walk): unknown {
  if (field.type.startsWith('[]')) {
    const element = { ...field, type: field.type.slice(2) };
    return [sampleValue(element, nested, walk), ...(walk.variant === 'sparse' ? [] : [sampleValue(element, nested, walk)])];
  }
  if (nested !== undefined) return sample(nested, walk);
  const n = ++walk.counter.next;
  const sign = n % 2 === 0 ? 1 : -1;
  switch (field.type) {
    case 'bool':
      return !(field.default === true || field.default === 'true');
    case 'int8':
      return 2 + (n % 100);
    case 'int16':
      return sign * (1000 + n);
    case 'uint16':
      return 60000 + n;
    case 'int32':
      return sign * (100000 + n);
    case 'int64':
      return sign * (2 ** 40 + n);
    case 'float64':
      return n + 0.5;
    case 'uuid':
      return `${n.toString(16).padStart(8, '0')}-0000-4000-8000-${(n * 7919).toString(16).padStart(12, '0')}`;
    case 'string':
      return `s${n}-ü`;
    case 'bytes':
      return Buffer.from([n & 0xff, 1, 2]);
    case 'records':
      return walk.side === 'request' ? Buffer.from([n & 0xff, 3]) : [Buffer.from([n & 0xff]), Buffer.alloc(600, 7)];
    default:
      throw new Error(`no sample for type ${field.type}`);
  }
}

/** What the decoder must return for `message`: absent untagged fields get their spec default. */
function expected(fields: SpecField[], message: Message, walk: Walk): Message {
  const result: Message = {};
  for (const field of fields) {
    const key = camel(field.name);
    if (key in message) result[key] = expectedValue(field, message[key], walk);
    else if (field.tag === undefined) result[key] = absentValue(field, walk);
  }
  return result;
}

/** An absent untagged field: a single struct is null where nullable, else its own defaults. */
function absentValue(field: SpecField, walk: Walk): unknown {
  const nested = structFields(field, walk.spec);
  if (nested === undefined || field.type.startsWith('[]')) return defaultValue(field);
  return inVersions(field.nullableVersions, walk.version) ? null : expected(nested, {}, walk);
}

function expectedValue(field: SpecField, value: unknown, walk: Walk): unknown {
  if (value === null) return null;
  const nested = structFields(field, walk.spec);
  if (field.type.startsWith('[]')) {
    const element = { ...field, type: field.type.slice(2) };
    return (value as unknown[]).map((item) => expectedValue(element, item, walk));
  }
  if (nested !== undefined) return expected(nested, value as Message, walk);
  if (field.type === 'records' && Array.isArray(value)) return Buffer.concat(value as Buffer[]);
  return value;
}

function defaultValue(field: SpecField): unknown {
  const isNull = field.default === 'null';
  if (field.type.startsWith('[]')) return isNull ? null : [];
  switch (field.type) {
    case 'bool':
      return field.default === true || field.default === 'true';
    case 'string':
      return isNull ? null : (field.default ?? '');
    case 'bytes':
      return isNull ? null : Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    default:
      return Number(field.default ?? 0);
  }
}

function encode(write: (w: KafkaWriter) => void): Buffer {
  const w = new KafkaWriter();
  write(w);
  return w.toBuffer();
}

/** Decodes all of `bytes` (the decoder must consume exactly everything). */
function decodeAll<T>(bytes: Buffer, decode: (r: KafkaReader) => T): T {
  const r = new KafkaReader(bytes);
  const message = decode(r);
  assert.equal(r.remaining(), 0, 'decoder did not consume every byte');
  return message;
}

interface Side {
  encode(w: KafkaWriter, version: number, msg: unknown): void;
  decode(r: KafkaReader, version: number): unknown;
}

function checkRoundTrip(side: Side, spec: Spec, walk: Walk, label: string): void {
  const message = sample(spec.fields, walk);
  const bytes = encode((w) => side.encode(w, walk.version, message));
  const decoded = decodeAll(bytes, (r) => side.decode(r, walk.version));
  assert.deepStrictEqual(decoded, expected(spec.fields, message, walk), label);
  const again = encode((w) => side.encode(w, walk.version, decoded));
  assert.deepStrictEqual(again, bytes, `${label}: re-encoding the decoded message changed the bytes`);
  if (bytes.length > 0) {
    assert.throws(() => side.decode(new KafkaReader(bytes.subarray(0, -1)), walk.version), KafkaProtocolError, `${label}: truncated`);
  }
}

/** An unknown tag (127) in the body's tagged section of a message with no top-level tags set is skipped. */
function checkUnknownTagSkipped(side: Side, spec: Spec, walk: Walk, label: string): void {
  const message = sample(spec.fields, walk);
  const bytes = encode((w) => side.encode(w, walk.version, message));
  assert.equal(bytes.at(-1), 0, `${label}: body should end with an empty tagged-field section`);
  const withTag = Buffer.concat([bytes.subarray(0, -1), Buffer.from([1, 0x7f, 2, 0xab, 0xcd])]);
  assert.deepStrictEqual(decodeAll(withTag, (r) => side.decode(r, walk.version)), expected(spec.fields, message, walk), label);
}

function versionsOf(api: MessageCodec): number[] {
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);
}

describe('the spec digest', () => {
  it('lists exactly the generated APIs, by name and key, in key order', () => {
    assert.deepEqual(
      DIGEST.apis.map(({ apiKey, name }) => ({ apiKey, name })),
      ALL_APIS.map(({ apiKey, name }) => ({ apiKey, name })),
    );
  });
});

describe('generated message codecs round-trip every version', () => {
  for (const api of ALL_APIS) {
    describe(`${api.name} (key ${api.apiKey})`, () => {
      const { request: requestSpec, response: responseSpec } = specsOf(api);
      const request: Side = { encode: api.encodeRequest, decode: api.decodeRequest };
      const response: Side = { encode: api.encodeResponse, decode: api.decodeResponse };
      const walkOf = (spec: Spec, side: Walk['side'], version: number, variant: Variant): Walk => {
        const flexible = api.flexibleFrom !== null && version >= api.flexibleFrom;
        return { spec, version, flexible, side, variant, counter: { next: 0 } };
      };

      it('declares the spec version range', () => {
        for (const spec of [requestSpec, responseSpec]) {
          assert.equal(`${api.minVersion}-${api.maxVersion}`, spec.validVersions.replace(/^(\d+)$/, '$1-$1'));
          const flexible = spec.flexibleVersions;
          assert.equal(api.flexibleFrom, flexible === 'none' ? null : Number(flexible.replace('+', '')));
        }
      });

      it('requests: full and null-filled samples', () => {
        for (const version of versionsOf(api)) {
          for (const variant of ['full', 'nulls'] as const) {
            checkRoundTrip(request, requestSpec, walkOf(requestSpec, 'request', version, variant), `request v${version} ${variant}`);
          }
        }
      });

      it('responses: full, null-filled and sparse (defaults) samples', () => {
        for (const version of versionsOf(api)) {
          for (const variant of ['full', 'nulls', 'sparse'] as const) {
            checkRoundTrip(response, responseSpec, walkOf(responseSpec, 'response', version, variant), `response v${version} ${variant}`);
          }
        }
      });

      it('skips unknown tagged fields in flexible versions', () => {
        for (const version of versionsOf(api).filter((v) => api.flexibleFrom !== null && v >= api.flexibleFrom)) {
          checkUnknownTagSkipped(response, responseSpec, walkOf(responseSpec, 'response', version, 'sparse'), `response v${version}`);
        }
      });
    });
  }
});

describe('golden wire fixtures', () => {
  const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

  it('ApiVersions v0 request has an empty body', () => {
    const bytes = encode((w) => ApiVersionsApi.encodeRequest(w, 0, { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7.0' }));
    assert.equal(bytes.length, 0);
    assert.deepStrictEqual(decodeAll(bytes, (r) => ApiVersionsApi.decodeRequest(r, 0)), { clientSoftwareName: '', clientSoftwareVersion: '' });
  });

  it('ApiVersions v0 response: int16 error, int32 count, (key, min, max) int16 triples, no throttle', () => {
    const response = { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }], throttleTimeMs: 100 };
    const bytes = hex('0023 00000001 0012 0000 0003');
    assert.deepStrictEqual(encode((w) => ApiVersionsApi.encodeResponse(w, 0, response)), bytes);
    assert.deepStrictEqual(decodeAll(bytes, (r) => ApiVersionsApi.decodeResponse(r, 0)), { ...response, throttleTimeMs: 0 });
  });

  it('ApiVersions v3 request: compact strings and an empty tagged-field section', () => {
    const request = { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7.0' };
    const bytes = hex('05 6b636174  06 312e372e30  00');
    assert.deepStrictEqual(encode((w) => ApiVersionsApi.encodeRequest(w, 3, request)), bytes);
    const withUnknownTag = hex('05 6b636174  06 312e372e30  01 05 02 abcd');
    assert.deepStrictEqual(decodeAll(withUnknownTag, (r) => ApiVersionsApi.decodeRequest(r, 3)), request);
  });

  it('ApiVersions v3 response: compact array, element tags, and a non-default tagged field only', () => {
    const response = {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5,
      zkMigrationReady: false,
    };
    const bytes = hex('0000  02 0012 0000 0004 00  00000000  01 01 08 0000000000000005');
    assert.deepStrictEqual(encode((w) => ApiVersionsApi.encodeResponse(w, 3, response)), bytes);
    const { zkMigrationReady: _omitted, ...decoded } = response;
    assert.deepStrictEqual(decodeAll(bytes, (r) => ApiVersionsApi.decodeResponse(r, 3)), decoded);
  });

  it('Metadata v1 request: null topics (all topics) is int32 -1', () => {
    const request = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const bytes = hex('ffffffff');
    assert.deepStrictEqual(encode((w) => MetadataApi.encodeRequest(w, 1, request)), bytes);
    assert.deepStrictEqual(decodeAll(bytes, (r) => MetadataApi.decodeRequest(r, 1)), { ...request, allowAutoTopicCreation: true });
    assert.deepStrictEqual(encode((w) => MetadataApi.encodeRequest(w, 4, { ...request, topics: [] })), hex('00000000 00'));
  });

  it('Produce v3 request body: transactional id, acks, timeout, topics, partitions, int32-sized records', () => {
    const request = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from([1, 2, 3]) }] }],
    };
    const bytes = hex('ffff ffff 00007530 00000001 0001 74 00000001 00000000 00000003 010203');
    assert.deepStrictEqual(encode((w) => ProduceApi.encodeRequest(w, 3, request)), bytes);
    assert.deepStrictEqual(decodeAll(bytes, (r) => ProduceApi.decodeRequest(r, 3)), request);
  });

  it('Produce v9 request body: the same in compact encoding with a tagged section per struct', () => {
    const request = {
      transactionalId: 'tx',
      acks: 1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 2, records: null }] }],
    };
    const bytes = hex('03 7478 0001 00007530 02 02 74 02 00000002 00 00 00 00');
    assert.deepStrictEqual(encode((w) => ProduceApi.encodeRequest(w, 9, request)), bytes);
    assert.deepStrictEqual(decodeAll(bytes, (r) => ProduceApi.decodeRequest(r, 9)), request);
  });

  it('Fetch v12 response: a tagged struct inside a partition, null aborted transactions and records', () => {
    const partition = {
      partitionIndex: 0,
      errorCode: 0,
      highWatermark: 10,
      lastStableOffset: 10,
      logStartOffset: 0,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: null,
      currentLeader: { leaderId: 1, leaderEpoch: 2 },
    };
    const response = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: 't', partitions: [partition] }] };
    const bytes = hex(
      '00000000 0000 00000000  02 02 74  02 00000000 0000 000000000000000a 000000000000000a 0000000000000000' +
        ' 00 ffffffff 00  01 01 09 00000001 00000002 00  00  00',
    );
    assert.deepStrictEqual(encode((w) => FetchApi.encodeResponse(w, 12, response)), bytes);
    const decoded = decodeAll(bytes, (r) => FetchApi.decodeResponse(r, 12));
    assert.deepStrictEqual(decoded.responses?.[0]?.partitions?.[0], partition);
  });
});
