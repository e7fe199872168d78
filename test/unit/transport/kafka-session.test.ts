/** The Session the authorizer sees for a request: its connection's principal and the client's host, cached per connection while both stay. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '../../../src/common/kafka-principal.js';
import type { ConnectionContext } from '../../../src/kafka/transport/connection-context.js';
import type { KafkaRequest } from '../../../src/kafka/transport/kafka-request.js';
import { sessionOf } from '../../../src/kafka/transport/kafka-session.js';

function connection(principal: KafkaPrincipal): ConnectionContext {
  return { principal, listenerName: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', clientPort: 1234, clientSoftware: null, muteUntil: () => undefined };
}

const request = (c: ConnectionContext, clientHost = '10.0.0.1') => ({ connection: c, clientHost }) as unknown as KafkaRequest<unknown>;

describe('sessionOf', () => {
  it('names the connection principal and host, the same Session while they stay', () => {
    const c = connection(ANONYMOUS_PRINCIPAL);
    const first = sessionOf(request(c));
    assert.deepEqual(first, { principal: 'User:ANONYMOUS', host: '10.0.0.1' });
    assert.equal(sessionOf(request(c)), first);
  });

  it('follows a login to its principal, and a change of host', () => {
    const c = connection(ANONYMOUS_PRINCIPAL);
    sessionOf(request(c));
    (c as { principal: KafkaPrincipal }).principal = { principalType: 'User', name: 'alice' };
    assert.deepEqual(sessionOf(request(c)), { principal: 'User:alice', host: '10.0.0.1' });
    assert.deepEqual(sessionOf(request(c, '10.0.0.2')), { principal: 'User:alice', host: '10.0.0.2' });
  });

  it('keeps connections apart', () => {
    const alice = connection({ principalType: 'User', name: 'alice' });
    const bob = connection({ principalType: 'User', name: 'bob' });
    assert.equal(sessionOf(request(alice)).principal, 'User:alice');
    assert.equal(sessionOf(request(bob)).principal, 'User:bob');
    assert.equal(sessionOf(request(alice)).principal, 'User:alice');
  });
});
