/**
 * The server side of SASL OAUTHBEARER (RFC 7628, KIP-255 and KIP-768) as a Kafka 3.9 broker
 * runs it. The client's initial response carries a JWT; one of two validators checks it:
 *   - unsecured (Kafka's OAuthBearerUnsecuredValidatorCallbackHandler, the broker default):
 *     `alg: none`, no signature, `exp` required, `iat` optional (not in the future), the
 *     principal from the `sub` claim, optionally required scopes. For development only.
 *   - JWKS (Kafka's OAuthBearerValidatorCallbackHandler with a file: jwks endpoint URL): the
 *     signature against a key of the JWKS file (RS/PS/ES 256-512), `exp` and `iat` required,
 *     `nbf` honoured, the expected issuer and audience, the principal from
 *     `sasl_oauthbearer_sub_claim_name`.
 * A bad token is answered as RFC 7628 asks and Kafka does: the challenge
 * `{"status":"invalid_token"}`, then the client's %x01 ends the exchange with a failure.
 * The token's `exp` bounds the session (KIP-368 credential lifetime).
 */
import { createPublicKey, verify as verifySignature, constants, type KeyObject, type JsonWebKey } from 'node:crypto';
import type { OAuthBearerConfig } from '../config/settings.js';
import { SaslAuthenticationFailed, type SaslServer, type SaslStep } from './sasl-server.js';

/** A token's claims, as the JSON of its payload has them. */
type Claims = Readonly<Record<string, unknown>>;

export class InvalidToken extends Error {}

/** Checks a compact JWT; answers the principal name and when the token expires. */
export interface TokenValidator {
  validate(token: string, nowMs: number): { principal: string; expiresAtMs: number };
}

/** RFC 7628 §3.1 client initial response: `n,[a=authzid],^Aauth=Bearer <token>^A[key=value^A]*^A`. */
const INITIAL_RESPONSE = /^n,(?:a=([^,]*))?,\x01((?:[A-Za-z]+=[\x21-\x7E \t]*\x01)*)\x01$/;
const CONTROL_A = 0x01;
const INVALID_TOKEN_CHALLENGE = Buffer.from(JSON.stringify({ status: 'invalid_token' }));

export class OAuthBearerServer implements SaslServer {
  private failure: string | null = null;

  constructor(
    private readonly validator: TokenValidator,
    private readonly nowMs: () => number,
  ) {}

  evaluate(response: Buffer): SaslStep {
    if (this.failure !== null) {
      // The client acknowledges our error with a single %x01; anything else is as bad.
      const acknowledged = response.length === 1 && response[0] === CONTROL_A;
      throw new SaslAuthenticationFailed(acknowledged ? this.failure : 'unexpected response after an OAUTHBEARER error');
    }
    try {
      const { token, authzid } = parseInitialResponse(response.toString('utf8'));
      const { principal, expiresAtMs } = this.validator.validate(token, this.nowMs());
      if (authzid !== null && authzid !== '' && authzid !== principal) throw new InvalidToken('the authorization id is not the token principal');
      return { challenge: Buffer.alloc(0), user: principal, credentialExpiresAtMs: expiresAtMs };
    } catch (error) {
      if (!(error instanceof InvalidToken)) throw error;
      this.failure = error.message;
      return { challenge: INVALID_TOKEN_CHALLENGE };
    }
  }
}

export function parseInitialResponse(text: string): { token: string; authzid: string | null } {
  const match = INITIAL_RESPONSE.exec(text);
  if (match === null) throw new InvalidToken('not an OAUTHBEARER initial client response');
  const pairs = match[2]!.split('\x01').filter((pair) => pair !== '');
  const auth = pairs.find((pair) => pair.startsWith('auth='))?.slice('auth='.length) ?? '';
  const bearer = /^Bearer +([\x21-\x7E]+)$/i.exec(auth);
  if (bearer === null) throw new InvalidToken('no bearer token in the auth value');
  return { token: bearer[1]!, authzid: match[1] ?? null };
}

