import { MessagePattern } from '@nestjs/microservices';
import type { BlinkConfig } from '../../config/settings.js';
import type { ApiCodec } from '../../wire/api-codec.js';
import { ErrorCode } from '../../wire/error-codes.js';

/** An optional part of the broker that the settings can switch off, with every API that belongs to it. */
export type KafkaFeature = 'consumer-groups';

/**
 * The error a request for a switched-off feature gets. Consumer groups: GROUP_AUTHORIZATION_FAILED
 * is non-retriable in every client we target (librdkafka, kafka-python, kafkajs, platformatic),
 * so a consumer fails at once with an error naming its group, where COORDINATOR_NOT_AVAILABLE
 * would have it rediscover the coordinator and retry forever.
 */
export const FEATURE_REFUSAL_ERRORS: Readonly<Record<KafkaFeature, number>> = {
  'consumer-groups': ErrorCode.GROUP_AUTHORIZATION_FAILED,
};

/**
 * An API on the hot path (Produce, Fetch: once per produced batch, once per consumer poll):
 * the transport calls its handler method directly, not through Nest's RPC pipeline (no
 * guards, interceptors, pipes or exception filters run for it; the transport answers a
 * failure itself), and decodes it in place from the frame's pooled memory: its decoded
 * views must either be held by what keeps them (Produce's record batches: the produce path,
 * then the partition) or not outlive the request (Fetch).
 */
export interface HotPath {
  /** Fetch: the response carries stored batches by reference, so the pooled memory they are in is held (a pin) until it is flushed. */
  readonly pinsStoredBatches: boolean;
}

/** The controller class and method a hot API is dispatched to. */
export interface DirectHandler {
  readonly type: abstract new (...args: never[]) => unknown;
  readonly method: string | symbol;
}

/** What a handler registers: the codec it speaks and the version range it serves. */
export interface KafkaApiRegistration {
  readonly codec: ApiCodec;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The feature the API belongs to; absent = always served. */
  readonly feature?: KafkaFeature;
  /** The answer while `feature` is off. */
  readonly refuse: (body: unknown, errorCode: number) => unknown;
  readonly hotPath?: HotPath;
  /** Set for a hot API once its method is decorated. */
  direct?: DirectHandler;
}

export interface KafkaApiOptions<Request, Response> {
  readonly min: number;
  readonly max: number;
  /** When the feature is off the API is not advertised and each request gets `whenDisabled`. */
  readonly feature?: KafkaFeature;
  /** Default: the API's top-level error code; APIs that report errors per item say how. */
  readonly whenDisabled?: (body: Request, errorCode: number) => Response;
  readonly hotPath?: HotPath;
}

export const KAFKA_PATTERN_PREFIX = 'kafka.api.';

export function kafkaPattern(apiKey: number): string {
  return `${KAFKA_PATTERN_PREFIX}${apiKey}`;
}

/** The feature of `registration` when the settings switch it off, else null (the API is served). */
export function disabledFeature(registration: KafkaApiRegistration, config: Pick<BlinkConfig, 'enableConsumerGroups'>): KafkaFeature | null {
  switch (registration.feature) {
    case undefined:
      return null;
    case 'consumer-groups':
      return config.enableConsumerGroups ? null : 'consumer-groups';
  }
}

/**
 * Marks a controller method as the handler of one Kafka API for versions `min`-`max`
 * (inclusive), optionally as part of a feature the settings can switch off, optionally on the
 * hot path (see HotPath). The transport builds the ApiVersions answer from these
 * registrations, so what is advertised is exactly what is handled.
 */
export function KafkaApi<Request, Response>(codec: ApiCodec<Request, Response>, options: KafkaApiOptions<Request, Response>): MethodDecorator {
  if (options.min < codec.minVersion || options.max > codec.maxVersion) {
    throw new Error(`${codec.name}: versions ${options.min}-${options.max} exceed the spec's ${codec.minVersion}-${codec.maxVersion}`);
  }
  const whenDisabled = options.whenDisabled ?? ((_body: Request, errorCode: number) => ({ errorCode }));
  const registration: KafkaApiRegistration = {
    codec: codec as ApiCodec,
    minVersion: options.min,
    maxVersion: options.max,
    feature: options.feature,
    refuse: (body, errorCode) => whenDisabled(body as Request, errorCode),
    hotPath: options.hotPath,
  };
  const pattern = MessagePattern(kafkaPattern(codec.apiKey), { kafka: registration });
  return (target, method, descriptor) => {
    if (options.hotPath !== undefined) registration.direct = { type: target.constructor as DirectHandler['type'], method };
    pattern(target, method, descriptor);
  };
}
