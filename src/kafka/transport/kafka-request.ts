import type { MemoryPin } from '../../storage/batch-memory.js';
import type { RequestHeader } from '../../wire/headers.js';
import type { ConnectionContext } from './connection-context.js';

/** The data a Kafka handler receives: the decoded body plus where it came from. */
export interface KafkaRequest<Body> {
  readonly header: RequestHeader;
  readonly body: Body;
  /** The broker port the client connected to (Metadata advertises it back). */
  readonly localPort: number;
  /** The client's IP address (DescribeGroups reports it per member). */
  readonly clientHost: string;
  readonly receivedAtMs: number;
  /**
   * The connection it came on: who sent it (the principal the authorizer, quotas and
   * telemetry read), its listener, client software, and the quota mute (connection-context.ts).
   */
  readonly connection: ConnectionContext;
  /**
   * APIs with `hotPath.pinsStoredBatches`: holds the pooled memory the response's stored
   * batches point into (given to PartitionLog.read) until the response is flushed. A handler
   * that drops every batch view it read (to wait, then read again) drops its holds.
   */
  readonly memoryPin?: MemoryPin;
}

/** Returned by a handler when Kafka sends no response (Produce with acks=0). */
export const NO_RESPONSE = Symbol('NO_RESPONSE');
