/**
 * The record framing every small journal of the data directory shares (committed offsets,
 * transactions, the uplink's state): [int32 body length][int32 CRC-32C of the body][JSON body].
 * Replay stops at the first record that is torn, too long, fails its checksum or is not JSON:
 * the journal keeps what came before it and cuts the rest.
 */
import { crc32c } from '../record-format/crc32c.js';

export const JSON_RECORD_HEADER_BYTES = 8;

/** One framed record holding `payload` as JSON. */
export function encodeJsonRecord(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const record = Buffer.allocUnsafe(JSON_RECORD_HEADER_BYTES + body.length);
  record.writeUInt32BE(body.length, 0);
  record.writeUInt32BE(crc32c(body), 4);
  body.copy(record, JSON_RECORD_HEADER_BYTES);
  return record;
}

/** Calls `apply` with each whole, valid record (and its framed size); returns how many bytes they took. */
export function replayJsonRecords<T>(bytes: Buffer, maxBodyBytes: number, apply: (record: T, recordBytes: number) => void): number {
  let at = 0;
  while (bytes.length - at >= JSON_RECORD_HEADER_BYTES) {
    const length = bytes.readUInt32BE(at);
    if (length > maxBodyBytes || at + JSON_RECORD_HEADER_BYTES + length > bytes.length) break;
    const body = bytes.subarray(at + JSON_RECORD_HEADER_BYTES, at + JSON_RECORD_HEADER_BYTES + length);
    if (crc32c(body) !== bytes.readUInt32BE(at + 4)) break;
    let record: T;
    try {
      record = JSON.parse(body.toString('utf8')) as T;
    } catch {
      break;
    }
    apply(record, JSON_RECORD_HEADER_BYTES + length);
    at += JSON_RECORD_HEADER_BYTES + length;
  }
  return at;
}
