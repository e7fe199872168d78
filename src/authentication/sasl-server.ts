/**
 * What every SASL mechanism's server side is: a small state machine per login, a token in and
 * a challenge out, until it names the authenticated user. A failure throws
 * SaslAuthenticationFailed, whose message never reaches the client (Kafka's generic message
 * does, failedLoginMessage) so that it cannot tell whether a user exists.
 */
export class SaslAuthenticationFailed extends Error {}

export interface SaslStep {
  /** What to send back (may be empty). */
  readonly challenge: Buffer;
  /** Set once the exchange is complete: the authenticated user name. */
  readonly user?: string;
  /** Set with `user` when a delegation token authenticated it (Kafka's KafkaPrincipal.tokenAuthenticated). */
  readonly tokenAuthenticated?: boolean;
  /** Set with `user` when the credential itself expires (an OAuth token's exp, a delegation token's expiry): the session ends then (KIP-368). */
  readonly credentialExpiresAtMs?: number;
}

export interface SaslServer {
  evaluate(token: Buffer): SaslStep;
}

/** Kafka's message for a failed login, whatever the cause (SaslServerAuthenticator). */
export function failedLoginMessage(mechanism: string, reauthenticating: boolean): string {
  const phase = reauthenticating ? 're-authentication' : 'authentication';
  return `Authentication failed during ${phase} due to invalid credentials with SASL mechanism ${mechanism}`;
}
