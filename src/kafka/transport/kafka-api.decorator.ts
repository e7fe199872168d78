import { MessagePattern } from '@nestjs/microservices';
import type { ApiCodec } from '../protocol/api-codec.js';

/** What a handler registers: the codec it speaks and the version range it serves. */
export interface KafkaApiRegistration {
  readonly codec: ApiCodec;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export const KAFKA_PATTERN_PREFIX = 'kafka.api.';

export function kafkaPattern(apiKey: number): string {
  return `${KAFKA_PATTERN_PREFIX}${apiKey}`;
}

/**
 * Marks a controller method as the handler of one Kafka API for `versions` (inclusive).
 * The transport builds the ApiVersions answer from these registrations, so what is
 * advertised is exactly what is handled.
 */
export function KafkaApi(codec: ApiCodec<any, any>, versions: { min: number; max: number }): MethodDecorator {
  if (versions.min < codec.minVersion || versions.max > codec.maxVersion) {
    throw new Error(`${codec.name}: versions ${versions.min}-${versions.max} exceed the spec's ${codec.minVersion}-${codec.maxVersion}`);
  }
  const registration: KafkaApiRegistration = { codec, minVersion: versions.min, maxVersion: versions.max };
  return MessagePattern(kafkaPattern(codec.apiKey), { kafka: registration });
}
