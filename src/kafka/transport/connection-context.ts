/**
 * What a handler may know of, and do to, the connection its request came on: one object per
 * connection, handed to every request of it (KafkaRequest.connection).
 * - `principal`: who the client is, the one place the broker keeps it: User:ANONYMOUS, the
 *   mapped DN of a client certificate, or the SASL login once the connection authenticates
 *   (the transport replaces it then). The authorizer, quotas and telemetry all read it here.
 * - `listenerName`, `securityProtocol`: the listener the connection came in on.
 * - `clientSoftware`: the name and version an ApiVersions v3+ request gave (KIP-511), which
 *   client telemetry matches subscriptions on; null until then. `clientPort`: the client's
 *   port (its address is KafkaRequest.clientHost), matched on too.
 * - `muteUntil(atMs)`: the quota hook. Kafka throttles a client over its quota by sending
 *   the response at once, with throttle_time_ms set, then muting the channel: no further
 *   request of the connection is read before `atMs` (KIP-219; Kafka 3.9 does this for every
 *   request version, old clients that ignore throttle_time_ms are held back by the mute).
 *   A later call extends the mute, never shortens it.
 */
import type { SecurityProtocol } from '../../common/connection-context.js';
import type { KafkaPrincipal } from '../../common/kafka-principal.js';

export interface ClientSoftware {
  readonly name: string;
  readonly version: string;
}

/** Who is on the other end, as the transport knows it when the connection is accepted. */
export interface ConnectionIdentity {
  readonly principal: KafkaPrincipal;
  /** `PLAINTEXT`, `SASL_SSL`, or a custom name from listener_security_protocol_map. */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
}

export interface ConnectionContext extends ConnectionIdentity {
  readonly clientPort: number;
  clientSoftware: ClientSoftware | null;
  muteUntil(atMs: number): void;
}
