/**
 * SCRAM (RFC 5802, with SHA-256/512 per RFC 7677) as a Kafka broker runs it: credentials are
 * kept as Kafka keeps them (salt, StoredKey, ServerKey, iterations, never the password) and
 * the server side of the exchange checks a client proof against them. Pure functions: the
 * nonce and salt come from the caller, so the RFC test vectors can be replayed exactly.
 */
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

export type ScramHash = 'sha1' | 'sha256' | 'sha512';

export const SCRAM_MECHANISM_HASHES: Readonly<Record<string, ScramHash>> = {
  'SCRAM-SHA-256': 'sha256',
  'SCRAM-SHA-512': 'sha512',
};

/** Kafka's bounds on a SCRAM credential's iteration count (ScramMechanism min/max). */
export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

const KEY_BYTES: Readonly<Record<ScramHash, number>> = { sha1: 20, sha256: 32, sha512: 64 };

export function saltedPassword(hash: ScramHash, password: string, salt: Buffer, iterations: number): Buffer {
  // As Kafka's ScramFormatter: the password's UTF-8 bytes, no SASLprep.
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, KEY_BYTES[hash], hash);
}

/** The credential stored for a salted password (what AlterUserScramCredentials sends, and what boot-time users get). */
export function credentialFromSaltedPassword(hash: ScramHash, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(hash, salted, 'Client Key');
  return { salt, storedKey: digest(hash, clientKey), serverKey: hmac(hash, salted, 'Server Key'), iterations };
}

export function credentialFromPassword(hash: ScramHash, password: string, salt: Buffer, iterations: number): ScramCredential {
  return credentialFromSaltedPassword(hash, saltedPassword(hash, password, salt, iterations), salt, iterations);
}

/** Whether `password` is the one the credential was made from (PLAIN logins are checked this way). */
export function passwordMatches(hash: ScramHash, credential: ScramCredential, password: string): boolean {
  const candidate = credentialFromPassword(hash, password, credential.salt, credential.iterations);
  return timingSafeEqual(candidate.storedKey, credential.storedKey);
}

export interface ClientFirst {
  readonly gs2Header: string;
  readonly user: string;
  readonly clientNonce: string;
  readonly bare: string;
  /** SCRAM extensions after the nonce (Kafka: `tokenauth=true` for delegation tokens). */
  readonly extensions: ReadonlyMap<string, string>;
}

export class ScramFormatError extends Error {}

/** `n,,n=user,r=nonce[,ext=value…]`; channel binding is refused (Kafka does not support it). */
export function parseClientFirst(message: string): ClientFirst {
  const match = /^([ny]),(a=[^,]*)?,(n=[^,]*,r=[^,]+(?:,.*)?)$/.exec(message);
  if (match === null) throw new ScramFormatError('invalid client-first message');
  const bare = match[3]!;
  const attributes = parseAttributes(bare);
  const user = unescapeName(attributes.get('n') ?? '');
  const authzid = match[2] === undefined ? null : unescapeName(match[2].slice(2));
  if (authzid !== null && authzid !== user) throw new ScramFormatError('authorization id differs from the user');
  const extensions = new Map([...attributes].filter(([key]) => key !== 'n' && key !== 'r'));
  return { gs2Header: message.slice(0, message.length - bare.length), user, clientNonce: attributes.get('r')!, bare, extensions };
}

export function serverFirst(clientNonce: string, serverNonce: string, credential: Pick<ScramCredential, 'salt' | 'iterations'>): string {
  return `r=${clientNonce}${serverNonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
}

/**
 * Checks the client-final message; returns the server-final message (`v=…`) when the proof is
 * right, or null when it is not (a wrong password and an unknown user look the same).
 */
export function verifyClientFinal(
  hash: ScramHash,
  credential: ScramCredential,
  first: ClientFirst,
  serverFirstMessage: string,
  clientFinal: string,
): string | null {
  const attributes = parseAttributes(clientFinal);
  const proofAt = clientFinal.lastIndexOf(',p=');
  const proof = attributes.get('p');
  const nonce = attributes.get('r');
  if (proofAt < 0 || proof === undefined || nonce === undefined) throw new ScramFormatError('invalid client-final message');
  if (attributes.get('c') !== Buffer.from(first.gs2Header).toString('base64')) throw new ScramFormatError('channel binding differs');
  // As Kafka's ScramSaslServer: the nonce must end with the server-first nonce (librdkafka 2.0 repeats the client part before it).
  if (!nonce.endsWith(serverFirstMessage.slice(2, serverFirstMessage.indexOf(',')))) throw new ScramFormatError('nonce differs');
  const authMessage = `${first.bare},${serverFirstMessage},${clientFinal.slice(0, proofAt)}`;
  const clientSignature = hmac(hash, credential.storedKey, authMessage);
  const clientKey = xor(Buffer.from(proof, 'base64'), clientSignature);
  if (clientKey.length !== credential.storedKey.length || !timingSafeEqual(digest(hash, clientKey), credential.storedKey)) return null;
  return `v=${hmac(hash, credential.serverKey, authMessage).toString('base64')}`;
}

function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new ScramFormatError('invalid SCRAM attribute');
    attributes.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return attributes;
}

/** RFC 5802 saslname: `=2C` is a comma, `=3D` an equals sign. */
function unescapeName(name: string): string {
  return name.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

function hmac(hash: ScramHash, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data, 'utf8').digest();
}

function digest(hash: ScramHash, data: Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) return Buffer.alloc(0);
  return Buffer.from(a.map((byte, i) => byte ^ b[i]!));
}
