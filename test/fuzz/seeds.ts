/**
 * The seed inputs of each fuzz target, written once into the committed corpus
 * (test/fuzz/corpus/<target>/, `npm run fuzz -- --write-seeds`) so every run and CI start
 * from the same inputs: a well-formed request of every API at every version (values from
 * Kafka's JSON specs, encoded by the generated codecs: test/support/fuzz-frames.ts), valid
 * record batches uncompressed and in every codec, and legacy message sets of both magics,
 * plain and wrapped in every legacy codec. The planted targets start from 'AAAAAAAA'.
 */
import { ALL_APIS } from '../../src/wire/messages/index.js';
import { buildBatch, values, type TestRecord } from '../support/batch-builder.js';
import { compressBatch, TEST_CODECS } from '../support/compressed-batch.js';
import { FrameFuzzer, seededRandom } from '../support/fuzz-frames.js';
import { legacyMessageSet, legacyWrapper, type LegacyCodec, type LegacyMagic } from '../support/legacy-messages.js';

/** The seed's file name (without extension) and its bytes. */
export interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
}

const LEGACY_CODECS: readonly LegacyCodec[] = ['gzip', 'snappy', 'snappy-raw', 'lz4', 'lz4-3160'];
const MIXED: TestRecord[] = [{ key: null, value: Buffer.from('v') }, { key: Buffer.from('k'), value: null, timestampDelta: 5 }];

function requestSeeds(): Seed[] {
  const frames = new FrameFuzzer(seededRandom(14));
  return ALL_APIS.flatMap((api) =>
    Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => {
      const version = api.minVersion + i;
      const frame = frames.seedFrame(api, version);
      if (frame === null) throw new Error(`${api.name} is missing from the spec digest`);
      return { name: `${String(api.apiKey).padStart(2, '0')}-${api.name}-v${version}`, bytes: frame.subarray(4) };
    }),
  );
}

function batchSeeds(): Seed[] {
  const plain = [buildBatch(values(1)), buildBatch(values(5)), buildBatch(MIXED)];
  return [
    ...plain.map((bytes, i) => ({ name: `none-${i}`, bytes })),
    ...TEST_CODECS.filter((codec) => codec !== 'none').map((codec) => ({ name: codec, bytes: compressBatch(buildBatch(values(3)), codec) })),
  ];
}

function legacySeeds(): Seed[] {
  const specs = [{ key: Buffer.from('k0'), value: Buffer.from('v0') }, { key: null, value: Buffer.from('v1') }];
  return ([0, 1] as LegacyMagic[]).flatMap((magic) => [
    { name: `v${magic}-none`, bytes: legacyMessageSet(magic, specs) },
    ...LEGACY_CODECS.map((codec) => ({ name: `v${magic}-${codec}`, bytes: legacyWrapper(magic, codec, specs) })),
  ]);
}

export function seedsOf(target: string): Seed[] {
  switch (target) {
    case 'request':
      return requestSeeds();
    case 'batch':
      return batchSeeds();
    case 'legacy':
      return legacySeeds();
    default:
      return [{ name: 'seed', bytes: Buffer.from('AAAAAAAA') }];
  }
}
