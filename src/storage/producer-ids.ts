import { Injectable } from '@nestjs/common';

export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly producerEpoch: number;
}

/**
 * Hands out producer ids for idempotent producers (InitProducerId): a counter from 1000,
 * never reused within a process, always with epoch 0 (Kafka's answer when there is no
 * transactional id; a producer that needs a new epoch gets a new id instead). In durable mode
 * recovery raises the counter above every producer id found on disk, so a new producer never
 * inherits the sequence state of an old one.
 */
@Injectable()
export class ProducerIdAllocator {
  private nextId = 1000;

  allocate(): ProducerIdAndEpoch {
    return { producerId: this.nextId++, producerEpoch: 0 };
  }

  /** Never hand out `producerId` or anything below it again. */
  reserveThrough(producerId: number): void {
    if (producerId >= this.nextId) this.nextId = producerId + 1;
  }
}
