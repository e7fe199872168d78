/**
 * The REST admin over HTTPS (rest_ssl_enabled) with the Kafka listeners' certificate, under
 * the authorizer, with certificates this test makes (its own CA, a server certificate for
 * 127.0.0.1): HTTP Basic as SASL users (provisioned from SASL_USERS, checked against the
 * stored SCRAM credentials) next to the admin token — a user with the ACL reads records
 * (200), one without gets 403, a wrong password and an unknown user get the same 401 with
 * a Basic challenge; the ACL itself is created by kafkajs over SASL_PLAINTEXT as the super
 * user. A renewed certificate is served without a restart, and no password reaches the log.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import kafkajs from './clients/kafkajs-lib.js';
import { freePorts, startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';

const TEST_TIMEOUT_MS = 60_000;
const HTTP_TIMEOUT_MS = 5_000;
const HOST = '127.0.0.1';
const USERS = { admin: 'admin-Secret-1', alice: 'alice:Secret-2', bob: 'bob-Secret-3' };
const TOKEN = 'e2e-https-token';

let dir = '';
let ca: Buffer;
let saslPort = 0;
let brokerHandle: BrokerHandle | undefined;

function broker(): BrokerHandle {
  if (brokerHandle === undefined) throw new Error('broker not started (see the before hook failure)');
  return brokerHandle;
}

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A server certificate for 127.0.0.1 signed by the test's CA, written as `name`.pem/.key. */
function serverCertificate(name: string): void {
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=IP:${HOST},DNS:localhost\n`);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'server.ext');
}

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET over HTTPS, the broker's certificate checked against the test's CA. */
function get(path: string, headers: Record<string, string> = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(`${broker().restUrl}${path}`, { ca, headers, timeout: HTTP_TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

/** The SHA-256 fingerprint of the certificate the REST port serves now. */
function servedFingerprint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: HOST, port: broker().restPort, ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.setTimeout(HTTP_TIMEOUT_MS, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

function kafka(): InstanceType<typeof kafkajs.Kafka> {
  return new kafkajs.Kafka({
    brokers: [`${HOST}:${saslPort}`],
    sasl: { mechanism: 'scram-sha-512', username: 'admin', password: USERS.admin },
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 2 },
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blink-e2e-rest-https-'));
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Blink e2e CA');
  serverCertificate('server');
  ca = readFileSync(join(dir, 'ca.pem'));
  [saslPort] = (await freePorts(1)) as [number];
  brokerHandle = await startBroker({
    restCa: ca,
    env: {
      LISTENERS: `SASL_PLAINTEXT://${HOST}:${saslPort}`,
      SSL_CERT_FILE: join(dir, 'server.pem'),
      SSL_KEY_FILE: join(dir, 'server.key'),
      REST_SSL_ENABLED: 'true',
      SASL_USERS: Object.entries(USERS).map(([user, password]) => `${user}:${password}`).join(','),
      AUTHORIZER_ENABLED: 'true',
      SUPER_USERS: 'User:admin',
      ADMIN_TOKEN: TOKEN,
      ADMIN_TOKEN_PRINCIPAL: 'User:admin',
      LOG_LEVEL: 'debug',
    },
  });
});

after(async () => {
  await brokerHandle?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('REST admin over HTTPS with HTTP Basic (authorizer on)', () => {
  test('Basic users get their ACLs: 200 with Read, 403 without, the same 401 for a wrong password and an unknown user', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('rest-basic');
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.createAcls({
        acl: [
          {
            resourceType: kafkajs.AclResourceTypes.TOPIC,
            resourceName: topic,
            resourcePatternType: kafkajs.ResourcePatternTypes.LITERAL,
            principal: 'User:alice',
            host: '*',
            operation: kafkajs.AclOperationTypes.READ,
            permissionType: kafkajs.AclPermissionTypes.ALLOW,
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const records = `/api/v1/topics/${topic}/partitions/0/records`;
    const alice = await get(records, basic('alice', USERS.alice));
    assert.equal(alice.status, 200, `alice with Read: ${alice.body}`);
    const bob = await get(records, basic('bob', USERS.bob));
    assert.equal(bob.status, 403, `bob without an ACL: ${bob.body}`);
    assert.match(bob.body, /User:bob is not authorized for READ on TOPIC/);
    const token = await get(records, { authorization: `Bearer ${TOKEN}` });
    assert.equal(token.status, 200, `the admin token (super user User:admin) still works: ${token.body}`);

    const wrong = await get(records, basic('alice', 'not-her-password'));
    const unknown = await get(records, basic('mallory', USERS.alice));
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(JSON.parse(wrong.body).message, JSON.parse(unknown.body).message, 'a wrong password and an unknown user are told the same');
    assert.match(String(wrong.headers['www-authenticate']), /Basic realm="blink"/);
    const none = await get(records);
    assert.equal(none.status, 401, 'no credentials with admin_token set');
    assert.match(JSON.parse(none.body).message, /HTTP Basic with a SASL user/);
  });

  test('a renewed certificate is served without a restart, and no password reaches the log', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = await servedFingerprint();
    serverCertificate('renewed');
    // Key first, then the certificate: each rename is atomic, and until both match the old pair stays in use.
    renameSync(join(dir, 'renewed.key'), join(dir, 'server.key'));
    renameSync(join(dir, 'renewed.pem'), join(dir, 'server.pem'));
    const renewed = await waitFor('the renewed REST certificate', 20_000, async () => ((await servedFingerprint()) !== before ? true : undefined), 250);
    assert.equal(renewed, true);
    assert.equal((await get('/health/ready')).status, 200, 'HTTPS still answers with the new certificate');
    const log = `${broker().stdout()}${broker().stderr()}`;
    for (const password of Object.values(USERS)) assert.equal(log.includes(password), false, 'a password appears in the broker log');
    assert.equal(log.includes(Buffer.from(`alice:${USERS.alice}`).toString('base64')), false, 'a Basic credential appears in the broker log');
  });
});
