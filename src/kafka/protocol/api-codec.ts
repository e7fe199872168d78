import type { KafkaReader } from './reader.js';
import type { KafkaWriter } from './writer.js';

/** What the broker needs from a generated message module (messages/NN-name.ts). */
export interface ApiCodec<Request = unknown, Response = unknown> {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible (KIP-482) version, or null when the API has none. */
  readonly flexibleFrom: number | null;
  /** Versions whose response has a top-level error code, or null (see the generated codecs). */
  readonly errorCodeVersions: { readonly min: number; readonly max: number } | null;
  decodeRequest(reader: KafkaReader, version: number): Request;
  encodeResponse(writer: KafkaWriter, version: number, message: Response): void;
}

export function isFlexible(api: Pick<ApiCodec, 'flexibleFrom'>, version: number): boolean {
  return api.flexibleFrom !== null && version >= api.flexibleFrom;
}
