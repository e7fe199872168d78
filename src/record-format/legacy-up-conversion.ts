/**
 * Up-conversion: a legacy message set (magic 0/1) produced with Produce v0-2 becomes the one
 * record batch (magic 2) Kafka 3.9 stores for it (LogValidator, since KIP-724 the log is
 * always magic 2), so the rest of the produce path sees record batches only. Kafka's rules,
 * each checked against an Apache Kafka 3.9 broker:
 *
 * - Uncompressed: any number of messages, all of one magic, each CRC-32 checked.
 * - Compressed: exactly one wrapper message, whose value holds the inner set: inner messages
 *   of the wrapper's magic, none of them compressed (one level of nesting), at least one;
 *   else INVALID_RECORD. zstd is not a legacy codec: INVALID_RECORD, as Kafka 3.9 answers
 *   (its legacy record iterator refuses it). A magic-0 LZ4 wrapper may carry the KAFKA-3160
 *   header checksum: Kafka ignores that checksum for magic 0, so does this (lz4-frame.ts);
 *   for magic 1 it must be right. A magic-1 wrapper's offset is the last inner offset (or 0,
 *   as some librdkafka versions send): a smaller one is INVALID_RECORD.
 * - Timestamps: magic 1 keeps each message's, except under a LogAppendTime wrapper whose own
 *   timestamp every inner message takes (Kafka's LegacyRecord); magic 0 has none (-1).
 *   A magic-1 timestamp below -1 is INVALID_TIMESTAMP. The batch is CreateTime: as Kafka's
 *   builder, the topic's message.timestamp.type decides later (BatchAppender).
 * - Offsets: deltas 0..n-1 whatever the producer wrote (Kafka renumbers too).
 * - Codec: a compressed set is stored recompressed with its own codec (and snappy framing),
 *   as Kafka does under compression.type=producer: the memory tier then holds about the
 *   bytes the producer sent, not the decompressed size. Uncompressed stays uncompressed.
 * - No producer id, epoch or sequence: idempotence does not exist before magic 2.
 * - Decompression is bounded (`decompressedBytesMax`): beyond it, MESSAGE_TOO_LARGE.
 */
import { ErrorCode } from '../wire/error-codes.js';
import { compress, CompressionError, decompress, DecompressedSizeError } from './compression.js';
import { LEGACY_ATTR_COMPRESSION_MASK, LEGACY_ATTR_LOG_APPEND_TIME, LegacyFormatError, NO_TIMESTAMP, readMessageSet, type LegacyMessage } from './legacy-message.js';
import { withStandardHeaderChecksum } from './lz4-frame.js';
import { Compression } from './record-batch.js';
import { assembleBatch } from './record-batch-encoder.js';
import { encodeRecord } from './records.js';

export interface UpConverted {
  /** The record batch (base offset 0, CreateTime, no producer id). */
  readonly batch: Buffer;
  readonly recordCount: number;
}

