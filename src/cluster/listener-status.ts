import { Injectable } from '@nestjs/common';

/**
 * Whether the Kafka listeners are bound, and on which ports, as the transport reports it:
 * read by the readiness probe, the REST broker view and the advertised endpoint, which sit
 * beside the Kafka face and do not import it. The bound ports differ from `broker_ports`
 * when a port is 0 (the OS picks a free one: tests, embedded brokers).
 */
@Injectable()
export class ListenerStatus {
  private ports: readonly number[] = [];

  get isListening(): boolean {
    return this.ports.length > 0;
  }

  /** The ports the Kafka listeners are bound to, in `broker_ports` order; empty while closed. */
  get boundPorts(): readonly number[] {
    return this.ports;
  }

  listening(ports: readonly number[]): void {
    this.ports = Object.freeze([...ports]);
  }

  closed(): void {
    this.ports = [];
  }
}
