/**
 * What ApiVersions advertises, against every client-facing API of Kafka 3.9 (the generated
 * codecs: tools/codegen/generate.mjs lists them, ALL_APIS carries each spec's valid range).
 * The registry is built as the transport builds it: every @KafkaApi handler of KAFKA_HANDLERS,
 * advertised unless the default settings switch its feature off.
 *
 * The gap is printed on every run, and must equal NOT_SERVED_YET below: an API advertised
 * for less than its whole stable range fails the test unless its missing versions are listed
 * there, and an API that lands fails it until its entry is removed. So the list only shrinks,
 * and always says what is short.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { KAFKA_HANDLERS } from '../../../src/kafka/handlers/index.js';
import { advertisedRanges, ApiRegistry, type ApiVersionRange } from '../../../src/kafka/transport/api-registry.js';
import { disabledFeature } from '../../../src/kafka/transport/kafka-api.decorator.js';
import { ALL_APIS, type MessageCodec } from '../../../src/wire/messages/index.js';
import { registrationOf } from './support.js';

/**
 * Versions of client-facing Kafka 3.9 APIs that Blink does not advertise yet, by API name.
 * Remove an entry (or shrink it) in the change that serves those versions.
 */
const NOT_SERVED_YET: Readonly<Record<string, string>> = {
};

interface Gap {
  readonly codec: MessageCodec;
  readonly advertised: ApiVersionRange | undefined;
  readonly missing: readonly number[];
}

/** The ApiVersions ranges, from a registry filled as KafkaTransport.registerHandlers fills it. */
function advertised(): Map<number, ApiVersionRange> {
  const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
  const registry = new ApiRegistry();
  for (const handler of KAFKA_HANDLERS) {
    const prototype = handler.prototype as unknown as Record<string, unknown>;
    for (const method of Object.getOwnPropertyNames(prototype)) {
      const reg = typeof prototype[method] === 'function' ? registrationOf(prototype[method]) : undefined;
      if (reg === undefined) continue;
      registry.register({ ...reg, advertised: disabledFeature(reg, config) === null, invoke: async () => undefined });
    }
  }
  return new Map(advertisedRanges(registry).map((range) => [range.apiKey, range]));
}

/** Versions as ranges: "0-1", "4", "0, 5-6". */
function versionRanges(versions: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < versions.length; i++) {
    let j = i;
    while (j + 1 < versions.length && versions[j + 1] === versions[j]! + 1) j++;
    ranges.push(i === j ? `${versions[i]}` : `${versions[i]}-${versions[j]}`);
    i = j;
  }
  return ranges.join(', ');
}

function gaps(ranges: ReadonlyMap<number, ApiVersionRange>): Gap[] {
  return ALL_APIS.flatMap((codec) => {
    const range = ranges.get(codec.apiKey);
    const missing: number[] = [];
    for (let v = codec.minVersion; v <= codec.maxVersion; v++) if (range === undefined || v < range.minVersion || v > range.maxVersion) missing.push(v);
    return missing.length === 0 ? [] : [{ codec, advertised: range, missing }];
  });
}

/** The gap as a table: key, API, Kafka 3.9's range, what is advertised, what is missing. */
function gapTable(found: readonly Gap[], ranges: ReadonlyMap<number, ApiVersionRange>): string {
  const versions = (codec: MessageCodec) => codec.maxVersion - codec.minVersion + 1;
  const total = ALL_APIS.reduce((sum, codec) => sum + versions(codec), 0);
  const missingCount = found.reduce((sum, gap) => sum + gap.missing.length, 0);
  const whole = ALL_APIS.length - found.length;
  const rows = found.map((gap) => {
    const spec = `${gap.codec.minVersion}-${gap.codec.maxVersion}`;
    const served = gap.advertised === undefined ? 'not served' : `${gap.advertised.minVersion}-${gap.advertised.maxVersion}`;
    return `${String(gap.codec.apiKey).padStart(4)}  ${gap.codec.name.padEnd(30)} ${spec.padEnd(7)} ${served.padEnd(11)} ${versionRanges(gap.missing)}`;
  });
  return [
    `ApiVersions advertises ${ranges.size} of ${ALL_APIS.length} client-facing Kafka 3.9 APIs, ${whole} of them at every stable version;`,
    `${total - missingCount} of ${total} API versions.`,
    found.length === 0 ? 'Nothing is short.' : 'Short:',
    ...(found.length === 0 ? [] : [` key  ${'API'.padEnd(30)} ${'3.9'.padEnd(7)} ${'advertised'.padEnd(11)} missing`, ...rows]),
  ].join('\n');
}

describe('ApiVersions against Kafka 3.9', () => {
  it('advertises every client-facing API at every stable version, except what NOT_SERVED_YET lists', (t: TestContext) => {
    const ranges = advertised();
    const found = gaps(ranges);
    const table = gapTable(found, ranges);
    for (const line of table.split('\n')) t.diagnostic(line);
    const actual = Object.fromEntries(found.map((gap) => [gap.codec.name, versionRanges(gap.missing)]));
    assert.deepEqual(actual, NOT_SERVED_YET, `the gap differs from NOT_SERVED_YET (test/unit/kafka/api-coverage.test.ts): update the list\n${table}`);
  });

  it('advertises only APIs Kafka 3.9 defines for clients, within their ranges', () => {
    const byKey = new Map(ALL_APIS.map((codec) => [codec.apiKey, codec]));
    for (const range of advertised().values()) {
      const codec = byKey.get(range.apiKey);
      assert.ok(codec, `API key ${range.apiKey} is advertised but is no client-facing Kafka 3.9 API`);
      assert.ok(range.minVersion >= codec.minVersion && range.maxVersion <= codec.maxVersion, `${codec.name} ${range.minVersion}-${range.maxVersion} within ${codec.minVersion}-${codec.maxVersion}`);
    }
  });
});
