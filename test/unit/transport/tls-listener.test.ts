/** The mTLS principal's DN: Node's subject lines, in RFC 2253 order (CN first) with its escapes, as Kafka prints it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rfc2253 } from '../../../src/kafka/transport/tls-listener.js';

describe('rfc2253', () => {
  it('reverses the certificate order so that CN comes first, without spaces', () => {
    assert.equal(rfc2253('C=DE\nO=Blink\nOU=Platform\nCN=e2e-client'), 'CN=e2e-client,OU=Platform,O=Blink,C=DE');
  });

  it('escapes the characters RFC 2253 reserves, and leading and trailing spaces', () => {
    assert.equal(rfc2253('O=Acme, Inc.\nCN=a+b;c<d>"e"\\'), 'CN=a\\+b\\;c\\<d\\>\\"e\\"\\\\,O=Acme\\, Inc.');
    assert.equal(rfc2253('CN= padded '), 'CN=\\ padded\\ ');
  });
});
