/**
 * Who a REST request is (RFC 7235): the admin token (`Authorization: Bearer`, acting as
 * `admin_token_principal`) or, under the authorizer, a SASL user with HTTP Basic (RFC 7617),
 * whose password is checked against the same stored SCRAM credentials the Kafka listeners use,
 * acting as `User:<name>`; the ACLs then decide (admin-acl.ts). Without credentials a request
 * is User:ANONYMOUS, unless the admin token is configured: then it is refused.
 *
 * Basic sends the password itself, so it is refused on a plain-HTTP port unless
 * `rest_allow_basic_over_http` says otherwise. A wrong password and an unknown user get the
 * same answer after the same work (an unknown user is checked against a decoy credential).
 * Credentials are never logged nor echoed in a message.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Authorizer } from '../../authorizer/authorizer.js';
import { passwordMatches, SCRAM_MECHANISM_HASHES } from '../../authentication/scram.js';
import { ScramCredentialStore } from '../../authentication/scram-credential-store.js';
import { ANONYMOUS_PRINCIPAL, principalText } from '../../common/kafka-principal.js';
import { BLINK_CONFIG, type BlinkConfig } from '../../config/settings.js';
import { AdminTokenCheck, TOKEN_EXEMPT_ROUTES } from './admin-token.js';

/** What the authentication hook needs of a request. */
export interface CredentialsRequest {
  readonly route: string | undefined;
  readonly authorization: string | undefined;
  /** Whether it came over HTTPS. */
  readonly secure: boolean;
}

/** Either the principal the request acts as, or a 401 with its message and challenges. */
export type AdminIdentity = { readonly principal: string } | { readonly refusal: string; readonly challenges: readonly string[] };

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;
const BEARER_CHALLENGE = 'Bearer realm="blink"';
const BASIC_CHALLENGE = 'Basic realm="blink", charset="UTF-8"';
/** The mechanism whose decoy credential an unknown user's password is checked against. */
const DECOY_MECHANISM = 'SCRAM-SHA-512';

@Injectable()
export class AdminAuthentication {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly authorizer: Authorizer,
    private readonly token: AdminTokenCheck,
    private readonly credentials: ScramCredentialStore,
  ) {}

  /** Whether HTTP Basic is offered: only the authorizer gives a SASL user's identity a meaning. */
  get basicEnabled(): boolean {
    return this.authorizer.enabled;
  }

  authenticate(request: CredentialsRequest): AdminIdentity {
    const anonymous = principalText(ANONYMOUS_PRINCIPAL);
    if (request.route !== undefined && TOKEN_EXEMPT_ROUTES.has(request.route)) return { principal: anonymous };
    const basic = BASIC.exec(request.authorization ?? '')?.[1];
    if (basic !== undefined && this.basicEnabled) return this.basic(basic, request.secure);
    if (!this.token.allows(request.route, request.authorization)) return this.refuse(this.missingMessage());
    return { principal: this.token.required ? this.config.adminTokenPrincipal : anonymous };
  }

  private basic(encoded: string, secure: boolean): AdminIdentity {
    if (!secure && !this.config.restAllowBasicOverHttp) {
      return this.refuse('HTTP Basic is refused over plain HTTP (it would send the password in clear): use HTTPS (rest_ssl_enabled) or allow it with rest_allow_basic_over_http');
    }
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon > 0 ? decoded.slice(0, colon) : '';
    if (user !== '' && this.passwordMatches(user, decoded.slice(colon + 1))) return { principal: `User:${user}` };
    return this.refuse('HTTP Basic: wrong user name or password');
  }

  private passwordMatches(user: string, password: string): boolean {
    if (this.credentials.credentialsOf(user).length > 0) return this.credentials.verifyPassword(user, password);
    const { credential } = this.credentials.credentialOrDecoy(user, DECOY_MECHANISM);
    passwordMatches(SCRAM_MECHANISM_HASHES[DECOY_MECHANISM]!, credential, password);
    return false;
  }

  private missingMessage(): string {
    const basic = this.basicEnabled ? ' or HTTP Basic with a SASL user' : '';
    return `this broker requires "Authorization: Bearer <admin_token>"${basic} (missing or wrong credentials)`;
  }

  private refuse(refusal: string): AdminIdentity {
    return { refusal, challenges: this.basicEnabled ? [BEARER_CHALLENGE, BASIC_CHALLENGE] : [BEARER_CHALLENGE] };
  }
}
