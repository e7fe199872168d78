/**
 * SASL in front of the handlers of a SASL_PLAINTEXT or SASL_SSL connection, as Kafka's
 * SaslServerAuthenticator: before authentication only ApiVersions, SaslHandshake and then
 * the mechanism's tokens pass, in either framing Kafka accepts —
 *   - SaslHandshake v0, then raw size-prefixed tokens (kafka-python 2.0.2, old kafkajs);
 *   - SaslHandshake v1, then SaslAuthenticate v0-2 requests carrying the tokens.
 * Anything else before authentication closes the connection. A failed login is answered
 * with SASL_AUTHENTICATION_FAILED and Kafka's generic message (never whether the user
 * exists), then the connection closes after `connection_failed_authentication_delay_ms`.
 * With `connections_max_reauth_ms`, a session ends that long after login: the client
 * re-authenticates (KIP-368: SaslHandshake v1 again on the live connection, same principal)
 * or its next request closes the connection.
 */
import type { Clock } from '../../common/clock.js';
import type { KafkaPrincipal } from '../../common/kafka-principal.js';
import type { SaslConfig } from '../../config/settings.js';
import { failedLoginMessage, SaslAuthenticationFailed, type SaslServer, type SaslStep } from '../../authentication/sasl-server.js';
import type { SaslMechanisms } from '../../authentication/sasl-servers.js';
import { type ApiCodec, isFlexible } from '../../wire/api-codec.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { API_VERSIONS_KEY, beginResponseFrame, finishResponseFrame, readRequestHeader, type RequestHeader } from '../../wire/headers.js';
import { SaslAuthenticateApi, type SaslAuthenticateRequest } from '../../wire/messages/36-sasl-authenticate.js';
import { SaslHandshakeApi, type SaslHandshakeRequest } from '../../wire/messages/17-sasl-handshake.js';
import { KafkaReader } from '../../wire/reader.js';

/** What the connection does with a frame the gate looked at. */
export type GateOutcome =
  /** Not the gate's: handle the request as usual. */
  | { readonly kind: 'pass' }
  /** Write `frames`; then adopt `principal` (a login) if given, or close after `closeAfterMs` if given. */
  | { readonly kind: 'answer'; readonly frames: Buffer[]; readonly principal?: KafkaPrincipal; readonly close?: { afterMs: number; reason: string } }
  /** Close without an answer (none is possible, or Kafka gives none). */
  | { readonly kind: 'close'; readonly afterMs: number; readonly reason: string };

const PASS: GateOutcome = { kind: 'pass' };
const EXPIRED: GateOutcome = { kind: 'close', afterMs: 0, reason: 'its SASL session expired without re-authentication' };
/** Kafka's sasl.server.max.receive.size: the largest frame an unauthenticated client may send (the connection's frame decoder enforces it). */
export const MAX_UNAUTHENTICATED_FRAME_BYTES = 524_288;
const FIRST_REAUTH_HANDSHAKE_VERSION = 1;
const FIRST_SESSION_LIFETIME_VERSION = 1;

/** KIP-368: a SaslHandshake v1+ on an authenticated connection starts a re-authentication. */
function isReauthentication(apiKey: number, apiVersion: number): boolean {
  return apiKey === SaslHandshakeApi.apiKey && apiVersion >= FIRST_REAUTH_HANDSHAKE_VERSION;
}

type State =
  | { readonly name: 'initial' }
  | { readonly name: 'raw-tokens'; readonly server: SaslServer; readonly mechanism: string }
  | { readonly name: 'authenticate'; readonly server: SaslServer; readonly mechanism: string }
  | { readonly name: 'authenticated'; readonly expiresAtMs: number | null };

/** The states every gate shares: before the handshake, and a session that does not expire (no connections_max_reauth_ms, no credential expiry). */
const INITIAL: State = { name: 'initial' };
const AUTHENTICATED_FOR_GOOD: State = { name: 'authenticated', expiresAtMs: null };

