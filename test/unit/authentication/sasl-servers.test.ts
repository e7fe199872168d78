/** The principals SASL logins give: one object per user, shared by all its connections, within a bound. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DelegationTokenStore } from '../../../src/authentication/delegation-token-store.js';
import { SaslMechanisms } from '../../../src/authentication/sasl-servers.js';
import { MAX_SHARED_PRINCIPALS } from '../../../src/common/kafka-principal.js';
import { ScramCredentialStore } from '../../../src/authentication/scram-credential-store.js';
import { loadSettings } from '../../../src/config/settings.js';
import { FakeClock } from '../../support/fake-clock.js';

function mechanisms(): SaslMechanisms {
  const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
  const clock = new FakeClock();
  return new SaslMechanisms(config, new ScramCredentialStore(config), new DelegationTokenStore(config, clock), clock);
}

describe('SaslMechanisms.principalFor', () => {
  it('gives every login of a user the same principal, a delegation-token login its own marked one', () => {
    const m = mechanisms();
    const alice = m.principalFor('alice', false);
    assert.deepEqual(alice, { principalType: 'User', name: 'alice' });
    assert.equal(m.principalFor('alice', false), alice);
    const token = m.principalFor('alice', true);
    assert.deepEqual(token, { principalType: 'User', name: 'alice', tokenAuthenticated: true });
    assert.equal(m.principalFor('alice', true), token);
    assert.notEqual(m.principalFor('bob', false), alice);
  });

  it('keeps at most MAX_SHARED_PRINCIPALS users, and still names the users past them', () => {
    const m = mechanisms();
    for (let i = 0; i < MAX_SHARED_PRINCIPALS; i++) m.principalFor(`user-${i}`, false);
    const past = m.principalFor('one-more', false);
    assert.deepEqual(past, { principalType: 'User', name: 'one-more' });
    assert.notEqual(m.principalFor('one-more', false), past, 'not kept');
    assert.equal(m.principalFor('user-0', false), m.principalFor('user-0', false));
  });
});
