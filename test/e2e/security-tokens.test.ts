/**
 * SASL OAUTHBEARER and delegation tokens end to end, over SASL_PLAINTEXT, with the authorizer
 * on (User:alice and the PLAINTEXT listener's User:ANONYMOUS are super users, nobody else may
 * do anything, so a client that works proves which principal it logged in as):
 *   - unsecured JWTs (the broker's default OAUTHBEARER validator): the Java producer with
 *     Kafka's OAuthBearerUnsecuredLoginCallbackHandler (unsecuredLoginStringClaim_sub), and
 *     kcat (librdkafka's enable.sasl.oauthbearer.unsecure.jwt) as alice, then as mallory, who
 *     logs in but may not write;
 *   - JWKS validation on a second broker: the test makes an RSA key pair, writes the JWKS file,
 *     signs tokens itself and hands them to kafkajs (oauthBearerProvider); a good token
 *     produces, a wrong issuer, a wrong audience or an expired token is refused;
 *   - Kafka's kafka-delegation-tokens creates, describes and renews a token for alice; the Java
 *     producer logs in with SCRAM + tokenauth=true using it (as alice); the token survives a
 *     restart; expiring it removes it.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import kafkajs from './clients/kafkajs-lib.js';
import { describeRun, freePorts, run, startBroker, uniqueTopic, type BrokerHandle } from './harness.js';
import { runKafkaTool } from './support/kafka-tools.js';

const HOST = '127.0.0.1';
const TOOL_TIMEOUT_MS = 45_000;
const TEST_TIMEOUT_MS = 90_000;
const PASSWORD = 'alice-Secret-1';
const ISSUER = 'https://idp.blink.test';
const AUDIENCE = 'blink';

let dir = '';
let ports: { plaintext: number; sasl: number; rest: number };
let broker: BrokerHandle | undefined;

function securedEnv(sasl: number, plaintext: number): Record<string, string> {
  return {
    LISTENERS: `PLAINTEXT://${HOST}:${plaintext},SASL_PLAINTEXT://${HOST}:${sasl}`,
    SASL_ENABLED_MECHANISMS: 'SCRAM-SHA-512,OAUTHBEARER',
    SASL_USERS: `alice:${PASSWORD}`,
    AUTHORIZER_ENABLED: 'true',
    SUPER_USERS: 'User:alice;User:ANONYMOUS',
  };
}

function startTokenBroker(): Promise<BrokerHandle> {
  return startBroker({
    reuse: { storagePath: join(dir, 'data'), kafkaPort: ports.plaintext, restPort: ports.rest },
    env: { ...securedEnv(ports.sasl, ports.plaintext), DELEGATION_TOKEN_SECRET_KEY: 'e2e-token-secret', STORAGE_MODE: 'durable' },
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blink-e2e-tokens-'));
  const [plaintext, sasl, rest] = (await freePorts(3)) as [number, number, number];
  ports = { plaintext, sasl, rest };
  broker = await startTokenBroker();
});

after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function clientProperties(name: string, lines: string[]): string {
  const path = join(dir, `${name}.properties`);
  writeFileSync(path, [...lines, ''].join('\n'));
  return path;
}

/** The Java producer (kafka-producer-perf-test) with these client properties; resolves with its run. */
function javaProduce(topic: string, properties: string) {
  return runKafkaTool('3.9', 'kafka-producer-perf-test', [
    '--topic', topic, '--num-records', '50', '--record-size', '50', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${HOST}:${ports.sasl}`, 'acks=1', 'max.block.ms=15000', 'delivery.timeout.ms=20000', 'request.timeout.ms=10000',
    '--producer.config', properties,
  ], { timeoutMs: TOOL_TIMEOUT_MS });
}

async function highWatermark(topic: string): Promise<string> {
  const result = await run('kcat', ['-b', `${HOST}:${ports.plaintext}`, '-m', '15', '-Q', '-t', `${topic}:0:-1`], { timeoutMs: 30_000 });
  return result.stdout;
}

describe('OAUTHBEARER with unsecured JWTs', () => {
  test('the Java producer logs in with OAuthBearerUnsecuredLoginCallbackHandler as alice', { timeout: TEST_TIMEOUT_MS }, async () => {
    const properties = clientProperties('oauth-alice', [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=OAUTHBEARER',
      'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";',
    ]);
    const topic = uniqueTopic('oauth-java');
    const produced = await javaProduce(topic, properties);
    assert.equal(produced.code, 0, describeRun('kafka-producer-perf-test over OAUTHBEARER', produced));
    assert.match(produced.stdout, /50 records sent/);
    assert.match(await highWatermark(topic), /offset 50\b/);
  });

  test('kcat (librdkafka) logs in as the principal of its unsecured JWT', { timeout: TEST_TIMEOUT_MS }, async () => {
    const kcat = (principal: string, topic: string) =>
      run('kcat', [
        '-b', `${HOST}:${ports.sasl}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=OAUTHBEARER',
        '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', `sasl.oauthbearer.config=principal=${principal}`,
        '-m', '15', '-P', '-t', topic,
      ], { timeoutMs: 30_000, input: 'one\ntwo\n' });
    const topic = uniqueTopic('oauth-kcat');
    const alice = await kcat('alice', topic);
    assert.equal(alice.code, 0, describeRun('kcat as alice', alice));
    assert.match(await highWatermark(topic), /offset 2\b/);
    const mallory = await kcat('mallory', uniqueTopic('oauth-kcat-denied'));
    assert.notEqual(mallory.code, 0, describeRun('kcat as mallory', mallory));
    assert.match(mallory.stderr + mallory.stdout, /authoriz/i, describeRun('kcat as mallory', mallory));
  });
});

