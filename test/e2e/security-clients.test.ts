/**
 * The security client matrix the other security e2e files leave open: franz-go and
 * @platformatic/kafka over SSL, SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256 and
 * SCRAM-SHA-512 (both support every combination), and the Java client with PLAIN and
 * SCRAM-SHA-256 (security.test.ts has its SCRAM-SHA-512, acls-sasl.test.ts and mtls.test.ts
 * its SASL_PLAINTEXT and SSL). One broker with the three secured listeners and a user from
 * SASL_USERS, certificates from the test's own CA; each case creates a topic, produces and
 * consumes it back over the listener.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClientDriver } from './clients/driver.js';
import { goDriver, type GoSecurity } from './clients/go.js';
import { closeJavaDrivers, javaDriver } from './clients/java.js';
import { PLATFORMATIC_2, platformaticDriver } from './clients/platformatic.js';
import { uniqueTopic } from './harness.js';
import { makeMessages } from './records.js';
import { TestCertificates } from './support/certificates.js';
import { startListenersBroker, type ListenersBroker } from './support/listeners-broker.js';

const TEST_TIMEOUT_MS = 60_000;
const USER = 'carol';
const PASSWORD = 'carol-Secret-3';

type Protocol = 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
type Mechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
interface Case {
  readonly protocol: Protocol;
  readonly mechanism?: Mechanism;
}

const EVERY_CASE: readonly Case[] = [
  { protocol: 'SSL' },
  ...(['SASL_PLAINTEXT', 'SASL_SSL'] as const).flatMap((protocol) => (['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const).map((mechanism) => ({ protocol, mechanism }))),
];

let dir = '';
let certificates: TestCertificates;
let broker: ListenersBroker | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blink-e2e-security-clients-'));
  certificates = new TestCertificates(dir);
  broker = await startListenersBroker(dir, ['SSL', 'SASL_PLAINTEXT', 'SASL_SSL'], {
    SSL_CERT_FILE: certificates.pem('server'),
    SSL_KEY_FILE: certificates.key('server'),
    SSL_CA_FILE: certificates.caFile,
    SASL_ENABLED_MECHANISMS: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    SASL_USERS: `${USER}:${PASSWORD}`,
  });
});

after(async () => {
  await closeJavaDrivers();
  await broker?.stop();
});

const label = ({ protocol, mechanism }: Case) => (mechanism === undefined ? protocol : `${protocol} with ${mechanism}`);
const bootstrap = ({ protocol }: Case) => broker!.bootstrap(protocol);

/** Creates a topic, produces `count` messages (three by default) and consumes them back, all over the case's listener. */
async function roundTrip(driver: ClientDriver, tag: string, { count = 3, valueBytes }: { count?: number; valueBytes?: number } = {}): Promise<void> {
  const topic = uniqueTopic(tag);
  assert.ok(driver.createTopic && driver.consume, `${driver.name} creates topics and consumes`);
  await driver.createTopic(topic, 1);
  const messages = makeMessages(driver, { tag: topic, count, partitions: 1, valueBytes });
  const acks = await driver.produce(topic, messages);
  assert.deepEqual(acks.map((ack) => ack.offset), Array.from({ length: count }, (_, i) => i));
  const consumed = await driver.consume(topic, [{ partition: 0, start: 0, end: count }]);
  assert.deepEqual(consumed.map((message) => message.value?.toString('hex')), messages.map((message) => message.value.toString('hex')));
}

function franzGo(c: Case): ClientDriver {
  const security: GoSecurity = { protocol: c.protocol, ...(c.mechanism && { mechanism: c.mechanism, username: USER, password: PASSWORD }) };
  if (c.protocol !== 'SASL_PLAINTEXT') security.caPem = readFileSync(certificates.caFile, 'utf8');
  return goDriver('franz-go', bootstrap(c), { security });
}

function platformatic(c: Case): ClientDriver {
  const tls = c.protocol === 'SASL_PLAINTEXT' ? {} : { tls: { ca: readFileSync(certificates.caFile, 'utf8') } };
  const sasl = c.mechanism === undefined ? {} : { sasl: { mechanism: c.mechanism, username: USER, password: PASSWORD } };
  return platformaticDriver(bootstrap(c), { ...PLATFORMATIC_2, security: { ...tls, ...sasl } });
}

function java(c: Case & { mechanism: Mechanism }): ClientDriver {
  const module = c.mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return javaDriver('4', bootstrap(c), {
    'security.protocol': c.protocol,
    'sasl.mechanism': c.mechanism,
    'sasl.jaas.config': `${module} required username="${USER}" password="${PASSWORD}";`,
    ...(c.protocol === 'SASL_SSL' && { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certificates.caFile }),
  });
}

describe('franz-go', () => {
  for (const c of EVERY_CASE) test(label(c), { timeout: TEST_TIMEOUT_MS }, () => roundTrip(franzGo(c), 'franz-sec'));
});

// Fetch answers larger than the 64 KiB a TLS socket hands TLS at a time (tls-listener.ts,
// boundTlsWrites): ~480 KB of messages read back in answers of several pieces each, every byte checked.
describe('franz-go, answers of many TLS pieces', () => {
  for (const c of [{ protocol: 'SSL' }, { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512' }] as const) {
    test(label(c), { timeout: TEST_TIMEOUT_MS }, () => roundTrip(franzGo(c), 'franz-tls-big', { count: 60, valueBytes: 8_000 }));
  }
});

describe('@platformatic/kafka 2.x', () => {
  for (const c of EVERY_CASE) test(label(c), { timeout: TEST_TIMEOUT_MS }, () => roundTrip(platformatic(c), 'plt-sec'));
});

describe('Java client 4.x', () => {
  test('SASL_SSL with PLAIN', { timeout: TEST_TIMEOUT_MS }, () => roundTrip(java({ protocol: 'SASL_SSL', mechanism: 'PLAIN' }), 'java-plain'));
  test('SASL_PLAINTEXT with SCRAM-SHA-256', { timeout: TEST_TIMEOUT_MS }, () => roundTrip(java({ protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-256' }), 'java-scram256'));
});