interface DecodedJwt {
  readonly header: Claims;
  readonly claims: Claims;
  readonly signingInput: string;
  readonly signature: Buffer;
}

function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidToken('the token is not a compact JWS (three dot-separated parts)');
  const [header, payload, signature] = parts as [string, string, string];
  return { header: jsonPart(header, 'header'), claims: jsonPart(payload, 'payload'), signingInput: `${header}.${payload}`, signature: Buffer.from(signature, 'base64url') };
}

function jsonPart(part: string, name: string): Claims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidToken(`the token ${name} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidToken(`the token ${name} is not a JSON object`);
  return value as Claims;
}

/** Seconds since the epoch (a JWT NumericDate) into milliseconds; undefined when absent. */
function dateClaim(claims: Claims, name: string, required: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined) {
    if (required) throw new InvalidToken(`the token has no ${name} claim`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidToken(`the ${name} claim is not a number`);
  return Math.floor(value * 1000);
}

function principalClaim(claims: Claims, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidToken(`the token has no ${name} claim naming a principal`);
  return value;
}

/** A scope claim is a space-separated string or a list of strings (Kafka accepts both). */
function scopes(claims: Claims, name: string): string[] {
  const value = claims[name];
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope !== '');
  if (Array.isArray(value)) return value.filter((scope): scope is string => typeof scope === 'string');
  return [];
}

function checkTimes(claims: Claims, nowMs: number, skewMs: number, issuedAtRequired: boolean): number {
  const expiresAtMs = dateClaim(claims, 'exp', true)!;
  if (nowMs - skewMs >= expiresAtMs) throw new InvalidToken('the token has expired');
  const issuedAtMs = dateClaim(claims, 'iat', issuedAtRequired);
  if (issuedAtMs !== undefined && issuedAtMs > nowMs + skewMs) throw new InvalidToken('the token was issued in the future');
  if (issuedAtMs !== undefined && expiresAtMs <= issuedAtMs) throw new InvalidToken('the token expires before it was issued');
  const notBeforeMs = dateClaim(claims, 'nbf', false);
  if (notBeforeMs !== undefined && notBeforeMs > nowMs + skewMs) throw new InvalidToken('the token is not valid yet');
  return expiresAtMs;
}

/** Kafka's unsecured validator: for development, never on a network that matters. */
export class UnsecuredTokenValidator implements TokenValidator {
  constructor(private readonly config: OAuthBearerConfig) {}

  validate(token: string, nowMs: number): { principal: string; expiresAtMs: number } {
    const jwt = decodeJwt(token);
    if (jwt.header['alg'] !== 'none') throw new InvalidToken('the unsecured validator takes only alg none');
    if (jwt.signature.length > 0) throw new InvalidToken('an unsecured token has no signature');
    const expiresAtMs = checkTimes(jwt.claims, nowMs, this.config.clockSkewMs, false);
    const principal = principalClaim(jwt.claims, 'sub');
    const granted = new Set(scopes(jwt.claims, this.config.scopeClaimName));
    const missing = this.config.unsecuredRequiredScope.filter((scope) => !granted.has(scope));
    if (missing.length > 0) throw new InvalidToken(`the token lacks the required scope ${missing.join(' ')}`);
    return { principal, expiresAtMs };
  }
}

/** How each JWS algorithm verifies: node:crypto's digest and the key options it needs. */
interface Algorithm {
  readonly digest: string;
  readonly keyType: 'RSA' | 'EC';
  /**
   * RSASSA-PSS's salt length, with node:crypto's RSA_PKCS1_PSS_PADDING as the padding (read at a
   * verification: a read of node:crypto's constants when this module loads would load node:crypto
   * at every boot, which the bundle otherwise defers to its first use, tools/bundle.mjs).
   */
  readonly pssSaltLength?: number;
  readonly dsaEncoding?: 'ieee-p1363';
}

const ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  RS256: { digest: 'sha256', keyType: 'RSA' },
  RS384: { digest: 'sha384', keyType: 'RSA' },
  RS512: { digest: 'sha512', keyType: 'RSA' },
  PS256: { digest: 'sha256', keyType: 'RSA', pssSaltLength: 32 },
  PS384: { digest: 'sha384', keyType: 'RSA', pssSaltLength: 48 },
  PS512: { digest: 'sha512', keyType: 'RSA', pssSaltLength: 64 },
  // JWS carries an ECDSA signature as r || s (RFC 7518 §3.4), not DER.
  ES256: { digest: 'sha256', keyType: 'EC', dsaEncoding: 'ieee-p1363' },
  ES384: { digest: 'sha384', keyType: 'EC', dsaEncoding: 'ieee-p1363' },
  ES512: { digest: 'sha512', keyType: 'EC', dsaEncoding: 'ieee-p1363' },
};

export interface VerificationKey {
  readonly kid: string | null;
  readonly kty: string;
  readonly alg: string | null;
  readonly key: KeyObject;
}

/** The public keys of a JWKS document (RFC 7517); keys for another use than signatures are left out. */
export function parseJwks(text: string): VerificationKey[] {
  const document = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(document.keys)) throw new Error('a JWKS document has a "keys" list');
  return document.keys
    .filter((jwk: JsonWebKey) => jwk['use'] === undefined || jwk['use'] === 'sig')
    .map((jwk: JsonWebKey) => ({
      kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : null,
      kty: String(jwk.kty),
      alg: typeof jwk['alg'] === 'string' ? jwk['alg'] : null,
      key: createPublicKey({ key: jwk, format: 'jwk' }),
    }));
}

/** Kafka's production validator, with its keys from a JWKS file. */
export class JwksTokenValidator implements TokenValidator {
  constructor(
    private readonly config: OAuthBearerConfig,
    private readonly keys: readonly VerificationKey[],
  ) {}

  validate(token: string, nowMs: number): { principal: string; expiresAtMs: number } {
    const jwt = decodeJwt(token);
    this.checkSignature(jwt);
    const expiresAtMs = checkTimes(jwt.claims, nowMs, this.config.clockSkewMs, true);
    this.checkIssuerAndAudience(jwt.claims);
    return { principal: principalClaim(jwt.claims, this.config.subClaimName), expiresAtMs };
  }

  private checkSignature(jwt: DecodedJwt): void {
    const name = jwt.header['alg'];
    const algorithm = typeof name === 'string' ? ALGORITHMS[name] : undefined;
    if (algorithm === undefined) throw new InvalidToken(`the signature algorithm ${String(name)} is not accepted`);
    const kid = typeof jwt.header['kid'] === 'string' ? jwt.header['kid'] : null;
    const candidates = this.keys.filter((k) => k.kty === algorithm.keyType && (kid === null || k.kid === kid) && (k.alg === null || k.alg === name));
    if (candidates.length === 0) throw new InvalidToken(`no key in the JWKS matches the token (kid ${kid ?? 'none'}, alg ${name as string})`);
    const input = Buffer.from(jwt.signingInput, 'ascii');
    const { pssSaltLength, dsaEncoding } = algorithm;
    const options = pssSaltLength !== undefined ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pssSaltLength } : dsaEncoding !== undefined ? { dsaEncoding } : {};
    const valid = candidates.some((candidate) => verifySignature(algorithm.digest, input, { key: candidate.key, ...options }, jwt.signature));
    if (!valid) throw new InvalidToken('the token signature does not verify');
  }

  private checkIssuerAndAudience(claims: Claims): void {
    const { expectedIssuer, expectedAudience } = this.config;
    if (expectedIssuer !== null && claims['iss'] !== expectedIssuer) throw new InvalidToken('the token issuer is not the expected one');
    if (expectedAudience.length === 0) return;
    const audience = claims['aud'];
    const named = typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : [];
    if (!named.some((entry) => expectedAudience.includes(entry as string))) throw new InvalidToken('the token audience is not an expected one');
  }
}
