/**
 * Security listeners end to end, with certificates this test makes itself (its own CA, a
 * server certificate with 127.0.0.1 and localhost in its SAN, a client certificate): one
 * broker with PLAINTEXT, SSL (client certificate requested), SASL_PLAINTEXT and SASL_SSL
 * listeners and a user from SASL_USERS, driven by real clients —
 *   kcat (librdkafka 2.0.2): SSL, SASL_PLAINTEXT/PLAIN, SASL_SSL/SCRAM-SHA-512, Metadata per listener;
 *   kafka-python 2.0.2 (SaslHandshake v0 + raw tokens): SASL_SSL/SCRAM-SHA-256, SASL_PLAINTEXT/PLAIN;
 *   kafkajs (SaslHandshake v1 + SaslAuthenticate): SASL_SSL/SCRAM-SHA-512, SSL with a client certificate;
 *   confluent-kafka 2.x (librdkafka 2.16): SASL_SSL/SCRAM-SHA-512;
 *   Kafka's kafka-configs creates a SCRAM user, which the Java producer then uses over SASL_SSL,
 *   and which survives a restart;
 * a renewed certificate served without a restart,
 * plus what must be refused: a wrong password and an unknown user (same message), a mechanism
 * that is not enabled, a request before authentication.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import kafkajs from './clients/kafkajs-lib.js';
import { describeRun, run, uniqueTopic, waitFor } from './harness.js';
import { VENV_PYTHON } from './clients/python.js';
import { apiVersionsRequest, RawConnection } from './raw-kafka.js';
import { TestCertificates } from './support/certificates.js';
import { runKafkaTool } from './support/kafka-tools.js';
import { LISTENER_HOST as HOST, startListenersBroker, type ListenersBroker } from './support/listeners-broker.js';

const TEST_TIMEOUT_MS = 60_000;
const TOOL_TIMEOUT_MS = 45_000;
const USER = 'alice';
const PASSWORD = 'alice-Secret-1';
type SecureProtocol = 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

let dir = '';
let certificates: TestCertificates;
let broker: ListenersBroker | undefined;

/** The port of the listener with this protocol; PLAINTEXT is the harness's Kafka port. */
function portOf(protocol: 'PLAINTEXT' | SecureProtocol): number {
  return protocol === 'PLAINTEXT' ? broker!.handle.kafkaPort : Number(broker!.bootstrap(protocol).split(':')[1]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blink-e2e-security-'));
  certificates = new TestCertificates(dir);
  certificates.issue('client', '/C=DE/O=Blink/CN=e2e-client');
  broker = await startListenersBroker(dir, ['SSL', 'SASL_PLAINTEXT', 'SASL_SSL'], {
    SSL_CERT_FILE: certificates.pem('server'),
    SSL_KEY_FILE: certificates.key('server'),
    SSL_CA_FILE: certificates.caFile,
    SSL_CLIENT_AUTH: 'requested',
    SASL_ENABLED_MECHANISMS: 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    SASL_USERS: `${USER}:${PASSWORD}`,
  });
});

after(async () => {
  await broker?.stop();
});

/** librdkafka settings for a listener. */
function kcatSecurity(protocol: SecureProtocol, mechanism = 'PLAIN', user = USER, password = PASSWORD): string[] {
  const settings: Record<string, string> = { 'security.protocol': protocol };
  if (protocol !== 'SASL_PLAINTEXT') settings['ssl.ca.location'] = certificates.caFile;
  if (protocol !== 'SSL') Object.assign(settings, { 'sasl.mechanisms': mechanism, 'sasl.username': user, 'sasl.password': password });
  return Object.entries(settings).flatMap(([key, value]) => ['-X', `${key}=${value}`]);
}

