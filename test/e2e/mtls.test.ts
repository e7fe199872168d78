/**
 * mTLS principals end to end, with certificates this test makes itself (its own CA, a server
 * certificate for 127.0.0.1, client certificates for alice, admin and mallory): an SSL
 * listener with `ssl_client_auth: required`, the authorizer on, and
 * `ssl_principal_mapping_rules` that map `CN=<name>,OU=eng,O=Blink` to `<name>` (lower case)
 * and keep any other DN as Kafka prints it (RFC 2253, CN first). The admin (a super user by
 * its mapped name) grants ACLs through the Java Admin over mTLS; kcat (librdkafka) produces
 * and consumes as alice and as mallory, and the ACLs on the mapped principals decide. A
 * client without a certificate, or with one the CA did not sign, is refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeJavaDrivers, javaDriver, runJavaOp, type JavaClientDriver } from './clients/java.js';
import { describeRun, run, uniqueTopic } from './harness.js';
import { TestCertificates } from './support/certificates.js';
import { kafkaToolOk } from './support/kafka-tools.js';
import { startListenersBroker, type ListenersBroker } from './support/listeners-broker.js';

const TEST_TIMEOUT_MS = 90_000;
/** Kafka's own example shape: the CN of an `OU=eng` certificate, lower-cased; anything else as is. */
const MAPPING_RULES = 'RULE:^CN=([^,]+),OU=eng,O=Blink$/$1/L,DEFAULT';
const MALLORY = 'User:CN=mallory,OU=ops,O=Blink';

let dir = '';
let broker: ListenersBroker | undefined;
const sslBootstrap = (): string => broker!.bootstrap('SSL');
let certificates: TestCertificates;

function makeCertificates(): TestCertificates {
  const certificates = new TestCertificates(dir);
  // openssl -subj lists the DN in certificate order; RFC 2253 prints it reversed: CN=Alice,OU=eng,O=Blink.
  certificates.issue('alice', '/O=Blink/OU=eng/CN=Alice');
  certificates.issue('admin', '/O=Blink/OU=eng/CN=admin');
  certificates.issue('mallory', '/O=Blink/OU=ops/CN=mallory');
  certificates.issue('stranger', '/O=Blink/OU=eng/CN=stranger', 'self');
  return certificates;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blink-e2e-mtls-'));
  certificates = makeCertificates();
  broker = await startListenersBroker(dir, ['SSL'], {
    SSL_CERT_FILE: certificates.pem('server'),
    SSL_KEY_FILE: certificates.key('server'),
    SSL_CA_FILE: certificates.caFile,
    SSL_CLIENT_AUTH: 'required',
    SSL_PRINCIPAL_MAPPING_RULES: MAPPING_RULES,
    AUTHORIZER_ENABLED: 'true',
    SUPER_USERS: 'User:admin',
    AUTO_CREATE_TOPICS: 'false',
  });
});

after(async () => {
  await closeJavaDrivers();
  await broker?.stop();
});

/** Java client settings for mTLS with PEM files (Kafka's ssl.keystore.type=PEM). */
function javaTls(name: string): Record<string, string> {
  return {
    'security.protocol': 'SSL',
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certificates.caFile,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certificates.keystore(name),
  };
}

const admin = (): JavaClientDriver => javaDriver('4', sslBootstrap(), javaTls('admin'));
const grant = (principal: string, topic: string, operation: string) =>
  runJavaOp<{ error: string | null }>('4', sslBootstrap(), 'create_acls', {
    acls: [{ resource_type: 'TOPIC', name: topic, pattern: 'LITERAL', principal, host: '*', operation, permission: 'ALLOW' }],
    client_props: javaTls('admin'),
  });

/** kcat over the SSL listener with `name`'s certificate (none: no client certificate); `-m`: how long it waits for metadata. */
function kcat(name: string | null, args: string[], input?: string, metadataWaitS = 10) {
  const settings: Record<string, string> = { 'security.protocol': 'SSL', 'ssl.ca.location': certificates.caFile, 'message.timeout.ms': '10000' };
  if (name !== null) Object.assign(settings, { 'ssl.certificate.location': certificates.pem(name), 'ssl.key.location': certificates.key(name) });
  const security = Object.entries(settings).flatMap(([key, value]) => ['-X', `${key}=${value}`]);
  return run('kcat', ['-b', sslBootstrap(), ...security, '-m', String(metadataWaitS), ...args], { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
}

async function produces(name: string, topic: string): Promise<boolean> {
  const result = await kcat(name, ['-P', '-t', topic], `from-${name}\n`);
  if (result.code === 0 && !/fail/i.test(result.stderr)) return true;
  assert.match(result.stderr, /Topic authorization failed/i, describeRun(`kcat -P as ${name}`, result));
  return false;
}

describe('mTLS principals (ssl_client_auth required, ssl_principal_mapping_rules)', () => {
  test('ACLs on the mapped principals decide: alice by her mapped name, mallory by the DN Kafka prints', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('mtls');
    await admin().createTopic(topic, 1);
    assert.equal(await produces('alice', topic), false, 'no ACL for alice yet');
    assert.equal((await grant('User:alice', topic, 'WRITE')).error, null);
    assert.equal((await grant('User:alice', topic, 'READ')).error, null);
    assert.equal(await produces('alice', topic), true, 'CN=Alice,OU=eng,O=Blink is User:alice');
    const consumed = await kcat('alice', ['-C', '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-q']);
    assert.equal(consumed.code, 0, describeRun('kcat -C as alice', consumed));
    assert.equal(consumed.stdout.trim(), 'from-alice');

    assert.equal(await produces('mallory', topic), false, 'alice\'s ACLs are not mallory\'s');
    assert.equal((await grant(MALLORY, topic, 'WRITE')).error, null);
    assert.equal(await produces('mallory', topic), true, `the DEFAULT rule keeps ${MALLORY}`);
    const listed = await kafkaToolOk('3.9', 'kafka-acls', ['--bootstrap-server', sslBootstrap(), '--command-config', adminProperties(), '--list', '--topic', topic], { timeoutMs: 60_000 });
    assert.match(listed, new RegExp(`principal=${MALLORY}, host=\\*, operation=WRITE, permissionType=ALLOW`));
    assert.match(listed, /principal=User:alice, host=\*, operation=READ, permissionType=ALLOW/);
  });

  test('without a client certificate, or with one the CA did not sign, the handshake is refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const name of [null, 'stranger']) {
      const listed = await kcat(name, ['-L'], undefined, 3);
      assert.notEqual(listed.code, 0, describeRun(`kcat -L with ${name ?? 'no'} certificate`, listed));
      assert.match(listed.stderr, /SSL|handshake|certificate|Transport/i, describeRun(`kcat -L with ${name ?? 'no'} certificate`, listed));
    }
    const accepted = await kcat('mallory', ['-L']);
    assert.equal(accepted.code, 0, describeRun('kcat -L as mallory', accepted));
  });
});

/** Kafka tool settings (a client.properties file) for the admin's certificate. */
function adminProperties(): string {
  const path = join(dir, 'admin.properties');
  writeFileSync(path, `${Object.entries(javaTls('admin')).map(([key, value]) => `${key}=${value}`).join('\n')}\n`);
  return path;
}
