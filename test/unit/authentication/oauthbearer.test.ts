/**
 * SASL OAUTHBEARER's server side, and SCRAM with `tokenauth=true`, as the SASL mechanisms
 * run them: the RFC 7628 initial response, Kafka's unsecured validator (alg none, exp, iat,
 * required scope), the JWKS validator (RS256, PS256 and ES256 keys generated here, issuer,
 * audience, expiry with clock skew, the sub claim name), the invalid_token challenge then
 * failure, and a delegation token's HMAC as a SCRAM password.
 */
import assert from 'node:assert/strict';
import { constants, createHash, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { DelegationTokenStore } from '../../../src/authentication/delegation-token-store.js';
import { JwksTokenValidator, OAuthBearerServer, parseInitialResponse, parseJwks, UnsecuredTokenValidator } from '../../../src/authentication/oauthbearer.js';
import { SaslAuthenticationFailed, type SaslServer } from '../../../src/authentication/sasl-server.js';
import { SaslMechanisms } from '../../../src/authentication/sasl-servers.js';
import { ScramCredentialStore } from '../../../src/authentication/scram-credential-store.js';
import { saltedPassword } from '../../../src/authentication/scram.js';
import { loadSettings } from '../../../src/config/settings.js';
import { FakeClock } from '../../support/fake-clock.js';

Logger.overrideLogger(false);

const NOW_MS = 1_700_000_000_000;
const seconds = (ms: number) => Math.floor(ms / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function settings(env: Record<string, string> = {}) {
  return loadSettings({ argv: [], env: { SASL_ENABLED_MECHANISMS: 'OAUTHBEARER,SCRAM-SHA-512', ...env }, cwd: '/nonexistent-dir-for-tests' });
}

function unsecuredJwt(claims: object): string {
  return `${b64({ alg: 'none' })}.${b64(claims)}.`;
}

function signedJwt(claims: object, key: KeyObject, alg: 'RS256' | 'ES256', kid: string): string {
  const input = `${b64({ alg, kid, typ: 'JWT' })}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

function initialResponse(token: string, authzid = ''): Buffer {
  return Buffer.from(`n,${authzid === '' ? '' : `a=${authzid}`},\x01auth=Bearer ${token}\x01\x01`);
}

const valid = { sub: 'alice', iat: seconds(NOW_MS) - 10, exp: seconds(NOW_MS) + 3600 };

describe('OAUTHBEARER initial response', () => {
  it('reads the token and the authorization id, extensions included', () => {
    assert.deepEqual(parseInitialResponse('n,a=alice,\x01auth=Bearer abc.def.\x01traceId=42\x01\x01'), { token: 'abc.def.', authzid: 'alice' });
    assert.deepEqual(parseInitialResponse('n,,\x01auth=Bearer x.y.z\x01\x01'), { token: 'x.y.z', authzid: null });
    assert.throws(() => parseInitialResponse('n,,auth=Bearer x.y.z'), /initial client response/);
    assert.throws(() => parseInitialResponse('n,,\x01auth=Basic abc\x01\x01'), /no bearer token/);
  });
});

describe('OAUTHBEARER unsecured validator', () => {
  const validator = new UnsecuredTokenValidator(settings({ SASL_OAUTHBEARER_CLOCK_SKEW_SECONDS: '0' }).sasl.oauthBearer);

  it('takes the principal from sub and the lifetime from exp', () => {
    assert.deepEqual(validator.validate(unsecuredJwt(valid), NOW_MS), { principal: 'alice', expiresAtMs: valid.exp * 1000 });
  });

  it('refuses a signed token, no exp, an expired token, one issued in the future, and one without sub', () => {
    assert.throws(() => validator.validate(`${b64({ alg: 'HS256' })}.${b64(valid)}.c2ln`, NOW_MS), /alg none/);
    assert.throws(() => validator.validate(unsecuredJwt({ sub: 'alice' }), NOW_MS), /no exp claim/);
    assert.throws(() => validator.validate(unsecuredJwt({ ...valid, exp: seconds(NOW_MS) }), NOW_MS), /expired/);
    assert.throws(() => validator.validate(unsecuredJwt({ ...valid, iat: seconds(NOW_MS) + 60 }), NOW_MS), /future/);
    assert.throws(() => validator.validate(unsecuredJwt({ exp: valid.exp }), NOW_MS), /no sub claim/);
  });

  it('demands the required scopes, as a string or a list claim', () => {
    const scoped = new UnsecuredTokenValidator(settings({ SASL_OAUTHBEARER_UNSECURED_VALIDATOR_REQUIRED_SCOPE: 'kafka,write' }).sasl.oauthBearer);
    assert.throws(() => scoped.validate(unsecuredJwt({ ...valid, scope: 'kafka' }), NOW_MS), /required scope write/);
    assert.equal(scoped.validate(unsecuredJwt({ ...valid, scope: 'read kafka write' }), NOW_MS).principal, 'alice');
    assert.equal(scoped.validate(unsecuredJwt({ ...valid, scope: ['kafka', 'write'] }), NOW_MS).principal, 'alice');
  });
});

describe('OAUTHBEARER JWKS validator', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = JSON.stringify({
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig', alg: 'RS256' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' },
    ],
  });
  const config = settings({
    SASL_OAUTHBEARER_EXPECTED_ISSUER: 'https://idp.example',
    SASL_OAUTHBEARER_EXPECTED_AUDIENCE: 'blink,other',
    SASL_OAUTHBEARER_SUB_CLAIM_NAME: 'client_id',
    SASL_OAUTHBEARER_CLOCK_SKEW_SECONDS: '30',
  }).sasl.oauthBearer;
  const validator = new JwksTokenValidator(config, parseJwks(jwks));
  const claims = { client_id: 'svc-orders', iss: 'https://idp.example', aud: ['blink'], iat: valid.iat, exp: valid.exp };

  it('accepts PS256 tokens (RSASSA-PSS, salt of 32 bytes) and refuses the same signature as RS256 (PKCS#1 v1.5)', () => {
    const pss = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pssValidator = new JwksTokenValidator(config, parseJwks(JSON.stringify({ keys: [{ ...pss.publicKey.export({ format: 'jwk' }), kid: 'pss-1', use: 'sig' }] })));
    const token = (alg: string): string => {
      const input = `${b64({ alg, kid: 'pss-1', typ: 'JWT' })}.${b64(claims)}`;
      const signature = sign('sha256', Buffer.from(input), { key: pss.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      return `${input}.${signature.toString('base64url')}`;
    };
    assert.equal(pssValidator.validate(token('PS256'), NOW_MS).principal, 'svc-orders');
    assert.throws(() => pssValidator.validate(token('RS256'), NOW_MS), /does not verify/);
  });

  it('accepts RS256 and ES256 tokens signed by a key of the file, principal from the configured claim', () => {
    assert.deepEqual(validator.validate(signedJwt(claims, rsa.privateKey, 'RS256', 'rsa-1'), NOW_MS), { principal: 'svc-orders', expiresAtMs: valid.exp * 1000 });
    assert.equal(validator.validate(signedJwt({ ...claims, aud: 'other' }, ec.privateKey, 'ES256', 'ec-1'), NOW_MS).principal, 'svc-orders');
  });

  it('refuses a foreign key, a wrong issuer or audience, an expired token (past the skew), a missing iat, and alg none', () => {
    assert.throws(() => validator.validate(signedJwt(claims, other.privateKey, 'RS256', 'rsa-1'), NOW_MS), /does not verify/);
    assert.throws(() => validator.validate(signedJwt(claims, rsa.privateKey, 'RS256', 'unknown'), NOW_MS), /no key in the JWKS/);
    assert.throws(() => validator.validate(signedJwt({ ...claims, iss: 'https://evil.example' }, rsa.privateKey, 'RS256', 'rsa-1'), NOW_MS), /issuer/);
    assert.throws(() => validator.validate(signedJwt({ ...claims, aud: 'someone-else' }, rsa.privateKey, 'RS256', 'rsa-1'), NOW_MS), /audience/);
    const expiredAt = seconds(NOW_MS) - 20;
    assert.equal(validator.validate(signedJwt({ ...claims, iat: expiredAt - 60, exp: expiredAt }, rsa.privateKey, 'RS256', 'rsa-1'), NOW_MS).principal, 'svc-orders', 'within the 30 s skew');
    assert.throws(() => validator.validate(signedJwt({ ...claims, iat: expiredAt - 60, exp: expiredAt }, rsa.privateKey, 'RS256', 'rsa-1'), NOW_MS + 11_000), /expired/);
    const { iat: _iat, ...noIat } = claims;
    assert.throws(() => validator.validate(signedJwt(noIat, rsa.privateKey, 'RS256', 'rsa-1'), NOW_MS), /no iat claim/);
    assert.throws(() => validator.validate(unsecuredJwt(claims), NOW_MS), /algorithm none is not accepted/);
  });
});

describe('OAUTHBEARER server exchange', () => {
  const server = () => new OAuthBearerServer(new UnsecuredTokenValidator(settings().sasl.oauthBearer), () => NOW_MS);

  it('logs a good token in at once, with the credential lifetime of its exp', () => {
    assert.deepEqual(server().evaluate(initialResponse(unsecuredJwt(valid), 'alice')), { challenge: Buffer.alloc(0), user: 'alice', credentialExpiresAtMs: valid.exp * 1000 });
  });

  it('answers a bad token with the invalid_token challenge, then fails on the client\'s %x01', () => {
    const exchange = server();
    const step = exchange.evaluate(initialResponse(unsecuredJwt({ ...valid, exp: seconds(NOW_MS) - 3600 })));
    assert.deepEqual(JSON.parse(step.challenge.toString()), { status: 'invalid_token' });
    assert.equal(step.user, undefined);
    assert.throws(() => exchange.evaluate(Buffer.from([1])), (error) => error instanceof SaslAuthenticationFailed && /expired/.test(error.message));
  });

  it('refuses an authorization id other than the token principal', () => {
    const step = server().evaluate(initialResponse(unsecuredJwt(valid), 'mallory'));
    assert.deepEqual(JSON.parse(step.challenge.toString()), { status: 'invalid_token' });
  });
});

/** The client side of SCRAM-SHA-512 (RFC 5802), enough to log in with a token id and its HMAC. */
function scramLogin(server: SaslServer, user: string, password: string, extensions = ',tokenauth=true') {
  const nonce = randomBytes(12).toString('base64');
  const bare = `n=${user},r=${nonce}${extensions}`;
  const serverFirst = server.evaluate(Buffer.from(`n,,${bare}`)).challenge.toString();
  const attributes = new Map(serverFirst.split(',').map((part) => [part.slice(0, 1), part.slice(2)]));
  const salted = saltedPassword('sha512', password, Buffer.from(attributes.get('s')!, 'base64'), Number(attributes.get('i')));
  const withoutProof = `c=biws,r=${attributes.get('r')}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const clientKey = createHmac('sha512', salted).update('Client Key').digest();
  const storedKey = createHash('sha512').update(clientKey).digest();
  const signature = createHmac('sha512', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
  return server.evaluate(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
}

describe('SCRAM with tokenauth=true', () => {
  async function setup() {
    const clock = new FakeClock();
    const config = settings({ DELEGATION_TOKEN_SECRET_KEY: 'secret' });
    const tokens = new DelegationTokenStore(config, clock);
    (tokens as unknown as { file: unknown }).file = { load: async () => null, save: async () => undefined };
    await tokens.onModuleInit();
    return { clock, tokens, mechanisms: new SaslMechanisms(config, new ScramCredentialStore(config), tokens, clock) };
  }

  it('authenticates the token id with its base64 HMAC as the owner, token-authenticated, for the token lifetime', async () => {
    const { tokens, mechanisms } = await setup();
    const token = await tokens.create('User:alice', 'User:alice', [], -1);
    const step = scramLogin(mechanisms.serverFor('SCRAM-SHA-512'), token.tokenId, tokens.hmacOf(token.tokenId).toString('base64'));
    assert.deepEqual([step.user, step.tokenAuthenticated, step.credentialExpiresAtMs], ['alice', true, token.expiryTimestampMs]);
  });

  it('refuses a wrong HMAC, an expired token, and the token id without tokenauth', async () => {
    const { clock, tokens, mechanisms } = await setup();
    const token = await tokens.create('User:alice', 'User:alice', [], -1);
    const password = tokens.hmacOf(token.tokenId).toString('base64');
    assert.throws(() => scramLogin(mechanisms.serverFor('SCRAM-SHA-512'), token.tokenId, 'wrong'), SaslAuthenticationFailed);
    assert.throws(() => scramLogin(mechanisms.serverFor('SCRAM-SHA-512'), token.tokenId, password, ''), SaslAuthenticationFailed);
    clock.advance(token.expiryTimestampMs - clock.nowMs() + 1);
    assert.throws(() => scramLogin(mechanisms.serverFor('SCRAM-SHA-512'), token.tokenId, password), SaslAuthenticationFailed);
  });
});
