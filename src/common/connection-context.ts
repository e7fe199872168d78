/**
 * Who is on the other end of a Kafka connection, in Kafka's terms: the seam between
 * authentication (the transport fills it in: listener, TLS, SASL) and authorization (the
 * authorizer reads it). It sits in common so that every layer, and the REST face, can speak
 * of principals without depending on the Kafka transport.
 */

/** Kafka's four listener security protocols. */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** Kafka's principal for a connection that has not authenticated (PLAINTEXT, or SSL without a client certificate). */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

export interface ConnectionContext {
  /** Kafka form `Type:name`: `User:ANONYMOUS`, `User:<sasl user>`, or `User:<RFC 2253 DN>` for mTLS. */
  readonly principal: string;
  /** The listener the connection came in on (`PLAINTEXT`, `SASL_SSL`, or a custom name from the protocol map). */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** The client's IP address, as ACL host patterns match it. */
  readonly host: string;
  /** Kafka's KafkaPrincipal.tokenAuthenticated: the login used a delegation token (which may then not handle tokens). */
  readonly tokenAuthenticated?: boolean;
}

/** The context of a connection on a listener before (or without) authentication. */
export function anonymousContext(listenerName: string, securityProtocol: SecurityProtocol, host: string): ConnectionContext {
  return { principal: ANONYMOUS_PRINCIPAL, listenerName, securityProtocol, host };
}
