/**
 * Between REST records (text in UTF-8 or base64) and the Kafka record format: request
 * records become `NewRecord`s for the batch encoder, stored batches are opened
 * (decompressed) and their records written back as JSON. Keys, values and header values
 * are bytes in Kafka; header names are strings.
 */
import { BadRequestException, InternalServerErrorException } from '@nestjs/common';
import { openBatch } from '../../record-format/batch-rewrite.js';
import type { NewRecord } from '../../record-format/record-batch-encoder.js';
import { ATTR_TIMESTAMP_LOG_APPEND, RecordBatchView } from '../../record-format/record-batch.js';
import { parseRecords, type RecordHeader } from '../../record-format/records.js';
import type { Encoding } from '../dto/common.dto.js';
import type { RecordDto, RecordHeaderDto } from '../dto/records.dto.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What a REST request gives for one record (the DTOs' shape). */
export interface RecordFieldsText {
  readonly key?: string | null;
  readonly value?: string | null;
  readonly headers?: readonly RecordHeaderDto[];
  readonly timestamp?: number;
}

/** One record read back from a stored batch. */
export interface StoredRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

export function textToBytes(text: string, encoding: Encoding, field: string): Uint8Array {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (!BASE64.test(text)) throw new BadRequestException(`${field} is not valid base64 (standard alphabet, padded)`);
  return Buffer.from(text, 'base64');
}

export function toNewRecord(fields: RecordFieldsText, encoding: Encoding, nowMs: number, index: number): NewRecord {
  const at = `records.${index}`;
  return {
    key: fields.key === undefined || fields.key === null ? null : textToBytes(fields.key, encoding, `${at}.key`),
    value: fields.value === undefined || fields.value === null ? null : textToBytes(fields.value, encoding, `${at}.value`),
    headers: (fields.headers ?? []).map((header, h) => ({
      key: Buffer.from(header.key, 'utf8'),
      value: header.value === null ? null : textToBytes(header.value, encoding, `${at}.headers.${h}.value`),
    })),
    timestampMs: fields.timestamp ?? nowMs,
  };
}

/** The data records of a stored batch (none for a control batch), with offsets and timestamps resolved. */
export async function storedRecords(batch: Buffer): Promise<StoredRecord[]> {
  const view = new RecordBatchView(batch);
  if (view.isControl) return [];
  const logAppendTime = (view.attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0;
  try {
    const opened = await openBatch(batch);
    return parseRecords(opened.records, opened.recordCount).map((record) => ({
      offset: view.baseOffset + record.offsetDelta,
      timestamp: logAppendTime ? view.maxTimestamp : view.baseTimestamp + record.timestampDelta,
      timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
      key: record.key,
      value: record.value,
      headers: record.headers,
    }));
  } catch (error) {
    throw new InternalServerErrorException(`the stored batch at offset ${view.baseOffset} cannot be decoded: ${(error as Error).message}`);
  }
}

function utf8OrNull(bytes: Uint8Array | null): string | null | undefined {
  if (bytes === null) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function base64OrNull(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** As UTF-8 text when asked and every field is valid UTF-8; otherwise the record is written in base64. */
export function formatRecord(record: StoredRecord, encoding: Encoding): RecordDto {
  const headerNames = record.headers.map((h) => utf8OrNull(h.key) ?? base64OrNull(h.key) ?? '');
  if (encoding === 'utf8') {
    const key = utf8OrNull(record.key);
    const value = utf8OrNull(record.value);
    const headerValues = record.headers.map((h) => utf8OrNull(h.value));
    if (key !== undefined && value !== undefined && headerValues.every((v) => v !== undefined)) {
      return {
        offset: record.offset,
        timestamp: record.timestamp,
        timestampType: record.timestampType,
        key,
        value,
        headers: headerValues.map((v, i) => ({ key: headerNames[i], value: v as string | null })),
        encoding: 'utf8',
      };
    }
  }
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    key: base64OrNull(record.key),
    value: base64OrNull(record.value),
    headers: record.headers.map((h, i) => ({ key: headerNames[i], value: base64OrNull(h.value) })),
    encoding: 'base64',
  };
}
