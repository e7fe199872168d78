import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { ListenerStatus } from './listener-status.js';

/**
 * Who this broker says it is. A single node is its own controller and the leader of every
 * partition; the advertised endpoint is that of the listener the client connected to (each
 * listener has a port of its own), so every listener works as a bootstrap address and a
 * client is never sent to a listener with another security protocol. A listener on port 0
 * (the OS picks a free one: tests, embedded brokers) advertises the port it is bound to.
 */
@Injectable()
export class ClusterIdentity {
  readonly nodeId = 1;
  /** Kafka cluster ids are 22-character base64 UUIDs; this one is fixed for a Blink node. */
  readonly clusterId = 'BlinkSingleNodeCluster';

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly listeners: ListenerStatus,
  ) {}

  get advertisedHost(): string {
    return this.config.advertisedHostname;
  }

  /** The broker entry as clients should reach it through the listener bound to `localPort`. */
  endpoint(localPort: number): { nodeId: number; host: string; port: number } {
    const bound = this.listeners.boundPorts;
    const at = bound.indexOf(localPort);
    const index = at >= 0 ? at : Math.max(0, this.config.listeners.findIndex((l) => l.port === localPort));
    const listener = this.config.listeners[index];
    if (listener === undefined) return { nodeId: this.nodeId, host: this.advertisedHost, port: localPort };
    const port = listener.advertisedPort !== 0 ? listener.advertisedPort : (bound[index] ?? localPort);
    return { nodeId: this.nodeId, host: listener.advertisedHost, port };
  }
}
