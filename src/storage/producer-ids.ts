import { Injectable } from '@nestjs/common';

export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly producerEpoch: number;
}

const EPOCH_MAX = 0x7fff;
/** Producers remembered for epoch bumps; the oldest are forgotten past this bound. */
const TRACKED_PRODUCERS_MAX = 100_000;

/**
 * Hands out producer ids for idempotent producers (InitProducerId). Ids start at 1000 and
 * are never reused in a process. A producer asking to bump its epoch (KIP-360, v3+) keeps
 * its id; on epoch exhaustion it gets a new id, as Kafka does.
 */
@Injectable()
export class ProducerIdAllocator {
  private nextId = 1000;
  private readonly epochs = new Map<number, number>();

  allocate(): ProducerIdAndEpoch {
    const producerId = this.nextId++;
    this.epochs.set(producerId, 0);
    if (this.epochs.size > TRACKED_PRODUCERS_MAX) {
      this.epochs.delete(this.epochs.keys().next().value as number);
    }
    return { producerId, producerEpoch: 0 };
  }

  /** Returns null when (id, epoch) is not the current epoch of a known producer. */
  bumpEpoch(producerId: number, producerEpoch: number): ProducerIdAndEpoch | null {
    const current = this.epochs.get(producerId);
    if (current === undefined || current !== producerEpoch) return null;
    if (current + 1 > EPOCH_MAX) {
      this.epochs.delete(producerId);
      return this.allocate();
    }
    this.epochs.set(producerId, current + 1);
    return { producerId, producerEpoch: current + 1 };
  }
}
