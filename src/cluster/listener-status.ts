import { Injectable } from '@nestjs/common';

/**
 * Whether the Kafka listeners are bound, as the transport reports it: read by the readiness
 * probe and the REST broker view, which sit beside the Kafka face and do not import it.
 */
@Injectable()
export class ListenerStatus {
  private bound = false;

  get isListening(): boolean {
    return this.bound;
  }

  listening(): void {
    this.bound = true;
  }

  closed(): void {
    this.bound = false;
  }
}
