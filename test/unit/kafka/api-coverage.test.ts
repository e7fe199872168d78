/**
 * What ApiVersions advertises against Kafka 3.9's specs (issue 10: the gap must stay
 * visible): the version range every handler registers (the registry ApiVersions is built
 * from) beside each client-facing API's stable versions from the spec digest, which is read
 * from the specs independently of the codecs. The APIs and versions still short are printed
 * as test diagnostics on every run; the APIs that are complete are listed here and must
 * stay complete, and no API may start above version 0 or be served outside what a spec or a
 * later Kafka defines.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KAFKA_HANDLERS } from '../../../src/kafka/handlers/index.js';
import type { KafkaApiRegistration } from '../../../src/kafka/transport/kafka-api.decorator.js';

/** Where @nestjs/microservices keeps a @MessagePattern's extras (PATTERN_EXTRAS_METADATA). */
const PATTERN_EXTRAS_METADATA = 'microservices:pattern_extras';
/** The digest sits in the source tree beside the wire tests (tsc does not copy JSON). */
const DIGEST = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/unit/wire/kafka-spec-digest.json');

/** APIs served at every stable version of Kafka 3.9: once complete, an API stays complete. */
const COMPLETE = [
  'Metadata',
  'OffsetCommit',
  'OffsetFetch',
  'Heartbeat',
  'DescribeGroups',
  'ListGroups',
  'ApiVersions',
  'DeleteRecords',
  'OffsetForLeaderEpoch',
  'DescribeConfigs',
  'AlterConfigs',
  'AlterReplicaLogDirs',
  'DescribeLogDirs',
  'CreatePartitions',
  'DeleteGroups',
  'ElectLeaders',
  'IncrementalAlterConfigs',
  'AlterPartitionReassignments',
  'ListPartitionReassignments',
  'OffsetDelete',
  'DescribeQuorum',
  'UpdateFeatures',
  'DescribeCluster',
  'DescribeProducers',
  'UnregisterBroker',
  'ConsumerGroupHeartbeat',
  'ConsumerGroupDescribe',
  'DescribeTopicPartitions',
];

interface SpecApi {
  readonly apiKey: number;
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

function specApis(): SpecApi[] {
  const digest = JSON.parse(readFileSync(DIGEST, 'utf8')) as { apis: Array<{ apiKey: number; name: string; request: { validVersions: string } }> };
  return digest.apis.map(({ apiKey, name, request }) => {
    const [min, max] = request.validVersions.split('-').map(Number) as [number, number | undefined];
    return { apiKey, name, min, max: max ?? min };
  });
}

function registrations(): Map<number, KafkaApiRegistration> {
  const byKey = new Map<number, KafkaApiRegistration>();
  for (const handler of KAFKA_HANDLERS) {
    for (const name of Object.getOwnPropertyNames(handler.prototype)) {
      const method = (handler.prototype as unknown as Record<string, unknown>)[name];
      if (typeof method !== 'function') continue;
      const extras = Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method) as { kafka?: KafkaApiRegistration } | undefined;
      if (extras?.kafka !== undefined) byKey.set(extras.kafka.codec.apiKey, extras.kafka);
    }
  }
  return byKey;
}

test('ApiVersions against the Kafka 3.9 specs: what is short is listed, what is complete stays complete', (t) => {
  const served = registrations();
  const short: string[] = [];
  let versionsServed = 0;
  let versionsTotal = 0;
  for (const api of specApis()) {
    const reg = served.get(api.apiKey);
    versionsTotal += api.max - api.min + 1;
    if (reg === undefined) {
      short.push(`${api.name} (${api.apiKey}) ${api.min}-${api.max}: not served`);
      continue;
    }
    assert.equal(reg.minVersion, api.min, `${api.name} starts at the spec's first version`);
    versionsServed += Math.min(reg.maxVersion, api.max) - reg.minVersion + 1;
    if (reg.maxVersion < api.max) short.push(`${api.name} (${api.apiKey}) ${api.min}-${api.max}: serves ${reg.minVersion}-${reg.maxVersion}`);
  }
  const specKeys = new Set(specApis().map((api) => api.apiKey));
  assert.deepEqual([...served.keys()].filter((key) => !specKeys.has(key)), [], 'every served API is a client-facing API of the specs');

  t.diagnostic(`${served.size} of ${specKeys.size} APIs served; ${versionsServed} of ${versionsTotal} stable API versions`);
  for (const line of short) t.diagnostic(`short: ${line}`);
  const incomplete = COMPLETE.filter((name) => short.some((line) => line.startsWith(`${name} (`)));
  assert.deepEqual(incomplete, [], `these APIs must be served at every stable version:\n${short.join('\n')}`);
});
