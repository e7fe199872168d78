/**
 * The server side of each SASL mechanism Blink serves, one fresh SaslServer per login:
 * PLAIN and SCRAM against the SCRAM credentials (SCRAM with `tokenauth=true` against the
 * delegation tokens), OAUTHBEARER against the validator the settings choose (oauthbearer.ts).
 * Framing (SaslHandshake v0 raw tokens or SaslAuthenticate) is the transport's business;
 * these only see tokens.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { parsePrincipalText, SharedPrincipals, type KafkaPrincipal } from '../common/kafka-principal.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { DelegationTokenStore } from './delegation-token-store.js';
import { JwksTokenValidator, OAuthBearerServer, parseJwks, UnsecuredTokenValidator, type TokenValidator } from './oauthbearer.js';
import { SaslAuthenticationFailed, type SaslServer, type SaslStep } from './sasl-server.js';
import { ScramCredentialStore } from './scram-credential-store.js';
import { parseClientFirst, SCRAM_MECHANISM_HASHES, ScramFormatError, serverFirst, verifyClientFinal, type ClientFirst, type ScramCredential } from './scram.js';

@Injectable()
export class SaslMechanisms implements OnModuleInit {
  private readonly log = new Logger('SaslMechanisms');
  private tokenValidator: TokenValidator;
  /** The principal of each user logged in so far, by whether a delegation token logged it in: one object for all its connections. */
  private readonly principals = new SharedPrincipals();
  private readonly tokenPrincipals = new SharedPrincipals(true);

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly store: ScramCredentialStore,
    private readonly tokens: DelegationTokenStore,
    private readonly clock: Clock,
  ) {
    this.tokenValidator = new UnsecuredTokenValidator(config.sasl.oauthBearer);
  }

  /** Reads the JWKS file once at boot (a new key set needs a restart); warns when OAUTHBEARER runs unsecured. */
  async onModuleInit(): Promise<void> {
    const oauth = this.config.sasl.oauthBearer;
    if (!this.config.sasl.enabledMechanisms.includes('OAUTHBEARER')) return;
    if (oauth.jwksFile === null) {
      this.log.warn('OAUTHBEARER takes unsecured tokens (alg none): set sasl_oauthbearer_jwks_endpoint_url outside development');
      return;
    }
    const keys = parseJwks(await readFile(oauth.jwksFile, 'utf8'));
    if (keys.length === 0) throw new Error(`sasl_oauthbearer_jwks_endpoint_url: ${oauth.jwksFile} holds no signing key`);
    this.tokenValidator = new JwksTokenValidator(oauth, keys);
    this.log.log(`OAUTHBEARER tokens are checked against ${keys.length} key(s) of ${oauth.jwksFile}`);
  }

  /**
   * The principal a login gives: `User:<user>`, marked when a delegation token logged it in.
   * Shared by every connection of the user (up to MAX_SHARED_PRINCIPALS users), so that an
   * idle connection holds no principal and name of its own.
   */
  principalFor(user: string, tokenAuthenticated: boolean): KafkaPrincipal {
    return (tokenAuthenticated ? this.tokenPrincipals : this.principals).user(user);
  }

  serverFor(mechanism: string): SaslServer {
    if (mechanism === 'PLAIN') return new PlainServer(this.store);
    if (mechanism === 'OAUTHBEARER') return new OAuthBearerServer(this.tokenValidator, () => this.clock.nowMs());
    if (SCRAM_MECHANISM_HASHES[mechanism] !== undefined) return new ScramServer(mechanism, this.store, this.tokens);
    throw new Error(`no SASL server for ${mechanism}`);
  }
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

/** Who a SCRAM exchange authenticates once the proof checks out. */
interface ScramSubject {
  readonly user: string;
  readonly tokenAuthenticated: boolean;
  readonly expiresAtMs?: number;
}

/**
 * RFC 5802 server: client-first → server-first, client-final → server-final. With the
 * `tokenauth=true` extension the user name is a delegation token id and the login is its
 * owner's, for as long as the token lives (Kafka's ScramSaslServer).
 */
class ScramServer implements SaslServer {
  private first: ClientFirst | null = null;
  private serverFirstMessage = '';
  private credential: ScramCredential | null = null;
  private subject: ScramSubject | null = null;

  constructor(
    private readonly mechanism: string,
    private readonly store: ScramCredentialStore,
    private readonly tokens: DelegationTokenStore,
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
    const tokenAuth = first.extensions.get('tokenauth') === 'true';
    const { credential, subject } = tokenAuth ? this.tokenCredential(first.user) : this.userCredential(first.user);
    this.first = first;
    this.credential = credential;
    this.subject = subject;
    this.serverFirstMessage = serverFirst(first.clientNonce, randomBytes(18).toString('base64'), credential);
    return { challenge: Buffer.from(this.serverFirstMessage) };
  }

  private userCredential(user: string): { credential: ScramCredential; subject: ScramSubject | null } {
    const { credential, known } = this.store.credentialOrDecoy(user, this.mechanism);
    return { credential, subject: known ? { user, tokenAuthenticated: false } : null };
  }

  /** An unknown or expired token runs the exchange to its end against a decoy, like an unknown user. */
  private tokenCredential(tokenId: string): { credential: ScramCredential; subject: ScramSubject | null } {
    const token = this.tokens.scramCredential(tokenId, this.mechanism);
    if (token === undefined) return { credential: this.store.credentialOrDecoy(`\0token\0${tokenId}`, this.mechanism).credential, subject: null };
    const owner = parsePrincipalText(token.owner).name;
    return { credential: token.credential, subject: { user: owner, tokenAuthenticated: true, expiresAtMs: token.expiresAtMs } };
  }

  private receiveClientFinal(message: string): SaslStep {
    const verifier = verifyClientFinal(SCRAM_MECHANISM_HASHES[this.mechanism]!, this.credential!, this.first!, this.serverFirstMessage, message);
    if (verifier === null || this.subject === null) throw new SaslAuthenticationFailed('invalid credentials');
    const { user, tokenAuthenticated, expiresAtMs } = this.subject;
    return { challenge: Buffer.from(verifier), user, tokenAuthenticated, ...(expiresAtMs === undefined ? {} : { credentialExpiresAtMs: expiresAtMs }) };
  }
}