describe('OAUTHBEARER against a JWKS file', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let jwksBroker: BrokerHandle | undefined;
  let saslPort = 0;

  before(async () => {
    const jwks = join(dir, 'jwks.json');
    writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'e2e-1', alg: 'RS256', use: 'sig' }] }));
    const [plaintext, sasl] = (await freePorts(2)) as [number, number];
    saslPort = sasl;
    jwksBroker = await startBroker({
      env: {
        ...securedEnv(sasl, plaintext),
        SASL_OAUTHBEARER_JWKS_ENDPOINT_URL: pathToFileURL(jwks).href,
        SASL_OAUTHBEARER_EXPECTED_ISSUER: ISSUER,
        SASL_OAUTHBEARER_EXPECTED_AUDIENCE: AUDIENCE,
        SASL_OAUTHBEARER_CLOCK_SKEW_SECONDS: '5',
      },
    });
  });

  after(async () => {
    await jwksBroker?.stop();
  });

  function token(overrides: Record<string, unknown> = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'RS256', kid: 'e2e-1', typ: 'JWT' })}.${part({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, iat: now - 5, exp: now + 600, ...overrides })}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  }

  async function produceWith(value: string): Promise<void> {
    const client = new kafkajs.Kafka({
      brokers: [`${HOST}:${saslPort}`],
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value }) },
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 5000,
    });
    const producer = client.producer();
    try {
      await producer.connect();
      await producer.send({ topic: uniqueTopic('oauth-jwks'), messages: [{ value: 'signed' }] });
    } finally {
      await producer.disconnect();
    }
  }

  test('kafkajs produces with a token signed by the JWKS key', { timeout: TEST_TIMEOUT_MS }, async () => {
    await produceWith(token());
  });

  test('a wrong issuer, a wrong audience and an expired token are refused (and a good one still passes after them)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [label, bad] of [
      ['issuer', token({ iss: 'https://evil.test' })],
      ['audience', token({ aud: 'someone-else' })],
      ['expiry', token({ iat: now - 3600, exp: now - 600 })],
    ] as const) {
      await assert.rejects(produceWith(bad), `a token with the wrong ${label} is refused`);
    }
    await produceWith(token());
  });
});

describe('delegation tokens', () => {
  const aliceScram = () =>
    clientProperties('alice-scram', [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${PASSWORD}";`,
    ]);
  const tokens = (args: string[]) => runKafkaTool('3.9', 'kafka-delegation-tokens', ['--bootstrap-server', `${HOST}:${ports.sasl}`, '--command-config', aliceScram(), ...args], { timeoutMs: TOOL_TIMEOUT_MS });

  /** The token rows of the tool's table (TOKENID HMAC OWNER ...). */
  function rows(stdout: string): string[][] {
    const lines = stdout.split('\n');
    const header = lines.findIndex((line) => line.startsWith('TOKENID'));
    return header < 0 ? [] : lines.slice(header + 1).map((line) => line.trim().split(/\s+/)).filter((cells) => cells.length > 3);
  }

  test('kafka-delegation-tokens creates, describes and renews; the Java client logs in with it (tokenauth); it survives a restart; expire removes it', { timeout: 240_000 }, async () => {
    const created = await tokens(['--create', '--max-life-time-period', '-1']);
    assert.equal(created.code, 0, describeRun('kafka-delegation-tokens --create', created));
    const [tokenId, hmac, owner] = rows(created.stdout)[0] ?? [];
    assert.ok(tokenId && hmac, describeRun('token row', created));
    assert.equal(owner, 'User:alice');

    // The 3.9 tool sends an empty owner list without --owner-principal, which Kafka answers with no tokens.
    const described = await tokens(['--describe', '--owner-principal', 'User:alice']);
    assert.equal(described.code, 0, describeRun('kafka-delegation-tokens --describe', described));
    assert.deepEqual(rows(described.stdout).map((row) => row.slice(0, 3)), [[tokenId, hmac, 'User:alice']]);

    const renewed = await tokens(['--renew', '--renew-time-period', '-1', '--hmac', hmac!]);
    assert.equal(renewed.code, 0, describeRun('kafka-delegation-tokens --renew', renewed));
    assert.match(renewed.stdout, /Completed renew operation/);

    await broker?.stop();
    broker = await startTokenBroker();

    const tokenLogin = clientProperties('token', [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${tokenId}" password="${hmac}" tokenauth="true";`,
    ]);
    const topic = uniqueTopic('token-java');
    const produced = await javaProduce(topic, tokenLogin);
    assert.equal(produced.code, 0, describeRun('kafka-producer-perf-test with the delegation token', produced));
    assert.match(await highWatermark(topic), /offset 50\b/);

    const expired = await tokens(['--expire', '--expiry-time-period', '-1', '--hmac', hmac!]);
    assert.equal(expired.code, 0, describeRun('kafka-delegation-tokens --expire', expired));
    const after = await tokens(['--describe', '--owner-principal', 'User:alice']);
    assert.deepEqual(rows(after.stdout), [], describeRun('describe after expire', after));
  });
});
