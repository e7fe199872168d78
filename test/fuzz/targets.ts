/**
 * What the coverage-guided fuzzer runs (test/fuzz/engine.ts), each with its seeds and what
 * counts as a bug. Every target reads bytes a client controls before any handler runs:
 * - request: a request frame (size prefix removed) read as the transport does
 *   (src/kafka/transport/kafka-connection.ts): header, tags when flexible, then the body by
 *   the generated decoder of that API and version; every API and version of src/wire/messages.
 *   The decoders' documented refusal is KafkaProtocolError; an unknown API or version is
 *   answered before decoding. Anything else thrown is a bug.
 * - batch: a produced magic-2 record batch through the checks of the produce path
 *   (storage/batch-appender.ts checkRecords): header rules, decompression with a bound
 *   (CompressionError is the refusal), then the LogValidator (batch-validator.ts), which
 *   must return a verdict, never throw. Its CRC is not checked: a client computes a right
 *   one for any bytes. A batch it accepts must then read back: parseRecords (fetch, REST)
 *   and recordPositions (uncompressed) must not throw on it, or a stored batch would be
 *   poison for every consumer.
 * - legacy: a magic 0/1 message set up-converted as Produce v0-2 does (LegacyFormatError is
 *   the refusal); the batch it builds must pass the validator.
 * The planted targets (planted.ts) test the fuzzer itself.
 */
import { clientHeaderProblem, validateRecords, type RecordRules } from '../../src/record-format/batch-validator.js';
import { CompressionError, decompress } from '../../src/record-format/compression.js';
import { LegacyFormatError } from '../../src/record-format/legacy-message.js';
import { upConvertMessageSet } from '../../src/record-format/legacy-up-conversion.js';
import { BATCH_HEADER_BYTES, Compression, magicAt, RecordBatchView, recordPositions } from '../../src/record-format/record-batch.js';
import { parseRecords } from '../../src/record-format/records.js';
import { isFlexible } from '../../src/wire/api-codec.js';
import { KafkaProtocolError } from '../../src/wire/errors.js';
import { readRequestHeader } from '../../src/wire/headers.js';
import { ALL_APIS } from '../../src/wire/messages/index.js';
import type { MessageCodec } from '../../src/wire/messages/message-codec.js';
import { KafkaReader } from '../../src/wire/reader.js';
import { plantedCrash, plantedHang } from './planted.js';

export interface FuzzTarget {
  readonly name: string;
  /** Parts of compiled script URLs whose blocks are the feedback (and the coverage reported). */
  readonly scripts: readonly string[];
  /** Accepts or refuses `input` the documented way; throws (or never ends) on a bug. */
  run(input: Buffer): void | Promise<void>;
}

/** A finding that is not an exception of the code under test: the target's own oracle failed. */
export class OracleError extends Error {
  override readonly name = 'OracleError';
}

/** Decompression bound while fuzzing: small, so a crafted bomb costs little; the broker's is larger. */
const FUZZ_DECOMPRESSED_BYTES_MAX = 1024 * 1024;
/** Rules that accept any timestamp and key: only structure is judged. */
const OPEN_RULES: RecordRules = { keyRequiredIn: null, logAppendTime: false, beforeMaxMs: Infinity, afterMaxMs: Infinity, nowMs: 1_700_000_000_000 };
/** Rules that exercise every record check (compacted, bounded timestamps). */
const STRICT_RULES: RecordRules = { keyRequiredIn: 'fz-0', logAppendTime: false, beforeMaxMs: 3_600_000, afterMaxMs: 3_600_000, nowMs: 1_700_000_000_000 };

const API_BY_KEY = new Map<number, MessageCodec>(ALL_APIS.map((api) => [api.apiKey, api]));

function decodeRequest(frame: Buffer): void {
  try {
    const reader = new KafkaReader(frame);
    const header = readRequestHeader(reader);
    const api = API_BY_KEY.get(header.apiKey);
    if (api === undefined || header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) return;
    if (isFlexible(api, header.apiVersion)) reader.skipTaggedFields();
    api.decodeRequest(reader, header.apiVersion);
  } catch (error) {
    if (!(error instanceof KafkaProtocolError)) throw error;
  }
}

/** The records section as the produce path judges it: decompressed with a bound, or null when refused there. */
async function openedSection(batch: RecordBatchView): Promise<Buffer | null> {
  const body = batch.buffer.subarray(BATCH_HEADER_BYTES);
  if (batch.compression === Compression.None) return body;
  try {
    return (await decompress(batch.compression, body, FUZZ_DECOMPRESSED_BYTES_MAX)).data;
  } catch (error) {
    if (error instanceof CompressionError) return null;
    throw error;
  }
}

/** An accepted batch must read back the way fetch and REST read stored batches. */
function readBack(batch: RecordBatchView, section: Buffer): void {
  const records = parseRecords(section, batch.recordCount);
  records.forEach((record, i) => {
    if (record.offsetDelta !== i) throw new OracleError(`the validator accepted record ${i} with offset delta ${record.offsetDelta}`);
  });
  if (batch.compression === Compression.None) {
    let count = 0;
    for (const position of recordPositions(batch)) if (position.offsetDelta !== count++) throw new OracleError('recordPositions disagrees with the validator');
  }
}

async function validateBatch(input: Buffer): Promise<void> {
  if (input.length < BATCH_HEADER_BYTES || magicAt(input, 0) !== 2) return;
  const batch = new RecordBatchView(input);
  if (clientHeaderProblem(batch) !== null) return;
  const section = await openedSection(batch);
  if (section === null) return;
  validateRecords(batch, section, STRICT_RULES);
  const verdict = validateRecords(batch, section, OPEN_RULES);
  if (verdict.valid) readBack(batch, section);
}

async function upConvert(input: Buffer): Promise<void> {
  let converted: { batch: Buffer; recordCount: number };
  try {
    converted = await upConvertMessageSet(input, FUZZ_DECOMPRESSED_BYTES_MAX);
  } catch (error) {
    if (error instanceof LegacyFormatError) return;
    throw error;
  }
  const batch = new RecordBatchView(converted.batch);
  const section = await openedSection(batch);
  const verdict = section === null ? null : validateRecords(batch, section, OPEN_RULES);
  if (verdict === null || !verdict.valid || batch.recordCount !== converted.recordCount) {
    throw new OracleError(`up-conversion built a batch the validator refuses: ${verdict === null ? 'it does not decompress' : verdict.valid ? 'record count' : verdict.message}`);
  }
}

export const TARGETS: readonly FuzzTarget[] = [
  { name: 'request', scripts: ['/src/wire/'], run: decodeRequest },
  { name: 'batch', scripts: ['/src/record-format/'], run: validateBatch },
  { name: 'legacy', scripts: ['/src/record-format/'], run: upConvert },
  plantedCrash,
  plantedHang,
];

export function targetNamed(name: string): FuzzTarget {
  const target = TARGETS.find((t) => t.name === name);
  if (target === undefined) throw new Error(`no fuzz target ${name}: ${TARGETS.map((t) => t.name).join(', ')}`);
  return target;
}