/** One record of the batch to build, before encoding. */
interface LegacyRecord {
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** Legacy codecs (attributes bits 0-2); 4 is zstd, which needs magic 2. */
const LEGACY_CODECS: ReadonlySet<number> = new Set([Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4]);

function invalid(message: string): LegacyFormatError {
  return new LegacyFormatError(ErrorCode.INVALID_RECORD, message);
}

function codecOf(message: LegacyMessage): Compression {
  return message.attributes & LEGACY_ATTR_COMPRESSION_MASK;
}

async function decompressWrapper(wrapper: LegacyMessage, decompressedBytesMax: number): Promise<{ inner: Buffer; codec: Compression; xerialFramed: boolean }> {
  const codec = codecOf(wrapper);
  if (codec === Compression.Zstd) throw invalid('zstd needs magic 2 (Produce v3+ record batches); a legacy message cannot use it');
  if (!LEGACY_CODECS.has(codec)) throw new LegacyFormatError(ErrorCode.CORRUPT_MESSAGE, `unknown compression codec ${codec}`);
  if (wrapper.value === null) throw invalid('a compressed message set has a null value');
  const value = wrapper.magic === 0 && codec === Compression.Lz4 ? withStandardHeaderChecksum(wrapper.value) : wrapper.value;
  try {
    const { data, shape } = await decompress(codec, value, decompressedBytesMax);
    return { inner: data, codec, xerialFramed: shape.xerialFramed };
  } catch (error) {
    if (error instanceof DecompressedSizeError) throw new LegacyFormatError(ErrorCode.MESSAGE_TOO_LARGE, `a compressed message set ${error.message}`);
    if (error instanceof CompressionError) throw new LegacyFormatError(ErrorCode.CORRUPT_MESSAGE, error.message);
    throw error;
  }
}

function innerRecords(wrapper: LegacyMessage, inner: LegacyMessage[]): LegacyRecord[] {
  if (inner.length === 0) throw invalid('a compressed message set holds no messages');
  if (inner.some((message) => codecOf(message) !== Compression.None)) throw invalid('a compressed message holds a compressed message (one level of nesting only)');
  const lastInnerOffset = inner[inner.length - 1].offset;
  if (wrapper.magic === 1 && wrapper.offset !== 0 && wrapper.offset < lastInnerOffset) {
    throw invalid(`wrapper offset ${wrapper.offset} is below its last inner offset ${lastInnerOffset}`);
  }
  const logAppendTime = wrapper.magic === 1 && (wrapper.attributes & LEGACY_ATTR_LOG_APPEND_TIME) !== 0;
  return inner.map((message) => ({ timestamp: logAppendTime ? wrapper.timestamp : message.timestamp, key: message.key, value: message.value }));
}

function checkTimestamps(records: readonly LegacyRecord[]): void {
  for (const record of records) {
    if (record.timestamp < NO_TIMESTAMP) throw new LegacyFormatError(ErrorCode.INVALID_TIMESTAMP, `message timestamp ${record.timestamp} is negative (only -1, no timestamp, is allowed)`);
  }
}

function recordsSection(records: readonly LegacyRecord[], baseTimestamp: number): Buffer {
  const encoded = records.map((record, index) =>
    encodeRecord({ timestampDelta: record.timestamp - baseTimestamp, offsetDelta: index, key: record.key, value: record.value, headers: [] }),
  );
  return Buffer.concat(encoded);
}

/** The record batch Kafka 3.9 stores for the legacy message `set`; throws LegacyFormatError with the code to answer. */
export async function upConvertMessageSet(set: Buffer, decompressedBytesMax: number): Promise<UpConverted> {
  const messages = readMessageSet(set);
  if (messages.length === 0) throw invalid('produce request carries an empty message set');
  const compressed = messages.some((message) => codecOf(message) !== Compression.None);
  let records: LegacyRecord[] = messages;
  let codec = Compression.None;
  let xerialFramed = false;
  if (compressed) {
    if (messages.length !== 1) throw invalid(`a compressed message set must be exactly one wrapper message, got ${messages.length} messages`);
    const wrapper = messages[0];
    const unwrapped = await decompressWrapper(wrapper, decompressedBytesMax);
    records = innerRecords(wrapper, readMessageSet(unwrapped.inner, wrapper.magic));
    ({ codec, xerialFramed } = unwrapped);
  }
  checkTimestamps(records);
  const baseTimestamp = records[0].timestamp;
  const maxTimestamp = records.reduce((max, record) => Math.max(max, record.timestamp), NO_TIMESTAMP);
  const section = await compress({ codec, xerialFramed }, recordsSection(records, baseTimestamp));
  const batch = assembleBatch(section, { attributes: codec, lastOffsetDelta: records.length - 1, baseTimestamp, maxTimestamp, recordCount: records.length });
  return { batch, recordCount: records.length };
}
