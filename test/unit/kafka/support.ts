/**
 * Helpers for unit tests of the Kafka handlers: a handler method's @KafkaApi registration (as
 * the transport reads it), a request as the transport hands it over, and a check that an
 * answer encodes in every version the handler serves (a field a version cannot carry only
 * shows on the wire).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { PATTERN_EXTRAS_METADATA } from '@nestjs/microservices/constants.js';
import type { KafkaApiRegistration } from '../../../src/kafka/transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../../../src/kafka/transport/kafka-request.js';
import { KafkaReader } from '../../../src/wire/reader.js';
import { KafkaWriter } from '../../../src/wire/writer.js';
import { recordingConnection } from '../../support/connection-context.js';
import type { ConnectionContext } from '../../../src/kafka/transport/connection-context.js';
import { SystemClock } from '../../../src/common/clock.js';
import type { BlinkConfig } from '../../../src/config/settings.js';
import { QuotaEnforcement } from '../../../src/kafka/quota-enforcement.js';
import { ClientQuotas } from '../../../src/quotas/client-quotas.service.js';
import { DynamicConfigFiles } from '../../../src/wal/dynamic-config-file.js';
import { WalFileSystem } from '../../../src/wal/wal-file-system.js';

/** The registration @KafkaApi left on a handler method (`Handler.prototype.method`), if any. */
export function registrationOf(method: object): KafkaApiRegistration | undefined {
  return (Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method) as { kafka?: KafkaApiRegistration } | undefined)?.kafka;
}

/** The registration of a handler method that has one. */
export function registration(method: object): KafkaApiRegistration {
  const found = registrationOf(method);
  assert.ok(found, 'a @KafkaApi handler method');
  return found;
}

export function request<Body>(
  apiVersion: number,
  body: Body,
  localPort = 9092,
  connection: ConnectionContext = recordingConnection(),
): KafkaRequest<Body> {
  return { header: { apiKey: 0, apiVersion, correlationId: 1, clientId: 'test-client' }, body, localPort, clientHost: '127.0.0.1', receivedAtMs: 0, connection };
}

/** Encodes `response` for every version in the registration's range, and decodes it back. */
export function encodesInEveryVersion(reg: KafkaApiRegistration, response: (version: number) => unknown): void {
  for (let version = reg.minVersion; version <= reg.maxVersion; version++) {
    const writer = new KafkaWriter();
    reg.codec.encodeResponse(writer, version, response(version));
    const reader = new KafkaReader(writer.toBuffer());
    reg.codec.decodeResponse(reader, version);
    assert.equal(reader.remaining(), 0, `${reg.codec.name} v${version} round-trips`);
  }
}

/** Quota enforcement with no quota set (memory mode: nothing is written), for handlers that take one. */
export function unlimitedQuotas(config: BlinkConfig): QuotaEnforcement {
  const clock = new SystemClock();
  return new QuotaEnforcement(new ClientQuotas(config, clock, new DynamicConfigFiles(config, new WalFileSystem())), clock);
}
