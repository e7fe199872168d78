/**
 * SCRAM math against the RFC test vectors: RFC 5802 section 5 (SCRAM-SHA-1) and RFC 7677
 * section 3 (SCRAM-SHA-256) — the server-first message, the client proof check and the
 * server signature — plus the message parsing rules Blink enforces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  credentialFromPassword,
  credentialFromSaltedPassword,
  parseClientFirst,
  passwordMatches,
  saltedPassword,
  ScramFormatError,
  serverFirst,
  verifyClientFinal,
  type ScramHash,
} from '../../../src/authentication/scram.js';

interface Vector {
  readonly hash: ScramHash;
  readonly clientFirst: string;
  readonly serverNonce: string;
  readonly salt: string;
  readonly serverFirst: string;
  readonly clientFinal: string;
  readonly serverFinal: string;
}

const RFC5802: Vector = {
  hash: 'sha1',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverNonce: '3rfcNHYJY1ZVvWVs7j',
  salt: 'QSXCR+Q6sek8bf92',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};

const RFC7677: Vector = {
  hash: 'sha256',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

describe('SCRAM against the RFC test vectors', () => {
  for (const [name, vector] of [['RFC 5802 (SHA-1)', RFC5802], ['RFC 7677 (SHA-256)', RFC7677]] as const) {
    it(`${name}: server-first, proof and server signature`, () => {
      const credential = credentialFromPassword(vector.hash, 'pencil', Buffer.from(vector.salt, 'base64'), 4096);
      const first = parseClientFirst(vector.clientFirst);
      assert.equal(first.user, 'user');
      const sent = serverFirst(first.clientNonce, vector.serverNonce, credential);
      assert.equal(sent, vector.serverFirst);
      assert.equal(verifyClientFinal(vector.hash, credential, first, sent, vector.clientFinal), vector.serverFinal);
    });

    it(`${name}: a wrong password's proof is refused`, () => {
      const credential = credentialFromPassword(vector.hash, 'pencil2', Buffer.from(vector.salt, 'base64'), 4096);
      const first = parseClientFirst(vector.clientFirst);
      assert.equal(verifyClientFinal(vector.hash, credential, first, serverFirst(first.clientNonce, vector.serverNonce, credential), vector.clientFinal), null);
    });
  }

  it('derives the same credential from the salted password a client sends (AlterUserScramCredentials)', () => {
    const salt = Buffer.from(RFC7677.salt, 'base64');
    const fromSalted = credentialFromSaltedPassword('sha256', saltedPassword('sha256', 'pencil', salt, 4096), salt, 4096);
    assert.deepEqual(fromSalted, credentialFromPassword('sha256', 'pencil', salt, 4096));
    assert.equal(passwordMatches('sha256', fromSalted, 'pencil'), true);
    assert.equal(passwordMatches('sha256', fromSalted, 'pencil!'), false);
  });
});

describe('SCRAM message rules', () => {
  it('reads escaped names, an authorization id equal to the user and Kafka extensions', () => {
    const first = parseClientFirst('n,a=a=2Cb,n=a=2Cb,r=abc,tokenauth=true');
    assert.equal(first.user, 'a,b');
    assert.equal(first.extensions.get('tokenauth'), 'true');
    assert.equal(first.gs2Header, 'n,a=a=2Cb,');
  });

  it('refuses channel binding, another authorization id and a nonce the server did not extend', () => {
    assert.throws(() => parseClientFirst('p=tls-unique,,n=user,r=abc'), ScramFormatError);
    assert.throws(() => parseClientFirst('n,a=admin,n=user,r=abc'), ScramFormatError);
    const credential = credentialFromPassword('sha256', 'pencil', Buffer.from(RFC7677.salt, 'base64'), 4096);
    const first = parseClientFirst(RFC7677.clientFirst);
    const sent = serverFirst(first.clientNonce, 'other', credential);
    assert.throws(() => verifyClientFinal('sha256', credential, first, sent, RFC7677.clientFinal), ScramFormatError);
  });
});
