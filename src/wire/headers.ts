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

/**
 * Starts a response frame (in the frame pool: see KafkaWriter.forFrame): size placeholder at
 * position 0, correlation id, header tags when flexible. Encode its body and finish it with
 * `finishResponseFrame` in the same synchronous call.
 */
export function beginResponseFrame(correlationId: number, flexibleHeader: boolean): KafkaWriter {
  const writer = KafkaWriter.forFrame();
  writer.reserveInt32();
  writer.writeInt32(correlationId);
  if (flexibleHeader) writer.writeEmptyTaggedFields();
  return writer;
}

export function finishResponseFrame(writer: KafkaWriter): Buffer[] {
  writer.patchInt32(0, writer.length - 4);
  return writer.finishFrame();
}
