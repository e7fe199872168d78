import type { ConnectionContext } from '../../common/connection-context.js';
import type { RequestHeader } from '../../wire/headers.js';

/** The data a Kafka handler receives: the decoded body plus where it came from. */
export interface KafkaRequest<Body> {
  readonly header: RequestHeader;
  readonly body: Body;
  /** The broker port the client connected to (Metadata advertises it back). */
  readonly localPort: number;
  /** The client's IP address (DescribeGroups reports it per member). */
  readonly clientHost: string;
  readonly receivedAtMs: number;
  /** Who sent it (principal, listener, security protocol, host) as it stands when the request arrives. */
  readonly context: ConnectionContext;
}

/** Returned by a handler when Kafka sends no response (Produce with acks=0). */
export const NO_RESPONSE = Symbol('NO_RESPONSE');