export class SaslGate {
  private state: State = INITIAL;
  private user: string | null = null;

  constructor(
    private readonly config: SaslConfig,
    private readonly mechanisms: SaslMechanisms,
    private readonly clock: Clock,
  ) {}

  get authenticated(): boolean {
    return this.user !== null && this.state.name !== 'raw-tokens';
  }

  admit(frame: Buffer): GateOutcome {
    if (this.state.name === 'raw-tokens') return this.rawToken(frame, this.state.server, this.state.mechanism);
    // Once authenticated, a request passes on its API key and version alone (no header decoded: every request of the connection comes here).
    if (this.state.name === 'authenticated' && frame.length >= 4 && !isReauthentication(frame.readInt16BE(0), frame.readInt16BE(2))) return this.live(this.state.expiresAtMs);
    const reader = new KafkaReader(frame);
    const header = readRequestHeader(reader);
    switch (this.state.name) {
      case 'initial':
        return this.beforeHandshake(header, reader);
      case 'authenticate':
        return this.authenticateRequest(header, reader, this.state.server, this.state.mechanism);
      case 'authenticated':
        return this.whileAuthenticated(header, reader, this.state.expiresAtMs);
    }
  }

  private beforeHandshake(header: RequestHeader, reader: KafkaReader): GateOutcome {
    if (header.apiKey === API_VERSIONS_KEY) return PASS;
    if (header.apiKey === SaslHandshakeApi.apiKey) return this.handshake(header, reader);
    return unexpected(header, 'before SASL authentication');
  }

  private whileAuthenticated(header: RequestHeader, reader: KafkaReader, expiresAtMs: number | null): GateOutcome {
    if (isReauthentication(header.apiKey, header.apiVersion)) return this.handshake(header, reader);
    return this.live(expiresAtMs);
  }

  /** Any request but a re-authentication, while authenticated: it passes unless the session has expired. */
  private live(expiresAtMs: number | null): GateOutcome {
    if (expiresAtMs !== null && this.clock.nowMs() >= expiresAtMs) return EXPIRED;
    return PASS;
  }

  private handshake(header: RequestHeader, reader: KafkaReader): GateOutcome {
    const request = decode<SaslHandshakeRequest>(SaslHandshakeApi, header, reader);
    if (request === null) return unexpected(header, 'in a version Blink does not serve');
    const mechanisms = [...this.config.enabledMechanisms];
    if (!mechanisms.includes(request.mechanism as (typeof mechanisms)[number])) {
      const frames = encode(SaslHandshakeApi, header, { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms });
      return { kind: 'answer', frames, close: { afterMs: 0, reason: `SASL mechanism ${request.mechanism} is not enabled` } };
    }
    const server = this.mechanisms.serverFor(request.mechanism);
    this.state = header.apiVersion === 0 ? { name: 'raw-tokens', server, mechanism: request.mechanism } : { name: 'authenticate', server, mechanism: request.mechanism };
    return { kind: 'answer', frames: encode(SaslHandshakeApi, header, { errorCode: ErrorCode.NONE, mechanisms }) };
  }

  private authenticateRequest(header: RequestHeader, reader: KafkaReader, server: SaslServer, mechanism: string): GateOutcome {
    const request = header.apiKey === SaslAuthenticateApi.apiKey ? decode<SaslAuthenticateRequest>(SaslAuthenticateApi, header, reader) : null;
    if (request === null) return unexpected(header, 'while a SaslAuthenticate was expected');
    const reauthenticating = this.user !== null;
    try {
      const step = server.evaluate(request.authBytes);
      if (step.user === undefined) return { kind: 'answer', frames: this.authenticateAnswer(header, ErrorCode.NONE, null, step.challenge, 0) };
      if (reauthenticating && step.user !== this.user) throw new SaslAuthenticationFailed('a re-authentication may not change the principal');
      const principal = this.mechanisms.principalFor(step.user, step.tokenAuthenticated === true);
      const lifetimeMs = this.succeed(principal, step);
      return { kind: 'answer', frames: this.authenticateAnswer(header, ErrorCode.NONE, null, step.challenge, lifetimeMs), principal };
    } catch (error) {
      if (!(error instanceof SaslAuthenticationFailed)) throw error;
      const message = failedLoginMessage(mechanism, reauthenticating);
      const frames = this.authenticateAnswer(header, ErrorCode.SASL_AUTHENTICATION_FAILED, message, Buffer.alloc(0), 0);
      return { kind: 'answer', frames, close: { afterMs: this.config.failedAuthenticationDelayMs, reason: `${message} (${error.message})` } };
    }
  }

