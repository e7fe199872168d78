/**
 * Who a Kafka request comes from, as Kafka names it (KafkaPrincipal: a type and a name,
 * written "User:alice"). Quotas and client telemetry read it from the request's connection
 * (kafka/transport/connection-context.ts), the one place it is set: without SASL every
 * connection is User:ANONYMOUS, as on a Kafka PLAINTEXT listener; authentication, when it
 * comes, sets it there and nothing else changes.
 */
export interface KafkaPrincipal {
  readonly principalType: string;
  readonly name: string;
}

/** Kafka's KafkaPrincipal.ANONYMOUS: every client of an unauthenticated listener. */
export const ANONYMOUS_PRINCIPAL: KafkaPrincipal = { principalType: 'User', name: 'ANONYMOUS' };

export function principalText(principal: KafkaPrincipal): string {
  return `${principal.principalType}:${principal.name}`;
}

/** "User:alice" into its type and name (the name may itself contain colons, as a DN may not but a user name can). */
export function parsePrincipal(text: string): KafkaPrincipal {
  const colon = text.indexOf(':');
  return { principalType: text.slice(0, colon), name: text.slice(colon + 1) };
}
