import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';

/**
 * Who this broker says it is. A single node is its own controller and the leader of every
 * partition; the advertised endpoint is that of the listener the client connected to (each
 * listener has a port of its own), so every listener works as a bootstrap address and a
 * client is never sent to a listener with another security protocol.
 */
@Injectable()
export class ClusterIdentity {
  readonly nodeId = 1;
  /** Kafka cluster ids are 22-character base64 UUIDs; this one is fixed for a Blink node. */
  readonly clusterId = 'BlinkSingleNodeCluster';

  constructor(@Inject(BLINK_CONFIG) private readonly config: BlinkConfig) {}

  get advertisedHost(): string {
    return this.config.advertisedHostname;
  }

  /** The broker entry as clients should reach it through the listener bound to `localPort`. */
  endpoint(localPort: number): { nodeId: number; host: string; port: number } {
    const listener = this.config.listeners.find((l) => l.port === localPort) ?? this.config.listeners[0];
    if (listener === undefined) return { nodeId: this.nodeId, host: this.advertisedHost, port: localPort };
    return { nodeId: this.nodeId, host: listener.advertisedHost, port: listener.advertisedPort };
  }
}