async function kcat(port: number, security: string[], args: string[], input?: string) {
  return run('kcat', ['-b', `${HOST}:${port}`, ...security, '-m', '15', ...args], { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
}

/** Produces `values` with kcat, then reads them back with kcat, over one listener. */
async function kcatRoundTrip(port: number, security: string[], label: string): Promise<void> {
  const topic = uniqueTopic(label);
  const produced = await kcat(port, security, ['-P', '-t', topic], 'one\ntwo\n');
  assert.equal(produced.code, 0, describeRun(`kcat produce ${label}`, produced));
  const consumed = await kcat(port, security, ['-C', '-t', topic, '-o', 'beginning', '-c', '2', '-e', '-q']);
  assert.equal(consumed.code, 0, describeRun(`kcat consume ${label}`, consumed));
  assert.deepEqual(consumed.stdout.trim().split('\n'), ['one', 'two']);
}

describe('listeners', () => {
  test('Metadata advertises the listener each request came in on', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const [port, security] of [
      [portOf('PLAINTEXT'), []],
      [portOf('SSL'), kcatSecurity('SSL')],
      [portOf('SASL_PLAINTEXT'), kcatSecurity('SASL_PLAINTEXT')],
      [portOf('SASL_SSL'), kcatSecurity('SASL_SSL', 'SCRAM-SHA-256')],
    ] as const) {
      const listed = await kcat(port, [...security], ['-L', '-J']);
      assert.equal(listed.code, 0, describeRun(`kcat -L on ${port}`, listed));
      const metadata = JSON.parse(listed.stdout) as { brokers: Array<{ name: string }> };
      assert.deepEqual(metadata.brokers.map((b) => b.name), [`${HOST}:${port}`]);
    }
  });
});

