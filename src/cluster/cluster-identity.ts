import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { ListenerStatus } from './listener-status.js';

/**
 * Who this broker says it is. A single node is its own controller and the leader of every
 * partition; the advertised port is the one the client connected to, so every listener
 * of `broker_ports` works as a bootstrap address (the bound port when `broker_ports` lists 0).
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

  /** The broker entry as clients should reach it through `localPort`. */
  endpoint(localPort: number): { nodeId: number; host: string; port: number } {
    const bound = this.listeners.boundPorts;
    const ports = bound.length > 0 ? bound : this.config.brokerPorts;
    const port = ports.includes(localPort) ? localPort : ports[0]!;
    return { nodeId: this.nodeId, host: this.advertisedHost, port };
  }
}