  /** v0 framing: the frame is the token itself, and so is the answer (size-prefixed, possibly empty). */
  private rawToken(token: Buffer, server: SaslServer, mechanism: string): GateOutcome {
    try {
      const step = server.evaluate(token);
      const frames = [sizePrefix(step.challenge.length), step.challenge];
      if (step.user === undefined) return { kind: 'answer', frames };
      const principal = this.mechanisms.principalFor(step.user, step.tokenAuthenticated === true);
      this.succeed(principal, step);
      return { kind: 'answer', frames, principal };
    } catch (error) {
      if (!(error instanceof SaslAuthenticationFailed)) throw error;
      return { kind: 'close', afterMs: this.config.failedAuthenticationDelayMs, reason: `${failedLoginMessage(mechanism, false)} (${error.message})` };
    }
  }

  /**
   * Records the login; returns the session lifetime to announce (0: unlimited). As Kafka's
   * SaslServerAuthenticator: the sooner of `connections_max_reauth_ms` and the credential's
   * own expiry (an OAuth token's exp, a delegation token's expiry), whichever are set.
   */
  private succeed(principal: KafkaPrincipal, step: SaslStep): number {
    // The shared principal's name: the login's own copy of the user name is not kept.
    this.user = principal.name;
    const now = this.clock.nowMs();
    const limits = [this.config.maxReauthMs > 0 ? this.config.maxReauthMs : null, step.credentialExpiresAtMs === undefined ? null : step.credentialExpiresAtMs - now];
    const set = limits.filter((limit): limit is number => limit !== null);
    if (set.length === 0) {
      this.state = AUTHENTICATED_FOR_GOOD;
      return 0;
    }
    const lifetimeMs = Math.max(0, Math.min(...set));
    this.state = { name: 'authenticated', expiresAtMs: now + lifetimeMs };
    return lifetimeMs;
  }

  private authenticateAnswer(header: RequestHeader, errorCode: number, errorMessage: string | null, authBytes: Buffer, lifetimeMs: number): Buffer[] {
    const sessionLifetimeMs = header.apiVersion >= FIRST_SESSION_LIFETIME_VERSION ? lifetimeMs : undefined;
    return encode(SaslAuthenticateApi, header, { errorCode, errorMessage, authBytes, sessionLifetimeMs });
  }
}

function unexpected(header: RequestHeader, when: string): GateOutcome {
  return { kind: 'close', afterMs: 0, reason: `unexpected request (API key ${header.apiKey} v${header.apiVersion}) ${when}` };
}

function decode<Request>(codec: ApiCodec<Request, unknown>, header: RequestHeader, reader: KafkaReader): Request | null {
  if (header.apiVersion < codec.minVersion || header.apiVersion > codec.maxVersion) return null;
  if (isFlexible(codec as ApiCodec, header.apiVersion)) reader.skipTaggedFields();
  return codec.decodeRequest(reader, header.apiVersion);
}

function encode<Response>(codec: ApiCodec<unknown, Response>, header: RequestHeader, body: Response): Buffer[] {
  const frame = beginResponseFrame(header.correlationId, isFlexible(codec as ApiCodec, header.apiVersion));
  codec.encodeResponse(frame, header.apiVersion, body);
  return finishResponseFrame(frame);
}

function sizePrefix(size: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(size);
  return prefix;
}
