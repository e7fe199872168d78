import type { MessageCodec } from './messages/message-codec.js';

/** What the broker needs from a generated message module: the generated codec shape itself. */
export type ApiCodec<Request = unknown, Response = unknown> = MessageCodec<Request, Response>;

export function isFlexible(api: Pick<ApiCodec, 'flexibleFrom'>, version: number): boolean {
  return api.flexibleFrom !== null && version >= api.flexibleFrom;
}
