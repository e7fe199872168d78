/**
 * In-process fuzzing of the request decoders and the batch validator, the code every byte a
 * client sends goes through before any handler: seeded mutations (test/support/fuzz-frames.ts)
 * of a well-formed request of every API at every version, and of valid record batches. A
 * decoder either decodes or throws KafkaProtocolError (the transport answers that as the
 * peer's garbage); any other exception would be a broker bug met by a client's bytes. The
 * validator never throws: it returns a verdict. FUZZ_SEED (printed) replays a run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRecords, type RecordRules } from '../../../src/record-format/batch-validator.js';
import { BATCH_HEADER_BYTES, RecordBatchView } from '../../../src/record-format/record-batch.js';
import { isFlexible } from '../../../src/wire/api-codec.js';
import { KafkaProtocolError } from '../../../src/wire/errors.js';
import { ALL_APIS } from '../../../src/wire/messages/index.js';
import { KafkaReader } from '../../../src/wire/reader.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { FrameFuzzer, seededRandom } from '../../support/fuzz-frames.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const MUTATIONS_PER_VERSION = 200;
const BATCH_MUTATIONS = 20_000;
const RULES: RecordRules = { keyRequiredIn: 'fz-0', logAppendTime: false, beforeMaxMs: Infinity, afterMaxMs: Infinity, nowMs: 1_700_000_000_000 };
/** Where the body starts in a frame from FrameFuzzer: size, key, version, correlation id, client id 'blink-fuzz'. */
const HEADER_BYTES = 4 + 2 + 2 + 4 + 2 + 'blink-fuzz'.length;

/** Decodes a request body as the transport does; what it throws, if anything other than a protocol error. */
function decodeFailure(decode: (reader: KafkaReader) => unknown, body: Buffer): unknown {
  try {
    decode(new KafkaReader(body));
    return null;
  } catch (error) {
    return error instanceof KafkaProtocolError ? null : error;
  }
}

describe(`fuzzed decoders and validator (seed ${SEED}, FUZZ_SEED=${SEED} replays it)`, () => {
  it('every request decoder, every version: decodes or throws KafkaProtocolError', () => {
    const fuzzer = new FrameFuzzer(seededRandom(SEED));
    let decoded = 0;
    const failures: string[] = [];
    for (const api of ALL_APIS) {
      for (let version = api.minVersion; version <= api.maxVersion; version++) {
        const seed = fuzzer.seedFrame(api, version);
        assert.ok(seed !== null, `${api.name} is in the spec digest`);
        const bodyAt = HEADER_BYTES + (isFlexible(api, version) ? 1 : 0);
        const decode = (reader: KafkaReader): unknown => api.decodeRequest(reader, version);
        assert.equal(decodeFailure(decode, seed.subarray(bodyAt)), null, `${api.name} v${version}: the seed decodes`);
        for (let i = 0; i < MUTATIONS_PER_VERSION; i++) {
          const failure = decodeFailure(decode, fuzzer.mutate(seed).subarray(bodyAt));
          decoded++;
          if (failure !== null && failures.length < 10) failures.push(`${api.name} v${version}: ${(failure as Error).stack ?? String(failure)}`);
        }
      }
    }
    console.log(`decoder fuzz: ${decoded} mutated request bodies decoded`);
    assert.deepEqual(failures, []);
  });

  it('the batch validator returns a verdict for any mutation of a valid batch', () => {
    const fuzzer = new FrameFuzzer(seededRandom(SEED + 1));
    const seeds = [buildBatch(values(1)), buildBatch(values(5)), buildBatch([{ key: null, value: Buffer.from('v') }, { key: Buffer.from('k'), value: null, timestampDelta: 5 }])];
    let refused = 0;
    for (let i = 0; i < BATCH_MUTATIONS; i++) {
      const framed = Buffer.concat([Buffer.alloc(4), fuzzer.pick(seeds)]);
      const batch = fuzzer.mutate(framed).subarray(4);
      if (batch.length < BATCH_HEADER_BYTES) continue;
      const view = new RecordBatchView(batch);
      const verdict = validateRecords(view, batch.subarray(BATCH_HEADER_BYTES), RULES);
      if (!verdict.valid) refused++;
    }
    console.log(`validator fuzz: ${BATCH_MUTATIONS} mutated batches, ${refused} refused`);
    assert.ok(refused > 0, 'mutations were refused');
  });
});
