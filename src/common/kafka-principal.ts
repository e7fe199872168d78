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
