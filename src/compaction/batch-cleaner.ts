/**
 * The log cleaner's two readings of a record batch (Kafka's Cleaner.buildOffsetMap and
 * shouldRetainRecord), for magic-2 batches in any codec:
 * - `mapBatch`: the dirty section's keys into the offset map (aborted transactional data and
 *   transaction markers carry no key that counts);
 * - `cleanBatch`: what of a batch stays: a record goes when a later record has its key, a
 *   tombstone (null value) also once its batch's delete horizon has passed, a record without
 *   a key always (a compacted topic cannot hold one); aborted data goes whole; a marker goes
 *   once its transaction's data is gone and its horizon has passed (transaction-cleaning.ts).
 * A batch that keeps tombstones or a marker and has no delete horizon gets one
 * (now + delete.retention.ms, KIP-534). Unchanged batches keep their bytes; changed ones are
 * rebuilt with their codec (record-format/compacted-batch.ts).
 */
import { decompress } from '../record-format/compression.js';
import { compactedBatch, controlTypeOf, deleteHorizonOf } from '../record-format/compacted-batch.js';
import { BATCH_HEADER_BYTES, RecordBatchView } from '../record-format/record-batch.js';
import { parseRecords, type DecodedRecord } from '../record-format/records.js';
import type { OffsetMap } from './offset-map.js';
import type { CleanedTransactions } from './transaction-cleaning.js';

/** What one pass knows while it cleans. */
export interface CleaningRules {
  readonly map: OffsetMap;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
  readonly transactions: CleanedTransactions;
  /** Records below it are already unreadable (the log start). */
  readonly logStartOffset: number;
}

export interface CleanedBatch {
  /** The batch's new bytes, the same buffer when nothing changed, or null when nothing is left. */
  readonly bytes: Buffer | null;
  readonly recordsRemoved: number;
  /** The delete horizon the kept batch carries, or null. */
  readonly deleteHorizonMs: number | null;
}

interface OpenedRecords {
  readonly section: Buffer;
  readonly records: DecodedRecord[];
  readonly shape: Awaited<ReturnType<typeof decompress>>['shape'];
}

async function openRecords(view: RecordBatchView): Promise<OpenedRecords> {
  const { data, shape } = await decompress(view.compression, view.buffer.subarray(BATCH_HEADER_BYTES));
  return { section: data, records: parseRecords(data, view.recordCount), shape };
}

function identity(view: RecordBatchView): { producerId: number; isTransactional: boolean; lastOffset: number } {
  return { producerId: view.producerId, isTransactional: view.isTransactional, lastOffset: view.baseOffset + view.lastOffsetDelta };
}

/** Puts the keys of `batch` (offsets >= the log start) into the map; transactions are tracked as the cleaning pass does. */
export async function mapBatch(batch: Buffer, map: OffsetMap, transactions: CleanedTransactions, logStartOffset: number): Promise<void> {
  const view = new RecordBatchView(batch);
  if (view.magic !== 2) return;
  if (view.isControl) {
    transactions.onMarker(identity(view), controlTypeOf((await openRecords(view)).records[0]));
    return;
  }
  if (transactions.onDataBatch(identity(view))) return;
  for (const record of (await openRecords(view)).records) {
    const offset = view.baseOffset + record.offsetDelta;
    if (record.key !== null && offset >= logStartOffset) map.put(record.key, offset);
  }
}

/** The batch `batch` becomes once cleaned (see the file comment). */
export async function cleanBatch(batch: Buffer, rules: CleaningRules): Promise<CleanedBatch> {
  const view = new RecordBatchView(batch);
  if (view.magic !== 2) return { bytes: batch, recordsRemoved: 0, deleteHorizonMs: null };
  const horizon = deleteHorizonOf(view);
  const opened = await openRecords(view);
  if (view.isControl) return cleanMarker(view, opened, horizon, rules);
  if (rules.transactions.onDataBatch(identity(view))) return { bytes: null, recordsRemoved: opened.records.length, deleteHorizonMs: null };
  const horizonPassed = horizon !== null && rules.nowMs >= horizon;
  let tombstoneKept = false;
  const kept = opened.records.filter((record) => {
    const offset = view.baseOffset + record.offsetDelta;
    if (record.key === null || offset < rules.logStartOffset || rules.map.latest(record.key) > offset) return false;
    if (record.value !== null) return true;
    tombstoneKept ||= !horizonPassed;
    return !horizonPassed;
  });
  const stamp = horizon === null && tombstoneKept ? rules.nowMs + rules.deleteRetentionMs : null;
  const removed = opened.records.length - kept.length;
  if (removed === 0 && stamp === null) return { bytes: batch, recordsRemoved: 0, deleteHorizonMs: horizon };
  if (kept.length === 0) return { bytes: null, recordsRemoved: removed, deleteHorizonMs: null };
  const bytes = await compactedBatch(batch, opened.section, kept, opened.shape, stamp);
  return { bytes, recordsRemoved: removed, deleteHorizonMs: stamp ?? horizon };
}

function cleanMarker(view: RecordBatchView, opened: OpenedRecords, horizon: number | null, rules: CleaningRules): Promise<CleanedBatch> | CleanedBatch {
  const removable = rules.transactions.onMarker(identity(view), controlTypeOf(opened.records[0]));
  if (removable && horizon !== null && rules.nowMs >= horizon) return { bytes: null, recordsRemoved: opened.records.length, deleteHorizonMs: null };
  if (horizon !== null || opened.records.length === 0) return { bytes: view.buffer, recordsRemoved: 0, deleteHorizonMs: horizon };
  const stamp = rules.nowMs + rules.deleteRetentionMs;
  return compactedBatch(view.buffer, opened.section, opened.records, opened.shape, stamp).then((bytes) => ({ bytes, recordsRemoved: 0, deleteHorizonMs: stamp }));
}
