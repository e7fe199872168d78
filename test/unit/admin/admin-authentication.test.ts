/**
 * Who a REST request is (admin-authentication.ts): the admin token's principal, a SASL user
 * through HTTP Basic under the authorizer (the stored SCRAM credentials, not a copy), refused
 * Basic over plain HTTP unless allowed, the same refusal for a wrong password and an unknown
 * user, and Basic ignored while the authorizer is off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminAuthentication, type AdminIdentity, type CredentialsRequest } from '../../../src/admin/http/admin-authentication.js';
import { AdminTokenCheck } from '../../../src/admin/http/admin-token.js';
import { ScramCredentialStore } from '../../../src/authentication/scram-credential-store.js';
import { loadSettings } from '../../../src/config/settings.js';
import { authorizerFor } from '../kafka/authorizer-support.js';

const TOKEN = 'secret-token';

function authentication(env: Record<string, string>, authorizerEnabled = true): AdminAuthentication {
  const config = loadSettings({ argv: [], env: { ADMIN_TOKEN_PRINCIPAL: 'User:ops', ...env }, cwd: '/nonexistent-dir-for-tests' });
  const store = new ScramCredentialStore(config);
  store['provision']({ name: 'alice', password: 'wonder:land' });
  const { authorizer } = authorizerFor({ enabled: authorizerEnabled });
  return new AdminAuthentication(config, authorizer, new AdminTokenCheck(config), store);
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const request = (authorization: string | undefined, over: Partial<CredentialsRequest> = {}): CredentialsRequest => ({ route: '/api/v1/topics', authorization, secure: true, ...over });

function principal(identity: AdminIdentity): string {
  assert.ok('principal' in identity, `refused: ${'refusal' in identity ? identity.refusal : ''}`);
  return identity.principal;
}

function refusal(identity: AdminIdentity): { refusal: string; challenges: readonly string[] } {
  assert.ok('refusal' in identity, `accepted as ${'principal' in identity ? identity.principal : ''}`);
  return identity;
}

describe('REST admin authentication', () => {
  it('makes a SASL user with the right password User:<name>, its password may hold colons', () => {
    assert.equal(principal(authentication({}).authenticate(request(basic('alice', 'wonder:land')))), 'User:alice');
  });

  it('answers a wrong password and an unknown user alike, offering both schemes', () => {
    const auth = authentication({});
    const wrong = refusal(auth.authenticate(request(basic('alice', 'nope'))));
    const unknown = refusal(auth.authenticate(request(basic('mallory', 'wonder:land'))));
    assert.equal(wrong.refusal, unknown.refusal);
    assert.deepEqual(wrong.challenges, ['Bearer realm="blink"', 'Basic realm="blink", charset="UTF-8"']);
    assert.doesNotMatch(wrong.refusal, /alice|nope/);
  });

  it('refuses Basic over plain HTTP, saying how to allow it, unless rest_allow_basic_over_http', () => {
    const plain = request(basic('alice', 'wonder:land'), { secure: false });
    assert.match(refusal(authentication({}).authenticate(plain)).refusal, /plain HTTP.*rest_ssl_enabled.*rest_allow_basic_over_http/);
    assert.equal(principal(authentication({ REST_ALLOW_BASIC_OVER_HTTP: 'true' }).authenticate(plain)), 'User:alice');
  });

  it('keeps the admin token: its principal with it, a 401 without it, User:ANONYMOUS when none is configured', () => {
    const auth = authentication({ ADMIN_TOKEN: TOKEN });
    assert.equal(principal(auth.authenticate(request(`Bearer ${TOKEN}`))), 'User:ops');
    assert.match(refusal(auth.authenticate(request(undefined))).refusal, /Bearer <admin_token>" or HTTP Basic/);
    assert.equal(principal(auth.authenticate(request(basic('alice', 'wonder:land')))), 'User:alice', 'Basic works beside the token');
    assert.equal(principal(authentication({}).authenticate(request(undefined))), 'User:ANONYMOUS');
  });

  it('ignores Basic while the authorizer is off, and never asks for credentials on the probes', () => {
    const off = authentication({ ADMIN_TOKEN: TOKEN }, false);
    const refused = refusal(off.authenticate(request(basic('alice', 'wonder:land'))));
    assert.deepEqual(refused.challenges, ['Bearer realm="blink"']);
    assert.doesNotMatch(refused.refusal, /Basic/);
    assert.equal(principal(off.authenticate(request(undefined, { route: '/health/ready' }))), 'User:ANONYMOUS');
  });
});
