import { Injectable } from '@nestjs/common';

export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly producerEpoch: number;
}

/**
 * Hands out producer ids for idempotent producers (InitProducerId): a counter from 1000,
 * never reused within a process, always with epoch 0 (Kafka's answer when there is no
 * transactional id; a producer that needs a new epoch gets a new id instead).
 */
@Injectable()
export class ProducerIdAllocator {
  private nextId = 1000;

  allocate(): ProducerIdAndEpoch {
    return { producerId: this.nextId++, producerEpoch: 0 };
  }
}
