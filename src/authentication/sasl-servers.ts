/**
 * The server side of each SASL mechanism, as a small state machine per login: a token in, a
 * challenge out, and at the end the authenticated user. Framing (SaslHandshake v0 raw tokens
 * or SaslAuthenticate) is the transport's business; these only see tokens. A failure throws
 * SaslAuthenticationFailed whose message never says whether the user exists.
 */
import { randomBytes } from 'node:crypto';
import type { ScramCredentialStore } from './scram-credential-store.js';
import { parseClientFirst, SCRAM_MECHANISM_HASHES, ScramFormatError, serverFirst, verifyClientFinal, type ClientFirst, type ScramCredential } from './scram.js';

export class SaslAuthenticationFailed extends Error {}

export interface SaslStep {
  /** What to send back (may be empty). */
  readonly challenge: Buffer;
  /** Set once the exchange is complete: the authenticated user name. */
  readonly user?: string;
}

export interface SaslServer {
  evaluate(token: Buffer): SaslStep;
}

/** Kafka's message for a failed login, whatever the cause (SaslServerAuthenticator). */
export function failedLoginMessage(mechanism: string, reauthenticating: boolean): string {
  const phase = reauthenticating ? 're-authentication' : 'authentication';
  return `Authentication failed during ${phase} due to invalid credentials with SASL mechanism ${mechanism}`;
}

export function createSaslServer(mechanism: string, store: ScramCredentialStore): SaslServer {
  if (mechanism === 'PLAIN') return new PlainServer(store);
  const hash = SCRAM_MECHANISM_HASHES[mechanism];
  if (hash !== undefined) return new ScramServer(mechanism, store);
  throw new Error(`no SASL server for ${mechanism}`);
}

/** RFC 4616: `[authzid] NUL authcid NUL passwd`; as Kafka, an authzid other than the user is refused. */
class PlainServer implements SaslServer {
  constructor(private readonly store: ScramCredentialStore) {}

  evaluate(token: Buffer): SaslStep {
    const parts = token.toString('utf8').split('\0');
    if (parts.length !== 3) throw new SaslAuthenticationFailed('invalid PLAIN token');
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '' || (authzid !== '' && authzid !== user) || !this.store.verifyPassword(user, password)) {
      throw new SaslAuthenticationFailed('invalid credentials');
    }
    return { challenge: Buffer.alloc(0), user };
  }
}

/** RFC 5802 server: client-first → server-first, client-final → server-final. */
class ScramServer implements SaslServer {
  private first: ClientFirst | null = null;
  private serverFirstMessage = '';
  private credential: ScramCredential | null = null;
  private known = false;

  constructor(
    private readonly mechanism: string,
    private readonly store: ScramCredentialStore,
  ) {}

  evaluate(token: Buffer): SaslStep {
    try {
      return this.first === null ? this.receiveClientFirst(token.toString('utf8')) : this.receiveClientFinal(token.toString('utf8'));
    } catch (error) {
      if (error instanceof ScramFormatError) throw new SaslAuthenticationFailed(error.message);
      throw error;
    }
  }

  private receiveClientFirst(message: string): SaslStep {
    const first = parseClientFirst(message);
    if (first.extensions.get('tokenauth') === 'true') throw new SaslAuthenticationFailed('delegation tokens are not enabled');
    const { credential, known } = this.store.credentialOrDecoy(first.user, this.mechanism);
    this.first = first;
    this.credential = credential;
    this.known = known;
    this.serverFirstMessage = serverFirst(first.clientNonce, randomBytes(18).toString('base64'), credential);
    return { challenge: Buffer.from(this.serverFirstMessage) };
  }

  private receiveClientFinal(message: string): SaslStep {
    const verifier = verifyClientFinal(SCRAM_MECHANISM_HASHES[this.mechanism]!, this.credential!, this.first!, this.serverFirstMessage, message);
    if (verifier === null || !this.known) throw new SaslAuthenticationFailed('invalid credentials');
    return { challenge: Buffer.from(verifier), user: this.first!.user };
  }
}
