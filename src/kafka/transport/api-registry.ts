import { Injectable } from '@nestjs/common';
import type { KafkaApiRegistration } from './kafka-api.decorator.js';

export interface RegisteredApi extends KafkaApiRegistration {
  /**
   * The Nest handler (guards, pipes and interceptors applied), the controller's method itself
   * for a hot API, or the refusal while its feature is off.
   */
  readonly invoke: (request: unknown) => unknown;
  /** False while the API's feature is off: still answered (with a clear error), never advertised. */
  readonly advertised: boolean;
}

/** The Kafka APIs this broker serves, filled by the transport from the @KafkaApi handlers. */
@Injectable()
export class ApiRegistry {
  private readonly apis = new Map<number, RegisteredApi>();

  register(api: RegisteredApi): void {
    if (this.apis.has(api.codec.apiKey)) throw new Error(`two handlers for API key ${api.codec.apiKey}`);
    this.apis.set(api.codec.apiKey, api);
  }

  get(apiKey: number): RegisteredApi | undefined {
    return this.apis.get(apiKey);
  }

  /** Sorted by API key, for the ApiVersions answer. */
  list(): RegisteredApi[] {
    return [...this.apis.values()].sort((a, b) => a.codec.apiKey - b.codec.apiKey);
  }
}

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export function advertisedRanges(registry: ApiRegistry): ApiVersionRange[] {
  return registry
    .list()
    .filter((api) => api.advertised)
    .map((api) => ({ apiKey: api.codec.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion }));
}