describe('kcat (librdkafka)', () => {
  test('SSL', { timeout: TEST_TIMEOUT_MS }, () => kcatRoundTrip(portOf('SSL'), kcatSecurity('SSL'), 'kcat-ssl'));
  test('SASL_PLAINTEXT with PLAIN', { timeout: TEST_TIMEOUT_MS }, () => kcatRoundTrip(portOf('SASL_PLAINTEXT'), kcatSecurity('SASL_PLAINTEXT', 'PLAIN'), 'kcat-plain'));
  // librdkafka 2.0.2 repeats the client nonce in its client-final message: accepted, as Kafka accepts it.
  test('SASL_SSL with SCRAM-SHA-512', { timeout: TEST_TIMEOUT_MS }, () => kcatRoundTrip(portOf('SASL_SSL'), kcatSecurity('SASL_SSL', 'SCRAM-SHA-512'), 'kcat-scram'));

  test('a wrong password and an unknown user fail alike, with Kafka\'s generic message', { timeout: TEST_TIMEOUT_MS }, async () => {
    const failures = [];
    for (const [user, password] of [[USER, 'wrong-password'], ['nobody', PASSWORD]] as const) {
      const result = await run('kcat', ['-b', broker!.bootstrap('SASL_SSL'), ...kcatSecurity('SASL_SSL', 'SCRAM-SHA-256', user, password), '-m', '3', '-L'], { timeoutMs: 30_000 });
      assert.notEqual(result.code, 0, describeRun(`kcat -L as ${user}`, result));
      const message = /Authentication failed[^\n(]*/.exec(result.stderr)?.[0];
      assert.ok(message, describeRun(`kcat -L as ${user}`, result));
      failures.push(message.trim());
    }
    assert.equal(failures[0], 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256');
    assert.equal(failures[1], failures[0]);
  });
});

describe('kafka-python 2.0.2 (SaslHandshake v0, raw tokens)', () => {
  const script = `
import sys, json
from kafka import KafkaProducer, KafkaConsumer
a = json.loads(sys.argv[1])
common = dict(bootstrap_servers=a['bootstrap'], security_protocol=a['protocol'], sasl_mechanism=a['mechanism'],
              sasl_plain_username=a['user'], sasl_plain_password=a['password'], api_version_auto_timeout_ms=10000)
if a.get('cafile'): common['ssl_cafile'] = a['cafile']
p = KafkaProducer(**common)
p.send(a['topic'], b'hello-' + a['mechanism'].encode()).get(timeout=20)
p.close()
c = KafkaConsumer(a['topic'], auto_offset_reset='earliest', consumer_timeout_ms=15000, **common)
print(json.dumps([next(iter(c)).value.decode()]))
c.close()
`;
  for (const [protocol, mechanism] of [['SASL_SSL', 'SCRAM-SHA-256'], ['SASL_PLAINTEXT', 'PLAIN']] as const) {
    test(`${protocol} with ${mechanism}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const args = { bootstrap: broker!.bootstrap(protocol), protocol, mechanism, user: USER, password: PASSWORD, topic: uniqueTopic('py-sasl'), cafile: protocol === 'SASL_SSL' ? certificates.caFile : null };
      const result = await run('/usr/bin/python3', ['-c', script, JSON.stringify(args)], { timeoutMs: 50_000 });
      assert.equal(result.code, 0, describeRun('kafka-python', result));
      assert.deepEqual(JSON.parse(result.stdout.trim()), [`hello-${mechanism}`]);
    });
  }
});

describe('kafkajs (SaslHandshake v1 + SaslAuthenticate)', () => {
  async function roundTrip(config: ConstructorParameters<typeof kafkajs.Kafka>[0]): Promise<string[]> {
    const client = new kafkajs.Kafka({ ...config, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 2 } });
    const topic = uniqueTopic('kafkajs-sec');
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'secure' }] });
    await producer.disconnect();
    const admin = client.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    return offsets.map((o) => o.high);
  }

  test('SASL_SSL with SCRAM-SHA-512', { timeout: TEST_TIMEOUT_MS }, async () => {
    const highs = await roundTrip({
      brokers: [broker!.bootstrap('SASL_SSL')],
      ssl: { ca: [readFileSync(certificates.caFile, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username: USER, password: PASSWORD },
    });
    assert.deepEqual(highs, ['1']);
  });

  test('SSL with a client certificate', { timeout: TEST_TIMEOUT_MS }, async () => {
    const highs = await roundTrip({
      brokers: [broker!.bootstrap('SSL')],
      ssl: { ca: [readFileSync(certificates.caFile, 'utf8')], cert: readFileSync(certificates.pem('client'), 'utf8'), key: readFileSync(certificates.key('client'), 'utf8') },
    });
    assert.deepEqual(highs, ['1']);
  });
});

describe('confluent-kafka 2.x (librdkafka 2.16)', () => {
  test('SASL_SSL with SCRAM-SHA-512', { timeout: TEST_TIMEOUT_MS }, async () => {
    const script = `
import sys, json
from confluent_kafka.admin import AdminClient
a = json.loads(sys.argv[1])
admin = AdminClient({'bootstrap.servers': a['bootstrap'], 'security.protocol': 'SASL_SSL', 'ssl.ca.location': a['ca'],
                     'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': a['user'], 'sasl.password': a['password']})
print(json.dumps([[b.host, b.port] for b in admin.list_topics(timeout=15).brokers.values()]))
`;
    const args = { bootstrap: broker!.bootstrap('SASL_SSL'), ca: certificates.caFile, user: USER, password: PASSWORD };
    const result = await run(VENV_PYTHON, ['-c', script, JSON.stringify(args)], { timeoutMs: 40_000 });
    assert.equal(result.code, 0, describeRun('confluent-kafka-2', result));
    assert.deepEqual(JSON.parse(result.stdout.trim()), [[HOST, portOf('SASL_SSL')]]);
  });
});

describe('refusals before authentication', () => {
  test('a mechanism that is not enabled is refused with the enabled list', { timeout: TEST_TIMEOUT_MS }, async () => {
    const connection = await RawConnection.open(portOf('SASL_PLAINTEXT'));
    try {
      connection.write(saslHandshakeV1(7, 'OAUTHBEARER'));
      const frame = await connection.readFrame();
      assert.equal(frame.readInt32BE(0), 7);
      assert.equal(frame.readInt16BE(4), 33, 'UNSUPPORTED_SASL_MECHANISM');
      assert.deepEqual(readStringArray(frame, 6), ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']);
      await connection.waitForClose();
    } finally {
      connection.close();
    }
  });

  test('ApiVersions is answered, any other request closes the connection', { timeout: TEST_TIMEOUT_MS }, async () => {
    const connection = await RawConnection.open(portOf('SASL_PLAINTEXT'));
    try {
      connection.write(apiVersionsRequest(0, 1));
      assert.equal((await connection.readFrame()).readInt32BE(0), 1);
      connection.write(metadataV0(2));
      await connection.waitForClose();
      assert.equal(connection.bufferedBytes, 0, 'no Metadata answer');
    } finally {
      connection.close();
    }
  });
});

describe('SCRAM users from kafka-configs (Java)', () => {
  test('created with kafka-configs, used by the Java producer over SASL_SSL, kept across a restart', { timeout: 110_000 }, async () => {
    const bootstrap = `${HOST}:${portOf('PLAINTEXT')}`;
    const alter = await runKafkaTool('3.9', 'kafka-configs', ['--bootstrap-server', bootstrap, '--alter', '--add-config', 'SCRAM-SHA-512=[iterations=8192,password=bob-Secret-2]', '--entity-type', 'users', '--entity-name', 'bob'], { timeoutMs: TOOL_TIMEOUT_MS });
    assert.equal(alter.code, 0, describeRun('kafka-configs --alter', alter));

    await broker!.restart();

    const properties = join(dir, 'bob.properties');
    writeFileSync(properties, [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="bob-Secret-2";',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certificates.caFile}`,
      '',
    ].join('\n'));
    const topic = uniqueTopic('java-scram');
    const produced = await runKafkaTool('3.9', 'kafka-producer-perf-test', [
      '--topic', topic, '--num-records', '200', '--record-size', '100', '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${broker!.bootstrap('SASL_SSL')}`, 'acks=1', '--producer.config', properties,
    ], { timeoutMs: TOOL_TIMEOUT_MS });
    assert.equal(produced.code, 0, describeRun('kafka-producer-perf-test as bob', produced));
    assert.match(produced.stdout, /200 records sent/);
    const offsets = await kcat(portOf('PLAINTEXT'), [], ['-Q', '-t', `${topic}:0:-1`]);
    assert.match(offsets.stdout, /offset 200\b/, describeRun('kcat -Q', offsets));
  });
});

