/**
 * Who a Kafka request comes from, as Kafka names it (KafkaPrincipal: a type and a name,
 * written "User:alice"). The authorizer, quotas and client telemetry read it from the request's connection
 * (kafka/transport/connection-context.ts), the one place it is kept: User:ANONYMOUS on a
 * listener without authentication, as on Kafka's PLAINTEXT listener; the mapped DN of a client
 * certificate; the SASL login once the connection has authenticated.
 */
export interface KafkaPrincipal {
  readonly principalType: string;
  readonly name: string;
  /** Kafka's KafkaPrincipal.tokenAuthenticated: the login used a delegation token (which may then not handle tokens). */
  readonly tokenAuthenticated?: boolean;
}

/** How many names' principals a SharedPrincipals keeps (past them, a principal is made per connection). */
export const MAX_SHARED_PRINCIPALS = 10_000;

/**
 * `User:<name>` principals, one object per name shared by every connection that authenticates
 * as it (a SASL login, a client certificate's mapped DN), so that an idle connection holds no
 * principal and name of its own; at most MAX_SHARED_PRINCIPALS names are kept.
 */
export class SharedPrincipals {
  private readonly byName = new Map<string, KafkaPrincipal>();

  /** `tokenAuthenticated`: the principals of delegation-token logins (marked as such). */
  constructor(private readonly tokenAuthenticated = false) {}

  user(name: string): KafkaPrincipal {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    const principal: KafkaPrincipal = this.tokenAuthenticated ? { principalType: 'User', name, tokenAuthenticated: true } : { principalType: 'User', name };
    if (this.byName.size < MAX_SHARED_PRINCIPALS) this.byName.set(name, principal);
    return principal;
  }
}

/** Kafka's KafkaPrincipal.ANONYMOUS: every client of an unauthenticated listener. */
export const ANONYMOUS_PRINCIPAL: KafkaPrincipal = { principalType: 'User', name: 'ANONYMOUS' };

export function principalText(principal: KafkaPrincipal): string {
  return `${principal.principalType}:${principal.name}`;
}

/** `Type:name` back into a principal (the text principalText writes; the name may hold colons). */
export function parsePrincipalText(text: string): KafkaPrincipal {
  const colon = text.indexOf(':');
  return { principalType: text.slice(0, colon), name: text.slice(colon + 1) };
}
