/**
 * ApiRegistry entries for transport tests: an API served by a test's own handler, with the
 * codec's error response as its refusal.
 */
import type { RegisteredApi } from '../../src/kafka/transport/api-registry.js';
import type { HotPath } from '../../src/kafka/transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../../src/kafka/transport/kafka-request.js';
import type { ApiCodec } from '../../src/wire/api-codec.js';

export type Invoke = (request: KafkaRequest<unknown>) => unknown;

/** A handler that answers through a promise, as a Nest handler does. */
export function served(codec: ApiCodec, min: number, max: number, invoke: Invoke, hotPath?: HotPath): RegisteredApi {
  return {
    codec,
    minVersion: min,
    maxVersion: max,
    advertised: true,
    invoke: async (request) => invoke(request as KafkaRequest<unknown>),
    refuse: (body, errorCode) => codec.errorResponse(body, errorCode),
    hotPath,
  };
}

/** A handler that answers in the call itself (a value, not a promise), as Produce and Fetch do when nothing waits. */
export function servedNow(codec: ApiCodec, min: number, max: number, invoke: Invoke, hotPath?: HotPath): RegisteredApi {
  return { ...served(codec, min, max, invoke, hotPath), invoke: (request) => invoke(request as KafkaRequest<unknown>) };
}