describe('TLS certificate reload', () => {
  test('a renewed certificate is served to new connections without a restart', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.equal(await serverCertificateCn(), 'localhost');
    certificates.issue('renewed', '/CN=renewed', 'ca', 'server.ext');
    renameSync(certificates.key('renewed'), certificates.key('server'));
    renameSync(certificates.pem('renewed'), certificates.pem('server'));
    await waitFor('the renewed certificate', 20_000, async () => ((await serverCertificateCn()) === 'renewed' ? true : undefined), 250);
    await kcatRoundTrip(portOf('SASL_SSL'), kcatSecurity('SASL_SSL', 'PLAIN'), 'kcat-renewed');
  });
});

/** The CN of the certificate the SSL listener presents to a new connection (checked against the test CA). */
function serverCertificateCn(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: HOST, port: portOf('SSL'), ca: readFileSync(certificates.caFile) }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.destroy();
      resolve(Array.isArray(cn) ? cn.join(',') : String(cn));
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('error', reject);
  });
}

/** SaslHandshake v1 request, request header v1: written by hand from Kafka's spec. */
function saslHandshakeV1(correlationId: number, mechanism: string): Buffer {
  return frame(requestHeader(17, 1, correlationId), kafkaString(mechanism));
}

/** Metadata v0 asking for no topics. */
function metadataV0(correlationId: number): Buffer {
  const noTopics = Buffer.alloc(4);
  return frame(requestHeader(3, 0, correlationId), noTopics);
}

function requestHeader(apiKey: number, version: number, correlationId: number): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeInt16BE(apiKey, 0);
  fixed.writeInt16BE(version, 2);
  fixed.writeInt32BE(correlationId, 4);
  return Buffer.concat([fixed, kafkaString('blink-e2e-security')]);
}

function kafkaString(text: string): Buffer {
  const length = Buffer.alloc(2);
  length.writeInt16BE(Buffer.byteLength(text));
  return Buffer.concat([length, Buffer.from(text)]);
}

function frame(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function readStringArray(buffer: Buffer, at: number): string[] {
  const count = buffer.readInt32BE(at);
  const items: string[] = [];
  let offset = at + 4;
  for (let i = 0; i < count; i++) {
    const length = buffer.readInt16BE(offset);
    items.push(buffer.toString('utf8', offset + 2, offset + 2 + length));
    offset += 2 + length;
  }
  return items;
}
