/**
 * Request and response headers (RequestHeader.json / ResponseHeader.json), hand-written:
 * - request v1: api_key i16, api_version i16, correlation_id i32, client_id (classic
 *   nullable string, even in v2); v2 (flexible APIs) adds a tagged-field section;
 * - response v0: correlation_id; v1 (flexible APIs) adds a tagged-field section, except
 *   ApiVersions, whose response header is always v0 (clients read it before they know
 *   what the broker speaks).
 */
import { KafkaReader } from './reader.js';
import { KafkaWriter } from './writer.js';

export const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

/** Reads the fixed part; the caller then skips tags when the request header is v2. */
export function readRequestHeader(reader: KafkaReader): RequestHeader {
  const apiKey = reader.readInt16();
  const apiVersion = reader.readInt16();
  const correlationId = reader.readInt32();
  const clientId = reader.readString(false);
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Starts a response frame: size placeholder, correlation id, header tags when flexible. */
/**
 * A response's first scratch buffer: a Fetch answer carrying one small batch (~300 bytes) fits
 * without growing it (a second buffer and a copy); larger records go by reference anyway.
 */
const RESPONSE_INITIAL_BYTES = 512;

export function beginResponseFrame(correlationId: number, flexibleHeader: boolean): { writer: KafkaWriter; sizeAt: number } {
  const writer = new KafkaWriter(RESPONSE_INITIAL_BYTES);
  const sizeAt = writer.reserveInt32();
  writer.writeInt32(correlationId);
  if (flexibleHeader) writer.writeEmptyTaggedFields();
  return { writer, sizeAt };
}

export function finishResponseFrame(frame: { writer: KafkaWriter; sizeAt: number }): Buffer[] {
  frame.writer.patchInt32(frame.sizeAt, frame.writer.length - 4);
  return frame.writer.toChunks();
}
