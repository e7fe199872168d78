/**
 * SASL in front of the handlers, on a fake socket and a fake clock: both framings (SaslHandshake
 * v1 + SaslAuthenticate, SaslHandshake v0 + raw tokens), the principal handlers see after
 * login, what is refused before it (and how: answer or close, after the failed-login delay),
 * a wrong password and an unknown user answered alike, and the session lifetime with
 * re-authentication (KIP-368).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { DelegationTokenStore } from '../../../src/authentication/delegation-token-store.js';
import { SaslMechanisms } from '../../../src/authentication/sasl-servers.js';
import { ScramCredentialStore } from '../../../src/authentication/scram-credential-store.js';
import { ANONYMOUS_PRINCIPAL, principalText } from '../../../src/common/kafka-principal.js';
import { loadSettings } from '../../../src/config/settings.js';
import { BatchMemory, batchMemoryLimitsFor } from '../../../src/storage/batch-memory.js';
import { ApiRegistry } from '../../../src/kafka/transport/api-registry.js';
import { KafkaConnection } from '../../../src/kafka/transport/kafka-connection.js';
import { SaslGate } from '../../../src/kafka/transport/sasl-gate.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { FindCoordinatorApi } from '../../../src/wire/messages/10-find-coordinator.js';
import { SaslHandshakeApi } from '../../../src/wire/messages/17-sasl-handshake.js';
import { ApiVersionsApi } from '../../../src/wire/messages/18-api-versions.js';
import { SaslAuthenticateApi } from '../../../src/wire/messages/36-sasl-authenticate.js';
import { FakeClock, settle } from '../../support/fake-clock.js';
import { FakeSocket, readResponse, requestFrame } from '../../support/fake-socket.js';
import { servedNow } from '../../support/served-api.js';

Logger.overrideLogger(false);

const DELAY_MS = 100;

function connect(env: Record<string, string> = {}) {
  const config = loadSettings({ argv: [], env: { CONNECTION_FAILED_AUTHENTICATION_DELAY_MS: String(DELAY_MS), SASL_ENABLED_MECHANISMS: 'PLAIN,SCRAM-SHA-256', ...env }, cwd: '/nonexistent-dir-for-tests' });
  const store = new ScramCredentialStore(config);
  store['provision']({ name: 'alice', password: 'secret' });
  store['provision']({ name: 'bob', password: 'bob-secret' });
  const clock = new FakeClock();
  const principals: string[] = [];
  const registry = new ApiRegistry();
  registry.register(
    servedNow(FindCoordinatorApi, 0, 2, async (request) => {
      principals.push(principalText(request.connection.principal));
      return { errorCode: 0 };
    }),
  );
  registry.register({ codec: ApiVersionsApi, minVersion: 0, maxVersion: 3, advertised: true, invoke: async () => ({ errorCode: 0, apiKeys: [] }), refuse: () => ({}) });
  const socket = new FakeSocket();
  const identity = { principal: ANONYMOUS_PRINCIPAL, listenerName: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT' } as const;
  const mechanisms = new SaslMechanisms(config, store, new DelegationTokenStore(config, clock), clock);
  new KafkaConnection(socket, registry, { maxFrameBytes: 1 << 20, maxBufferedBytes: 1 << 20 }, new Logger('test'), { requestHandled: () => undefined }, clock, new BatchMemory(batchMemoryLimitsFor(1 << 20)), { identity, gate: new SaslGate(config.sasl, mechanisms, clock) });
  return { socket, clock, principals };
}

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`);
const findCoordinator = (correlationId: number) => requestFrame(FindCoordinatorApi, 1, correlationId, { key: 'g', keyType: 0, coordinatorKeys: [] });

async function loginV1(socket: FakeSocket, password = 'secret', user = 'alice', version = 2) {
  socket.receive(requestFrame(SaslHandshakeApi, 1, 1, { mechanism: 'PLAIN' }));
  socket.receive(requestFrame(SaslAuthenticateApi, version, 2, { authBytes: plain(user, password) }));
  await settle();
  const [handshake, authenticate] = socket.responses().slice(-2) as [Buffer, Buffer];
  return {
    handshake: readResponse(handshake, SaslHandshakeApi, 1, false).body,
    authenticate: readResponse(authenticate, SaslAuthenticateApi, version, version >= 2).body,
  };
}

describe('SaslGate, SaslHandshake v1 + SaslAuthenticate', () => {
  it('logs in with PLAIN and hands the principal to the handlers', async () => {
    const { socket, principals } = connect();
    const { handshake, authenticate } = await loginV1(socket);
    assert.deepEqual(handshake, { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
    assert.equal(authenticate.errorCode, ErrorCode.NONE);
    assert.equal(authenticate.sessionLifetimeMs, 0);
    socket.receive(findCoordinator(3));
    await settle();
    assert.deepEqual(principals, ['User:alice']);
  });

  it('answers a wrong password and an unknown user alike, then closes after the delay', async () => {
    const answers = [];
    for (const [user, password] of [['alice', 'wrong'], ['mallory', 'secret']] as const) {
      const { socket, clock } = connect();
      const { authenticate } = await loginV1(socket, password, user);
      answers.push(authenticate);
      assert.equal(socket.destroyed, false, 'still open during the delay');
      await clock.advanceAndSettle(DELAY_MS);
      assert.equal(socket.destroyed, true);
    }
    assert.equal(answers[0]!.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(answers[0]!.errorMessage, 'Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN');
    assert.deepEqual(answers[1], answers[0]);
  });

  it('refuses a mechanism that is not enabled with the enabled list, then closes', async () => {
    const { socket } = connect();
    socket.receive(requestFrame(SaslHandshakeApi, 1, 1, { mechanism: 'SCRAM-SHA-512' }));
    await settle();
    assert.deepEqual(readResponse(socket.responses()[0]!, SaslHandshakeApi, 1, false).body, {
      errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      mechanisms: ['PLAIN', 'SCRAM-SHA-256'],
    });
    assert.equal(socket.destroyed, true);
  });

  it('answers ApiVersions before login and closes on any other request, unanswered', async () => {
    const { socket, principals } = connect();
    socket.receive(requestFrame(ApiVersionsApi, 3, 1, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
    await settle();
    assert.equal(socket.responses().length, 1);
    socket.receive(findCoordinator(2));
    await settle();
    assert.equal(socket.destroyed, true);
    assert.deepEqual([socket.responses().length, principals], [1, []]);
  });
});

describe('SaslGate, SaslHandshake v0 + raw tokens', () => {
  it('answers a PLAIN token with an empty token, then serves requests', async () => {
    const { socket, principals } = connect();
    socket.receive(requestFrame(SaslHandshakeApi, 0, 1, { mechanism: 'PLAIN' }));
    const token = plain('alice', 'secret');
    const size = Buffer.alloc(4);
    size.writeInt32BE(token.length);
    socket.receive(Buffer.concat([size, token]));
    await settle();
    assert.deepEqual(socket.responses()[1], Buffer.alloc(0), 'a size-prefixed empty token');
    socket.receive(findCoordinator(3));
    await settle();
    assert.deepEqual(principals, ['User:alice']);
  });
});

describe('SaslGate, session lifetime and re-authentication', () => {
  it('announces connections_max_reauth_ms, closes an expired session, and re-authentication renews it', async () => {
    const { socket, clock, principals } = connect({ CONNECTIONS_MAX_REAUTH_MS: '1000' });
    const { authenticate } = await loginV1(socket, 'secret', 'alice', 1);
    assert.equal(authenticate.sessionLifetimeMs, 1000);
    await clock.advanceAndSettle(900);
    await loginV1(socket, 'secret', 'alice', 1);
    await clock.advanceAndSettle(900);
    socket.receive(findCoordinator(3));
    await settle();
    assert.deepEqual(principals, ['User:alice'], 'renewed: 1800 ms after the first login, 900 after the second');
    await clock.advanceAndSettle(100);
    socket.receive(findCoordinator(4));
    await settle();
    assert.equal(socket.destroyed, true);
    assert.equal(principals.length, 1);
  });

  it('refuses a re-authentication as another user', async () => {
    const { socket } = connect();
    await loginV1(socket);
    const { authenticate } = await loginV1(socket, 'bob-secret', 'bob');
    assert.equal(authenticate.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(authenticate.errorMessage, 'Authentication failed during re-authentication due to invalid credentials with SASL mechanism PLAIN');
  });
});

describe('SaslGate, bounds', () => {
  it('closes a connection that sends a frame over 512 KiB before login, and takes large frames after it', async () => {
    const before = connect();
    const tooLarge = Buffer.alloc(4);
    tooLarge.writeInt32BE(524_289);
    before.socket.receive(tooLarge);
    await settle();
    assert.equal(before.socket.destroyed, true);

    const after = connect();
    await loginV1(after.socket);
    after.socket.receive(tooLarge);
    await settle();
    assert.equal(after.socket.destroyed, false, 'the authenticated connection waits for the rest of the frame');
  });
});

describe('SaslGate, OAUTHBEARER', () => {
  const jwt = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  const bearer = (token: string) => Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`);

  async function oauthLogin(socket: FakeSocket, token: string, correlationId = 1) {
    socket.receive(requestFrame(SaslHandshakeApi, 1, correlationId, { mechanism: 'OAUTHBEARER' }));
    socket.receive(requestFrame(SaslAuthenticateApi, 2, correlationId + 1, { authBytes: bearer(token) }));
    await settle();
    return readResponse(socket.responses().at(-1)!, SaslAuthenticateApi, 2, true).body;
  }

  it('takes the session lifetime from the token exp when it comes before connections_max_reauth_ms', async () => {
    const { socket, clock, principals } = connect({ SASL_ENABLED_MECHANISMS: 'OAUTHBEARER', CONNECTIONS_MAX_REAUTH_MS: '1h' });
    const exp = Math.floor(clock.nowMs() / 1000) + 60;
    const authenticate = await oauthLogin(socket, jwt({ sub: 'carol', exp }));
    assert.equal(authenticate.errorCode, ErrorCode.NONE);
    assert.equal(authenticate.sessionLifetimeMs, exp * 1000 - clock.nowMs());
    socket.receive(findCoordinator(3));
    await settle();
    assert.deepEqual(principals, ['User:carol']);
    await clock.advanceAndSettle(60_000);
    socket.receive(findCoordinator(4));
    await settle();
    assert.equal(socket.destroyed, true, 'the session ended with the token');
  });

  it('answers a bad token with the invalid_token challenge, then SASL_AUTHENTICATION_FAILED, then closes after the delay', async () => {
    const { socket, clock } = connect({ SASL_ENABLED_MECHANISMS: 'OAUTHBEARER' });
    const expired = await oauthLogin(socket, jwt({ sub: 'carol', exp: Math.floor(clock.nowMs() / 1000) - 3600 }));
    assert.equal(expired.errorCode, ErrorCode.NONE);
    assert.deepEqual(JSON.parse(String(expired.authBytes)), { status: 'invalid_token' });
    socket.receive(requestFrame(SaslAuthenticateApi, 2, 3, { authBytes: Buffer.from([1]) }));
    await settle();
    const failed = readResponse(socket.responses().at(-1)!, SaslAuthenticateApi, 2, true).body;
    assert.equal(failed.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(failed.errorMessage, 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER');
    await clock.advanceAndSettle(DELAY_MS);
    assert.equal(socket.destroyed, true);
  });
});
